/**
 * @module
 * Builds the HTTP server: one Fastify instance with the API-key check, the error boundary,
 * ingest, query, KPI and live routes, the OpenAPI document and UI, health probes and the
 * dashboard. It is returned ready but not listening; the caller (app/) listens and closes.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { OpsError } from '../contract/index.ts';
import { createApiKeyCheck } from './auth.ts';
import { ServerContext } from './context.ts';
import { installErrorBoundary, sendProblem } from './error-boundary.ts';
import { defaultServerOptions, type ServerDeps, type ServerOptions } from './options.ts';
import { registerAlertingRoutes } from './routes-alerting.ts';
import { registerAnomalyRoutes } from './routes-anomalies.ts';
import { registerChaosRoutes } from './routes-chaos.ts';
import { registerFleetRoutes } from './routes-fleet.ts';
import { registerIncidentRoutes } from './routes-incidents.ts';
import { registerIngestRoutes } from './routes-ingest.ts';
import { registerLiveRoutes } from './routes-live.ts';
import { registerPipelineRoutes } from './routes-pipelines.ts';
import { registerQueryRoutes } from './routes-query.ts';
import { registerReviewRoutes } from './routes-review.ts';
import { registerServiceMapRoutes } from './routes-service-map.ts';
import { registerSloRoutes } from './routes-slo.ts';
import { registerTraceRoutes } from './routes-traces.ts';
import { registerWebRoot } from './web-root.ts';

/**
 * @example
 * const app = await createServer({ store, clock, logger, bus }, { apiKeys: [key], webRoot: 'web/dist' });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 */
export async function createServer(
  deps: ServerDeps,
  options: Partial<ServerOptions> = {},
): Promise<FastifyInstance> {
  const opts: ServerOptions = { ...defaultServerOptions(), ...options };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request logs go out at debug from onResponse below, not at info from Fastify: at
    // ingest rates, two info lines per request would cost more than the request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true } },
  });
  const ctx = new ServerContext(deps, opts);

  // Every answer names its request, so a client can quote it and an operator find the log lines
  // (a 500's detail refers to it).
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const checkKey = createApiKeyCheck(opts.apiKeys);
  if (checkKey !== undefined) {
    app.addHook('onRequest', async (request) => {
      checkKey(request);
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    );
  });
  app.addHook('preClose', async () => {
    // Live streams never end by themselves; close them so server.close() can finish.
    ctx.close();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'opsight API',
        version: '1',
        description:
          'Ingest telemetry, query series, KPIs and live updates. Errors are RFC 9457 problem+json (docs/errors.md).',
      },
      tags: [
        { name: 'ingest', description: 'Write telemetry' },
        { name: 'query', description: 'Read series' },
        { name: 'kpi', description: 'KPIs and traffic lights' },
        { name: 'live', description: 'Server-sent events' },
        { name: 'meta', description: 'Schemas and probes' },
        { name: 'alerting', description: 'Alerts, rules, silences, notification deliveries' },
        { name: 'slo', description: 'SLOs, burn rates and health scores' },
        { name: 'pipelines', description: 'Data pipeline health, SLOs and demo controls' },
        { name: 'review', description: 'Human review of sampled events' },
        {
          name: 'fleet',
          description:
            'Vehicle fleet: lab-compatible /telemetry, risk, business impact, data quality',
        },
        { name: 'chaos', description: 'Fault injection into the demo shop (/simulate/*)' },
        { name: 'incidents', description: 'Incidents, root cause, lifecycle' },
        { name: 'aiops', description: 'The original AIOps API (snake_case, ISO 8601)' },
        { name: 'traces', description: 'RED metrics per endpoint and the service map from spans' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const spaFallback = await registerWebRoot(app, opts.webRoot);
  installErrorBoundary(app, spaFallback);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process is up', tags: ['meta'] } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: the store is open and startup is done', tags: ['meta'] } },
    async (request, reply) => {
      if (!opts.ready()) {
        return sendProblem(
          reply,
          request,
          new OpsError('NOT_READY', 'the server is starting or shutting down'),
        );
      }
      try {
        await deps.store.stats();
      } catch (err) {
        request.log.warn({ err }, 'readiness probe: store unavailable');
        return sendProblem(
          reply,
          request,
          new OpsError('NOT_READY', 'the store is not available', { cause: err }),
        );
      }
      return { status: 'ready' };
    },
  );

  registerIngestRoutes(app, ctx);
  registerQueryRoutes(app, ctx);
  registerLiveRoutes(app, ctx);
  if (deps.alerting !== undefined) registerAlertingRoutes(app, ctx, deps.alerting);
  if (deps.incidents !== undefined) registerIncidentRoutes(app, ctx, deps.incidents);
  if (deps.alerting !== undefined) registerSloRoutes(app, ctx, deps.alerting);
  registerAnomalyRoutes(app, ctx);
  registerChaosRoutes(app, deps.chaos);
  registerServiceMapRoutes(app, ctx);
  if (deps.traces !== undefined) registerTraceRoutes(app, ctx, deps.traces);
  if (deps.pipelines !== undefined) registerPipelineRoutes(app, ctx, deps.pipelines);
  if (deps.review !== undefined) registerReviewRoutes(app, ctx, deps.review);
  if (deps.fleet !== undefined) registerFleetRoutes(app, ctx, deps.fleet, deps.fleetDemo);

  await app.ready();
  return app;
}
