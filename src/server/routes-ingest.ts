/**
 * @module
 * Ingest routes. Bodies arrive as raw bytes (one parser for every content type in this scope,
 * bounded by maxBodyBytes) and go to the pure decoders of ingest/. A batch is atomic: the decoder
 * rejects it whole, or the store appends it whole. A 2xx is sent only after `store.append`
 * resolved, i.e. after the samples are durable; then the batch is published on the bus.
 *
 * - POST /api/v1/events: data contract v1, `application/json` (an array of events) or
 *   `application/x-ndjson` (one event per line). 200 `{accepted, samples}`.
 * - POST /api/v1/write: Prometheus remote write v1 (snappy-compressed protobuf). 204.
 * - POST /write, POST /api/v2/write: Influx line protocol, `precision` parameter. 204.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OpsError } from '../contract/index.ts';
import {
  type DecodeResult,
  decodeEventsJson,
  decodeEventsNdjson,
  decodeLineProtocol,
  decodeRemoteWrite,
  type IngestLimits,
  parseLineProtocolPrecision,
} from '../ingest/index.ts';
import { bytesOf, decodeContentEncoding, mediaType } from './content-encoding.ts';
import type { ServerContext } from './context.ts';
import { InfluxQuerySchema, IngestResultSchema, problemResponses } from './schemas.ts';

function unsupported(request: FastifyRequest, accepted: readonly string[]): OpsError {
  const got = mediaType(request) || '(none)';
  return new OpsError(
    'UNSUPPORTED_MEDIA_TYPE',
    `content type ${got} is not accepted here; send ${accepted.join(' or ')}`,
    { items: [{ field: 'content-type', reason: `${got} is not one of ${accepted.join(', ')}` }] },
  );
}

const EVENT_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson'];
const REMOTE_WRITE_TYPES = ['application/x-protobuf'];

export function registerIngestRoutes(root: FastifyInstance, ctx: ServerContext): void {
  const { store, clock, bus } = ctx.deps;
  const { options } = ctx;

  const limits = (): IngestLimits => ({ ...options.ingestLimits, nowMs: clock.nowMs() });
  /** The body bytes with any gzip content coding removed. */
  const decoded = (request: FastifyRequest, passThrough: readonly string[] = []) =>
    decodeContentEncoding(
      request,
      bytesOf(request.body),
      options.ingestLimits.maxDecompressedBytes,
      passThrough,
    );

  /** Appends a decoded batch (durably) and publishes it; throws the decode error otherwise. */
  const accept = async (
    request: FastifyRequest,
    result: DecodeResult,
  ): Promise<{ accepted: number; samples: number }> => {
    if (!result.ok) throw result.error;
    await store.append(result.batch, { maxSeriesPerMetric: options.maxSeriesPerMetric });
    // Durable from here on. Subscribers run after the reply is on its way; their failures are
    // the bus's to isolate, never the client's concern.
    bus.publish(result.batch).catch((err: unknown) => {
      request.log.error({ err }, 'bus publish failed');
    });
    return { accepted: result.items, samples: result.samples };
  };

  root.register(async (scoped) => {
    // Every body in this scope is read as bytes (bounded by the body limit) and decoded by the
    // route; the content type decides the decoder, so the route (not the parser) rejects types
    // it does not accept, with the list of the ones it does.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/events',
      {
        schema: {
          summary: 'Ingest telemetry events (JSON array or NDJSON); atomic per request',
          tags: ['ingest'],
          consumes: ['application/json', 'application/x-ndjson'],
          response: { 200: IngestResultSchema, ...problemResponses },
        },
      },
      async (request) => {
        const type = mediaType(request);
        if (!EVENT_TYPES.includes(type)) throw unsupported(request, EVENT_TYPES);
        const body = await decoded(request);
        if (type === 'application/json') return accept(request, decodeEventsJson(body, limits()));
        return accept(request, decodeEventsNdjson(body, limits()));
      },
    );

    app.post(
      '/api/v1/write',
      {
        schema: {
          summary: 'Prometheus remote write v1 (snappy-compressed protobuf)',
          tags: ['ingest'],
          consumes: ['application/x-protobuf'],
          response: { 204: { type: 'null', description: 'Stored' }, ...problemResponses },
        },
      },
      async (request, reply) => {
        const type = mediaType(request);
        if (type !== '' && !REMOTE_WRITE_TYPES.includes(type)) {
          throw unsupported(request, REMOTE_WRITE_TYPES);
        }
        const body = await decoded(request, ['snappy']);
        await accept(request, decodeRemoteWrite(body, limits()));
        return reply.code(204).send(null);
      },
    );

    for (const [url, api] of [
      ['/write', 'v1'],
      ['/api/v2/write', 'v2'],
    ] as const) {
      app.post(
        url,
        {
          schema: {
            summary: 'Influx line protocol (v1 /write, v2 /api/v2/write)',
            tags: ['ingest'],
            consumes: ['text/plain'],
            querystring: InfluxQuerySchema,
            response: { 204: { type: 'null', description: 'Stored' }, ...problemResponses },
          },
        },
        async (request, reply) => {
          // Any content type: line protocol is the only format here, and clients differ
          // (text/plain, application/octet-stream, none).
          const precision = parseLineProtocolPrecision(request.query.precision, api);
          if (!precision.ok) throw precision.error;
          await accept(
            request,
            decodeLineProtocol(await decoded(request), limits(), {
              precision: precision.precision,
            }),
          );
          return reply.code(204).send(null);
        },
      );
    }
  });
}
