/**
 * @module
 * From an incident change to the `Notification` every channel formats (notify's rendered
 * message). Incidents notify when they open, escalate, resolve and reopen; acknowledgements and
 * plain updates (a new signal, a refreshed root cause) stay on the dashboard.
 *
 * - `dedupKey` is `inc-<incident id>`: every event of one incident shares it, so PagerDuty keeps
 *   one alert per incident and resolves it with the incident.
 * - `id` is unique per message (`<dedupKey>-<kind>-<atMs>`).
 * - `url` is the dashboard path `/incidents/<id>` (prefixed with `linkBase` when one is set).
 * - The summary names the root cause (service, endpoint, kind, confidence), the affected
 *   services and endpoints and the impact, one per line.
 */
import type { Incident, IncidentSeverity } from '../contract/index.ts';
import type { IncidentChangeKind } from '../incidents/index.ts';
import type { Notification, NotificationKind } from '../notify/index.ts';

/** Change kinds that notify, and the notification kind each is sent as. */
export const INCIDENT_NOTIFICATION_KINDS: Readonly<
  Partial<Record<IncidentChangeKind, NotificationKind>>
> = {
  opened: 'opened',
  escalated: 'escalated',
  resolved: 'resolved',
  // notify has no `reopened` kind: a reopened incident asks for attention again like a new one.
  reopened: 'opened',
};

/** Most endpoints listed in the summary; the rest are counted. */
const MAX_LISTED_ENDPOINTS = 10;

function iso(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString();
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** The dashboard path of an incident. */
export function incidentPath(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

/** The notification for a change, or undefined when this kind of change does not notify. */
export function notificationFromIncidentChange(
  change: {
    readonly kind: IncidentChangeKind;
    readonly incident: Incident;
    readonly previousSeverity?: IncidentSeverity;
  },
  options: { readonly linkBase?: string } = {},
): Notification | undefined {
  const kind = INCIDENT_NOTIFICATION_KINDS[change.kind];
  if (kind === undefined) return undefined;
  const inc = change.incident;
  const rc = inc.rootCause;
  const lines: string[] = [];
  if (change.kind === 'reopened') lines.push(`Reopened (${inc.reopenCount} time(s)).`);
  if (change.kind === 'escalated' && change.previousSeverity !== undefined) {
    lines.push(`Severity ${change.previousSeverity} → ${inc.severity}.`);
  }
  if (rc !== undefined) {
    const where = rc.endpoint === undefined ? rc.service : `${rc.service} ${rc.endpoint}`;
    lines.push(
      `Root cause: ${where} (${rc.kind}, confidence ${percent(rc.confidence)}): ${rc.description}`,
    );
  } else {
    lines.push('Root cause: not determined yet.');
  }
  if (inc.affectedServices.length > 0) {
    lines.push(`Affected services: ${inc.affectedServices.join(', ')}`);
  }
  if (inc.affectedEndpoints.length > 0) {
    const listed = inc.affectedEndpoints.slice(0, MAX_LISTED_ENDPOINTS);
    const more = inc.affectedEndpoints.length - listed.length;
    lines.push(`Affected endpoints: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  if (inc.impact.requests > 0) {
    lines.push(`Impact: ${inc.impact.failedRequests} of ${inc.impact.requests} requests failed.`);
  }
  const path = incidentPath(inc.id);
  const dedupKey = `inc-${inc.id}`.slice(0, 255);
  const atMs = kind === 'resolved' ? (inc.resolvedAtMs ?? inc.updatedAtMs) : inc.updatedAtMs;
  const labels: Record<string, string> = { incident_id: inc.id, change: change.kind };
  if (rc !== undefined) {
    labels.service = rc.service;
    labels.fault = rc.kind;
    if (rc.endpoint !== undefined) labels.endpoint = rc.endpoint;
  }
  const annotations: Record<string, string> = {
    link: path,
    affected_services: inc.affectedServices.join(', '),
  };
  if (rc !== undefined) {
    annotations.root_cause = rc.description;
    annotations.root_cause_confidence = rc.confidence.toFixed(2);
  }
  return {
    kind,
    id: `${dedupKey}-${change.kind}-${Math.round(atMs)}`,
    title: inc.title.trim() === '' ? `Incident ${inc.id}` : inc.title,
    severity: inc.severity,
    status: inc.status,
    summary: lines.join('\n'),
    labels,
    annotations,
    startsAt: iso(inc.firstDetectedMs),
    ...(inc.status === 'resolved' && inc.resolvedAtMs !== undefined
      ? { endsAt: iso(inc.resolvedAtMs) }
      : {}),
    url: `${options.linkBase ?? ''}${path}`,
    dedupKey,
  };
}
