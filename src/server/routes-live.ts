/**
 * @module
 * Live push over server-sent events (docs/api.md, "Live streams"):
 * - /api/v1/live/overview: event `overview` (an Overview) at once, then every
 *   `liveOverviewIntervalMs`.
 * - /api/v1/live/query: event `update` (a LiveQueryUpdate) at once, then whenever a published
 *   batch carries samples of the queried metric that match its matchers, at most once per
 *   `liveQueryThrottleMs`.
 * A failed computation sends event `problem` (problem details) and the stream goes on.
 * Parameters are validated before the stream opens, so bad ones get an ordinary 400.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { compileMatchers, type LiveQueryUpdate, OpsError, toProblem } from '../contract/index.ts';
import type { ServerContext } from './context.ts';
import { toOpsError } from './error-boundary.ts';
import { parseSelectors } from './params.ts';
import { parseWindowMs, runRangeQuery } from './routes-query.ts';
import { LiveOverviewQuerySchema, LiveQuerySchema, problemResponses } from './schemas.ts';
import { SseStream } from './sse.ts';

const DEFAULT_WINDOW_MS = 15 * 60_000;
/** Reconnect delay suggested to EventSource clients. */
const RETRY_MS = 3_000;

export function registerLiveRoutes(root: FastifyInstance, ctx: ServerContext): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { clock, bus } = ctx.deps;
  const { options } = ctx;

  /** Refuses a new stream at the cap; called before any work, so refusals are cheap. */
  const admit = (reply: FastifyReply): void => {
    if (ctx.streams.size < options.maxLiveStreams) return;
    reply.header('retry-after', '10');
    throw new OpsError(
      'LIVE_TOO_MANY_STREAMS',
      `${ctx.streams.size} live streams are open, the limit is ${options.maxLiveStreams}; retry later`,
    );
  };

  const open = (request: FastifyRequest, reply: FastifyReply): SseStream => {
    const stream = new SseStream(request, reply, {
      heartbeatMs: options.sseHeartbeatMs,
      retryMs: RETRY_MS,
    });
    ctx.streams.add(stream);
    stream.onClose(() => ctx.streams.delete(stream));
    return stream;
  };

  const sendProblem = (stream: SseStream, request: FastifyRequest, err: unknown): void => {
    const ops = toOpsError(err);
    if (ops.status >= 500) request.log.error({ err }, 'live stream computation failed');
    stream.send('problem', toProblem(ops, request.url));
  };

  app.get(
    '/api/v1/live/overview',
    {
      schema: {
        summary: 'Server-sent events: event `overview` now and every 2 s',
        tags: ['live'],
        querystring: LiveOverviewQuerySchema,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      admit(reply);
      const windowMs = parseWindowMs(
        request.query.window,
        DEFAULT_WINDOW_MS,
        options.maxKpiWindowMs,
      );
      const stream = open(request, reply);
      let busy = false;
      const tick = async (): Promise<void> => {
        // Skip a tick rather than pile up computations when the store is slow.
        if (busy || stream.closed) return;
        busy = true;
        try {
          const overview = await ctx.overview(windowMs);
          stream.send('overview', overview);
        } catch (err) {
          sendProblem(stream, request, err);
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void tick(), options.liveOverviewIntervalMs);
      stream.onClose(() => clearInterval(timer));
      await tick();
      return reply;
    },
  );

  app.get(
    '/api/v1/live/query',
    {
      schema: {
        summary: 'Server-sent events: event `update` now and when new samples arrive (≤ 1/s)',
        tags: ['live'],
        querystring: LiveQuerySchema,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      admit(reply);
      const q = request.query;
      const windowMs = parseWindowMs(q.window, DEFAULT_WINDOW_MS, options.maxKpiWindowMs);
      const compute = async (): Promise<LiveQueryUpdate> => {
        const nowMs = clock.nowMs();
        const fromMs = nowMs - windowMs;
        const series = await runRangeQuery(ctx, q, fromMs, nowMs);
        return { generatedAtMs: nowMs, fromMs, toMs: nowMs, series };
      };
      // Validate everything (and compute the first update) before switching to SSE, so that bad
      // parameters get an ordinary problem+json response.
      const first = await compute();
      const sel = parseSelectors(q.metric, q['match[]']);
      const matches = compileMatchers(sel.matchers);
      const stream = open(request, reply);
      stream.send('update', first);

      // Throttle: send now when idle; otherwise remember that data changed and send when the
      // cooling period after the previous send ends. Only one computation runs at a time.
      let dirty = false;
      let cooling = false;
      let running = false;
      let timer: NodeJS.Timeout | undefined;
      const startCooling = (): void => {
        cooling = true;
        timer = setTimeout(() => {
          cooling = false;
          timer = undefined;
          if (dirty) void push();
        }, options.liveQueryThrottleMs);
      };
      const push = async (): Promise<void> => {
        if (stream.closed || running || cooling) return;
        dirty = false;
        running = true;
        try {
          stream.send('update', await compute());
        } catch (err) {
          sendProblem(stream, request, err);
        } finally {
          running = false;
          if (!stream.closed) startCooling();
        }
      };
      startCooling();
      const off = bus.subscribe(({ batch }) => {
        for (const s of batch) {
          if (s.metric === sel.metric && matches(s.metric, s.labels)) {
            dirty = true;
            void push();
            return;
          }
        }
      });
      stream.onClose(() => {
        off();
        if (timer !== undefined) clearTimeout(timer);
      });
      return reply;
    },
  );
}
