/**
 * @module
 * Anomaly routes (docs/api.md, "Anomalies and baselines"):
 * - GET /api/v1/anomalies: stored anomalies, newest first, rebuilt from the derived series
 *   the detection worker writes (so they survive restarts);
 * - GET /api/v1/baseline: the learned band `[ts, expected, lower, upper]` per series;
 * - GET /api/v1/live/anomalies: server-sent events, one `anomaly` event per new anomaly.
 * Reads need only the store; the live stream needs the detection runtime (ServerDeps.detection).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { compileMatchers, OpsError } from '../contract/index.ts';
import { queryAnomalies, queryBaseline } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import {
  bucketCount,
  defaultStepMs,
  invalidParameter,
  parseDurationMs,
  parseSelectors,
  parseTimeMs,
} from './params.ts';
import { LabelsSchema, problemResponses } from './schemas.ts';
import { SseStream } from './sse.ts';

const HOUR_MS = 3_600_000;
/** Default window of /api/v1/anomalies. */
const DEFAULT_ANOMALY_WINDOW_MS = 24 * HOUR_MS;
/** Default window of /api/v1/baseline. */
const DEFAULT_BASELINE_WINDOW_MS = HOUR_MS;
/** The band is stored at most once per minute per series: finer steps only add empty buckets. */
const MIN_DEFAULT_BASELINE_STEP_MS = 60_000;
export const DEFAULT_ANOMALY_LIMIT = 100;
export const MAX_ANOMALY_LIMIT = 1_000;
const RETRY_MS = 3_000;

const MatchParam = Type.Optional(
  Type.Array(Type.String(), {
    description: 'Label matchers or a selector, repeatable, all ANDed (as in /api/v1/query_range)',
  }),
);

export const AnomalySchema = Type.Object(
  {
    metric: Type.String(),
    labels: LabelsSchema,
    timestampMs: Type.Number({ description: 'Event time of the anomalous sample, ms' }),
    value: Type.Number({ description: 'Observed value (silence: the last value reported)' }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    expected: Type.Number(),
    lower: Type.Number(),
    upper: Type.Number(),
    deviation: Type.Number({ description: 'value - expected (0 for silence)' }),
    detector: Type.String({
      description: 'The detector that fired: ewma, mad, seasonal, cusum, traffic, silence',
    }),
    reason: Type.String(),
  },
  { description: 'An anomaly with its explanation' },
);

export const AnomaliesQuerySchema = Type.Object({
  metric: Type.Optional(Type.String({ description: 'Metric of the scored series' })),
  'match[]': MatchParam,
  from: Type.Optional(
    Type.String({ description: 'RFC 3339, epoch ms, or now-1h; default to - 24h' }),
  ),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now; default now' })),
  min_score: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'Least score; default 0.5' }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_ANOMALY_LIMIT, description: 'Default 100' }),
  ),
});

export const BaselineQuerySchema = Type.Object({
  metric: Type.Optional(Type.String({ description: 'Metric name (or give it in match[])' })),
  'match[]': MatchParam,
  from: Type.Optional(
    Type.String({ description: 'RFC 3339, epoch ms, or now-1h; default to - 1h' }),
  ),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now; default now' })),
  step: Type.Optional(Type.String({ description: 'Bucket width; default max(1m, range/300)' })),
});

export const BaselineSeriesSchema = Type.Object({
  labels: LabelsSchema,
  points: Type.Array(
    Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
      description: '[bucket start ms, expected (mean), lower (min), upper (max)]',
    }),
  ),
});

export const LiveAnomaliesQuerySchema = Type.Object({
  metric: Type.Optional(Type.String()),
  'match[]': MatchParam,
  api_key: Type.Optional(Type.String({ description: 'API key, for EventSource clients' })),
});

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function parseRange(
  from: string | undefined,
  to: string | undefined,
  nowMs: number,
  defaultWindowMs: number,
): { fromMs: number; toMs: number } {
  const toMs = to === undefined ? nowMs : parseTimeMs(to, 'to', nowMs);
  const fromMs = from === undefined ? toMs - defaultWindowMs : parseTimeMs(from, 'from', nowMs);
  if (!(fromMs <= toMs)) {
    throw new OpsError(
      'QUERY_INVALID_RANGE',
      `from (${iso(fromMs)}) must not be after to (${iso(toMs)})`,
      { items: [{ field: 'from', reason: 'must not be after to' }] },
    );
  }
  return { fromMs, toMs };
}

