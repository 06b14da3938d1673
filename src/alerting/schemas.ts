/**
 * @module
 * TypeBox (JSON Schema) descriptions of the alerting shapes, for the server's OpenAPI document:
 * the input shapes of `opsight.yaml` / API bodies (snake_case, as written by people) and the
 * output shapes (Alert, Silence, SLO evaluation). The hand-written parsers in config.ts are the
 * source of truth for validation and messages (they check more: regexes compile, templates
 * parse, ends_at after starts_at); config.test.ts checks that both accept the documented
 * examples.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AGGREGATIONS, ALERT_SEVERITIES } from '../contract/index.ts';

const Duration = Type.String({
  pattern: '^(0|(\\d+(ms|s|m|h|d|w))+)$',
  description: 'Duration: units ms, s, m, h, d, w, largest first (90s, 5m, 1h30m, 30d) or 0.',
  examples: ['5m'],
});
const MetricName = Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:.]*$' });
const StringMap = Type.Record(Type.String(), Type.String());
const Matchers = Type.Union(
  [
    Type.Array(
      Type.String({ description: 'A matcher: name="v", name!="v", name=~"re" or name!~"re".' }),
    ),
    Type.Record(Type.String(), Type.String(), { description: 'Label equalities.' }),
  ],
  { examples: [['service=~"api|web"'], { service: 'api' }] },
);
const Severity = Type.Union(ALERT_SEVERITIES.map((s) => Type.Literal(s)));
const Aggregation = Type.Union(AGGREGATIONS.map((a) => Type.Literal(a)));

const common = {
  name: Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$', description: 'Alert name.' }),
  severity: Type.Optional(Severity),
  for: Type.Optional(Duration),
  keep_firing_for: Type.Optional(Duration),
  labels: Type.Optional(StringMap),
  annotations: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'Templates: {{ $labels.service }}, {{ $value | round 2 }} (docs/alerting.md).',
    }),
  ),
  enabled: Type.Optional(Type.Literal(true)),
};

const Query = Type.Object(
  {
    metric: MetricName,
    matchers: Type.Optional(Matchers),
    aggregation: Type.Optional(Aggregation),
    window: Type.Optional(Duration),
    by: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const RuleConfigSchema = Type.Union(
  [
    Type.Object(
      {
        ...common,
        kind: Type.Literal('threshold'),
        query: Query,
        op: Type.Union(['>', '>=', '<', '<=', '==', '!='].map((o) => Type.Literal(o))),
        value: Type.Number(),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...common,
        kind: Type.Literal('anomaly'),
        metric: Type.Optional(MetricName),
        matchers: Type.Optional(Matchers),
        min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        detector: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...common,
        kind: Type.Literal('absence'),
        query: Query,
        absent_for: Type.Optional(Duration),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...common,
        kind: Type.Literal('slo_burn'),
        slo: Type.Optional(Type.String()),
        alert: Type.Optional(Type.Union([Type.Literal('page'), Type.Literal('ticket')])),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { name: Type.String(), enabled: Type.Literal(false) },
      { additionalProperties: false, description: 'Switches a default rule off.' },
    ),
  ],
  { $id: 'AlertRuleConfig', description: 'An alert rule (opsight.yaml rules: entry or API body).' },
);

export const SloConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-zA-Z0-9_][a-zA-Z0-9_.:-]*$' }),
    service: Type.Optional(Type.String({ description: 'Omit to apply to every service.' })),
    objective: Type.Optional(
      Type.Union(
        [
          Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100 }),
          Type.String({ pattern: '^\\d+(\\.\\d+)?%?$' }),
        ],
        { description: 'Percent of good events/intervals, e.g. 99.9.' },
      ),
    ),
    window: Type.Optional(
      Type.Union([
        Duration,
        Type.Object(
          { cycles: Type.Integer({ minimum: 1 }), cycle: Duration },
          { additionalProperties: false },
        ),
      ]),
    ),
    sli: Type.Optional(
      Type.Union([
        Type.Object(
          {
            ratio: Type.Object(
              {
                total: MetricName,
                bad: Type.Optional(MetricName),
                good: Type.Optional(MetricName),
                unit: Type.Optional(Type.Union([Type.Literal('rate'), Type.Literal('count')])),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            threshold: Type.Object(
              {
                metric: MetricName,
                aggregation: Type.Optional(Aggregation),
                op: Type.Union(['<=', '<', '>=', '>'].map((o) => Type.Literal(o))),
                value: Type.Number(),
                interval: Type.Optional(Duration),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    min_events: Type.Optional(Type.Number({ minimum: 0 })),
    labels: Type.Optional(StringMap),
    description: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    $id: 'SloConfig',
    additionalProperties: false,
    description:
      'An SLO (opsight.yaml slos: entry or API body); objective and sli are required unless enabled is false.',
  },
);

const Instant = Type.Union([
  Type.String({ description: 'RFC 3339 with a zone.' }),
  Type.Integer({ description: 'Epoch milliseconds.' }),
]);

export const SilenceConfigSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    matchers: Matchers,
    starts_at: Type.Optional(Instant),
    ends_at: Type.Optional(Instant),
    duration: Type.Optional(Duration),
    created_by: Type.String({ minLength: 1 }),
    comment: Type.String({ minLength: 1 }),
  },
  { $id: 'SilenceConfig', additionalProperties: false },
);

export const InhibitRuleConfigSchema = Type.Object(
  {
    source_matchers: Matchers,
    target_matchers: Matchers,
    equal: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'InhibitRuleConfig', additionalProperties: false },
);

export const RouteConfigSchema = Type.Object(
  {
    group_by: Type.Optional(Type.Array(Type.String())),
    group_wait: Type.Optional(Duration),
    group_interval: Type.Optional(Duration),
    repeat_interval: Type.Optional(Duration),
  },
  { $id: 'RouteConfig', additionalProperties: false },
);

/** The alerting sections of opsight.yaml (other top-level keys belong to the app config). */
export const AlertingConfigSchema = Type.Object({
  slos: Type.Optional(Type.Array(SloConfigSchema)),
  rules: Type.Optional(Type.Array(RuleConfigSchema)),
  silences: Type.Optional(Type.Array(SilenceConfigSchema)),
  inhibit_rules: Type.Optional(Type.Array(InhibitRuleConfigSchema)),
  route: Type.Optional(RouteConfigSchema),
});

