/**
 * @module
 * Human review API (docs/review.md), registered when a review runtime is wired:
 * - `GET /api/v1/review?status=&stream=&limit=` → `{ items, stats }`, newest first;
 * - `GET /api/v1/review/stats` → stats (pending, reviewed, rejection rate, time to review);
 * - `GET /api/v1/review/labels` → `{ labels }`: verdicts on anomalies (1 real, 0 false alarm)
 *   with their series;
 * - `GET /api/v1/review/export?window=2h` → `{ series }`: each reviewed series around its verdicts
 *   as `[timestampMs, value, label]` rows, which `opsight review export` writes as the labelled
 *   CSVs `opsight eval` reads;
 * - `GET /api/v1/review/items/:id`, `POST /api/v1/review/items/:id/claim|approve|reject` with
 *   `{by, reason?}` (a rejection needs a reason; conflicts are 409 REVIEW_CONFLICT);
 * - `GET /api/v1/live/review`: server-sent events, `item` per new or changed item.
 */
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type Labels, OpsError } from '../contract/index.ts';
import { type ReviewRuntime, seriesName } from '../pipeline/index.ts';
import {
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewStatus,
  type ReviewStream,
} from '../review/index.ts';
import type { ServerContext } from './context.ts';
import { openLiveStream } from './live-stream.ts';
import { parseDurationMs, parseEnumList } from './params.ts';
import { problemResponses } from './schemas.ts';

const open = { additionalProperties: true } as const;
const ItemSchema = Type.Object(
  {
    id: Type.String(),
    stream: Type.String({ enum: [...REVIEW_STREAMS] }),
    itemId: Type.String(),
    subject: Type.String(),
    atMs: Type.Number(),
    reason: Type.String(),
    status: Type.String({ enum: [...REVIEW_STATUSES] }),
    sampledAtMs: Type.Number(),
    data: Type.Object({}, open),
  },
  open,
);
const StatsSchema = Type.Object(
  {
    pending: Type.Number(),
    claimed: Type.Number(),
    reviewed: Type.Number(),
    approved: Type.Number(),
    rejected: Type.Number(),
    rejectionRate: Type.Number(),
    sampled: Type.Number(),
    seen: Type.Number(),
    rate: Type.Number(),
  },
  open,
);
const ListQuery = Type.Object({
  status: Type.Optional(
    Type.String({ description: `Comma-separated: ${REVIEW_STATUSES.join(', ')}` }),
  ),
  stream: Type.Optional(
    Type.String({ description: `Comma-separated: ${REVIEW_STREAMS.join(', ')}` }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5_000, default: 200 })),
});
const ExportQuery = Type.Object({
  window: Type.Optional(
    Type.String({
      description: 'Context kept around the verdicts on each side, e.g. 2h (default)',
    }),
  ),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 2_000 }) });
const VerdictBody = Type.Object(
  {
    by: Type.String({ minLength: 1, maxLength: 200, description: 'Who is reviewing' }),
    reason: Type.Optional(Type.String({ maxLength: 2_000, description: 'Required to reject' })),
  },
  { additionalProperties: false },
);
const itemResponses = { 200: Type.Object({ item: ItemSchema }), ...problemResponses };