export function registerAnomalyRoutes(root: FastifyInstance, ctx: ServerContext): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = ctx.deps;
  const { options } = ctx;

  app.get(
    '/api/v1/anomalies',
    {
      schema: {
        summary: 'Stored anomalies with their explanation, newest first',
        tags: ['query'],
        querystring: AnomaliesQuerySchema,
        response: { 200: Type.Array(AnomalySchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs } = parseRange(q.from, q.to, clock.nowMs(), DEFAULT_ANOMALY_WINDOW_MS);
      const sel = parseSelectors(q.metric, q['match[]']);
      return queryAnomalies(store, {
        ...(sel.metric === undefined ? {} : { metric: sel.metric }),
        matchers: sel.matchers,
        fromMs,
        toMs,
        minScore: q.min_score ?? 0.5,
        limit: q.limit ?? DEFAULT_ANOMALY_LIMIT,
      });
    },
  );

  app.get(
    '/api/v1/baseline',
    {
      schema: {
        summary: 'The learned baseline band per series: [ts, expected, lower, upper]',
        tags: ['query'],
        querystring: BaselineQuerySchema,
        response: { 200: Type.Array(BaselineSeriesSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs } = parseRange(q.from, q.to, clock.nowMs(), DEFAULT_BASELINE_WINDOW_MS);
      const sel = parseSelectors(q.metric, q['match[]']);
      if (sel.metric === undefined) {
        throw invalidParameter('metric', 'is required (as metric=name or in a match[] selector)');
      }
      const stepMs =
        q.step === undefined
          ? Math.max(MIN_DEFAULT_BASELINE_STEP_MS, defaultStepMs(fromMs, toMs))
          : parseDurationMs(q.step, 'step');
      const buckets = bucketCount(fromMs, toMs, stepMs);
      if (buckets > options.maxPointsPerSeries) {
        throw new OpsError(
          'QUERY_TOO_MANY_POINTS',
          `${buckets} buckets per series exceed the limit of ${options.maxPointsPerSeries}; use a larger step or a shorter range`,
          { items: [{ field: 'step', reason: `gives ${buckets} buckets per series` }] },
        );
      }
      const series = await queryBaseline(store, {
        metric: sel.metric,
        matchers: sel.matchers,
        fromMs,
        toMs,
        stepMs,
      });
      let points = 0;
      for (const s of series) points += s.points.length;
      if (points > options.maxQueryPoints) {
        throw new OpsError(
          'QUERY_TOO_MANY_POINTS',
          `the answer would hold ${points} points, over the limit of ${options.maxQueryPoints}; narrow the matchers or use a larger step`,
          {
            items: [
              { field: 'match[]', reason: 'selects too many series for this range and step' },
            ],
          },
        );
      }
      return series;
    },
  );

  app.get(
    '/api/v1/live/anomalies',
    {
      schema: {
        summary: 'Server-sent events: event `anomaly` (one Anomaly) as each is found',
        tags: ['live'],
        querystring: LiveAnomaliesQuerySchema,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const detection = ctx.deps.detection;
      if (detection === undefined) {
        throw new OpsError('NOT_READY', 'anomaly detection is not running in this server');
      }
      if (ctx.streams.size >= options.maxLiveStreams) {
        reply.header('retry-after', '10');
        throw new OpsError(
          'LIVE_TOO_MANY_STREAMS',
          `${ctx.streams.size} live streams are open, the limit is ${options.maxLiveStreams}; retry later`,
        );
      }
      const q = request.query;
      // Validated before the stream opens, so bad parameters get an ordinary 400.
      const sel = parseSelectors(q.metric, q['match[]']);
      const matches = compileMatchers(sel.matchers);
      const stream = new SseStream(request, reply, {
        heartbeatMs: options.sseHeartbeatMs,
        retryMs: RETRY_MS,
      });
      ctx.streams.add(stream);
      stream.onClose(() => ctx.streams.delete(stream));
      const off = detection.onAnomaly((a) => {
        if (sel.metric !== undefined && a.metric !== sel.metric) return;
        if (!matches(a.metric, { ...a.labels, detector: a.detector })) return;
        stream.send('anomaly', a);
      });
      stream.onClose(off);
      return reply;
    },
  );
}
