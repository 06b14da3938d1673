/**
 * @module
 * Trace routes (docs/traces.md):
 *
 * - POST /v1/traces: OTLP/HTTP, `application/x-protobuf` or `application/json`, optionally
 *   `Content-Encoding: gzip`. 200 with an empty `ExportTraceServiceResponse` in the request's
 *   encoding, sent only after the spans are durable. A request is atomic (no partial success).
 *   Failures (OTLP/HTTP "Failures", decision 0008): protobuf clients get the status with a
 *   protobuf `google.rpc.Status` (a `google.rpc.BadRequest` detail names each bad field); JSON
 *   and all other clients get RFC 9457 problem+json like every other route. 415 for other
 *   content types.
 * - GET /api/v1/traces/:traceId: `{traceId, spans}` sorted by start; 404 when unknown.
 * - GET /api/v1/traces: search, `{traces: TraceSummary[]}` newest first.
 */
import { type Static, Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OpsError, SPAN_KINDS, SPAN_STATUSES, type TraceQuery } from '../contract/index.ts';
import {
  decodeOtlpTracesJson,
  decodeOtlpTracesProto,
  defaultOtlpTraceLimits,
  encodeExportTraceResponse,
  encodeRpcStatus,
  type OtlpTraceLimits,
  rpcCodeForHttpStatus,
} from '../ingest/index.ts';
import type { TraceIngest } from '../pipeline/index.ts';
import { bytesOf, decodeContentEncoding, mediaType } from './content-encoding.ts';
import type { ServerContext } from './context.ts';
import { reportError, sendProblem } from './error-boundary.ts';
import { invalidParameter, parseTimeMs } from './params.ts';
import { problemResponses } from './schemas.ts';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const OTLP_TYPES = [PROTOBUF, JSON_TYPE];
const HOUR_MS = 3_600_000;
/** Most summaries one search returns. */
export const MAX_TRACE_SEARCH_LIMIT = 1_000;

const AttributesSchema = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
);

export const SpanSchema = Type.Object(
  {
    traceId: Type.String({ description: '32 lower-case hex digits' }),
    spanId: Type.String({ description: '16 lower-case hex digits' }),
    parentSpanId: Type.Optional(Type.String()),
    service: Type.String(),
    name: Type.String(),
    kind: Type.Union(SPAN_KINDS.map((k) => Type.Literal(k))),
    endpoint: Type.String(),
    startMs: Type.Number({ description: 'Epoch ms (fractional: µs precision)' }),
    durationMs: Type.Number(),
    status: Type.Union(SPAN_STATUSES.map((s) => Type.Literal(s))),
    httpStatus: Type.Optional(Type.Integer()),
    errorMessage: Type.Optional(Type.String()),
    attributes: AttributesSchema,
    events: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String(), timeMs: Type.Number(), attributes: AttributesSchema }),
      ),
    ),
  },
  { description: 'One span (src/contract/span.ts)' },
);

export const TraceSummarySchema = Type.Object({
  traceId: Type.String(),
  rootService: Type.String(),
  rootName: Type.String(),
  startMs: Type.Number(),
  durationMs: Type.Number(),
  spanCount: Type.Integer(),
  errorCount: Type.Integer(),
  services: Type.Array(Type.String()),
});

const TraceParamsSchema = Type.Object({ traceId: Type.String() });

