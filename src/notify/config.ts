/**
 * @module
 * The `notifications:` section of opsight.yaml, parsed from a plain object and validated. Every
 * problem becomes one `{field, reason}` item naming the key by its full path (e.g.
 * `notifications.channels.1.url`), all thrown together as one OpsError CONFIG_INVALID.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type Clock, OpsError, type ProblemItem } from '../contract/index.ts';
import {
  type Channel,
  channel,
  type DispatcherOptions,
  defaultDispatcherOptions,
} from './dispatcher.ts';
import { EmailNotifier, type SmtpOptions } from './email.ts';
import type { FetchFn } from './http-post.ts';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_SEVERITIES,
  type NotificationKind,
  type NotificationSeverity,
} from './notification.ts';
import { CHANNEL_KINDS, type Notifier } from './notifier.ts';
import { PAGERDUTY_EVENTS_URL, PagerDutyNotifier } from './pagerduty.ts';
import type { RetryPolicy } from './retry.ts';
import { SlackNotifier } from './slack.ts';
import { WebhookNotifier } from './webhook.ts';

const Route = {
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  minSeverity: Type.Optional(Type.Union(NOTIFICATION_SEVERITIES.map((s) => Type.Literal(s)))),
  kinds: Type.Optional(
    Type.Array(Type.Union(NOTIFICATION_KINDS.map((k) => Type.Literal(k))), { minItems: 1 }),
  ),
};

const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$' });

const channelSchemas = {
  webhook: Type.Object(
    {
      ...Route,
      type: Type.Literal('webhook'),
      url: HttpUrl,
      secret: Type.String({ minLength: 16 }),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    },
    { additionalProperties: false },
  ),
  slack: Type.Object(
    { ...Route, type: Type.Literal('slack'), url: HttpUrl },
    { additionalProperties: false },
  ),
  pagerduty: Type.Object(
    {
      ...Route,
      type: Type.Literal('pagerduty'),
      routingKey: Type.String({ pattern: '^[A-Za-z0-9]{32}$' }),
      url: Type.Optional(HttpUrl),
      source: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  email: Type.Object(
    {
      ...Route,
      type: Type.Literal('email'),
      smtp: Type.Object(
        {
          host: Type.String({ minLength: 1 }),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          secure: Type.Optional(Type.Boolean()),
          requireTls: Type.Optional(Type.Boolean()),
          tlsRejectUnauthorized: Type.Optional(Type.Boolean()),
          user: Type.Optional(Type.String({ minLength: 1 })),
          password: Type.Optional(Type.String()),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
      from: Type.String({ pattern: '@' }),
      to: Type.Array(Type.String({ pattern: '@' }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
} as const satisfies Record<(typeof CHANNEL_KINDS)[number], TSchema>;

const RetrySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    multiplier: Type.Optional(Type.Number({ minimum: 1 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    jitterRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

const SectionSchema = Type.Object(
  {
    attemptTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    retry: Type.Optional(RetrySchema),
    channels: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: false },
);

export type WebhookChannelConfig = Static<(typeof channelSchemas)['webhook']>;
export type SlackChannelConfig = Static<(typeof channelSchemas)['slack']>;
export type PagerDutyChannelConfig = Static<(typeof channelSchemas)['pagerduty']>;
export type EmailChannelConfig = Static<(typeof channelSchemas)['email']>;
export type ChannelConfig =
  | WebhookChannelConfig
  | SlackChannelConfig
  | PagerDutyChannelConfig
  | EmailChannelConfig;

export interface NotificationsConfig {
  readonly dispatcher: DispatcherOptions;
  readonly channels: readonly ChannelConfig[];
}

function problems(schema: TSchema, value: unknown, prefix: string): ProblemItem[] {
  const items: ProblemItem[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const field = `${prefix}${e.path.replace(/\//g, '.')}`;
    // TypeBox reports a missing key twice (required, then wrong type); keep the first reason.
    if (seen.has(field)) continue;
    seen.add(field);
    let reason: string;
    if (e.message === 'Expected required property') reason = 'required';
    else if (e.message === 'Unexpected property') reason = 'unknown key';
    else reason = `${e.message}, got ${JSON.stringify(e.value)}`;
    items.push({ field, reason });
  }
  return items;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses `notifications:` (undefined or null = no channels). Throws OpsError CONFIG_INVALID
 * listing every bad key; `prefix` names the section in those field paths.
 */
