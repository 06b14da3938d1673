/**
 * @module
 * Read routes: series lookup, label values, range queries, KPIs, the overview and the
 * TelemetryEvent schema. Handlers decode parameters (params.ts), call the store or the KPI
 * loader, and return; every failure is an OpsError for the boundary.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  type Aggregation,
  LABEL_NAME_RE,
  METRIC_NAME_LABEL,
  OpsError,
  type RangeSeries,
  TelemetryEventSchema,
} from '../contract/index.ts';
import type { ServerContext } from './context.ts';
import { buildKpiReport } from './kpi-report.ts';
import {
  bucketCount,
  defaultStepMs,
  invalidParameter,
  parseDurationMs,
  parseGroupBy,
  parseSelectors,
  parseTimeMs,
} from './params.ts';
import {
  KpiQuerySchema,
  KpiReportSchema,
  LabelValuesParamsSchema,
  LabelValuesQuerySchema,
  OverviewQuerySchema,
  OverviewSchema,
  problemResponses,
  RangeQuerySchema,
  RangeSeriesSchema,
  SeriesInfoSchema,
  SeriesQuerySchema,
} from './schemas.ts';

const HOUR_MS = 3_600_000;

/** The raw parameters shared by query_range and live/query. */
export interface RangeParams {
  readonly metric?: string | undefined;
  readonly 'match[]'?: string[] | undefined;
  readonly step?: string | undefined;
  readonly agg?: string | undefined;
  readonly group_by?: string | undefined;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/**
 * Validates and runs a range query over [fromMs, toMs]: from < to, bucket and point limits.
 * Shared by query_range and the live query stream.
 */
export async function runRangeQuery(
  ctx: ServerContext,
  params: RangeParams,
  fromMs: number,
  toMs: number,
): Promise<RangeSeries[]> {
  if (!(fromMs < toMs)) {
    throw new OpsError(
      'QUERY_INVALID_RANGE',
      `from (${iso(fromMs)}) must be before to (${iso(toMs)})`,
      { items: [{ field: 'from', reason: 'must be before to' }] },
    );
  }
  const sel = parseSelectors(params.metric, params['match[]']);
  if (sel.metric === undefined) {
    throw invalidParameter('metric', 'is required (as metric=name or in a match[] selector)');
  }
  const stepMs =
    params.step === undefined ? defaultStepMs(fromMs, toMs) : parseDurationMs(params.step, 'step');
  const buckets = bucketCount(fromMs, toMs, stepMs);
  const { maxPointsPerSeries, maxQueryPoints } = ctx.options;
  if (buckets > maxPointsPerSeries) {
    throw new OpsError(
      'QUERY_TOO_MANY_POINTS',
      `${buckets} buckets per series exceed the limit of ${maxPointsPerSeries}; use a step of at least ${Math.ceil((toMs - fromMs) / maxPointsPerSeries / 1000)}s or a shorter range`,
      { items: [{ field: 'step', reason: `gives ${buckets} buckets per series` }] },
    );
  }
  const groupBy = parseGroupBy(params.group_by);
  const agg = (params.agg ?? 'avg') as Aggregation;
  const query = {
    metric: sel.metric,
    matchers: sel.matchers,
    fromMs,
    toMs,
    stepMs,
    agg,
    ...(groupBy === undefined ? {} : { groupBy }),
  };
  if (groupBy === undefined) {
    // Each series is its own result: refuse before doing the work when the count alone breaks
    // the limit.
    const maxSeries = Math.floor(maxQueryPoints / buckets);
    const found = await ctx.deps.store.series({
      metric: sel.metric,
      matchers: sel.matchers,
      fromMs,
      toMs,
      limit: maxSeries + 1,
    });
    if (found.length > maxSeries) {
      throw tooManyPoints(`more than ${maxSeries} series × ${buckets} buckets`, maxQueryPoints);
    }
  }
  const result = await ctx.deps.store.queryRange(query);
  let points = 0;
  for (const s of result) points += s.points.length;
  if (points > maxQueryPoints) throw tooManyPoints(`${points} points`, maxQueryPoints);
  return result;
}

function tooManyPoints(what: string, limit: number): OpsError {
  return new OpsError(
    'QUERY_TOO_MANY_POINTS',
    `the answer would hold ${what}, over the limit of ${limit} points; narrow the matchers, group with group_by, or use a larger step`,
    { items: [{ field: 'match[]', reason: 'selects too many series for this range and step' }] },
  );
}

/** Parses a trailing window (`window=15m`) bounded by maxKpiWindowMs. */
export function parseWindowMs(text: string | undefined, defaultMs: number, maxMs: number): number {
  if (text === undefined) return defaultMs;
  const ms = parseDurationMs(text, 'window');
  if (ms > maxMs) {
    throw invalidParameter('window', `${text} is longer than the maximum of ${maxMs / HOUR_MS}h`);
  }
  return ms;
}

export function registerQueryRoutes(root: FastifyInstance, ctx: ServerContext): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { store, clock } = ctx.deps;

