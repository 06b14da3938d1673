/**
 * @module
 * Route schemas (TypeBox → JSON Schema). They validate requests, serialise responses and are the
 * source of the OpenAPI document at /api/openapi.json; contract/api.ts holds the same shapes as
 * TypeScript types for the dashboard. A test checks real responses against both.
 */
import { Type } from '@fastify/type-provider-typebox';
import { AGGREGATIONS } from '../contract/index.ts';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'Link to the code in docs/errors.md, e.g. /docs/errors#NOT_FOUND',
    }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'Stable error code (docs/errors.md)' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          index: Type.Optional(Type.Integer()),
          field: Type.String(),
          reason: Type.String(),
        }),
      ),
    ),
  },
  { description: 'RFC 9457 problem details (application/problem+json)' },
);

export const LabelsSchema = Type.Record(Type.String(), Type.String(), {
  description: 'Label name → value',
});

export const PointSchema = Type.Tuple([Type.Number(), Type.Number()], {
  description: '[timestamp in ms since the epoch, value]',
});

export const RangeSeriesSchema = Type.Object({
  labels: LabelsSchema,
  points: Type.Array(PointSchema),
});

export const SeriesInfoSchema = Type.Object({ metric: Type.String(), labels: LabelsSchema });

const NullableNumber = () => Type.Union([Type.Number(), Type.Null()]);

export const KpiSchema = Type.Object({
  name: Type.Union([
    Type.Literal('uptime'),
    Type.Literal('error_rate'),
    Type.Literal('latency_p50'),
    Type.Literal('latency_p95'),
    Type.Literal('latency_p99'),
    Type.Literal('throughput'),
  ]),
  label: Type.String(),
  value: NullableNumber(),
  unit: Type.String(),
  target: Type.Number(),
  comparator: Type.Union([Type.Literal('>='), Type.Literal('<=')]),
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('warn'),
    Type.Literal('breach'),
    Type.Literal('unknown'),
  ]),
});

export const KpiReportSchema = Type.Object({
  subject: Type.Object({
    kind: Type.Union([Type.Literal('service'), Type.Literal('source')]),
    id: Type.String(),
  }),
  fromMs: Type.Number(),
  toMs: Type.Number(),
  kpis: Type.Array(KpiSchema),
});

export const ServiceStatusSchema = Type.Object({
  id: Type.String(),
  light: Type.Union([
    Type.Literal('green'),
    Type.Literal('orange'),
    Type.Literal('red'),
    Type.Literal('grey'),
  ]),
  reasons: Type.Array(Type.String()),
  kpis: Type.Array(KpiSchema),
  lastSeenMs: NullableNumber(),
});

export const OverviewSchema = Type.Object({
  generatedAtMs: Type.Number(),
  windowMs: Type.Number(),
  services: Type.Array(ServiceStatusSchema),
  totals: Type.Object({
    series: Type.Number(),
    samples: Type.Number(),
    ingestRate: Type.Number({ description: 'Samples accepted per second over the last minute' }),
  }),
});

export const IngestResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'Events in the request (all stored)' }),
  samples: Type.Integer({ description: 'Samples stored' }),
});

const MatchParam = Type.Optional(
  Type.Array(Type.String(), {
    description:
      'Label matchers or a selector, repeatable, all ANDed: service="api", env!="dev", path=~"/api/.*", metric{a="b"}',
  }),
);

export const SeriesQuerySchema = Type.Object({
  metric: Type.Optional(Type.String()),
  'match[]': MatchParam,
  from: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now-1h' })),
  to: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
});

const RangeParams = {
  metric: Type.Optional(Type.String({ description: 'Metric name (or give it in match[])' })),
  'match[]': MatchParam,
  step: Type.Optional(
    Type.String({ description: 'Bucket width: 15s, 1m, 1h, or ms; default range/300 (≥ 1 s)' }),
  ),
  agg: Type.Optional(
    Type.Union(
      AGGREGATIONS.map((a) => Type.Literal(a)),
      { description: 'Aggregation within each bucket; default avg' },
    ),
  ),
  group_by: Type.Optional(
    Type.String({
      description:
        'Absent: one result per series. Empty (group_by=): all series in one. Else comma-separated labels.',
    }),
  ),
};

export const RangeQuerySchema = Type.Object({
  ...RangeParams,
  from: Type.Optional(
    Type.String({ description: 'RFC 3339, epoch ms, or now-1h; default to - 1h' }),
  ),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now; default now' })),
});

export const LiveQuerySchema = Type.Object({
  ...RangeParams,
  window: Type.Optional(Type.String({ description: 'Trailing window, e.g. 15m (default)' })),
  api_key: Type.Optional(Type.String({ description: 'API key, for EventSource clients' })),
});

export const KpiQuerySchema = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1 })),
  source: Type.Optional(Type.String({ minLength: 1 })),
  window: Type.Optional(Type.String({ description: 'Trailing window, default 1h' })),
});

export const OverviewQuerySchema = Type.Object({
  window: Type.Optional(Type.String({ description: 'Trailing window, default 15m' })),
});

export const LiveOverviewQuerySchema = Type.Object({
  window: Type.Optional(Type.String({ description: 'Trailing window, default 15m' })),
  api_key: Type.Optional(Type.String({ description: 'API key, for EventSource clients' })),
});

export const LabelValuesParamsSchema = Type.Object({ name: Type.String() });
export const LabelValuesQuerySchema = Type.Object({ metric: Type.Optional(Type.String()) });

export const InfluxQuerySchema = Type.Object({
  precision: Type.Optional(
    Type.String({ description: 'Timestamp unit: ns (default), us, ms, s (v1 also n, u, m, h)' }),
  ),
  db: Type.Optional(Type.String()),
  rp: Type.Optional(Type.String()),
  org: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
});

/** Error responses every route may give, for the OpenAPI document. */
export const problemResponses = {
  '4xx': { ...ProblemSchema, description: 'Problem details (RFC 9457)' },
  '5xx': { ...ProblemSchema, description: 'Problem details (RFC 9457)' },
};

/** `:name` of a rule or SLO (alerting and SLO routes). */
export const AlertingNameParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
});

/** Responses of the alerting and SLO routes; their shapes are documented in docs/api.md. */
export const alertingResponses = {
  200: Type.Unknown({ description: 'See docs/api.md, "Alerting, SLOs and health"' }),
  201: Type.Unknown({ description: 'The created definition' }),
  204: Type.Null({ description: 'Deleted' }),
  ...problemResponses,
};
