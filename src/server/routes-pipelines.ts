/**
 * @module
 * Pipeline health API (docs/pipeline.md#api), registered when a pipeline health runtime is wired:
 * - `GET /api/v1/pipelines` → `{ pipelines: PipelineHealth[] }`: lights per stage and overall,
 *   both SLOs with pass/fail and burn, throughput, tail latency, signal breakdown, incidents;
 * - `GET /api/v1/pipelines/:name` → `{ pipeline }` (404 for an unknown pipeline);
 * - `POST /api/v1/pipelines/:name/simulate` `{kind: spike|degradation, durationS?}` → 202: demo
 *   control of the simulated pipeline (503 without the demo);
 * - `GET /api/v1/live/pipelines`: server-sent events, `pipelines` now and after every judged
 *   cycle (at most once a second).
 */
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { PipelineHealth } from '../analytics/index.ts';
import { OpsError } from '../contract/index.ts';
import type { PipelineHealthRuntime } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import { openLiveStream, throttled } from './live-stream.ts';
import { problemResponses } from './schemas.ts';

const open = { additionalProperties: true } as const;
const PipelineHealthObject = Type.Object(
  {
    pipeline: Type.String(),
    atMs: Type.Number(),
    light: Type.String({ enum: ['green', 'orange', 'red'] }),
    reason: Type.String(),
    stages: Type.Array(Type.Object({}, open)),
    slos: Type.Array(Type.Object({}, open)),
    throughputPerCycle: Type.Number(),
    latencyP95: Type.Number(),
    latencyP99: Type.Number(),
    signals: Type.Record(Type.String(), Type.Number()),
    incidents: Type.Array(Type.Object({}, open)),
    cycles: Type.Number(),
  },
  open,
);
/** The schema documents the shape; the static type is the domain's (readonly arrays). */
const PipelineHealthSchema = Type.Unsafe<PipelineHealth>(PipelineHealthObject);
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const SimulateBody = Type.Object(
  {
    kind: Type.String({ enum: ['spike', 'degradation'], description: 'What to start now' }),
    durationS: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3_600, description: 'How long, in cycles (default 60)' }),
    ),
  },
  { additionalProperties: false },
);

export function registerPipelineRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  rt: PipelineHealthRuntime,
): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['pipelines'];
  const all = () =>
    rt.pipelines().flatMap((name) => {
      const h = rt.health(name);
      return h === undefined ? [] : [h];
    });

  app.get(
    '/api/v1/pipelines',
    {
      schema: {
        summary: 'Every watched pipeline: lights, SLOs, throughput, tail latency, incidents',
        tags,
        response: {
          200: Type.Object({ pipelines: Type.Array(PipelineHealthSchema) }),
          ...problemResponses,
        },
      },
    },
    async () => ({ pipelines: all() }),
  );

  app.get(
    '/api/v1/pipelines/:name',
    {
      schema: {
        summary: 'One pipeline',
        tags,
        params: NameParams,
        response: { 200: Type.Object({ pipeline: PipelineHealthSchema }), ...problemResponses },
      },
    },
    async (request) => {
      const pipeline = rt.health(request.params.name);
      if (pipeline === undefined) throw unknownPipeline(request.params.name, rt.pipelines());
      return { pipeline };
    },
  );

  app.post(
    '/api/v1/pipelines/:name/simulate',
    {
      schema: {
        summary: 'Demo control: start a traffic spike or an enrichment slowdown now',
        tags,
        params: NameParams,
        body: SimulateBody,
        response: { 202: Type.Object({ disturbance: Type.Object({}, open) }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const demo = ctx.deps.pipelineDemo;
      if (demo === undefined) {
        throw new OpsError(
          'NOT_READY',
          'no simulated pipeline runs in this server (the demo is off)',
        );
      }
      const { name } = request.params;
      if (!demo.names().includes(name)) throw unknownPipeline(name, demo.names());
      const b = request.body;
      const disturbance = demo.inject(name, b.kind as 'spike' | 'degradation', b.durationS ?? 60);
      reply.code(202);
      return { disturbance };
    },
  );

  app.get(
    '/api/v1/live/pipelines',
    {
      schema: {
        summary: 'Server-sent events: `pipelines` now and after every judged cycle (≤ 1/s)',
        tags: ['live', ...tags],
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const stream = openLiveStream(ctx, request, reply);
      const send = () => stream.send('pipelines', { pipelines: all() });
      send();
      const pacer = throttled(send, 1_000);
      stream.onClose(() => pacer.stop());
      stream.onClose(rt.onUpdate(() => pacer.poke()));
      return reply;
    },
  );
}

function unknownPipeline(name: string, known: readonly string[]): OpsError {
  return new OpsError(
    'NOT_FOUND',
    `no pipeline ${JSON.stringify(name)}; known: ${known.join(', ') || 'none yet'}`,
    {
      items: [{ field: 'name', reason: `unknown pipeline ${name}` }],
    },
  );
}
