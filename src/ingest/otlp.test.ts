import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Span } from '../contract/index.ts';
import { decodeOtlpTracesJson } from './otlp-json.ts';
import {
  decodeOtlpTracesProto,
  decodeRpcStatus,
  encodeExportTraceResponse,
  encodeOtlpTracesProto,
  encodeRpcStatus,
} from './otlp-proto.ts';
import { defaultOtlpTraceLimits, type SpanDecodeResult } from './otlp-spans.ts';

const NOW_MS = Date.UTC(2026, 10, 22, 3, 0, 0);
const limits = defaultOtlpTraceLimits(NOW_MS);
/** ns as a decimal string for ms since the epoch plus extra ns. */
const ns = (ms: number, extraNs = 0): string =>
  (BigInt(ms) * 1_000_000n + BigInt(extraNs)).toString();

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const CHILD = 'eee19b7ec3c1b173';

function fixture(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'deployment.environment', value: { stringValue: 'prod' } },
            { key: 'host.cores', value: { intValue: '8' } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'manual', version: '1.0.0' },
            spans: [
              {
                traceId: TRACE.toUpperCase(),
                spanId: ROOT,
                parentSpanId: '',
                name: 'POST /orders/:id',
                kind: 2,
                startTimeUnixNano: ns(NOW_MS - 60_000, 123_456),
                endTimeUnixNano: ns(NOW_MS - 60_000 + 250, 654_321),
                attributes: [
                  { key: 'http.route', value: { stringValue: '/orders/:id' } },
                  { key: 'http.response.status_code', value: { intValue: 500 } },
                  { key: 'deployment.environment', value: { stringValue: 'canary' } },
                  { key: 'retry', value: { boolValue: true } },
                  { key: 'ratio', value: { doubleValue: 0.25 } },
                  {
                    key: 'tags',
                    value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } },
                  },
                  {
                    key: 'obj',
                    value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } },
                  },
                  { key: 'raw', value: { bytesValue: 'AQID' } },
                  { key: 'empty', value: {} },
                ],
                events: [
                  {
                    timeUnixNano: ns(NOW_MS - 60_000 + 200),
                    name: 'exception',
                    attributes: [
                      { key: 'exception.type', value: { stringValue: 'Error' } },
                      { key: 'exception.message', value: { stringValue: 'stock service down' } },
                      {
                        key: 'exception.stacktrace',
                        value: {
                          stringValue: 'Error: stock service down\n    at reserve (shop.ts:1:1)',
                        },
                      },
                    ],
                  },
                ],
                status: { code: 2, message: '' },
              },
              {
                traceId: TRACE,
                spanId: CHILD,
                parentSpanId: ROOT,
                name: 'GET',
                kind: 3,
                startTimeUnixNano: ns(NOW_MS - 60_000 + 10),
                endTimeUnixNano: ns(NOW_MS - 60_000 + 190),
                attributes: [
                  { key: 'url.full', value: { stringValue: 'http://stock:8080/items/42?x=1' } },
                  { key: 'http.target', value: { stringValue: '/items/42?x=1' } },
                  { key: 'http.status_code', value: { intValue: '503' } },
                ],
                status: { code: 2, message: 'upstream unavailable' },
              },
            ],
          },
        ],
      },
    ],
  };
}

function ok(r: SpanDecodeResult): Span[] {
  if (!r.ok) throw new Error(`${r.error.message} ${JSON.stringify(r.error.items)}`);
  return r.spans;
}

function bothWays(request: unknown): { json: SpanDecodeResult; proto: SpanDecodeResult } {
  return {
    json: decodeOtlpTracesJson(JSON.stringify(request), limits),
    proto: decodeOtlpTracesProto(encodeOtlpTracesProto(request), limits),
  };
}

