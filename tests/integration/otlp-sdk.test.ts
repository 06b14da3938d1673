/**
 * Issue 4 item 1: the real OpenTelemetry JS SDK exports to a running `opsight start` over
 * OTLP/HTTP (JSON exporter and protobuf exporter), and the trace comes back from
 * GET /api/v1/traces/:id with ids, parent, service, kind, route, HTTP status, error message and
 * the exception's stack trace. Also gzip, a bad payload (problem+json naming the field) and
 * durability: spans acknowledged before a SIGKILL are there after a restart.
 */
import { rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/contract/index.ts';
import { encodeOtlpTracesProto } from '../../src/ingest/index.ts';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

/** Records a server span with a client child that fails with an exception, as an app would. */
async function recordTrace(service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('otlp-sdk-test');
  const parent = tracer.startSpan('POST /orders/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/orders/:id',
      'url.path': '/orders/42',
    },
  });
  const child = tracer.startSpan(
    'GET',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': 'http://stock:8080/items/42?q=1' },
    },
    trace.setSpan(context.active(), parent),
  );
  child.setAttribute('url.path', '/items/42');
  child.setAttribute('http.response.status_code', 503);
  child.recordException(new Error('stock service unavailable'));
  child.setStatus({ code: SpanStatusCode.ERROR });
  child.end();
  parent.setAttribute('http.response.status_code', 502);
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'order failed' });
  parent.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return [...spans];
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) resolve();
      else reject(result.error ?? new Error('export failed'));
    });
  });
}

async function getTrace(url: string, traceId: string): Promise<Response> {
  return fetch(`${url}/api/v1/traces/${traceId}`);
}

function checkTrace(spans: Span[], sent: ReadableSpan[], service: string): void {
  const sentParent = sent.find((s) => s.name === 'POST /orders/:id') as ReadableSpan;
  const sentChild = sent.find((s) => s.name === 'GET') as ReadableSpan;
  expect(spans).toHaveLength(2);
  // Sorted by start; the two may start in the same microsecond, so pick them by id.
  const parent = spans.find((s) => s.parentSpanId === undefined) as Span;
  const child = spans.find((s) => s.parentSpanId !== undefined) as Span;
  expect(parent.traceId).toBe(sentParent.spanContext().traceId);
  expect(parent.spanId).toBe(sentParent.spanContext().spanId);
  expect(parent.parentSpanId).toBeUndefined();
  expect(child.spanId).toBe(sentChild.spanContext().spanId);
  expect(child.parentSpanId).toBe(parent.spanId);
  expect(parent).toMatchObject({
    service,
    kind: 'server',
    endpoint: '/orders/:id',
    httpStatus: 502,
    status: 'error',
    errorMessage: 'order failed',
  });
  expect(parent.attributes['service.version']).toBe('1.2.3');
  expect(child).toMatchObject({
    service,
    kind: 'client',
    endpoint: '/items/42',
    httpStatus: 503,
    status: 'error',
    errorMessage: 'stock service unavailable',
  });
  const exception = child.events?.find((e) => e.name === 'exception');
  expect(exception?.attributes['exception.stacktrace']).toMatch(
    /Error: stock service unavailable\n\s+at /,
  );
  // Start times to the microsecond, durations non-negative.
  const [sec, nanos] = sentParent.startTime;
  expect(parent.startMs).toBeCloseTo(sec * 1000 + nanos / 1e6, 3);
  expect(child.startMs).toBeGreaterThanOrEqual(parent.startMs);
  expect(spans[0]?.startMs).toBeLessThanOrEqual(spans[1]?.startMs as number);
  expect(child.durationMs).toBeGreaterThanOrEqual(0);
}

