/**
 * @module
 * Alerting API (docs/api.md, "Alerting, SLOs and health"): active alerts with their mute
 * flags, alert history, rules (validated with the alerting config parser), silences with
 * expiry, notification delivery attempts, and the `alerts` live stream. Registered only when
 * an alerting runtime is wired.
 */
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { toProblem } from '../contract/index.ts';
import type { AlertingRuntime, AlertView } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import { toOpsError } from './error-boundary.ts';
import { openLiveStream } from './live-stream.ts';
import { invalidParameter, parseTimeMs } from './params.ts';
import { AlertingNameParams as NameParams, alertingResponses as ok } from './schemas.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const RangeQuery = {
  from: Type.Optional(
    Type.String({ description: 'RFC 3339, epoch ms, or now-24h; default to - 24h' }),
  ),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now; default now' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: 'Newest kept; default 1000' }),
  ),
};
const HistoryQuery = Type.Object(RangeQuery);
const DeliveriesQuery = Type.Object({
  ...RangeQuery,
  channel: Type.Optional(Type.String({ minLength: 1 })),
  notification: Type.Optional(Type.String({ minLength: 1, description: 'A notification id' })),
});
const LiveAlertsQuery = Type.Object({
  api_key: Type.Optional(Type.String({ description: 'API key, for EventSource clients' })),
});
const RuleBody = Type.Unknown({
  description:
    'One rule, the shape of a `rules:` entry of opsight.yaml (docs/alerting.md#configuration-reference), e.g. {"name":"HighErrors","kind":"threshold","query":{"metric":"errors_per_second","by":["service"]},"op":">","value":5,"for":"5m"}',
});
const SilenceBody = Type.Unknown({
  description:
    'One silence, the shape of a `silences:` entry: {"matchers":["service=\\"api\\""],"duration":"2h","created_by":"ana","comment":"deploy"} (or ends_at; starts_at defaults to now; id optional)',
});

/** Shapes are documented in docs/api.md ("Alerting, SLOs and health"). */

const DEFAULT_RANGE_MS = 24 * 3_600_000;

function range(q: { from?: string; to?: string }, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = q.to === undefined ? nowMs : parseTimeMs(q.to, 'to', nowMs);
  const fromMs =
    q.from === undefined ? toMs - DEFAULT_RANGE_MS : parseTimeMs(q.from, 'from', nowMs);
  if (fromMs > toMs) throw invalidParameter('from', 'must not be after to');
  return { fromMs, toMs };
}

export function registerAlertingRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  rt: AlertingRuntime,
): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { clock } = ctx.deps;
  const tags = ['alerting'];

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        summary: 'Active alerts (pending and firing) with silenced/inhibited flags',
        tags,
        response: ok,
      },
    },
    async () => ({ generatedAtMs: clock.nowMs(), alerts: rt.activeAlerts() }),
  );

  app.get(
    '/api/v1/alerts/history',
    {
      schema: {
        summary: 'Alert state transitions in [from, to], oldest first',
        tags,
        querystring: HistoryQuery,
        response: ok,
      },
    },
    async (request) => {
      const { fromMs, toMs } = range(request.query, clock.nowMs());
      const transitions = await rt.history(fromMs, toMs, request.query.limit ?? 1000);
      return { fromMs, toMs, transitions };
    },
  );

  app.get(
    '/api/v1/rules',
    { schema: { summary: 'Alert rules in effect', tags, response: ok } },
    async () => ({ rules: rt.rules() }),
  );

  app.post(
    '/api/v1/rules',
    {
      schema: {
        summary: 'Create an alert rule (409 when a rule of that name exists)',
        tags,
        body: RuleBody,
        response: ok,
      },
    },
    async (request, reply) => {
      const rule = await rt.createRule(request.body);
      reply.code(201);
      return { rule };
    },
  );

  app.get(
    '/api/v1/rules/:name',
    { schema: { summary: 'One alert rule', tags, params: NameParams, response: ok } },
    async (request) => ({ rule: rt.rule(request.params.name) }),
  );

  app.put(
    '/api/v1/rules/:name',
    {
      schema: {
        summary: 'Create or replace the API rule of that name (overrides a default of that name)',
        tags,
        params: NameParams,
        body: RuleBody,
        response: ok,
      },
    },
    async (request) => ({ rule: await rt.putRule(request.params.name, request.body) }),
  );

  app.delete(
    '/api/v1/rules/:name',
    {
      schema: {
        summary: 'Delete a rule created through the API',
        tags,
        params: NameParams,
        response: ok,
      },
    },
    async (request, reply) => {
      await rt.deleteRule(request.params.name);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/silences',
    {
      schema: {
        summary: 'Silences (pending, active, and expired in the last 7 days)',
        tags,
        response: ok,
      },
    },
    async () => ({ silences: rt.silences() }),
  );

  app.post(
    '/api/v1/silences',
    {
      schema: {
        summary: 'Create a silence (an existing id replaces that silence)',
        tags,
        body: SilenceBody,
        response: ok,
      },
    },
    async (request, reply) => {
      const silence = await rt.createSilence(request.body);
      reply.code(201);
      return { silence };
    },
  );

  app.delete(
    '/api/v1/silences/:id',
    {
      schema: {
        summary: 'Expire a silence now (it stays listed as expired)',
        tags,
        params: IdParams,
        response: ok,
      },
    },
    async (request) => ({ silence: await rt.expireSilence(request.params.id) }),
  );

  app.get(
    '/api/v1/notifications/deliveries',
    {
      schema: {
        summary: 'Notification delivery attempts in [from, to], oldest first',
        tags,
        querystring: DeliveriesQuery,
        response: ok,
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs } = range(q, clock.nowMs());
      const deliveries = await rt.deliveries({
        fromMs,
        toMs,
        limit: q.limit ?? 1000,
        ...(q.channel === undefined ? {} : { channel: q.channel }),
        ...(q.notification === undefined ? {} : { notificationId: q.notification }),
      });
      return { fromMs, toMs, deliveries };
    },
  );

  app.get(
    '/api/v1/live/alerts',
    {
      schema: {
        summary:
          'Server-sent events: event `alerts` (active alerts) now and after every evaluation',
        tags: ['live', ...tags],
        querystring: LiveAlertsQuery,
        response: ok,
      },
    },
    async (request, reply) => {
      const stream = openLiveStream(ctx, request, reply);
      const send = (alerts: readonly AlertView[]): void => {
        try {
          stream.send('alerts', { generatedAtMs: clock.nowMs(), alerts });
        } catch (err) {
          stream.send('problem', toProblem(toOpsError(err), request.url));
        }
      };
      send(rt.activeAlerts());
      stream.onClose(rt.onAlerts(send));
      return reply;
    },
  );
}