export function registerReviewRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  rt: ReviewRuntime,
): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['review'];
  const must = (id: string) => {
    const item = rt.get(id);
    if (item === undefined) {
      throw new OpsError('NOT_FOUND', `no review item ${id}`, {
        items: [{ field: 'id', reason: `unknown review item ${id}` }],
      });
    }
    return item;
  };

  app.get(
    '/api/v1/review',
    {
      schema: {
        summary: 'Items sampled for human review, newest first, with queue stats',
        tags,
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(ItemSchema), stats: StatsSchema }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const status = parseEnumList<ReviewStatus>(q.status, 'status', REVIEW_STATUSES);
      const stream = parseEnumList<ReviewStream>(q.stream, 'stream', REVIEW_STREAMS);
      return {
        items: rt.list({
          ...(status === undefined ? {} : { status }),
          ...(stream === undefined ? {} : { stream }),
          limit: q.limit ?? 200,
        }),
        stats: rt.stats(),
      };
    },
  );

  app.get(
    '/api/v1/review/stats',
    {
      schema: {
        summary: 'Pending, reviewed, rejection rate, time to review',
        tags,
        response: { 200: StatsSchema },
      },
    },
    async () => rt.stats(),
  );

  app.get(
    '/api/v1/review/labels',
    {
      schema: {
        summary: 'Verdicts on anomalies as labels (1 real, 0 false alarm) with their series',
        tags,
        response: { 200: Type.Object({ labels: Type.Array(Type.Object({}, open)) }) },
      },
    },
    async () => ({ labels: rt.anomalyLabels() }),
  );

  app.get(
    '/api/v1/review/export',
    {
      schema: {
        summary:
          'Each reviewed series around its verdicts as [timestampMs, value, label] rows (label 1 = a confirmed anomaly), what `opsight review export` writes for `opsight eval`',
        tags,
        querystring: ExportQuery,
        response: {
          200: Type.Object({ series: Type.Array(Type.Object({}, open)) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const windowMs = parseDurationMs(request.query.window ?? '2h', 'window');
      const bySeries = new Map<
        string,
        { metric: string; labels: Labels; verdicts: Map<number, 0 | 1> }
      >();
      for (const l of rt.anomalyLabels()) {
        const key = seriesName(l.metric, l.labels);
        let s = bySeries.get(key);
        if (s === undefined) {
          s = { metric: l.metric, labels: l.labels, verdicts: new Map() };
          bySeries.set(key, s);
        }
        s.verdicts.set(l.atMs, l.label);
      }
      const series = [];
      for (const [name, s] of bySeries) {
        const times = [...s.verdicts.keys()];
        const found = await ctx.deps.store.select({
          metric: s.metric,
          matchers: Object.entries(s.labels).map(([k, v]) => ({
            name: k,
            op: '=' as const,
            value: v,
          })),
          fromMs: Math.min(...times) - windowMs,
          toMs: Math.max(...times) + windowMs,
        });
        // The exact series: same labels, no more.
        const exact = found.find(
          (f) => Object.keys(f.labels).length === Object.keys(s.labels).length,
        );
        const rows = (exact?.points ?? []).map(([t, v]): [number, number, number] => [
          t,
          v,
          s.verdicts.get(t) === 1 ? 1 : 0,
        ]);
        series.push({ name, metric: s.metric, labels: s.labels, verdicts: s.verdicts.size, rows });
      }
      return { series };
    },
  );

  app.get(
    '/api/v1/review/items/:id',
    { schema: { summary: 'One review item', tags, params: IdParams, response: itemResponses } },
    async (request) => ({ item: must(request.params.id) }),
  );

  for (const action of ['claim', 'approve', 'reject'] as const) {
    app.post(
      `/api/v1/review/items/:id/${action}`,
      {
        schema: {
          summary:
            action === 'claim'
              ? 'Claim an item to review it'
              : action === 'approve'
                ? 'Approve: the automation was right'
                : 'Reject with a reason: the automation was wrong',
          tags,
          params: IdParams,
          body: VerdictBody,
          response: itemResponses,
        },
      },
      async (request) => {
        const { id } = request.params;
        must(id);
        const { by, reason } = request.body;
        if (action === 'claim') return { item: await rt.claim(id, by) };
        if (action === 'approve') return { item: await rt.approve(id, by, reason) };
        return { item: await rt.reject(id, by, reason ?? '') };
      },
    );
  }

  app.get(
    '/api/v1/live/review',
    {
      schema: {
        summary: 'Server-sent events: `stats` now, then `item` per new or changed item',
        tags: ['live', ...tags],
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const stream = openLiveStream(ctx, request, reply);
      stream.send('stats', rt.stats());
      stream.onClose(
        rt.onItem((item) => {
          stream.send('item', item);
          stream.send('stats', rt.stats());
        }),
      );
      return reply;
    },
  );
}
