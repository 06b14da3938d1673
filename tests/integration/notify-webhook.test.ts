/** The generic webhook against a real node:http receiver that verifies the HMAC signature. */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/contract/index.ts';
import {
  type Notifier,
  verifyWebhookSignature,
  type WebhookBody,
  WebhookNotifier,
} from '../../src/notify/index.ts';
import {
  describeNotifierContract,
  sampleNotification,
} from '../../src/notify/notifier.contract.ts';
import { deadUrl, type Receiver, startHttpReceiver, webhookValidator } from './notify-receivers.ts';

const SECRET = 'whsec-0123456789abcdef';
const NOW_MS = Date.UTC(2026, 10, 22, 1, 0, 0);

async function receiver(secret = SECRET): Promise<Receiver> {
  return startHttpReceiver({
    validate: webhookValidator(secret, () => NOW_MS),
    okStatus: 204,
    okBody: () => '',
  });
}

function webhook(url: string, clock = new VirtualClock(NOW_MS), secret = SECRET): Notifier {
  return new WebhookNotifier({ name: 'hook', url, secret, clock });
}

describeNotifierContract('WebhookNotifier', async () => {
  const r = await receiver();
  return {
    notifier: webhook(r.url),
    behave: (b) => r.behave(b),
    accepted: () => r.accepted(),
    problems: () => r.problems,
    unreachable: async () => webhook(await deadUrl()),
    close: () => r.close(),
  };
});

describe('WebhookNotifier signing', () => {
  let r: Receiver | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('sends the notification verbatim, signed over timestamp.body, with delivery headers', async () => {
    r = await receiver();
    const n = sampleNotification({ kind: 'escalated', id: 'inc-7' });
    const result = await webhook(r.url).send(n);
    expect(result).toMatchObject({ ok: true, status: 204 });
    const req = r.requests[0];
    expect(req).toBeDefined();
    const body = JSON.parse(req?.body ?? '') as WebhookBody;
    expect(body).toEqual({ version: 1, notification: n });
    expect(req?.headers['x-opsight-timestamp']).toBe(String(NOW_MS / 1000));
    expect(req?.headers['x-opsight-event']).toBe('escalated');
    expect(req?.headers['x-opsight-delivery']).toBe('inc-7/escalated');
    const verify = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret: SECRET,
        timestamp: req?.headers['x-opsight-timestamp'] as string,
        signature: req?.headers['x-opsight-signature'] as string,
        body: req?.body ?? '',
        nowMs: NOW_MS + 1_000,
        ...over,
      });
    expect(verify({})).toEqual({ ok: true });
    expect(verify({ body: `${req?.body} ` }).ok).toBe(false);
    expect(verify({ secret: `${SECRET}x` }).ok).toBe(false);
    expect(verify({ timestamp: String(NOW_MS / 1000 + 1) }).ok).toBe(false);
    expect(verify({ nowMs: NOW_MS + 6 * 60_000 })).toEqual({
      ok: false,
      reason: 'timestamp outside tolerance (replay?)',
    });
    expect(verify({ signature: undefined }).ok).toBe(false);
  });

  it('a receiver holding another secret refuses the delivery; it is not retried', async () => {
    r = await receiver('another-secret-0000');
    const result = await webhook(r.url).send(sampleNotification());
    expect(result).toMatchObject({ ok: false, status: 400, retryable: false });
    expect(r.problems).toContain('bad signature');
  });

  it('re-signs each attempt with the time of that attempt', async () => {
    r = await startHttpReceiver({
      validate: webhookValidator(SECRET, () => clock.nowMs()),
      okStatus: 200,
      okBody: () => 'ok',
    });
    const clock = new VirtualClock(NOW_MS);
    const hook = webhook(r.url, clock);
    await hook.send(sampleNotification());
    clock.advance(90_000);
    await hook.send(sampleNotification());
    const stamps = r.requests.map((q) => q.headers['x-opsight-timestamp']);
    expect(stamps).toEqual([String(NOW_MS / 1000), String(NOW_MS / 1000 + 90)]);
    expect(r.problems).toEqual([]);
  });

  it('sends configured extra headers and never leaks the URL into errors', async () => {
    r = await receiver();
    r.behave('fail');
    const hook = new WebhookNotifier({
      name: 'hook',
      url: r.url,
      secret: SECRET,
      clock: new VirtualClock(NOW_MS),
      headers: { authorization: 'Bearer t0ken' },
    });
    const result = await hook.send(sampleNotification());
    expect(r.requests[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(result.error).not.toContain('secret-path');
  });
});
