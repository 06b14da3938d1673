import { describe, expect, it } from 'vitest';
import type { Alert, Silence } from '../contract/index.ts';
import { defaultInhibitRules } from './defaults.ts';
import { applyMutes, expireSilence, notifiable, pruneSilences, silenceStatus } from './silences.ts';

const MIN = 60_000;

function alert(
  id: string,
  labels: Record<string, string>,
  state: Alert['state'] = 'firing',
): Alert {
  return {
    id,
    ruleName: labels.alertname ?? 'X',
    labels,
    annotations: {},
    state,
    severity: 'warning',
    activeAtMs: 0,
    lastActiveAtMs: 0,
  };
}

const silence: Silence = {
  id: 's1',
  matchers: [
    { name: 'service', op: '=', value: 'api' },
    { name: 'alertname', op: '=~', value: 'High.*' },
  ],
  startsAtMs: 10 * MIN,
  endsAtMs: 70 * MIN,
  createdBy: 'ana',
  comment: 'deploy window',
};

describe('silences', () => {
  it.each([
    { at: 0, status: 'pending' },
    { at: 10 * MIN, status: 'active' },
    { at: 69 * MIN, status: 'active' },
    { at: 70 * MIN, status: 'expired' },
  ])('at $at ms a 10–70 min silence is $status', ({ at, status }) => {
    expect(silenceStatus(silence, at)).toBe(status);
  });

  it.each([
    { labels: { alertname: 'HighLatency', service: 'api' }, at: 30 * MIN, muted: true },
    { labels: { alertname: 'HighLatency', service: 'web' }, at: 30 * MIN, muted: false },
    { labels: { alertname: 'ServiceDown', service: 'api' }, at: 30 * MIN, muted: false },
    { labels: { alertname: 'HighLatency', service: 'api' }, at: 5 * MIN, muted: false },
    { labels: { alertname: 'HighLatency', service: 'api' }, at: 80 * MIN, muted: false },
  ])('$labels at $at → muted $muted', ({ labels, at, muted }) => {
    const [r] = applyMutes([alert('a', labels)], [silence], [], at);
    expect(r?.muted).toBe(muted);
    expect(r?.mute.silencedBy).toEqual(muted ? ['s1'] : []);
  });

  it('expires early: an expired silence mutes nothing', () => {
    const ended = expireSilence(silence, 20 * MIN);
    expect(ended.endsAtMs).toBe(20 * MIN);
    expect(silenceStatus(ended, 20 * MIN)).toBe('expired');
    const [r] = applyMutes(
      [alert('a', { alertname: 'HighLatency', service: 'api' })],
      [ended],
      [],
      30 * MIN,
    );
    expect(r?.muted).toBe(false);
    // Expiring a not-yet-started silence ends it at its start; expiring twice changes nothing.
    expect(expireSilence(silence, 0).endsAtMs).toBe(10 * MIN);
    expect(expireSilence(ended, 50 * MIN)).toBe(ended);
  });

  it('prunes silences expired longer than the keep time', () => {
    expect(pruneSilences([silence], 70 * MIN + 5 * MIN, 10 * MIN)).toEqual([silence]);
    expect(pruneSilences([silence], 70 * MIN + 10 * MIN, 10 * MIN)).toEqual([]);
  });
});

describe('inhibition (defaults: a down service mutes its latency alerts)', () => {
  const down = alert('down-api', {
    alertname: 'ServiceDown',
    service: 'api',
    severity: 'critical',
  });
  const latencyApi = alert('lat-api', { alertname: 'HighLatency', service: 'api' });
  const latencyWeb = alert('lat-web', { alertname: 'HighLatency', service: 'web' });
  const burnApi = alert('burn-api', { alertname: 'SLOBurnPage', slo: 'latency', service: 'api' });
  const availApi = alert('avail-api', {
    alertname: 'SLOBurnPage',
    slo: 'availability',
    service: 'api',
  });

  it.each([
    { target: latencyApi, inhibited: true },
    { target: latencyWeb, inhibited: false },
    { target: burnApi, inhibited: true },
    { target: availApi, inhibited: false },
    { target: down, inhibited: false },
  ])('$target.id inhibited: $inhibited', ({ target, inhibited }) => {
    const all = [down, latencyApi, latencyWeb, burnApi, availApi];
    const r = applyMutes(all, [], defaultInhibitRules(), 0).find((x) => x.alert.id === target.id);
    expect(r?.mute.inhibitedBy).toEqual(inhibited ? ['down-api'] : []);
  });

  it('only a firing source inhibits', () => {
    const pending = { ...down, state: 'pending' as const };
    const [, r] = applyMutes([pending, latencyApi], [], defaultInhibitRules(), 0);
    expect(r?.muted).toBe(false);
  });

  it('an alert matching source and target does not inhibit itself', () => {
    const rule = {
      sourceMatchers: [{ name: 'alertname', op: '=~' as const, value: '.*' }],
      targetMatchers: [{ name: 'alertname', op: '=~' as const, value: '.*' }],
      equal: ['service'],
    };
    const [r] = applyMutes([latencyApi], [], [rule], 0);
    expect(r?.muted).toBe(false);
  });

  it('notifiable keeps unmuted firing and resolved alerts', () => {
    const resolved = alert('res', { alertname: 'X', service: 'db' }, 'resolved');
    const pending = alert('pen', { alertname: 'X', service: 'db' }, 'pending');
    const out = notifiable(
      applyMutes([down, latencyApi, resolved, pending], [], defaultInhibitRules(), 0),
    );
    expect(out.map((a) => a.id)).toEqual(['down-api', 'res']);
  });
});
