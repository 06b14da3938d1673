/**
 * @module
 * PagerDuty Events API v2 (`POST /v2/enqueue`): `firing`/`opened`/`escalated` trigger,
 * `acknowledged` acknowledges, `resolved` resolves — all under the notification's dedup key, so
 * PagerDuty folds every event of one alert into one PagerDuty alert.
 *
 * Spec limits honoured: `payload.summary` ≤ 1024 chars, `dedup_key` ≤ 255 chars, severity one of
 * critical|error|warning|info. PagerDuty answers 202 on success, 400 for an invalid event, 429
 * when rate-limited, 5xx when it cannot take events (the last two are retried).
 */
import { SERVICE_LABEL, SOURCE_LABEL } from '../contract/index.ts';
import { type FetchFn, postJson } from './http-post.ts';
import type { Notification, NotificationKind, NotificationSeverity } from './notification.ts';
import { truncate } from './notification.ts';
import type { DeliveryResult, Notifier, SendOptions } from './notifier.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_SUMMARY_MAX_CHARS = 1024;
export const PAGERDUTY_DEDUP_KEY_MAX_CHARS = 255;

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_ACTIONS: Readonly<Record<NotificationKind, PagerDutyAction>> = {
  firing: 'trigger',
  opened: 'trigger',
  escalated: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

/** PagerDuty has four severities; `low` still means something is wrong, so it is a warning. */
export const PAGERDUTY_SEVERITIES: Readonly<Record<NotificationSeverity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'warning',
  info: 'info',
};

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: PagerDutyAction;
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly client?: string;
  readonly client_url?: string;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

export interface PagerDutyEventOptions {
  readonly routingKey: string;
  /** `payload.source` when the notification has no `source_id`/`instance`/`host` label. */
  readonly source: string;
}

export function pagerDutyEvent(n: Notification, options: PagerDutyEventOptions): PagerDutyEvent {
  const action = PAGERDUTY_ACTIONS[n.kind];
  const base = {
    routing_key: options.routingKey,
    event_action: action,
    dedup_key: truncate(n.dedupKey, PAGERDUTY_DEDUP_KEY_MAX_CHARS),
  };
  // Acknowledge and resolve need only the dedup key; PagerDuty ignores a payload on them.
  if (action !== 'trigger') return base;
  const l = n.labels;
  const component = l.component ?? l[SERVICE_LABEL];
  const group = l.group ?? l.env ?? l.cluster;
  const klass = l.class ?? l.alertname ?? l.rule;
  return {
    ...base,
    payload: {
      summary: truncate(n.title, PAGERDUTY_SUMMARY_MAX_CHARS),
      source: l[SOURCE_LABEL] ?? l.instance ?? l.host ?? options.source,
      severity: PAGERDUTY_SEVERITIES[n.severity],
      timestamp: n.startsAt,
      ...(component === undefined ? {} : { component }),
      ...(group === undefined ? {} : { group }),
      ...(klass === undefined ? {} : { class: klass }),
      custom_details: {
        id: n.id,
        kind: n.kind,
        status: n.status,
        summary: n.summary,
        labels: n.labels,
        annotations: n.annotations,
        startsAt: n.startsAt,
        ...(n.endsAt === undefined ? {} : { endsAt: n.endsAt }),
      },
    },
    client: 'opsight',
    ...(n.url === undefined
      ? {}
      : { client_url: n.url, links: [{ href: n.url, text: 'Open in opsight' }] }),
  };
}

export interface PagerDutyNotifierOptions {
  readonly name: string;
  readonly routingKey: string;
  readonly url?: string;
  readonly source?: string;
  readonly fetch?: FetchFn;
}

export class PagerDutyNotifier implements Notifier {
  readonly kind = 'pagerduty' as const;
  readonly name: string;
  readonly #options: PagerDutyNotifierOptions;

  constructor(options: PagerDutyNotifierOptions) {
    this.name = options.name;
    this.#options = options;
  }

  send(notification: Notification, options: SendOptions = {}): Promise<DeliveryResult> {
    const event = pagerDutyEvent(notification, {
      routingKey: this.#options.routingKey,
      source: this.#options.source ?? 'opsight',
    });
    return postJson({
      url: this.#options.url ?? PAGERDUTY_EVENTS_URL,
      body: JSON.stringify(event),
      headers: { 'user-agent': 'opsight-notify/1' },
      signal: options.signal,
      fetch: this.#options.fetch,
    });
  }

  async close(): Promise<void> {
    // Nothing held between sends.
  }
}
