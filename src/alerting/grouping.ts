/**
 * @module
 * Notification grouping with Alertmanager's timers, as a pure state machine:
 * `groupNotifications(state, alerts, nowMs, route) → {state, notifications}`.
 *
 * - Alerts with equal values of the `groupBy` labels form one group (`...` = all labels).
 * - A new group waits `groupWaitMs` before its first notification, so alerts that start
 *   together arrive in one message.
 * - After that the group is looked at every `groupIntervalMs`: it is sent again when its
 *   content changed (an alert started firing, or one that was notified resolved).
 * - Unchanged firing content is re-sent after `repeatIntervalMs`.
 * - A resolved alert is reported once, only if it was notified as firing; then it leaves the
 *   group. A group with no alerts left is dropped; one whose alerts all resolved before its
 *   first notification sends nothing.
 *
 * Feed it the notifiable alerts (firing or resolved, not muted: see applyMutes/notifiable) on
 * every evaluation tick; an alert that disappears (muted, or dropped) leaves its group quietly.
 * Timers fire on the first tick at or after they are due; `nextDueMs` tells when that is.
 */
import type { Alert, Labels, NotificationGroup } from '../contract/index.ts';
import { seriesKey } from '../contract/index.ts';

export interface RouteOptions {
  /** Labels that split alerts into groups; `['...']` groups by all labels (one per alert). */
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
}

/** Alertmanager's timer defaults; groups by alert name and service. */
export function defaultRouteOptions(): RouteOptions {
  return {
    groupBy: ['alertname', 'service'],
    groupWaitMs: 30_000,
    groupIntervalMs: 5 * 60_000,
    repeatIntervalMs: 4 * 3_600_000,
  };
}

export interface GroupState {
  readonly key: string;
  readonly labels: Labels;
  readonly createdAtMs: number;
  readonly lastSentMs: number | null;
  readonly nextFlushMs: number;
  /** Ids of the alerts that were firing in the last notification. */
  readonly sentFiring: readonly string[];
  /** Latest snapshot of each alert in the group, by id. */
  readonly alerts: Readonly<Record<string, Alert>>;
}

export interface GroupingState {
  readonly groups: Readonly<Record<string, GroupState>>;
}

export function emptyGroupingState(): GroupingState {
  return { groups: {} };
}

/** The group-by labels of an alert (a missing label is left out). */
export function groupLabelsOf(alert: Alert, groupBy: readonly string[]): Labels {
  if (groupBy.includes('...')) return alert.labels;
  const out: Record<string, string> = {};
  for (const l of [...groupBy].sort()) {
    const v = alert.labels[l];
    if (v !== undefined) out[l] = v;
  }
  return out;
}

export function groupNotifications(
  state: GroupingState,
  alerts: readonly Alert[],
  nowMs: number,
  route: RouteOptions = defaultRouteOptions(),
): { state: GroupingState; notifications: NotificationGroup[] } {
  // Current alerts by group.
  const current = new Map<string, { labels: Labels; alerts: Record<string, Alert> }>();
  for (const a of alerts) {
    if (a.state === 'pending') continue;
    const labels = groupLabelsOf(a, route.groupBy);
    const key = seriesKey('', labels);
    let g = current.get(key);
    if (g === undefined) {
      g = { labels, alerts: {} };
      current.set(key, g);
    }
    g.alerts[a.id] = a;
  }

  const groups: Record<string, GroupState> = {};
  const notifications: NotificationGroup[] = [];
  const keys = new Set([...Object.keys(state.groups), ...current.keys()]);
  for (const key of [...keys].sort()) {
    const old = state.groups[key];
    const cur = current.get(key);
    let g: GroupState;
    if (old === undefined) {
      if (cur === undefined) continue;
      // Only a firing alert opens a group: a resolved one was never notified.
      if (!Object.values(cur.alerts).some((a) => a.state === 'firing')) continue;
      g = {
        key,
        labels: cur.labels,
        createdAtMs: nowMs,
        lastSentMs: null,
        nextFlushMs: nowMs + route.groupWaitMs,
        sentFiring: [],
        alerts: cur.alerts,
      };
    } else {
      g = { ...old, alerts: cur?.alerts ?? {} };
    }

    if (nowMs >= g.nextFlushMs) {
      const all = Object.values(g.alerts).sort((a, b) => (a.id < b.id ? -1 : 1));
      const firing = all.filter((a) => a.state === 'firing');
      const resolved = all.filter((a) => a.state === 'resolved' && g.sentFiring.includes(a.id));
      const firingIds = firing.map((a) => a.id);
      const changed =
        resolved.length > 0 ||
        firingIds.length !== g.sentFiring.length ||
        firingIds.some((id) => !g.sentFiring.includes(id));
      let reason: NotificationGroup['reason'] | null = null;
      if (g.lastSentMs === null) reason = firing.length > 0 ? 'initial' : null;
      else if (changed && (firing.length > 0 || resolved.length > 0)) reason = 'update';
      else if (firing.length > 0 && nowMs - g.lastSentMs >= route.repeatIntervalMs) {
        reason = 'repeat';
      }
      if (reason !== null) {
        notifications.push({
          groupKey: key,
          groupLabels: g.labels,
          atMs: nowMs,
          status: firing.length > 0 ? 'firing' : 'resolved',
          firing,
          resolved,
          reason,
        });
      }
      const kept: Record<string, Alert> = {};
      for (const a of firing) kept[a.id] = a;
      g = {
        ...g,
        alerts: kept,
        sentFiring: reason === null ? g.sentFiring : firingIds,
        lastSentMs: reason === null ? g.lastSentMs : nowMs,
        nextFlushMs: nowMs + route.groupIntervalMs,
      };
      if (firing.length === 0) continue; // nothing left: drop the group
    }
    if (Object.keys(g.alerts).length === 0 && g.sentFiring.length === 0) continue;
    groups[key] = g;
  }
  return { state: { groups }, notifications };
}

/** The earliest time a timer of some group is due, or null with no groups. */
export function nextDueMs(state: GroupingState): number | null {
  let min: number | null = null;
  for (const g of Object.values(state.groups)) {
    if (min === null || g.nextFlushMs < min) min = g.nextFlushMs;
  }
  return min;
}
