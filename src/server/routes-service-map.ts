/**
 * @module
 * RED metrics and the service map learned from spans (docs/red-metrics.md, docs/api.md
 * "Service map and endpoints"):
 * - GET /api/v1/service-map?window=5m (or from/to): services with server-side RED and a health
 *   colour, and the call edges between them;
 * - GET /api/v1/endpoints?service=&window=1m: RED per (service, endpoint) with baselines;
 * - GET /aiops/metrics?window=5m: the original AIOps API's per-endpoint summary (snake_case).
 * Windows are in event time: without `to` they end at the last closed bucket, not at the wall
 * clock, so a replay shows the same numbers as live traffic. All answer 503 NOT_READY when no
 * TraceAnalytics is wired (ServerDeps.traceAnalytics).
 */
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { redHealth } from '../analytics/index.ts';
import { type EndpointStats, OpsError } from '../contract/index.ts';
import type { TraceAnalytics } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import { invalidParameter, parseDurationMs, parseTimeMs } from './params.ts';
import { problemResponses } from './schemas.ts';

const DEFAULT_MAP_WINDOW_MS = 5 * 60_000;
const DEFAULT_ENDPOINTS_WINDOW_MS = 60_000;
const DEFAULT_AIOPS_WINDOW_MS = 5 * 60_000;

const WindowQuery = {
  window: Type.Optional(
    Type.String({ description: 'Trailing window ending at the last closed bucket, e.g. 5m' }),
  ),
  from: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now-15m' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now' })),
};

const HealthColour = Type.Union([
  Type.Literal('green'),
  Type.Literal('orange'),
  Type.Literal('red'),
  Type.Literal('grey'),
]);

export const ServiceMapSchema = Type.Object(
  {
    fromMs: Type.Number({ description: 'Start of the covered buckets, ms' }),
    toMs: Type.Number({ description: 'End (exclusive) of the covered buckets, ms' }),
    nodes: Type.Array(
      Type.Object({
        service: Type.String(),
        requestRatePerS: Type.Number(),
        errorRate: Type.Number({ description: '0..1' }),
        p95Ms: Type.Number(),
        health: HealthColour,
      }),
    ),
    edges: Type.Array(
      Type.Object({
        from: Type.String(),
        to: Type.String(),
        calls: Type.Integer(),
        callRatePerS: Type.Number(),
        errorRate: Type.Number({ description: 'Share of failed client spans, 0..1' }),
        p95Ms: Type.Number({ description: 'p95 of client-span duration' }),
        lastSeenMs: Type.Number(),
      }),
    ),
  },
  { description: 'The service map learned from spans (docs/red-metrics.md)' },
);

export const EndpointStatsSchema = Type.Object({
  service: Type.String(),
  endpoint: Type.String(),
  fromMs: Type.Number(),
  toMs: Type.Number(),
  requestCount: Type.Integer(),
  errorCount: Type.Integer(),
  errorRate: Type.Number(),
  avgLatencyMs: Type.Number(),
  p50Ms: Type.Number(),
  p95Ms: Type.Number(),
  p99Ms: Type.Number(),
  statusDistribution: Type.Record(Type.String(), Type.Integer(), {
    description: 'Requests per HTTP status code ("unset" without one)',
  }),
  baselineLatencyMs: Type.Optional(Type.Number({ description: 'Absent while learning' })),
  baselineErrorRate: Type.Optional(Type.Number({ description: 'Absent while learning' })),
});

export const AiopsEndpointMetricsSchema = Type.Object({
  service: Type.String(),
  request_count: Type.Integer(),
  avg_latency_ms: Type.Number(),
  error_rate: Type.Number({ description: '0..1' }),
  baseline_latency_ms: Type.Union([Type.Number(), Type.Null()], {
    description: 'Null while the baseline is still being learned',
  }),
  status_distribution: Type.Record(Type.String(), Type.Integer()),
  health: Type.Object({
    health_score: Type.Number({ minimum: 0, maximum: 100 }),
    status: Type.Union([
      Type.Literal('healthy'),
      Type.Literal('degraded'),
      Type.Literal('critical'),
    ]),
  }),
});

export type AiopsEndpointMetrics = {
  service: string;
  request_count: number;
  avg_latency_ms: number;
  error_rate: number;
  baseline_latency_ms: number | null;
  status_distribution: Record<string, number>;
  health: { health_score: number; status: 'healthy' | 'degraded' | 'critical' };
};

/**
 * The /aiops/metrics body: one entry per endpoint with requests in the window, keyed by the
 * endpoint path, or by `service endpoint` (one space) for paths served by more than one service.
 */