describe('OTLP traces: mapping', () => {
  it('maps a server span and its client child with every OTLP field', () => {
    const spans = ok(decodeOtlpTracesJson(JSON.stringify(fixture()), limits));
    expect(spans).toHaveLength(2);
    const [root, child] = spans as [Span, Span];
    expect(root.traceId).toBe(TRACE);
    expect(root.spanId).toBe(ROOT);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.service).toBe('checkout');
    expect(root.kind).toBe('server');
    expect(root.endpoint).toBe('/orders/:id');
    expect(root.startMs).toBe(NOW_MS - 60_000 + 0.123456);
    expect(root.durationMs).toBeCloseTo(250.530865, 9);
    expect(root.status).toBe('error');
    expect(root.httpStatus).toBe(500);
    expect(root.errorMessage).toBe('stock service down');
    expect(root.attributes).toMatchObject({
      'deployment.environment': 'canary',
      'host.cores': 8,
      retry: true,
      ratio: 0.25,
      tags: '["a",2]',
      obj: '{"k":false}',
      raw: 'AQID',
    });
    expect(root.attributes).not.toHaveProperty('empty');
    expect(root.events?.[0]?.attributes['exception.stacktrace']).toContain('at reserve');
    expect(root.events?.[0]?.timeMs).toBe(NOW_MS - 60_000 + 200);
    expect(child.parentSpanId).toBe(ROOT);
    expect(child.kind).toBe('client');
    expect(child.endpoint).toBe('/items/42');
    expect(child.httpStatus).toBe(503);
    expect(child.errorMessage).toBe('upstream unavailable');
    expect(child.durationMs).toBe(180);
    expect(child.events).toBeUndefined();
  });

  it('decodes the protobuf encoding of a request to the same spans as its JSON', () => {
    const { json, proto } = bothWays(fixture());
    expect(ok(proto)).toEqual(ok(json));
  });

  it('accepts snake_case keys and numbers for int64', () => {
    const snake = {
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: TRACE,
                  span_id: ROOT,
                  name: 'job',
                  start_time_unix_nano: (NOW_MS - 1000) * 1e6,
                  end_time_unix_nano: ns(NOW_MS - 500),
                  attributes: [{ key: 'n', value: { int_value: 3 } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const [span] = ok(decodeOtlpTracesJson(JSON.stringify(snake), limits));
    expect(span).toMatchObject({
      service: 'unknown_service',
      kind: 'internal',
      endpoint: 'job',
      durationMs: 500,
      status: 'unset',
      attributes: { n: 3 },
    });
  });

  it('answers an empty request with no spans', () => {
    expect(ok(decodeOtlpTracesJson('{}', limits))).toEqual([]);
    expect(ok(decodeOtlpTracesProto(new Uint8Array(0), limits))).toEqual([]);
  });

  it('JSON and protobuf agree on generated requests (property)', () => {
    const hex = (n: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
    const anyValue = fc.oneof(
      fc.string().map((s) => ({ stringValue: s })),
      fc.boolean().map((b) => ({ boolValue: b })),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => ({ intValue: String(n) })),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({ doubleValue: d })),
      fc.array(fc.string(), { maxLength: 3 }).map((a) => ({
        arrayValue: { values: a.map((s) => ({ stringValue: s })) },
      })),
    );
    const attrs = fc.uniqueArray(
      fc.record({ key: fc.string({ minLength: 1, maxLength: 12 }), value: anyValue }),
      { selector: (kv) => kv.key, maxLength: 6 },
    );
    const span = fc.record({
      traceId: hex(32),
      spanId: hex(16),
      parentSpanId: fc.oneof(fc.constant(''), hex(16)),
      name: fc.string({ minLength: 1, maxLength: 20 }),
      kind: fc.integer({ min: 0, max: 5 }),
      startOffsetNs: fc.bigInt({ min: 0n, max: 3_600_000_000_000n }),
      durationNs: fc.bigInt({ min: 0n, max: 60_000_000_000n }),
      attributes: attrs,
      status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string() }),
    });
    fc.assert(
      fc.property(fc.array(span, { maxLength: 5 }), attrs, (raw, resourceAttrs) => {
        const base = BigInt(NOW_MS - 3_600_000) * 1_000_000n;
        const request = {
          resourceSpans: [
            {
              resource: { attributes: resourceAttrs },
              scopeSpans: [
                {
                  spans: raw.map(({ startOffsetNs, durationNs, ...s }) => ({
                    ...s,
                    startTimeUnixNano: String(base + startOffsetNs + 1n),
                    endTimeUnixNano: String(base + startOffsetNs + 1n + durationNs),
                  })),
                },
              ],
            },
          ],
        };
        const { json, proto } = bothWays(request);
        expect(proto).toEqual(json);
        expect(ok(json)).toHaveLength(raw.length);
      }),
      { seed: 4242, numRuns: 200 },
    );
  });
});

