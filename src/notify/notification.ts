/**
 * @module
 * What a notification is: one alert or incident event, already rendered for people. The alerting
 * and incident code produce these; every channel formats the same value its own way.
 *
 * NOTE(notify): contract/alert.ts holds alerting's own shapes (Alert, NotificationGroup with
 * critical|warning|info severities). This type is the rendered message the channels send, for
 * alert groups and incident events alike; from-alerts.ts maps a NotificationGroup onto it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ProblemItem } from '../contract/index.ts';

/** Alert events (`firing`, `resolved`) and incident events (`opened`, `escalated`, `acknowledged`, `resolved`). */
export const NOTIFICATION_KINDS = [
  'firing',
  'resolved',
  'opened',
  'escalated',
  'acknowledged',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Most severe first; `severityRank` orders them (critical = 4 … info = 0). */
export const NOTIFICATION_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

export function severityRank(severity: NotificationSeverity): number {
  return NOTIFICATION_SEVERITIES.length - 1 - NOTIFICATION_SEVERITIES.indexOf(severity);
}

const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 / RFC 3339 instant, e.g. 2026-11-22T01:02:03.000Z',
});

/** The JSON Schema of a notification: the generic webhook sends exactly this object. */
export const NotificationSchema = Type.Object(
  {
    kind: Type.Union(NOTIFICATION_KINDS.map((k) => Type.Literal(k))),
    id: Type.String({ minLength: 1, description: 'The alert or incident id.' }),
    title: Type.String({ minLength: 1 }),
    severity: Type.Union(NOTIFICATION_SEVERITIES.map((s) => Type.Literal(s))),
    status: Type.String({ description: 'State after this event, e.g. firing, resolved, open.' }),
    summary: Type.String(),
    labels: Type.Record(Type.String(), Type.String()),
    annotations: Type.Record(Type.String(), Type.String()),
    startsAt: IsoTime,
    endsAt: Type.Optional(IsoTime),
    url: Type.Optional(Type.String({ description: 'Link to the dashboard page.' })),
    dedupKey: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Stable fingerprint: every event of one alert/incident shares it.',
    }),
  },
  { additionalProperties: false },
);

export type Notification = Static<typeof NotificationSchema>;

/** Every problem with a candidate notification, as `{field, reason}` items (empty when valid). */
export function checkNotification(candidate: unknown): ProblemItem[] {
  return [...Value.Errors(NotificationSchema, candidate)].map((e) => ({
    field: e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)',
    reason: e.message,
  }));
}

/** `firing`/`opened`/`escalated` ask for attention; `acknowledged`/`resolved` release it. */
export function isTrigger(kind: NotificationKind): boolean {
  return kind === 'firing' || kind === 'opened' || kind === 'escalated';
}

/** Cuts `text` to at most `maxChars` UTF-16 units, ending with an ellipsis when cut. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - 1);
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
