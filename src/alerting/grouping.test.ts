import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert, NotificationGroup } from '../contract/index.ts';
import {
  emptyGroupingState,
  type GroupingState,
  groupLabelsOf,
  groupNotifications,
  nextDueMs,
  type RouteOptions,
} from './grouping.ts';

const S = 1000;
const route: RouteOptions = {
  groupBy: ['alertname', 'service'],
  groupWaitMs: 30 * S,
  groupIntervalMs: 300 * S,
  repeatIntervalMs: 3600 * S,
};

function alert(id: string, service: string, state: Alert['state'], name = 'HighLatency'): Alert {
  return {
    id,
    ruleName: name,
    labels: { alertname: name, service, instance: id },
    annotations: {},
    state,
    severity: 'warning',
    activeAtMs: 0,
    lastActiveAtMs: 0,
  };
}

/** Feeds `alertsAt(t)` at each tick (seconds); returns "t:reason firing=[..] resolved=[..]". */
function simulate(ticks: readonly number[], alertsAt: (t: number) => Alert[]): string[] {
  let state: GroupingState = emptyGroupingState();
  const out: string[] = [];
  for (const t of ticks) {
    const r = groupNotifications(state, alertsAt(t), t * S, route);
    state = r.state;
    for (const n of r.notifications) out.push(describeNote(t, n));
  }
  return out;
}

function describeNote(t: number, n: NotificationGroup): string {
  const ids = (xs: readonly Alert[]) => xs.map((a) => a.id).join(',');
  return `${t}:${n.reason} ${n.groupLabels.service} firing=[${ids(n.firing)}] resolved=[${ids(n.resolved)}]`;
}

const every15s = (untilS: number) => Array.from({ length: untilS / 15 + 1 }, (_, i) => i * 15);

describe('grouping timers', () => {
  it('waits group_wait, batching alerts that start together', () => {
    const got = simulate(every15s(60), (t) => [
      alert('a1', 'api', 'firing'),
      ...(t >= 15 ? [alert('a2', 'api', 'firing')] : []),
    ]);
    expect(got).toEqual(['30:initial api firing=[a1,a2] resolved=[]']);
  });

  it('sends changes only at group_interval, and resolved once', () => {
    const got = simulate(every15s(900), (t) => [
      alert('a1', 'api', t < 400 ? 'firing' : 'resolved'),
      ...(t >= 100 ? [alert('a2', 'api', 'firing')] : []),
    ]);
    expect(got).toEqual([
      '30:initial api firing=[a1] resolved=[]',
      '330:update api firing=[a1,a2] resolved=[]',
      '630:update api firing=[a2] resolved=[a1]',
    ]);
  });

  it('repeats unchanged content after repeat_interval', () => {
    const got = simulate(every15s(7500), () => [alert('a1', 'api', 'firing')]);
    expect(got).toEqual([
      '30:initial api firing=[a1] resolved=[]',
      '3630:repeat api firing=[a1] resolved=[]',
      '7230:repeat api firing=[a1] resolved=[]',
    ]);
  });

  it('keeps groups apart by group_by labels', () => {
    const got = simulate([0, 30], () => [
      alert('a1', 'api', 'firing'),
      alert('w1', 'web', 'firing'),
      alert('a3', 'api', 'firing', 'ErrorRate'),
    ]);
    expect(got).toEqual([
      '30:initial api firing=[a3] resolved=[]',
      '30:initial api firing=[a1] resolved=[]',
      '30:initial web firing=[w1] resolved=[]',
    ]);
  });

  it('says nothing when an alert resolves before group_wait ends, and drops the group', () => {
    let state = emptyGroupingState();
    state = groupNotifications(state, [alert('a1', 'api', 'firing')], 0, route).state;
    const r = groupNotifications(state, [alert('a1', 'api', 'resolved')], 30 * S, route);
    expect(r.notifications).toEqual([]);
    expect(r.state.groups).toEqual({});
  });

  it('drops a group after its last alert resolved and was notified', () => {
    let state = emptyGroupingState();
    state = groupNotifications(state, [alert('a1', 'api', 'firing')], 0, route).state;
    state = groupNotifications(state, [alert('a1', 'api', 'firing')], 30 * S, route).state;
    const r = groupNotifications(state, [alert('a1', 'api', 'resolved')], 330 * S, route);
    expect(r.notifications.map((n) => n.status)).toEqual(['resolved']);
    expect(r.state.groups).toEqual({});
    // The resolved alert lingering in the engine's state opens no new group.
    expect(
      groupNotifications(r.state, [alert('a1', 'api', 'resolved')], 345 * S, route).state.groups,
    ).toEqual({});
  });

  it('lets a muted alert leave quietly (no empty message)', () => {
    const got = simulate(every15s(700), (t) => (t < 100 ? [alert('a1', 'api', 'firing')] : []));
    expect(got).toEqual(['30:initial api firing=[a1] resolved=[]']);
  });

  it('reports when the next timer is due and groups by all labels with "..."', () => {
    const r = groupNotifications(
      emptyGroupingState(),
      [alert('a1', 'api', 'firing')],
      5 * S,
      route,
    );
    expect(nextDueMs(r.state)).toBe(35 * S);
    expect(nextDueMs(emptyGroupingState())).toBeNull();
    expect(groupLabelsOf(alert('a1', 'api', 'firing'), ['...'])).toEqual({
      alertname: 'HighLatency',
      service: 'api',
      instance: 'a1',
    });
    expect(groupLabelsOf(alert('a1', 'api', 'firing'), ['service', 'zone'])).toEqual({
      service: 'api',
    });
  });
});

describe('grouping properties', () => {
  it('never sends an empty message, reports resolved only after firing, and notifies every alert firing long enough', () => {
    const ids = ['a1', 'a2', 'w1'];
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.constantFrom<Alert['state'] | 'absent'>('firing', 'resolved', 'absent'), {
            minLength: 3,
            maxLength: 3,
          }),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        (steps) => {
          let state = emptyGroupingState();
          const notifiedFiring = new Set<string>();
          const firingSince = new Map<string, number>();
          steps.forEach((states, k) => {
            const t = k * 15 * S;
            const alerts = ids.flatMap((id, i) => {
              const st = states[i];
              return st === undefined || st === 'absent'
                ? []
                : [alert(id, id.startsWith('w') ? 'web' : 'api', st)];
            });
            for (const id of ids) {
              const firing = alerts.some((a) => a.id === id && a.state === 'firing');
              if (!firing) firingSince.delete(id);
              else if (!firingSince.has(id)) firingSince.set(id, t);
            }
            const r = groupNotifications(state, alerts, t, route);
            state = r.state;
            for (const n of r.notifications) {
              expect(n.firing.length + n.resolved.length).toBeGreaterThan(0);
              for (const a of n.resolved) expect(notifiedFiring.has(a.id)).toBe(true);
              for (const a of n.firing) notifiedFiring.add(a.id);
            }
            for (const [id, since] of firingSince) {
              if (t - since >= route.groupWaitMs + route.groupIntervalMs) {
                expect(notifiedFiring.has(id), `${id} firing since ${since}`).toBe(true);
              }
            }
          });
        },
      ),
    );
  });
});
