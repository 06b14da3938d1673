import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Span, VirtualClock } from '../contract/index.ts';
import { decodeRpcStatus, encodeOtlpTracesProto } from '../ingest/index.ts';
import { createInProcessBus, TraceIngest } from '../pipeline/index.ts';
import {
  defaultEmbeddedStoreOptions,
  openEmbeddedStore,
  openEmbeddedTraceStore,
} from '../store/index.ts';
import { createServer } from './server.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ns = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

function request(service = 'shop', traceId = TRACE) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: 'b7ad6b7169203331',
                name: 'GET /items/:id',
                kind: 2,
                startTimeUnixNano: ns(T0 - 5_000),
                endTimeUnixNano: ns(T0 - 4_900),
                attributes: [
                  { key: 'http.route', value: { stringValue: '/items/:id' } },
                  { key: 'http.response.status_code', value: { intValue: '200' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function open(apiKeys: string[] = []): Promise<{ app: FastifyInstance; seen: Span[][] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'opsight-traces-route-'));
  const clock = new VirtualClock(T0);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir,
    clock,
    maintenanceIntervalMs: 0,
  });
  const traceStore = await openEmbeddedTraceStore({ dataDir, retentionMs: 86_400_000, clock });
  const traces = new TraceIngest(traceStore);
  const seen: Span[][] = [];
  traces.onSpans((s) => seen.push([...s]));
  const bus = createInProcessBus({ clock });
  const app = await createServer(
    { store, clock, bus, logger: pino({ level: 'silent' }), traces },
    { apiKeys },
  );
  cleanups.push(async () => {
    await app.close();
    await traceStore.close();
    await store.close();
    await bus.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { app, seen };
}

describe('POST /v1/traces', () => {
  it('takes protobuf and answers an empty ExportTraceServiceResponse in protobuf', async () => {
    const { app, seen } = await open();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(encodeOtlpTracesProto(request())),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload).toHaveLength(0);
    expect(seen).toHaveLength(1);
    const got = await app.inject({ method: 'GET', url: `/api/v1/traces/${TRACE.toUpperCase()}` });
    expect(got.statusCode).toBe(200);
    const body = got.json() as { traceId: string; spans: Span[] };
    expect(body.traceId).toBe(TRACE);
    expect(body.spans[0]).toMatchObject({
      service: 'shop',
      kind: 'server',
      endpoint: '/items/:id',
      httpStatus: 200,
      startMs: T0 - 5_000,
      durationMs: 100,
    });
  });

  it('takes gzip-compressed JSON and answers {} in JSON', async () => {
    const { app } = await open();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify(request('cart'))),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({});
    const search = await app.inject({ method: 'GET', url: '/api/v1/traces?service=cart&from=0' });
    expect(search.json()).toMatchObject({ traces: [{ traceId: TRACE, rootService: 'cart' }] });
  });

  it('answers bad JSON with problem+json naming the field', async () => {
    const { app, seen } = await open();
    const bad = request();
    (bad.resourceSpans[0]?.scopeSpans[0]?.spans[0] as { spanId: string }).spanId = 'xyz';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(bad),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: 'INGEST_INVALID_BATCH',
      errors: [{ index: 0, field: 'resourceSpans[0].scopeSpans[0].spans[0].spanId' }],
    });
    expect(seen).toHaveLength(0);
  });

  it('answers bad protobuf with a google.rpc.Status naming the field', async () => {
    const { app } = await open();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(encodeOtlpTracesProto(request('shop', 'ab'.repeat(8)))),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const status = decodeRpcStatus(res.rawPayload);
    expect(status.code).toBe(3);
    expect(status.violations[0]?.field).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId');
    const garbage = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0x0a, 0xff, 0xff]),
    });
    expect(garbage.statusCode).toBe(400);
    expect(decodeRpcStatus(garbage.rawPayload).message).toMatch(/not a valid protobuf/);
  });

  it('answers 415 for other content types', async () => {
    const { app } = await open();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('needs an API key when keys are configured', async () => {
    const { app } = await open(['s3cret']);
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(request()),
      });
    expect((await post({})).statusCode).toBe(401);
    const proto = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(encodeOtlpTracesProto(request())),
    });
    expect(proto.statusCode).toBe(401);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeRpcStatus(proto.rawPayload).code).toBe(16);
    expect((await post({ authorization: 'Bearer s3cret' })).statusCode).toBe(200);
    const get = await app.inject({ method: 'GET', url: `/api/v1/traces/${TRACE}` });
    expect(get.statusCode).toBe(401);
  });
});

describe('GET /api/v1/traces', () => {
  it('404s an unknown trace and 400s a malformed id', async () => {
    const { app } = await open();
    const missing = await app.inject({ method: 'GET', url: `/api/v1/traces/${'1'.repeat(32)}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/traces/nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_PARAMETER', errors: [{ field: 'traceId' }] });
  });

  it('filters by status and validates its parameters', async () => {
    const { app } = await open();
    await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(request()),
    });
    const ok = await app.inject({ method: 'GET', url: '/api/v1/traces?status=ok&limit=5' });
    expect(ok.json().traces).toHaveLength(1);
    const err = await app.inject({ method: 'GET', url: '/api/v1/traces?status=error' });
    expect(err.json().traces).toHaveLength(0);
    const slow = await app.inject({ method: 'GET', url: '/api/v1/traces?minDurationMs=101' });
    expect(slow.json().traces).toHaveLength(0);
    const badStatus = await app.inject({ method: 'GET', url: '/api/v1/traces?status=maybe' });
    expect(badStatus.statusCode).toBe(400);
    const badRange = await app.inject({ method: 'GET', url: '/api/v1/traces?from=now&to=now-1h' });
    expect(badRange.json()).toMatchObject({ code: 'QUERY_INVALID_RANGE' });
  });
});
