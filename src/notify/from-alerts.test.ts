import { describe, expect, it } from 'vitest';
import type { Alert, NotificationGroup } from '../contract/index.ts';
import { groupDedupKey, notificationFromGroup } from './from-alerts.ts';
import { checkNotification } from './notification.ts';

const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a1',
    ruleName: 'HighErrorRate',
    labels: {
      alertname: 'HighErrorRate',
      service: 'checkout',
      instance: 'c-1',
      severity: 'critical',
    },
    annotations: { summary: 'Error rate 12% on checkout', description: 'Above 5% for 5m' },
    state: 'firing',
    severity: 'critical',
    activeAtMs: T0 - 300_000,
    firedAtMs: T0,
    lastActiveAtMs: T0,
    value: 0.12,
    ...over,
  };
}

function group(over: Partial<NotificationGroup> = {}): NotificationGroup {
  return {
    groupKey: '{alertname="HighErrorRate",service="checkout"}',
    groupLabels: { alertname: 'HighErrorRate', service: 'checkout' },
    atMs: T0 + 30_000,
    status: 'firing',
    firing: [alert()],
    resolved: [],
    reason: 'initial',
    ...over,
  };
}

describe('notificationFromGroup', () => {
  it('one firing alert becomes a valid notification titled by its summary', () => {
    const n = notificationFromGroup(group(), { url: () => 'http://127.0.0.1:8080/alerts' });
    expect(checkNotification(n)).toEqual([]);
    expect(n).toMatchObject({
      kind: 'firing',
      title: 'Error rate 12% on checkout',
      severity: 'critical',
      status: 'firing',
      startsAt: new Date(T0).toISOString(),
      labels: { alertname: 'HighErrorRate', service: 'checkout' },
      annotations: { summary: 'Error rate 12% on checkout', description: 'Above 5% for 5m' },
      url: 'http://127.0.0.1:8080/alerts',
      dedupKey: groupDedupKey(group().groupKey),
      id: `${groupDedupKey(group().groupKey)}-${T0 + 30_000}`,
    });
    expect(n.summary).toBe(
      'Above 5% for 5m\n[firing] Error rate 12% on checkout {instance=c-1, severity=critical} value=0.12',
    );
  });

  it('a group keeps one dedup key across firing and resolved messages; ids differ', () => {
    const firing = notificationFromGroup(group());
    const resolved = notificationFromGroup(
      group({
        status: 'resolved',
        atMs: T0 + 600_000,
        firing: [],
        resolved: [alert({ state: 'resolved', resolvedAtMs: T0 + 590_000 })],
      }),
    );
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.id).not.toBe(firing.id);
    expect(resolved).toMatchObject({
      kind: 'resolved',
      endsAt: new Date(T0 + 590_000).toISOString(),
    });
  });

  it.each([
    { severities: ['warning'] as const, want: 'medium' },
    { severities: ['info'] as const, want: 'info' },
    { severities: ['info', 'warning', 'critical'] as const, want: 'critical' },
  ])('severity of $severities is $want', ({ severities, want }) => {
    const firing = severities.map((s, i) => alert({ id: `a${i}`, severity: s }));
    expect(notificationFromGroup(group({ firing })).severity).toBe(want);
  });

  it('many alerts: counted title, one line each up to 20, the rest counted', () => {
    const firing = Array.from({ length: 25 }, (_, i) =>
      alert({
        id: `a${i}`,
        labels: { alertname: 'HighErrorRate', service: 'checkout', instance: `c-${i}` },
      }),
    );
    const n = notificationFromGroup(
      group({ firing, resolved: [alert({ id: 'r', state: 'resolved' })] }),
    );
    expect(n.title).toBe('25 firing, 1 resolved: HighErrorRate (service=checkout)');
    const lines = n.summary.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('… and 6 more');
    expect(n.annotations).toEqual({});
    expect(checkNotification(n)).toEqual([]);
  });
});
