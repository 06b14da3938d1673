/**
 * @module
 * Incidents API (docs/api.md, "Incidents API"), registered when an incident runtime is wired:
 * - `GET /api/v1/incidents?status=&severity=&from=&to=&limit=` → `{ incidents }`;
 * - `GET /api/v1/incidents/:id` → `{ incident }`;
 * - `POST /api/v1/incidents/:id/acknowledge` and `/resolve`, body optional `{by?, note?}`
 *   → `{ incident }` (acknowledging a resolved incident: 409 INCIDENT_CONFLICT);
 * - `GET /api/v1/live/incidents`: server-sent events, `incidents` (the open ones) at once, then
 *   one `incident` event `{kind, incident, previousSeverity?}` per stored change;
 * - the original AIOps design's routes: `GET /aiops/incidents`, `GET /aiops/incidents/:id`,
 *   `POST /aiops/incidents/:id/resolve`, `POST /aiops/analyze` (snake_case, ISO 8601 times).
 * An unknown id is a 404 problem naming it.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type IncidentQuery,
  toProblem,
} from '../contract/index.ts';
import type { IncidentChange, IncidentRuntime } from '../pipeline/index.ts';
import type { ServerContext } from './context.ts';
import { toOpsError } from './error-boundary.ts';
import { compatIncident } from './incident-compat.ts';
import {
  compatAnalyzeResponses,
  compatIncidentResponses,
  compatListResponses,
  IncidentActionBody,
  IncidentIdParams,
  IncidentListQuerySchema,
  incidentListResponses,
  incidentResponses,
  LiveIncidentsQuerySchema,
  wireIncident,
} from './incident-schemas.ts';
import { openLiveStream } from './live-stream.ts';
import { invalidParameter, parseEnumList, parseTimeMs } from './params.ts';
import { problemResponses } from './schemas.ts';

const DEFAULT_LIMIT = 100;
const DEFAULT_ACTOR = 'api';

/** The lifecycle bodies are optional: a POST without one validates as `{}`. */
async function emptyBodyIsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** The list query of GET /api/v1/incidents, validated. */
export function parseIncidentQuery(
  q: { status?: string; severity?: string; from?: string; to?: string; limit?: number },
  nowMs: number,
): IncidentQuery {
  const status = parseEnumList(q.status, 'status', INCIDENT_STATUSES);
  const severity = parseEnumList(q.severity, 'severity', INCIDENT_SEVERITIES);
  const fromMs = q.from === undefined ? undefined : parseTimeMs(q.from, 'from', nowMs);
  const toMs = q.to === undefined ? undefined : parseTimeMs(q.to, 'to', nowMs);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw invalidParameter('from', 'must not be after to');
  }
  return {
    ...(status === undefined ? {} : { status }),
    ...(severity === undefined ? {} : { severity }),
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    limit: q.limit ?? DEFAULT_LIMIT,
  };
}

export function registerIncidentRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  rt: IncidentRuntime,
): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { clock } = ctx.deps;
  const tags = ['incidents'];

  app.get(
    '/api/v1/incidents',
    {
      schema: {
        summary: 'Incidents, filtered by status, severity and time',
        tags,
        querystring: IncidentListQuerySchema,
        response: incidentListResponses,
      },
    },
    async (request) => ({
      incidents: rt.list(parseIncidentQuery(request.query, clock.nowMs())).map(wireIncident),
    }),
  );

  app.get(
    '/api/v1/incidents/:id',
    {
      schema: {
        summary: 'One incident with root cause, evidence and timeline',
        tags,
        params: IncidentIdParams,
        response: incidentResponses,
      },
    },
    async (request) => ({ incident: wireIncident(await rt.get(request.params.id)) }),
  );

  app.post(
    '/api/v1/incidents/:id/acknowledge',
    {
      schema: {
        summary: 'Acknowledge an incident (409 when it is resolved)',
        tags,
        params: IncidentIdParams,
        body: IncidentActionBody,
        response: incidentResponses,
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request) => {
      const b = request.body;
      return {
        incident: wireIncident(
          await rt.acknowledge(request.params.id, b.by ?? DEFAULT_ACTOR, b.note),
        ),
      };
    },
  );

  app.post(
    '/api/v1/incidents/:id/resolve',
    {
      schema: {
        summary: 'Resolve an incident (a resolved one is returned unchanged)',
        tags,
        params: IncidentIdParams,
        body: IncidentActionBody,
        response: incidentResponses,
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request) => {
      const b = request.body;
      return {
        incident: wireIncident(await rt.resolve(request.params.id, b.by ?? DEFAULT_ACTOR, b.note)),
      };
    },
  );

  app.get(
    '/api/v1/live/incidents',
    {
      schema: {
        summary:
          'Server-sent events: `incidents` (open ones) now, then `incident` {kind, incident} per change',
        tags: ['live', ...tags],
        querystring: LiveIncidentsQuerySchema,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const stream = openLiveStream(ctx, request, reply);
      try {
        stream.send('incidents', {
          generatedAtMs: clock.nowMs(),
          incidents: rt.list({ status: ['active', 'acknowledged'] }),
        });
      } catch (err) {
        stream.send('problem', toProblem(toOpsError(err), request.url));
      }
      stream.onClose(
        rt.onChange((c: IncidentChange) => {
          stream.send('incident', {
            kind: c.kind,
            incident: c.incident,
            ...(c.previousSeverity === undefined ? {} : { previousSeverity: c.previousSeverity }),
          });
        }),
      );
      return reply;
    },
  );

  // -------------------------------------------------------------------------------------------
  // The original AIOps design's API

  const compatTags = ['incidents', 'aiops'];
  const activeCompat = () => {
    const active = rt.list({ status: ['active', 'acknowledged'] }).map(compatIncident);
    return { incident_count: active.length, active_incidents: active };
  };

  app.get(
    '/aiops/incidents',
    {
      schema: {
        summary: 'AIOps compatibility: the open incidents',
        tags: compatTags,
        response: compatListResponses,
      },
    },
    async () => activeCompat(),
  );

  app.get(
    '/aiops/incidents/:id',
    {
      schema: {
        summary: 'AIOps compatibility: one incident',
        tags: compatTags,
        params: IncidentIdParams,
        response: compatIncidentResponses,
      },
    },
    async (request) => compatIncident(await rt.get(request.params.id)),
  );

  app.post(
    '/aiops/incidents/:id/resolve',
    {
      schema: {
        summary: 'AIOps compatibility: resolve an incident',
        tags: compatTags,
        params: IncidentIdParams,
        body: IncidentActionBody,
        response: compatIncidentResponses,
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request) => {
      const b = request.body;
      return compatIncident(await rt.resolve(request.params.id, b.by ?? DEFAULT_ACTOR, b.note));
    },
  );

  app.post(
    '/aiops/analyze',
    {
      schema: {
        summary: 'AIOps compatibility: analyse now (closes the open trace window)',
        tags: compatTags,
        response: compatAnalyzeResponses,
      },
    },
    async () => {
      const active = (await rt.analyzeNow()).map(compatIncident);
      return {
        analyzed_at: new Date(rt.eventTimeMs()).toISOString(),
        incident_count: active.length,
        active_incidents: active,
      };
    },
  );
}
