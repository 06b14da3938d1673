/**
 * The dispatcher over all four channels, each with a real local receiver: fan-out, retries with
 * recorded backoff, giving up, timeouts of a receiver that never answers while the others still
 * deliver promptly, routing, and the JSON Lines delivery log.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng, VirtualClock } from '../../src/contract/index.ts';
import {
  backoffDelayMs,
  createChannels,
  type DeliveryAttempt,
  type DeliveryLog,
  Dispatcher,
  InMemoryDeliveryLog,
  JsonlDeliveryLog,
  parseNotificationsConfig,
  type Sleep,
} from '../../src/notify/index.ts';
import { sampleNotification } from '../../src/notify/notifier.contract.ts';
import {
  pagerDutyOkBody,
  pagerDutyValidator,
  type Receiver,
  type SmtpReceiver,
  slackValidator,
  startHttpReceiver,
  startSmtpReceiver,
  webhookValidator,
} from './notify-receivers.ts';

const NOW_MS = Date.UTC(2026, 10, 22, 1, 0, 0);
const SECRET = 'whsec-0123456789abcdef';
const SEED = 7;

interface Rig {
  webhook: Receiver;
  slack: Receiver;
  pagerduty: Receiver;
  smtp: SmtpReceiver;
}

/** Polls `cond` until true or the deadline passes; a condition wait, not a fixed sleep. */
async function waitFor(cond: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Dispatcher with real receivers', () => {
  let rig: Rig;
  let dispatcher: Dispatcher | undefined;
  const slept: number[] = [];
  /** Records each backoff wait and returns at once: no real waiting in tests. */
  const sleep: Sleep = async (ms) => {
    slept.push(ms);
  };

  beforeEach(async () => {
    slept.length = 0;
    rig = {
      webhook: await startHttpReceiver({
        validate: webhookValidator(SECRET, () => NOW_MS),
        okStatus: 204,
        okBody: () => '',
      }),
      slack: await startHttpReceiver({
        validate: slackValidator,
        okStatus: 200,
        okBody: () => 'ok',
      }),
      pagerduty: await startHttpReceiver({
        validate: pagerDutyValidator,
        okStatus: 202,
        okBody: pagerDutyOkBody,
      }),
      smtp: await startSmtpReceiver(),
    };
  });

  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
    await Promise.all([
      rig.webhook.close(),
      rig.slack.close(),
      rig.pagerduty.close(),
      rig.smtp.close(),
    ]);
  });

  /** The section as it would come from opsight.yaml. */
  function section(over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      attemptTimeoutMs: 2_000,
      retry: {
        maxAttempts: 4,
        initialDelayMs: 100,
        multiplier: 2,
        maxDelayMs: 1_000,
        jitterRatio: 0.2,
      },
      channels: [
        { name: 'ops-hook', type: 'webhook', url: rig.webhook.url, secret: SECRET },
        { name: 'team-slack', type: 'slack', url: rig.slack.url },
        {
          name: 'pager',
          type: 'pagerduty',
          routingKey: 'R0123456789abcdef0123456789ABCDE',
          url: rig.pagerduty.url,
          minSeverity: 'high',
        },
        {
          name: 'mail',
          type: 'email',
          smtp: { host: rig.smtp.host, port: rig.smtp.port, timeoutMs: 5_000 },
          from: 'opsight@example.test',
          to: ['oncall@example.test'],
        },
      ],
      ...over,
    };
  }

  function start(log: DeliveryLog, over: Record<string, unknown> = {}): Dispatcher {
    const config = parseNotificationsConfig(section(over));
    const clock = new VirtualClock(NOW_MS);
    dispatcher = new Dispatcher(
      createChannels(config, { clock }),
      { log, clock, rng: createRng(SEED), sleep },
      config.dispatcher,
    );
    return dispatcher;
  }

  it('fans one notification out to every channel and records one attempt each', async () => {
    const log = new InMemoryDeliveryLog();
    const report = await start(log).dispatch(sampleNotification());
    expect(report.results.map((r) => [r.channel, r.ok, r.attempts])).toEqual([
      ['ops-hook', true, 1],
      ['team-slack', true, 1],
      ['pager', true, 1],
      ['mail', true, 1],
    ]);
    expect(rig.webhook.accepted()).toHaveLength(1);
    expect(rig.slack.accepted()).toHaveLength(1);
    expect(rig.pagerduty.accepted()).toHaveLength(1);
    expect(rig.smtp.mails).toHaveLength(1);
    const entries = log.snapshot();
    expect(entries.map((e) => [e.channel, e.channelKind, e.attempt, e.outcome, e.final])).toEqual(
      expect.arrayContaining([
        ['ops-hook', 'webhook', 1, 'delivered', true],
        ['team-slack', 'slack', 1, 'delivered', true],
        ['pager', 'pagerduty', 1, 'delivered', true],
        ['mail', 'email', 1, 'delivered', true],
      ]),
    );
    for (const e of entries) {
      expect(e).toMatchObject({
        notificationId: 'alert-42',
        notificationKind: 'firing',
        dedupKey: 'fp-9f2c1a',
        at: new Date(NOW_MS).toISOString(),
      });
      expect(e.durationMs).toBeGreaterThan(0);
    }
  });

  it('routes by severity: a low notification skips the pager channel', async () => {
    const report = await start(new InMemoryDeliveryLog()).dispatch(
      sampleNotification({ severity: 'low' }),
    );
    expect(report.results.map((r) => r.channel)).toEqual(['ops-hook', 'team-slack', 'mail']);
    expect(rig.pagerduty.requests).toHaveLength(0);
  });

  it('retries 500s with seeded exponential backoff and records every attempt', async () => {
    rig.webhook.plan(['fail', 'fail'], 'accept');
    rig.smtp.plan(['fail'], 'accept');
    const log = new InMemoryDeliveryLog();
    const report = await start(log).dispatch(sampleNotification());
    const hook = report.results.find((r) => r.channel === 'ops-hook');
    expect(hook).toMatchObject({ ok: true, attempts: 3, status: 204 });
    expect(report.results.find((r) => r.channel === 'mail')).toMatchObject({
      ok: true,
      attempts: 2,
    });
    const hookLog = await log.list({ channel: 'ops-hook' });
    expect(hookLog.map((e) => [e.attempt, e.outcome, e.status, e.final])).toEqual([
      [1, 'failed', 500, false],
      [2, 'failed', 500, false],
      [3, 'delivered', 204, true],
    ]);
    expect(hookLog[0]?.error).toMatch(/^HTTP 500/);
    const mailLog = await log.list({ channel: 'mail' });
    expect(mailLog.map((e) => [e.attempt, e.outcome, e.status])).toEqual([
      [1, 'failed', 451],
      [2, 'delivered', 250],
    ]);
    // Each recorded wait is the policy's backoff for that attempt, and was actually slept.
    const waits = [...hookLog, ...mailLog].flatMap((e) =>
      e.retryInMs === undefined ? [] : [e.retryInMs],
    );
    expect([...slept].sort()).toEqual([...waits].sort());
    const policy = parseNotificationsConfig(section()).dispatcher.retry;
    for (const e of hookLog.filter((x) => !x.final)) {
      const base = 100 * 2 ** (e.attempt - 1);
      expect(e.retryInMs).toBeGreaterThanOrEqual(base * 0.8);
      expect(e.retryInMs).toBeLessThanOrEqual(base * 1.2);
    }
    expect(policy.maxAttempts).toBe(4);
  });

  it('gives up after maxAttempts against a receiver that always fails', async () => {
    rig.slack.behave('fail');
    const log = new InMemoryDeliveryLog();
    const report = await start(log).dispatch(sampleNotification());
    expect(report.results.find((r) => r.channel === 'team-slack')).toMatchObject({
      ok: false,
      attempts: 4,
      status: 500,
      retryable: true,
    });
    expect(rig.slack.requests).toHaveLength(4);
    const entries = await log.list({ channel: 'team-slack' });
    expect(entries.map((e) => [e.attempt, e.outcome, e.final])).toEqual([
      [1, 'failed', false],
      [2, 'failed', false],
      [3, 'failed', false],
      [4, 'failed', true],
    ]);
    expect(entries[3]?.retryInMs).toBeUndefined();
    // The other channels were not held back: each delivered on its first attempt.
    expect(
      report.results
        .filter((r) => r.channel !== 'team-slack')
        .every((r) => r.ok && r.attempts === 1),
    ).toBe(true);
  });

  it('does not retry a permanent refusal', async () => {
    rig.pagerduty.behave('reject');
    const report = await start(new InMemoryDeliveryLog()).dispatch(sampleNotification());
    expect(report.results.find((r) => r.channel === 'pager')).toMatchObject({
      ok: false,
      attempts: 1,
      status: 400,
      retryable: false,
    });
    expect(rig.pagerduty.requests).toHaveLength(1);
  });

  it('times out a receiver that never answers while the others deliver promptly', async () => {
    const timeoutMs = 1_200;
    rig.webhook.behave('hang');
    const log = new InMemoryDeliveryLog();
    const d = start(log, {
      attemptTimeoutMs: timeoutMs,
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10, jitterRatio: 0 },
    });
    const t0 = performance.now();
    const pending = d.dispatch(sampleNotification());
    const others = ['team-slack', 'pager', 'mail'];
    await waitFor(
      () =>
        others.every((c) =>
          log.snapshot().some((e) => e.channel === c && e.outcome === 'delivered'),
        ),
      timeoutMs,
      'the healthy channels to deliver before the hanging one times out',
    );
    // The hanging channel has not even finished its first attempt yet.
    expect(log.snapshot().filter((e) => e.channel === 'ops-hook')).toEqual([]);
    const report = await pending;
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2 * timeoutMs);
    expect(elapsed).toBeLessThan(2 * timeoutMs + 2_000);
    expect(report.results.find((r) => r.channel === 'ops-hook')).toMatchObject({
      ok: false,
      attempts: 2,
      retryable: true,
      error: `timeout after ${timeoutMs} ms`,
    });
    const hook = await log.list({ channel: 'ops-hook' });
    expect(hook.map((e) => [e.attempt, e.outcome, e.final])).toEqual([
      [1, 'timeout', false],
      [2, 'timeout', true],
    ]);
    for (const e of hook) expect(e.durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    for (const c of others) {
      const [e] = await log.list({ channel: c });
      expect(e?.durationMs).toBeLessThan(timeoutMs);
    }
    expect(rig.webhook.requests).toHaveLength(2);
  });

  it('writes every attempt to deliveries.jsonl under the data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsight-notify-'));
    try {
      rig.webhook.plan(['fail'], 'accept');
      const log = new JsonlDeliveryLog({ dir: join(dir, 'notify'), maxFileBytes: 1 << 20 });
      const d = start(log);
      await d.dispatch(sampleNotification());
      await d.dispatch(
        sampleNotification({ kind: 'resolved', status: 'resolved', id: 'alert-42' }),
      );
      const lines = (await readFile(join(dir, 'notify', 'deliveries.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      const parsed = lines.map((l) => JSON.parse(l) as DeliveryAttempt);
      // firing: 4 channels + 1 retry; resolved: 4 channels.
      expect(parsed).toHaveLength(9);
      expect(parsed[0]).toEqual(
        expect.objectContaining({
          notificationId: 'alert-42',
          attempt: 1,
          at: new Date(NOW_MS).toISOString(),
        }),
      );
      expect(await log.list({ channel: 'ops-hook' })).toHaveLength(3);
      expect(parsed.some((e) => JSON.stringify(e).includes(SECRET))).toBe(false);
      expect(parsed.some((e) => JSON.stringify(e).includes('secret-path'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('backoffDelayMs is reproducible from the seed', () => {
    const policy = parseNotificationsConfig(section()).dispatcher.retry;
    const a = createRng(SEED);
    const b = createRng(SEED);
    const seq = (r: typeof a) => [1, 2, 3].map((k) => backoffDelayMs(policy, k, r));
    expect(seq(a)).toEqual(seq(b));
  });
});