export function aiopsMetrics(
  stats: readonly EndpointStats[],
): Record<string, AiopsEndpointMetrics> {
  const active = stats.filter((s) => s.requestCount > 0);
  const services = new Map<string, number>();
  for (const s of active) services.set(s.endpoint, (services.get(s.endpoint) ?? 0) + 1);
  const out: Record<string, AiopsEndpointMetrics> = {};
  for (const s of active) {
    const key = (services.get(s.endpoint) ?? 0) > 1 ? `${s.service} ${s.endpoint}` : s.endpoint;
    const h = redHealth({
      requests: s.requestCount,
      errorRate: s.errorRate,
      latencyMs: s.avgLatencyMs,
      baselineLatencyMs: s.baselineLatencyMs,
    });
    out[key] = {
      service: s.service,
      request_count: s.requestCount,
      avg_latency_ms: s.avgLatencyMs,
      error_rate: s.errorRate,
      baseline_latency_ms: s.baselineLatencyMs ?? null,
      status_distribution: { ...s.statusDistribution },
      health: {
        health_score: h.score ?? 100,
        status: h.light === 'red' ? 'critical' : h.light === 'orange' ? 'degraded' : 'healthy',
      },
    };
  }
  return out;
}

interface WindowParams {
  readonly window?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * [fromMs, toMs] of a request: from/to when given (relative times use the server clock); else a
 * trailing `window` (or the default) ending at `endMs`, the last closed bucket.
 */
function resolveWindow(
  q: WindowParams,
  defaultWindowMs: number,
  endMs: number,
  nowMs: number,
): { fromMs: number; toMs: number } | undefined {
  const windowMs = q.window === undefined ? undefined : parseDurationMs(q.window, 'window');
  if (q.from === undefined && q.to === undefined) {
    if (!Number.isFinite(endMs)) return undefined;
    return { fromMs: endMs - (windowMs ?? defaultWindowMs), toMs: endMs };
  }
  const toMs =
    q.to === undefined ? (Number.isFinite(endMs) ? endMs : nowMs) : parseTimeMs(q.to, 'to', nowMs);
  const fromMs =
    q.from === undefined
      ? toMs - (windowMs ?? defaultWindowMs)
      : parseTimeMs(q.from, 'from', nowMs);
  if (fromMs > toMs) throw invalidParameter('from', 'must not be after to');
  return { fromMs, toMs };
}

function need(ta: TraceAnalytics | undefined): TraceAnalytics {
  if (ta === undefined) throw new OpsError('NOT_READY', 'trace analytics is not running');
  return ta;
}

export function registerServiceMapRoutes(root: FastifyInstance, ctx: ServerContext): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { clock, traceAnalytics } = ctx.deps;

  app.get(
    '/api/v1/service-map',
    {
      schema: {
        summary: 'Services and who calls whom, learned from spans, with RED and health',
        tags: ['traces'],
        querystring: Type.Object(WindowQuery),
        response: { 200: ServiceMapSchema, ...problemResponses },
      },
    },
    async (request) => {
      const ta = need(traceAnalytics);
      const w = resolveWindow(
        request.query,
        DEFAULT_MAP_WINDOW_MS,
        ta.windowEndMs('map'),
        clock.nowMs(),
      );
      if (w === undefined) return { fromMs: 0, toMs: 0, nodes: [], edges: [] };
      const map = ta.serviceMap(w.fromMs, w.toMs);
      return { ...map, nodes: [...map.nodes], edges: [...map.edges] };
    },
  );

  app.get(
    '/api/v1/endpoints',
    {
      schema: {
        summary: 'RED metrics per (service, endpoint) from server spans, with learned baselines',
        tags: ['traces'],
        querystring: Type.Object({
          ...WindowQuery,
          service: Type.Optional(Type.String({ minLength: 1, description: 'Only this service' })),
        }),
        response: {
          200: Type.Object({ endpoints: Type.Array(EndpointStatsSchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const ta = need(traceAnalytics);
      const w = resolveWindow(
        request.query,
        DEFAULT_ENDPOINTS_WINDOW_MS,
        ta.windowEndMs('stats'),
        clock.nowMs(),
      );
      if (w === undefined) return { endpoints: [] };
      const { service } = request.query;
      return {
        endpoints: ta.endpointStats(w.fromMs, w.toMs, service === undefined ? {} : { service }),
      };
    },
  );

  app.get(
    '/aiops/metrics',
    {
      schema: {
        summary: 'Per-endpoint request count, latency, error rate, baseline and health (AIOps API)',
        tags: ['aiops'],
        querystring: Type.Object({ window: WindowQuery.window }),
        response: {
          200: Type.Record(Type.String(), AiopsEndpointMetricsSchema, {
            description:
              'Keyed by endpoint path, or "service endpoint" when several services serve the path',
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const ta = need(traceAnalytics);
      const w = resolveWindow(
        request.query,
        DEFAULT_AIOPS_WINDOW_MS,
        ta.windowEndMs('stats'),
        clock.nowMs(),
      );
      return w === undefined ? {} : aiopsMetrics(ta.endpointStats(w.fromMs, w.toMs));
    },
  );
}
