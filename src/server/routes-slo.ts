/**
 * @module
 * SLO and health API (docs/api.md, "Alerting, SLOs and health"): SLO definitions and their
 * status (SLI, objective, budget left, burn rates per window, page/ticket state, pass/fail),
 * burn-rate series for charts, and the health score of every service. Served from the
 * alerting runtime's last evaluation; registered only when a runtime is wired.
 */
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { OpsError } from '../contract/index.ts';
import type { AlertingRuntime, BurnSeriesResult } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import {
  bucketCount,
  defaultStepMs,
  invalidParameter,
  parseDurationMs,
  parseTimeMs,
} from './params.ts';
import { AlertingNameParams as NameParams, alertingResponses as ok } from './schemas.ts';

const ServiceQuery = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1, description: 'Only this service' })),
});
const BurnQuery = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1, description: 'Only this service' })),
  from: Type.Optional(
    Type.String({ description: 'RFC 3339, epoch ms, or now-24h; default to - 24h' }),
  ),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now; default now' })),
  step: Type.Optional(Type.String({ description: 'Duration between points; default range/300' })),
});
const SloBody = Type.Unknown({
  description:
    'One SLO, the shape of an `slos:` entry of opsight.yaml (docs/slos.md#configuration), e.g. {"name":"availability","service":"checkout","objective":99.95,"window":"28d","sli":{"ratio":{"total":"requests_per_second","bad":"errors_per_second"}}}',
});

/** Shapes are documented in docs/api.md ("Alerting, SLOs and health"). */

const DEFAULT_BURN_RANGE_MS = 24 * 3_600_000;

export function registerSloRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  rt: AlertingRuntime,
): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { clock } = ctx.deps;
  const tags = ['slo'];

  app.get(
    '/api/v1/slos',
    {
      schema: {
        summary: 'SLO definitions in effect and the status of every SLO of every service',
        tags,
        querystring: ServiceQuery,
        response: ok,
      },
    },
    async (request) => ({
      generatedAtMs: rt.lastEvaluation()?.atMs ?? null,
      definitions: rt.sloDefinitions(),
      slos: rt.slos(request.query.service === undefined ? {} : { service: request.query.service }),
    }),
  );

  app.post(
    '/api/v1/slos',
    {
      schema: {
        summary: 'Create an SLO (409 when one of that name and service exists)',
        tags,
        body: SloBody,
        response: ok,
      },
    },
    async (request, reply) => {
      const definition = await rt.createSlo(request.body);
      reply.code(201);
      return { definition };
    },
  );

  app.get(
    '/api/v1/slos/:name',
    {
      schema: {
        summary: 'Status of one SLO for every service (or one with ?service=)',
        tags,
        params: NameParams,
        querystring: ServiceQuery,
        response: ok,
      },
    },
    async (request) => {
      const { name } = request.params;
      const definitions = rt.sloDefinitions().filter((d) => d.definition.name === name);
      const slos = rt.slos({
        name,
        ...(request.query.service === undefined ? {} : { service: request.query.service }),
      });
      if (definitions.length === 0 && slos.length === 0) {
        throw new OpsError('NOT_FOUND', `no SLO named ${JSON.stringify(name)}`);
      }
      return { name, generatedAtMs: rt.lastEvaluation()?.atMs ?? null, definitions, slos };
    },
  );

  app.put(
    '/api/v1/slos/:name',
    {
      schema: {
        summary: 'Create or replace the API SLO of that name (and body `service`)',
        tags,
        params: NameParams,
        body: SloBody,
        response: ok,
      },
    },
    async (request) => ({ definition: await rt.putSlo(request.params.name, request.body) }),
  );

  app.delete(
    '/api/v1/slos/:name',
    {
      schema: {
        summary: 'Delete an SLO created through the API (?service= for a per-service one)',
        tags,
        params: NameParams,
        querystring: ServiceQuery,
        response: ok,
      },
    },
    async (request, reply) => {
      await rt.deleteSlo(request.params.name, request.query.service);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/slos/:name/burn',
    {
      schema: {
        summary: 'Burn-rate series of an SLO, one per policy window, per service',
        tags,
        params: NameParams,
        querystring: BurnQuery,
        response: ok,
      },
    },
    async (request) => {
      const { name } = request.params;
      const q = request.query;
      const nowMs = clock.nowMs();
      const toMs = q.to === undefined ? nowMs : parseTimeMs(q.to, 'to', nowMs);
      const fromMs =
        q.from === undefined ? toMs - DEFAULT_BURN_RANGE_MS : parseTimeMs(q.from, 'from', nowMs);
      if (fromMs > toMs) throw invalidParameter('from', 'must not be after to');
      const stepMs =
        q.step === undefined ? defaultStepMs(fromMs, toMs) : parseDurationMs(q.step, 'step');
      if (stepMs <= 0) throw invalidParameter('step', 'must be longer than 0');
      const points = bucketCount(fromMs, toMs, stepMs);
      if (points > ctx.options.maxPointsPerSeries) {
        throw new OpsError(
          'QUERY_TOO_MANY_POINTS',
          `${points} points per series; the limit is ${ctx.options.maxPointsPerSeries}: raise step or shorten the range`,
        );
      }
      const services =
        q.service !== undefined
          ? [q.service]
          : [...new Set(rt.slos({ name }).map((s) => s.service))];
      if (services.length === 0) {
        throw new OpsError('NOT_FOUND', `no evaluated SLO named ${JSON.stringify(name)}`);
      }
      const series: BurnSeriesResult[] = [];
      for (const service of services) {
        series.push(await rt.burnSeries(name, service, fromMs, toMs, stepMs));
      }
      return { name, fromMs, toMs, stepMs, series };
    },
  );

  app.get(
    '/api/v1/health',
    {
      schema: {
        summary: 'Health score 0–100 and light of every service, with its parts',
        tags,
        response: ok,
      },
    },
    async () => ({
      generatedAtMs: rt.lastEvaluation()?.atMs ?? null,
      evaluation: rt.lastEvaluation() ?? null,
      services: rt.health(),
    }),
  );
}