export function parseNotificationsConfig(
  raw: unknown,
  prefix = 'notifications',
): NotificationsConfig {
  const defaults = defaultDispatcherOptions();
  if (raw === undefined || raw === null) return { dispatcher: defaults, channels: [] };
  const items: ProblemItem[] = [];
  if (!isRecord(raw)) {
    throw new OpsError('CONFIG_INVALID', `${prefix} must be a mapping`, {
      items: [{ field: prefix, reason: 'must be a mapping' }],
    });
  }
  items.push(...problems(SectionSchema, raw, prefix));
  const channels: ChannelConfig[] = [];
  const names = new Map<string, number>();
  const list = Array.isArray(raw.channels) ? raw.channels : [];
  list.forEach((entry: unknown, index) => {
    const at = `${prefix}.channels.${index}`;
    if (!isRecord(entry)) {
      items.push({ index, field: at, reason: 'must be a mapping' });
      return;
    }
    const type = entry.type;
    if (typeof type !== 'string' || !(CHANNEL_KINDS as readonly string[]).includes(type)) {
      items.push({
        index,
        field: `${at}.type`,
        reason: `must be one of ${CHANNEL_KINDS.join(', ')}, got ${JSON.stringify(type)}`,
      });
      return;
    }
    const schema = channelSchemas[type as keyof typeof channelSchemas];
    const bad = problems(schema, entry, at).map((i) => ({ index, ...i }));
    if (typeof entry.name === 'string') {
      const first = names.get(entry.name);
      if (first !== undefined) {
        bad.push({ index, field: `${at}.name`, reason: `duplicate of channels.${first}.name` });
      } else names.set(entry.name, index);
    }
    items.push(...bad);
    if (bad.length === 0) channels.push(entry as ChannelConfig);
  });
  if (items.length > 0) {
    const first = items[0] as ProblemItem;
    throw new OpsError('CONFIG_INVALID', `invalid notifications: ${first.field}: ${first.reason}`, {
      items,
    });
  }
  const retry = (raw.retry ?? {}) as Partial<RetryPolicy>;
  const dispatcher: DispatcherOptions = {
    attemptTimeoutMs:
      typeof raw.attemptTimeoutMs === 'number' ? raw.attemptTimeoutMs : defaults.attemptTimeoutMs,
    retry: { ...defaults.retry, ...retry },
  };
  return { dispatcher, channels };
}

export interface ChannelDeps {
  readonly clock: Clock;
  readonly fetch?: FetchFn;
}

function smtpOptions(c: EmailChannelConfig['smtp']): SmtpOptions {
  const port = c.port ?? 587;
  return {
    host: c.host,
    port,
    secure: c.secure ?? port === 465,
    requireTls: c.requireTls ?? false,
    tlsRejectUnauthorized: c.tlsRejectUnauthorized ?? true,
    timeoutMs: c.timeoutMs ?? 10_000,
    ...(c.user === undefined ? {} : { user: c.user }),
    ...(c.password === undefined ? {} : { password: c.password }),
  };
}

export function createNotifier(c: ChannelConfig, deps: ChannelDeps): Notifier {
  const fetchDep = deps.fetch === undefined ? {} : { fetch: deps.fetch };
  switch (c.type) {
    case 'webhook':
      return new WebhookNotifier({
        name: c.name,
        url: c.url,
        secret: c.secret,
        clock: deps.clock,
        ...(c.headers === undefined ? {} : { headers: c.headers }),
        ...fetchDep,
      });
    case 'slack':
      return new SlackNotifier({ name: c.name, url: c.url, ...fetchDep });
    case 'pagerduty':
      return new PagerDutyNotifier({
        name: c.name,
        routingKey: c.routingKey,
        url: c.url ?? PAGERDUTY_EVENTS_URL,
        ...(c.source === undefined ? {} : { source: c.source }),
        ...fetchDep,
      });
    case 'email':
      return new EmailNotifier({ name: c.name, smtp: smtpOptions(c.smtp), from: c.from, to: c.to });
  }
}

/** Builds the routed channels of a parsed configuration, in configuration order. */
export function createChannels(config: NotificationsConfig, deps: ChannelDeps): Channel[] {
  return config.channels.map((c) => {
    const route: { minSeverity?: NotificationSeverity; kinds?: readonly NotificationKind[] } = {};
    if (c.minSeverity !== undefined) route.minSeverity = c.minSeverity;
    if (c.kinds !== undefined) route.kinds = c.kinds;
    return channel(createNotifier(c, deps), route);
  });
}