const TraceSearchQuerySchema = Type.Object({
  service: Type.Optional(Type.String()),
  operation: Type.Optional(Type.String({ description: 'Span name or endpoint' })),
  status: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('ok')])),
  minDurationMs: Type.Optional(Type.Number({ minimum: 0 })),
  from: Type.Optional(Type.String({ description: 'Trace start from (default: to - 1h)' })),
  to: Type.Optional(Type.String({ description: 'Trace start until (default: now)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TRACE_SEARCH_LIMIT })),
});

export function registerTraceRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  traces: TraceIngest,
): void {
  const { clock } = ctx.deps;
  const { options } = ctx;
  const limits = (): OtlpTraceLimits => ({
    ...defaultOtlpTraceLimits(clock.nowMs()),
    retentionMs: options.ingestLimits.retentionMs,
    maxFutureMs: options.ingestLimits.maxFutureMs,
    maxDecompressedBytes: options.ingestLimits.maxDecompressedBytes,
    maxProblemItems: options.ingestLimits.maxProblemItems,
  });

  root.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
    // OTLP/HTTP: a protobuf client is answered in protobuf, errors included.
    scoped.setErrorHandler((error: unknown, request, reply) => {
      const ops = reportError(error, request);
      if (mediaType(request) !== PROTOBUF) return sendProblem(reply, request, ops);
      return reply
        .code(ops.status)
        .type(PROTOBUF)
        .send(
          Buffer.from(encodeRpcStatus(rpcCodeForHttpStatus(ops.status), ops.message, ops.items)),
        );
    });

    scoped.post(
      '/v1/traces',
      {
        schema: {
          summary: 'OTLP/HTTP trace export (protobuf or JSON, optionally gzip); atomic per request',
          tags: ['traces'],
          consumes: OTLP_TYPES,
          response: problemResponses,
        },
      },
      async (request: FastifyRequest, reply: FastifyReply) => {
        const type = mediaType(request);
        if (!OTLP_TYPES.includes(type)) {
          const got = type || '(none)';
          throw new OpsError(
            'UNSUPPORTED_MEDIA_TYPE',
            `content type ${got} is not accepted here; send ${OTLP_TYPES.join(' or ')}`,
            {
              items: [
                { field: 'content-type', reason: `${got} is not one of ${OTLP_TYPES.join(', ')}` },
              ],
            },
          );
        }
        const l = limits();
        const body = await decodeContentEncoding(
          request,
          bytesOf(request.body),
          l.maxDecompressedBytes,
        );
        const result =
          type === PROTOBUF ? decodeOtlpTracesProto(body, l) : decodeOtlpTracesJson(body, l);
        if (!result.ok) throw result.error;
        await traces.ingest(result.spans);
        if (type === PROTOBUF) {
          return reply.code(200).type(PROTOBUF).send(Buffer.from(encodeExportTraceResponse()));
        }
        return reply.code(200).type(JSON_TYPE).send('{}');
      },
    );
  });

  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/traces/:traceId',
    {
      schema: {
        summary: 'Every span of one trace, sorted by start',
        tags: ['traces'],
        params: TraceParamsSchema,
        response: {
          200: Type.Object({ traceId: Type.String(), spans: Type.Array(SpanSchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const raw = request.params.traceId;
      if (!/^[0-9a-fA-F]{32}$/.test(raw)) {
        throw invalidParameter(
          'traceId',
          `${JSON.stringify(raw.slice(0, 64))} is not a trace id (32 hex digits)`,
        );
      }
      const traceId = raw.toLowerCase();
      const spans = await traces.store.trace(traceId);
      if (spans.length === 0) throw new OpsError('NOT_FOUND', `no trace ${traceId} is stored`);
      return { traceId, spans } as unknown as {
        traceId: string;
        spans: Static<typeof SpanSchema>[];
      };
    },
  );

  app.get(
    '/api/v1/traces',
    {
      schema: {
        summary: 'Search traces by service, operation, status, duration and start time',
        tags: ['traces'],
        querystring: TraceSearchQuerySchema,
        response: {
          200: Type.Object({ traces: Type.Array(TraceSummarySchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const nowMs = clock.nowMs();
      const toMs = q.to === undefined ? nowMs : parseTimeMs(q.to, 'to', nowMs);
      const fromMs = q.from === undefined ? toMs - HOUR_MS : parseTimeMs(q.from, 'from', nowMs);
      if (!(fromMs <= toMs)) {
        throw new OpsError('QUERY_INVALID_RANGE', 'from must not be after to', {
          items: [{ field: 'from', reason: 'must not be after to' }],
        });
      }
      const query: TraceQuery = {
        fromMs,
        toMs,
        ...(q.service === undefined || q.service === '' ? {} : { service: q.service }),
        ...(q.operation === undefined || q.operation === '' ? {} : { operation: q.operation }),
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.minDurationMs === undefined ? {} : { minDurationMs: q.minDurationMs }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      };
      const found = await traces.store.search(query);
      return { traces: found as Static<typeof TraceSummarySchema>[] };
    },
  );
}
