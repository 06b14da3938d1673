/**
 * @module
 * From alerting's `NotificationGroup` (contract/alert.ts: the alerts of one group, as
 * Alertmanager groups them) to the `Notification` every channel formats.
 *
 * - One group = one notification. `dedupKey` is derived from the group key, so PagerDuty keeps
 *   one incident per group and resolves it when the group resolves (as Alertmanager does).
 * - `id` is unique per message (`<dedupKey>-<atMs>`), so receivers that drop duplicate
 *   deliveries by `X-Opsight-Delivery` keep updates and repeats apart.
 * - Alert severities map critical → critical, warning → medium, info → info; the group takes
 *   its most severe firing alert (or resolved alert, when nothing fires).
 */
import { createHash } from 'node:crypto';
import type { Alert, AlertSeverity, NotificationGroup } from '../contract/index.ts';
import {
  type Notification,
  type NotificationSeverity,
  severityRank,
  truncate,
} from './notification.ts';

export const ALERT_SEVERITY_MAP: Readonly<Record<AlertSeverity, NotificationSeverity>> = {
  critical: 'critical',
  warning: 'medium',
  info: 'info',
};

export interface FromAlertsOptions {
  /** Link to the dashboard for this group, e.g. `${base}/alerts?group=…`. */
  readonly url?: (group: NotificationGroup) => string | undefined;
}

/** Most alerts listed one per line in `summary`; the rest are counted. */
const MAX_LISTED_ALERTS = 20;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function labelText(labels: Readonly<Record<string, string>>, skip: ReadonlySet<string>): string {
  return Object.entries(labels)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function alertLine(a: Alert, state: string, skip: ReadonlySet<string>): string {
  const what = a.annotations.summary ?? a.ruleName;
  const labels = labelText(a.labels, skip);
  const value = a.value === undefined ? '' : ` value=${a.value}`;
  return `[${state}] ${what}${labels === '' ? '' : ` {${labels}}`}${value}`;
}

export function groupDedupKey(groupKey: string): string {
  return `grp-${createHash('sha256').update(groupKey).digest('hex').slice(0, 32)}`;
}

export function notificationFromGroup(
  group: NotificationGroup,
  options: FromAlertsOptions = {},
): Notification {
  const alerts = [...group.firing, ...group.resolved];
  const pool = group.firing.length > 0 ? group.firing : group.resolved;
  let severity: NotificationSeverity = 'info';
  for (const a of pool) {
    const s = ALERT_SEVERITY_MAP[a.severity];
    if (severityRank(s) > severityRank(severity)) severity = s;
  }
  const rules = [...new Set(pool.map((a) => a.ruleName))];
  const scope = labelText(group.groupLabels, new Set(['alertname']));
  const only = alerts.length === 1 ? alerts[0] : undefined;
  const title =
    only !== undefined
      ? (only.annotations.summary ?? only.ruleName)
      : `${group.firing.length} firing${group.resolved.length > 0 ? `, ${group.resolved.length} resolved` : ''}: ${rules.join(', ')}${scope === '' ? '' : ` (${scope})`}`;
  const skip = new Set(Object.keys(group.groupLabels));
  const lines = [
    ...group.firing.map((a) => alertLine(a, 'firing', skip)),
    ...group.resolved.map((a) => alertLine(a, 'resolved', skip)),
  ];
  const listed = lines.slice(0, MAX_LISTED_ALERTS);
  if (lines.length > listed.length) listed.push(`… and ${lines.length - listed.length} more`);
  const summary =
    only !== undefined
      ? [only.annotations.description ?? '', ...listed].filter((l) => l !== '').join('\n')
      : listed.join('\n');
  const startsAtMs = Math.min(...alerts.map((a) => a.firedAtMs ?? a.activeAtMs), group.atMs);
  const resolvedAt = group.resolved.map((a) => a.resolvedAtMs ?? group.atMs);
  const dedupKey = groupDedupKey(group.groupKey);
  const url = options.url?.(group);
  return {
    kind: group.status,
    id: `${dedupKey}-${group.atMs}`,
    title: truncate(title, 500),
    severity,
    status: group.status,
    summary,
    labels: { ...group.groupLabels },
    annotations: only === undefined ? {} : { ...only.annotations },
    startsAt: iso(startsAtMs),
    ...(group.status === 'resolved' && resolvedAt.length > 0
      ? { endsAt: iso(Math.max(...resolvedAt)) }
      : {}),
    ...(url === undefined ? {} : { url }),
    dedupKey,
  };
}
