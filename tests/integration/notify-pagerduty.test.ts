/** PagerDuty Events API v2 against a real node:http receiver checking the spec's fields and enums. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type NotificationKind,
  type NotificationSeverity,
  type PagerDutyEvent,
  PagerDutyNotifier,
} from '../../src/notify/index.ts';
import {
  describeNotifierContract,
  sampleNotification,
} from '../../src/notify/notifier.contract.ts';
import {
  deadUrl,
  pagerDutyOkBody,
  pagerDutyValidator,
  type Receiver,
  startHttpReceiver,
} from './notify-receivers.ts';

const ROUTING_KEY = 'R0123456789abcdef0123456789ABCDE';
const receiver = () =>
  startHttpReceiver({ validate: pagerDutyValidator, okStatus: 202, okBody: pagerDutyOkBody });
const pd = (url: string) =>
  new PagerDutyNotifier({ name: 'pd', routingKey: ROUTING_KEY, url, source: 'opsight-test' });

describeNotifierContract('PagerDutyNotifier', async () => {
  const r = await receiver();
  return {
    notifier: pd(r.url),
    behave: (b) => r.behave(b),
    accepted: () => r.accepted(),
    problems: () => r.problems,
    unreachable: async () => pd(await deadUrl('/v2/enqueue')),
    close: () => r.close(),
  };
});

describe('PagerDutyNotifier events', () => {
  let r: Receiver | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  const sent = (): PagerDutyEvent => JSON.parse(r?.requests[0]?.body ?? '') as PagerDutyEvent;

  it.each<{ kind: NotificationKind; action: string }>([
    { kind: 'firing', action: 'trigger' },
    { kind: 'opened', action: 'trigger' },
    { kind: 'escalated', action: 'trigger' },
    { kind: 'acknowledged', action: 'acknowledge' },
    { kind: 'resolved', action: 'resolve' },
  ])('$kind → event_action $action under the dedup key', async ({ kind, action }) => {
    r = await receiver();
    expect((await pd(r.url).send(sampleNotification({ kind }))).status).toBe(202);
    expect(sent()).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: action,
      dedup_key: 'fp-9f2c1a',
    });
    expect(sent().payload === undefined).toBe(action !== 'trigger');
  });

  it.each<{ severity: NotificationSeverity; want: string }>([
    { severity: 'critical', want: 'critical' },
    { severity: 'high', want: 'error' },
    { severity: 'medium', want: 'warning' },
    { severity: 'low', want: 'warning' },
    { severity: 'info', want: 'info' },
  ])('severity $severity → $want', async ({ severity, want }) => {
    r = await receiver();
    await pd(r.url).send(sampleNotification({ severity }));
    expect(sent().payload?.severity).toBe(want);
  });

  it('fills the trigger payload from the notification and its labels', async () => {
    r = await receiver();
    const n = sampleNotification({
      labels: { service: 'checkout', env: 'prod', alertname: 'HighErrorRate' },
    });
    await pd(r.url).send(n);
    expect(sent()).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: n.dedupKey,
      payload: {
        summary: n.title,
        source: 'opsight-test',
        severity: 'critical',
        timestamp: n.startsAt,
        component: 'checkout',
        group: 'prod',
        class: 'HighErrorRate',
        custom_details: {
          id: n.id,
          kind: 'firing',
          status: 'firing',
          summary: n.summary,
          labels: n.labels,
          annotations: n.annotations,
          startsAt: n.startsAt,
        },
      },
      client: 'opsight',
      client_url: n.url,
      links: [{ href: n.url, text: 'Open in opsight' }],
    });
  });

  it('cuts the summary to 1024 characters and the dedup key to 255', async () => {
    r = await receiver();
    await pd(r.url).send(
      sampleNotification({ title: 'x'.repeat(5_000), dedupKey: 'k'.repeat(400) }),
    );
    expect(r.problems).toEqual([]);
    expect(sent().payload?.summary).toHaveLength(1024);
    expect(sent().dedup_key).toHaveLength(255);
  });
});