describe('OTLP from the real OpenTelemetry SDK', () => {
  let server: OpsightProcess;
  const dataDir = tempDataDir();

  beforeAll(async () => {
    server = await startOpsight({ dataDir, args: ['--no-demo', '--no-detect'] });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes spans from the OTLP/HTTP JSON exporter', async () => {
    const sent = await recordTrace('checkout-json');
    const exporter = new JsonExporter({ url: `${server.url}/v1/traces` });
    await exportWith(exporter, sent);
    await exporter.shutdown();
    const res = await getTrace(server.url, sent[0]?.spanContext().traceId as string);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { traceId: string; spans: Span[] };
    checkTrace(body.spans, sent, 'checkout-json');
  });

  it('takes spans from the OTLP/HTTP protobuf exporter, gzip-compressed', async () => {
    const sent = await recordTrace('checkout-proto');
    const exporter = new ProtoExporter({
      url: `${server.url}/v1/traces`,
      compression: 'gzip' as never,
    });
    await exportWith(exporter, sent);
    await exporter.shutdown();
    const res = await getTrace(server.url, sent[0]?.spanContext().traceId as string);
    expect(res.status).toBe(200);
    checkTrace(((await res.json()) as { spans: Span[] }).spans, sent, 'checkout-proto');
    const search = await fetch(`${server.url}/api/v1/traces?service=checkout-proto&status=error`);
    const { traces } = (await search.json()) as {
      traces: { traceId: string; spanCount: number }[];
    };
    expect(traces).toEqual([
      expect.objectContaining({ traceId: sent[0]?.spanContext().traceId, spanCount: 2 }),
    ]);
  });

  it('takes gzip-compressed OTLP JSON from a plain client', async () => {
    const traceId = 'aa'.repeat(16);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'curl' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'bb'.repeat(8),
                  name: 'job',
                  kind: 1,
                  startTimeUnixNano: String(nowNs - 1_000_000n),
                  endTimeUnixNano: String(nowNs),
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const got = (await (await getTrace(server.url, traceId)).json()) as { spans: Span[] };
    expect(got.spans[0]).toMatchObject({ service: 'curl', kind: 'internal', durationMs: 1 });
  });

  it('rejects a bad payload with problem+json that names the field', async () => {
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: 'nothex', spanId: 'cc'.repeat(8), name: 'x' }] }] },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as {
      code: string;
      errors: { index: number; field: string }[];
    };
    expect(problem.code).toBe('INGEST_INVALID_BATCH');
    expect(problem.errors.map((e) => e.field)).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0].traceId',
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano',
      'resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano',
    ]);
  });
});

describe('OTLP durability', () => {
  const running: OpsightProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged span across SIGKILL and restart', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await startOpsight({ dataDir, args: ['--no-demo', '--no-detect'] });
    running.push(first);
    const acked: string[] = [];
    let stop = false;
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop && i < 500; i++) {
        const traceId = `${w.toString(16).padStart(4, '0')}${i.toString(16).padStart(28, '0')}`;
        const spans = Array.from({ length: 20 }, (_, k) => ({
          traceId,
          spanId: (k + 1).toString(16).padStart(16, '0'),
          ...(k === 0 ? {} : { parentSpanId: '0000000000000001' }),
          name: `op-${k}`,
          kind: k === 0 ? 2 : 3,
          startTimeUnixNano: String(nowNs + BigInt(k) * 1000n),
          endTimeUnixNano: String(nowNs + BigInt(k) * 1000n + 500_000n),
        }));
        const body = encodeOtlpTracesProto({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: `w${w}` } }] },
              scopeSpans: [{ spans }],
            },
          ],
        });
        try {
          const res = await fetch(`${first.url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: Buffer.from(body),
          });
          await res.arrayBuffer();
          if (res.status === 200) acked.push(traceId);
          else return;
        } catch {
          return; // killed mid-request: not acknowledged
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    // Kill once a good number of requests were acknowledged (or the writers finish).
    const deadline = Date.now() + 20_000;
    while (acked.length < 60 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    await first.kill();
    stop = true;
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThanOrEqual(60);

    const second = await startOpsight({ dataDir, args: ['--no-demo', '--no-detect'] });
    running.push(second);
    for (const traceId of acked) {
      const res = await getTrace(second.url, traceId);
      expect(res.status, traceId).toBe(200);
      const body = (await res.json()) as { spans: Span[] };
      expect(body.spans).toHaveLength(20);
    }
  }, 90_000);
});