// Output shapes --------------------------------------------------------------------------------

const MatcherOut = Type.Object({
  name: Type.String(),
  op: Type.Union(['=', '!=', '=~', '!~'].map((o) => Type.Literal(o))),
  value: Type.String(),
});

export const AlertSchema = Type.Object(
  {
    id: Type.String({ description: 'Stable fingerprint of rule name + series labels.' }),
    ruleName: Type.String(),
    labels: StringMap,
    annotations: StringMap,
    state: Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
    severity: Severity,
    activeAtMs: Type.Integer(),
    firedAtMs: Type.Optional(Type.Integer()),
    resolvedAtMs: Type.Optional(Type.Integer()),
    lastActiveAtMs: Type.Integer(),
    value: Type.Optional(Type.Number()),
  },
  { $id: 'Alert' },
);

export const SilenceSchema = Type.Object(
  {
    id: Type.String(),
    matchers: Type.Array(MatcherOut),
    startsAtMs: Type.Integer(),
    endsAtMs: Type.Integer(),
    createdBy: Type.String(),
    comment: Type.String(),
  },
  { $id: 'Silence' },
);

const BurnWindow = Type.Object({
  windowMs: Type.Integer(),
  good: Type.Number(),
  total: Type.Number(),
  burnRate: Type.Number(),
});

export const SloEvaluationSchema = Type.Object(
  {
    name: Type.String(),
    service: Type.String(),
    objective: Type.Number(),
    windowMs: Type.Integer(),
    atMs: Type.Integer(),
    good: Type.Number(),
    total: Type.Number(),
    sli: Type.Union([Type.Number(), Type.Null()]),
    met: Type.Boolean(),
    budget: Type.Object({
      allowedBad: Type.Number(),
      bad: Type.Number(),
      remainingFraction: Type.Number(),
    }),
    burnAlerts: Type.Array(
      Type.Object({
        severity: Type.Union([Type.Literal('page'), Type.Literal('ticket')]),
        threshold: Type.Number(),
        long: BurnWindow,
        short: BurnWindow,
        firing: Type.Boolean(),
        guarded: Type.Boolean(),
      }),
    ),
    labels: StringMap,
  },
  { $id: 'SloEvaluation' },
);

export type RuleConfig = Static<typeof RuleConfigSchema>;
export type SloConfig = Static<typeof SloConfigSchema>;
export type SilenceConfig = Static<typeof SilenceConfigSchema>;
export type InhibitRuleConfig = Static<typeof InhibitRuleConfigSchema>;

/** Every schema with an $id, for registering with the server's OpenAPI plugin. */
export const ALERTING_SCHEMAS: readonly TSchema[] = [
  RuleConfigSchema,
  SloConfigSchema,
  SilenceConfigSchema,
  InhibitRuleConfigSchema,
  RouteConfigSchema,
  AlertSchema,
  SilenceSchema,
  SloEvaluationSchema,
];