describe('OTLP traces: validation', () => {
  function problems(mutate: (span: Record<string, unknown>) => void) {
    const req = fixture();
    const rs = (req.resourceSpans as { scopeSpans: { spans: Record<string, unknown>[] }[] }[])[0];
    mutate(rs?.scopeSpans[0]?.spans[1] as Record<string, unknown>);
    const { json, proto } = bothWays(req);
    if (json.ok || proto.ok) throw new Error('expected a failure');
    // The same fields either way (protobuf cannot carry a non-hex id, so its reason may differ).
    expect(proto.error.items.map((i) => i.field)).toEqual(json.error.items.map((i) => i.field));
    expect(json.error.code).toBe('INGEST_INVALID_BATCH');
    return json.error.items;
  }

  it('names bad ids by their path and the span index', () => {
    expect(problems((s) => (s.traceId = 'abc'))).toEqual([
      {
        index: 1,
        field: 'resourceSpans[0].scopeSpans[0].spans[1].traceId',
        reason: '"abc" is not 16 bytes (32 hex digits)',
      },
    ]);
    expect(problems((s) => (s.spanId = '0000000000000000'))[0]?.reason).toMatch(/all-zero/);
    expect(problems((s) => (s.parentSpanId = 'zz'))[0]?.field).toMatch(/parentSpanId$/);
  });

  it('rejects missing fields and absurd times', () => {
    expect(problems((s) => delete s.name)[0]?.field).toMatch(/spans\[1\]\.name$/);
    expect(problems((s) => delete s.startTimeUnixNano)[0]?.field).toMatch(/startTimeUnixNano$/);
    expect(problems((s) => (s.startTimeUnixNano = ns(NOW_MS + 3_600_000)))[0]?.reason).toMatch(
      /in the future/,
    );
    expect(problems((s) => (s.startTimeUnixNano = '1000'))[0]?.reason).toMatch(/retention/);
    expect(problems((s) => (s.endTimeUnixNano = ns(NOW_MS - 70_000)))[0]?.reason).toMatch(
      /before it starts/,
    );
    expect(problems((s) => (s.endTimeUnixNano = ns(NOW_MS + 86_400_000)))[0]?.reason).toMatch(
      /longer than the limit/,
    );
    expect(problems((s) => (s.kind = 9))[0]?.field).toMatch(/kind$/);
    expect(problems((s) => (s.status = { code: 7 }))[0]?.field).toMatch(/status\.code$/);
  });

  it('enforces the attribute limits', () => {
    const long = 'x'.repeat(limits.maxAttributeValueLength + 1);
    expect(
      problems((s) => (s.attributes = [{ key: 'big', value: { stringValue: long } }]))[0],
    ).toMatchObject({ field: 'resourceSpans[0].scopeSpans[0].spans[1].attributes[0].value' });
    const many = Array.from({ length: limits.maxAttributesPerSpan }, (_, i) => ({
      key: `k${i}`,
      value: { intValue: String(i) },
    }));
    expect(problems((s) => (s.attributes = many))[0]?.reason).toMatch(/the limit is 128/);
  });

  it('refuses more spans than the limit before decoding them', () => {
    const req = fixture();
    const small = { ...limits, maxSpansPerRequest: 1 };
    const r = decodeOtlpTracesJson(JSON.stringify(req), small);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('INGEST_BATCH_TOO_LARGE');
  });

  it('reports undecodable bodies', () => {
    const j = decodeOtlpTracesJson('{"resourceSpans": [', limits);
    const p = decodeOtlpTracesProto(Uint8Array.of(0x0a, 0x05, 0x01), limits);
    expect(!j.ok && j.error.code).toBe('INGEST_DECODE_FAILED');
    expect(!p.ok && p.error.code).toBe('INGEST_DECODE_FAILED');
    const wrong = decodeOtlpTracesJson('{"resourceSpans": 3}', limits);
    expect(!wrong.ok && wrong.error.items[0]?.field).toBe('resourceSpans');
  });
});

describe('OTLP traces: answers', () => {
  it('encodes an empty ExportTraceServiceResponse and a google.rpc.Status with BadRequest', () => {
    expect(encodeExportTraceResponse()).toHaveLength(0);
    const bytes = encodeRpcStatus(3, 'bad', [{ index: 0, field: 'a.b', reason: 'why' }]);
    expect(decodeRpcStatus(bytes)).toEqual({
      code: 3,
      message: 'bad',
      violations: [{ field: 'a.b', description: 'why' }],
    });
  });
});
