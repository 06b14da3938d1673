/**
 * @module
 * Chaos routes of the demo shop (docs/demo-shop.md, "Chaos API"), compatible with the AIOps
 * design's `/simulate/*`:
 * - POST /simulate/delay?endpoint=/payment&duration=2000 — add 2 s to every request;
 * - POST /simulate/error?endpoint=/payment&rate=0.3 — fail 30 % of requests with a 500;
 * - POST /simulate/timeout?endpoint=/payment — the endpoint hangs until cleared;
 * - POST /simulate/clear — remove every fault;
 * - GET /simulate/status — `{ active, faults, endpoints }`.
 * Parameters come from the query string or, for the dashboard, a JSON body (`duration_ms` is
 * accepted for `duration`). Without a shop (ServerDeps.chaos) every route answers 503
 * CHAOS_UNAVAILABLE; bad values answer 400 naming the parameter.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ChaosControl, type ChaosFault, OpsError } from '../contract/index.ts';
import { invalidParameter } from './params.ts';
import { problemResponses } from './schemas.ts';

const FaultSchema = Type.Object({
  endpoint: Type.String({ description: 'e.g. /payment or frontend:/checkout' }),
  kind: Type.Union([Type.Literal('delay'), Type.Literal('error'), Type.Literal('timeout')]),
  value: Type.Number({ description: 'delay: added ms; error: failure probability; timeout: 0' }),
  sinceMs: Type.Number({ description: 'When the fault was set, epoch ms' }),
  since: Type.String({ format: 'date-time' }),
});

const StatusSchema = Type.Object({
  active: Type.Boolean({ description: 'Whether any fault is set' }),
  faults: Type.Array(FaultSchema),
  endpoints: Type.Array(Type.String(), { description: 'Endpoints faults can target' }),
});

const ActionSchema = Type.Object({ ok: Type.Boolean(), fault: FaultSchema });

const ParamsSchema = Type.Object({
  endpoint: Type.Optional(Type.String({ description: 'Path (/payment) or service:/path' })),
  duration: Type.Optional(Type.String({ description: 'delay: added milliseconds, 1..60000' })),
  rate: Type.Optional(Type.String({ description: 'error: failure probability, 0..1' })),
});

const TAGS = ['chaos'];

function render(f: ChaosFault) {
  return { ...f, since: new Date(f.sinceMs).toISOString() };
}

/** A parameter from the query string, else from a JSON body (any of `names`). */
function param(request: FastifyRequest, ...names: string[]): unknown {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body =
    typeof request.body === 'object' && request.body !== null
      ? (request.body as Record<string, unknown>)
      : {};
  for (const n of names) if (query[n] !== undefined && query[n] !== '') return query[n];
  for (const n of names) if (body[n] !== undefined) return body[n];
  return undefined;
}

function endpointOf(request: FastifyRequest): string {
  const v = param(request, 'endpoint');
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalidParameter('endpoint', 'is required, e.g. /payment');
  }
  return v;
}

function numberOf(request: FastifyRequest, field: string, ...names: string[]): number {
  const v = param(request, field, ...names);
  if (v === undefined) throw invalidParameter(field, 'is required');
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN;
  if (!Number.isFinite(n) || (typeof v === 'string' && v.trim() === '')) {
    throw invalidParameter(field, `must be a number, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function registerChaosRoutes(app: FastifyInstance, chaos: ChaosControl | undefined): void {
  const control = (): ChaosControl => {
    if (chaos === undefined) {
      throw new OpsError(
        'CHAOS_UNAVAILABLE',
        'no demo shop runs in this server (started with --no-demo or --no-shop)',
      );
    }
    return chaos;
  };
  const action = (summary: string) => ({
    schema: {
      summary,
      tags: TAGS,
      querystring: ParamsSchema,
      response: { 200: ActionSchema, ...problemResponses },
    },
  });

  app.post(
    '/simulate/delay',
    action('Add latency to an endpoint of the demo shop'),
    async (request) => {
      const c = control();
      const endpoint = endpointOf(request);
      const fault = c.delay(endpoint, numberOf(request, 'duration', 'duration_ms'));
      request.log.info({ fault }, 'chaos: delay set');
      return { ok: true, fault: render(fault) };
    },
  );
  app.post(
    '/simulate/error',
    action('Make an endpoint of the demo shop fail with a probability'),
    async (request) => {
      const c = control();
      const endpoint = endpointOf(request);
      const fault = c.error(endpoint, numberOf(request, 'rate'));
      request.log.info({ fault }, 'chaos: error rate set');
      return { ok: true, fault: render(fault) };
    },
  );
  app.post(
    '/simulate/timeout',
    action('Make an endpoint of the demo shop hang until cleared'),
    async (request) => {
      const c = control();
      const fault = c.timeout(endpointOf(request));
      request.log.info({ fault }, 'chaos: timeout set');
      return { ok: true, fault: render(fault) };
    },
  );
  app.post(
    '/simulate/clear',
    {
      schema: {
        summary: 'Remove every fault from the demo shop',
        tags: TAGS,
        response: {
          200: Type.Object({ ok: Type.Boolean(), cleared: Type.Integer() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const c = control();
      const cleared = c.status().length;
      c.clear();
      request.log.info({ cleared }, 'chaos: cleared');
      return { ok: true, cleared };
    },
  );
  app.get(
    '/simulate/status',
    {
      schema: {
        summary: 'Active faults and the endpoints they can target',
        tags: TAGS,
        response: { 200: StatusSchema, ...problemResponses },
      },
    },
    async () => {
      const c = control();
      const faults = c.status().map(render);
      return { active: faults.length > 0, faults, endpoints: [...c.endpoints()] };
    },
  );
}