  app.get(
    '/api/v1/series',
    {
      schema: {
        summary: 'Series matching a metric and label matchers',
        tags: ['query'],
        querystring: SeriesQuerySchema,
        response: { 200: Type.Array(SeriesInfoSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const nowMs = clock.nowMs();
      const sel = parseSelectors(q.metric, q['match[]']);
      const fromMs = q.from === undefined ? undefined : parseTimeMs(q.from, 'from', nowMs);
      const toMs = q.to === undefined ? undefined : parseTimeMs(q.to, 'to', nowMs);
      if (fromMs !== undefined && toMs !== undefined && !(fromMs <= toMs)) {
        throw new OpsError(
          'QUERY_INVALID_RANGE',
          `from (${iso(fromMs)}) is after to (${iso(toMs)})`,
          {
            items: [{ field: 'from', reason: 'must not be after to' }],
          },
        );
      }
      const limit = q.limit ?? ctx.options.defaultSeriesLimit;
      if (limit > ctx.options.maxSeriesLimit) {
        throw invalidParameter('limit', `must be at most ${ctx.options.maxSeriesLimit}`);
      }
      return store.series({
        ...(sel.metric === undefined ? {} : { metric: sel.metric }),
        matchers: sel.matchers,
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(toMs === undefined ? {} : { toMs }),
        limit,
      });
    },
  );

  app.get(
    '/api/v1/labels/:name/values',
    {
      schema: {
        summary: 'Distinct values of a label (optionally within one metric)',
        tags: ['query'],
        params: LabelValuesParamsSchema,
        querystring: LabelValuesQuerySchema,
        response: { 200: Type.Array(Type.String()), ...problemResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (name !== METRIC_NAME_LABEL && !LABEL_NAME_RE.test(name)) {
        throw invalidParameter('name', `${JSON.stringify(name)} is not a valid label name`);
      }
      const metric = request.query.metric;
      return metric === undefined || metric === ''
        ? store.labelValues(name)
        : store.labelValues(name, metric);
    },
  );

  app.get(
    '/api/v1/query_range',
    {
      schema: {
        summary: 'Bucketed aggregate of a metric over a time range',
        tags: ['query'],
        querystring: RangeQuerySchema,
        response: { 200: Type.Array(RangeSeriesSchema), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const nowMs = clock.nowMs();
      const toMs = q.to === undefined ? nowMs : parseTimeMs(q.to, 'to', nowMs);
      const fromMs = q.from === undefined ? toMs - HOUR_MS : parseTimeMs(q.from, 'from', nowMs);
      return runRangeQuery(ctx, q, fromMs, toMs);
    },
  );

  app.get(
    '/api/v1/kpis',
    {
      schema: {
        summary: 'KPIs of one service or source over a trailing window',
        tags: ['kpi'],
        querystring: KpiQuerySchema,
        response: { 200: KpiReportSchema, ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if ((q.service === undefined) === (q.source === undefined)) {
        throw invalidParameter('service', 'give exactly one of service=<id> or source=<id>');
      }
      const subject =
        q.service !== undefined
          ? { kind: 'service' as const, id: q.service }
          : { kind: 'source' as const, id: q.source as string };
      const windowMs = parseWindowMs(q.window, HOUR_MS, ctx.options.maxKpiWindowMs);
      const nowMs = clock.nowMs();
      const { report, everSeen } = await buildKpiReport(
        store,
        subject,
        nowMs - windowMs,
        nowMs + 1,
        ctx.options.kpi,
      );
      if (!everSeen) {
        throw new OpsError(
          'NOT_FOUND',
          `no ${subject.kind} ${JSON.stringify(subject.id)} has reported`,
        );
      }
      // Contract types are readonly; the schema's static type is not. Same shape.
      return report as unknown as Static<typeof KpiReportSchema>;
    },
  );

  app.get(
    '/api/v1/overview',
    {
      schema: {
        summary: 'Traffic light and KPIs of every service',
        tags: ['kpi'],
        querystring: OverviewQuerySchema,
        response: { 200: OverviewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const windowMs = parseWindowMs(request.query.window, 15 * 60_000, ctx.options.maxKpiWindowMs);
      return (await ctx.overview(windowMs)) as unknown as Static<typeof OverviewSchema>;
    },
  );

  app.get(
    '/api/v1/schemas/telemetry-event',
    {
      schema: { summary: 'JSON Schema of the telemetry event (data contract v1)', tags: ['meta'] },
    },
    async (_request, reply) => {
      return reply.type('application/schema+json').send(JSON.stringify(TelemetryEventSchema));
    },
  );
}
