/** The Slack-compatible notifier against a real node:http receiver that enforces Block Kit limits. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type NotificationSeverity,
  SLACK_COLORS,
  SlackNotifier,
  type SlackPayload,
} from '../../src/notify/index.ts';
import {
  describeNotifierContract,
  sampleNotification,
} from '../../src/notify/notifier.contract.ts';
import { deadUrl, type Receiver, slackValidator, startHttpReceiver } from './notify-receivers.ts';

const receiver = () =>
  startHttpReceiver({ validate: slackValidator, okStatus: 200, okBody: () => 'ok' });
const slack = (url: string) => new SlackNotifier({ name: 'slack', url });

describeNotifierContract('SlackNotifier', async () => {
  const r = await receiver();
  return {
    notifier: slack(r.url),
    behave: (b) => r.behave(b),
    accepted: () => r.accepted(),
    problems: () => r.problems,
    unreachable: async () => slack(await deadUrl('/services/T000/B000/XXXX')),
    close: () => r.close(),
  };
});

describe('SlackNotifier payload', () => {
  let r: Receiver | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it.each<{ severity: NotificationSeverity; kind: 'firing' | 'resolved'; color: string }>([
    { severity: 'critical', kind: 'firing', color: SLACK_COLORS.critical },
    { severity: 'high', kind: 'firing', color: SLACK_COLORS.high },
    { severity: 'medium', kind: 'firing', color: SLACK_COLORS.medium },
    { severity: 'low', kind: 'firing', color: SLACK_COLORS.low },
    { severity: 'info', kind: 'firing', color: SLACK_COLORS.info },
    { severity: 'critical', kind: 'resolved', color: SLACK_COLORS.resolved },
  ])('colours a $kind $severity notification $color', async ({ severity, kind, color }) => {
    r = await receiver();
    const n = sampleNotification({ severity, kind });
    expect((await slack(r.url).send(n)).ok).toBe(true);
    const p = JSON.parse(r.requests[0]?.body ?? '') as SlackPayload;
    expect(p.attachments[0]?.color).toBe(color);
    expect(p.text).toBe(`[${kind.toUpperCase()} · ${severity}] ${n.title}`);
  });

  it('carries title, summary, fields, labels and a dashboard button; escapes mrkdwn', async () => {
    r = await receiver();
    const n = sampleNotification({
      summary: 'p95 > 300 ms & rising <fast>',
      endsAt: '2026-11-22T01:10:00.000Z',
    });
    await slack(r.url).send(n);
    const blocks = (JSON.parse(r.requests[0]?.body ?? '') as SlackPayload).attachments[0]?.blocks;
    expect(blocks?.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
      'actions',
    ]);
    expect(blocks?.[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: n.title } });
    expect(blocks?.[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'p95 &gt; 300 ms &amp; rising &lt;fast&gt;' },
    });
    const fields = blocks?.[2]?.type === 'section' ? blocks[2].fields : undefined;
    expect(fields?.map((f) => f.text)).toEqual([
      '*Severity*\ncritical',
      '*Status*\nfiring',
      `*Started*\n${n.startsAt}`,
      `*Ended*\n${n.endsAt}`,
    ]);
    expect(JSON.stringify(blocks?.[3])).toContain('`service=checkout`');
    expect(JSON.stringify(blocks?.[4])).toContain(n.url);
  });

  it('omits the summary section when the summary is empty (Slack rejects empty text)', async () => {
    r = await receiver();
    const result = await slack(r.url).send(
      sampleNotification({ summary: '', url: undefined as never }),
    );
    expect(r.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('passes Retry-After from a 429 on to the dispatcher', async () => {
    r = await startHttpReceiver({
      validate: slackValidator,
      okStatus: 200,
      okBody: () => 'ok',
      failStatus: 429,
      retryAfter: '7',
    });
    r.behave('fail');
    const result = await slack(r.url).send(sampleNotification());
    expect(result).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 7_000 });
  });
});
