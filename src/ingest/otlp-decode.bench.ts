/**
 * OTLP trace decoding throughput on one core: protobufjs against a hand-written reader
 * (protobuf-reader.ts) building the same message tree, plus the shared mapping to Span[] and
 * the JSON path. Not a test: run it by hand; the figures are in
 * docs/decisions/0008-otlp-decoding.md.
 *
 *   npx rolldown src/ingest/otlp-decode.bench.ts --platform node --format esm -o /tmp/otlp-bench.mjs \
 *     && node /tmp/otlp-bench.mjs
 */
import { decodeOtlpTracesJson } from './otlp-json.ts';
import { decodeOtlpTracesProto, encodeOtlpTracesProto } from './otlp-proto.ts';
import { defaultOtlpTraceLimits, mapExportTraceRequest } from './otlp-spans.ts';
import { ProtobufReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './protobuf-reader.ts';

const NOW = Date.parse('2026-11-22T03:00:00Z');
const limits = defaultOtlpTraceLimits(NOW);

let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** One request as the JS SDK's BatchSpanProcessor sends it: 512 spans of 64 traces. */
export function sdkLikeRequest(spans = 512): unknown {
  const out: unknown[] = [];
  const baseNs = BigInt(NOW - 60_000) * 1_000_000n;
  for (let t = 0; t < spans / 8; t++) {
    const traceId = hex(32);
    const rootId = hex(16);
    for (let k = 0; k < 8; k++) {
      const start = baseNs + BigInt(Math.floor(rand() * 1e9));
      const failed = rand() < 0.05;
      out.push({
        traceId,
        spanId: k === 0 ? rootId : hex(16),
        parentSpanId: k === 0 ? '' : rootId,
        name: k === 0 ? 'POST /api/orders/:id' : 'GET',
        kind: k === 0 ? 2 : 3,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + BigInt(Math.floor(rand() * 5e7))),
        attributes: [
          str('http.request.method', k === 0 ? 'POST' : 'GET'),
          str(
            k === 0 ? 'http.route' : 'url.full',
            k === 0 ? '/api/orders/:id' : 'http://stock:8080/items/42',
          ),
          int('http.response.status_code', failed ? 503 : 200),
          str('server.address', 'stock'),
          int('server.port', 8080),
          str('network.protocol.version', '1.1'),
          str('user_agent.original', 'node-fetch/1.0'),
        ],
        events: failed
          ? [
              {
                timeUnixNano: String(start + 1000n),
                name: 'exception',
                attributes: [
                  str('exception.type', 'Error'),
                  str('exception.message', 'upstream unavailable'),
                  str(
                    'exception.stacktrace',
                    `Error: upstream unavailable\n${'    at f (x.ts:1:1)\n'.repeat(8)}`,
                  ),
                ],
              },
            ]
          : [],
        status: { code: failed ? 2 : 0 },
      });
    }
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            str('service.name', 'checkout'),
            str('service.version', '1.2.3'),
            str('telemetry.sdk.language', 'nodejs'),
            str('telemetry.sdk.name', 'opentelemetry'),
            str('host.name', 'shop-1'),
          ],
        },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans: out }],
      },
    ],
  };
}

// ---- the hand-written reader: the same tree protobufjs builds (lowerCamelCase, bytes, Longs)

type Tree = Record<string, unknown>;

function readMessage(
  r: ProtobufReader,
  end: number,
  read: (r: ProtobufReader, f: number, w: number, end: number, o: Tree) => boolean,
): Tree {
  const o: Tree = {};
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3;
    const w = tag & 7;
    if (!read(r, f, w, end, o)) r.skip(w, end, f);
  }
  return o;
}

function sub(r: ProtobufReader, end: number, read: Parameters<typeof readMessage>[2]): Tree {
  const stop = r.lengthDelimitedEnd(end);
  const o = readMessage(r, stop, read);
  r.pos = stop;
  return o;
}

type Reader = (r: ProtobufReader, f: number, w: number, end: number, o: Tree) => boolean;

/** Reads repeated sub-messages of field `field` into `o[key]`. */
function repeatedOf(field: number, key: string, read: Reader): Reader {
  return (r, f, w, end, o) => {
    if (f !== field || w !== WIRE_LEN) return false;
    push(o, key, sub(r, end, read));
    return true;
  };
}

function push(o: Tree, k: string, v: unknown): void {
  const a = o[k] as unknown[] | undefined;
  if (a === undefined) o[k] = [v];
  else a.push(v);
}

function bytes(r: ProtobufReader, end: number): Uint8Array {
  const stop = r.lengthDelimitedEnd(end);
  const b = r.buf.subarray(r.pos, stop);
  r.pos = stop;
  return b;
}

function fixed64(r: ProtobufReader): { low: number; high: number } {
  const at = r.pos;
  r.pos += 8;
  return { low: r.doubleBitsLo(at), high: r.doubleBitsHi(at) };
}

function anyValue(r: ProtobufReader, f: number, w: number, end: number, o: Tree): boolean {
  if (f === 1 && w === WIRE_LEN) o.stringValue = r.string(r.lengthDelimitedEnd(end));
  else if (f === 2 && w === WIRE_VARINT) o.boolValue = r.uint32(end) !== 0;
  else if (f === 3 && w === WIRE_VARINT) o.intValue = r.int64(end);
  else if (f === 4 && w === WIRE_I64) o.doubleValue = r.double(end);
  else if (f === 5 && w === WIRE_LEN) o.arrayValue = sub(r, end, repeatedOf(1, 'values', anyValue));
  else if (f === 6 && w === WIRE_LEN)
    o.kvlistValue = sub(r, end, repeatedOf(1, 'values', keyValue));
  else if (f === 7 && w === WIRE_LEN) o.bytesValue = bytes(r, end);
  else return false;
  return true;
}

function keyValue(r: ProtobufReader, f: number, w: number, end: number, o: Tree): boolean {
  if (f === 1 && w === WIRE_LEN) o.key = r.string(r.lengthDelimitedEnd(end));
  else if (f === 2 && w === WIRE_LEN) o.value = sub(r, end, anyValue);
  else return false;
  return true;
}

function attrs(r: ProtobufReader, end: number, o: Tree, k = 'attributes'): void {
  push(o, k, sub(r, end, keyValue));
}

function event(r: ProtobufReader, f: number, w: number, end: number, o: Tree): boolean {
  if (f === 1 && w === WIRE_I64) o.timeUnixNano = fixed64(r);
  else if (f === 2 && w === WIRE_LEN) o.name = r.string(r.lengthDelimitedEnd(end));
  else if (f === 3 && w === WIRE_LEN) attrs(r, end, o);
  else return false;
  return true;
}

function span(r: ProtobufReader, f: number, w: number, end: number, o: Tree): boolean {
  if (f === 1 && w === WIRE_LEN) o.traceId = bytes(r, end);
  else if (f === 2 && w === WIRE_LEN) o.spanId = bytes(r, end);
  else if (f === 4 && w === WIRE_LEN) o.parentSpanId = bytes(r, end);
  else if (f === 5 && w === WIRE_LEN) o.name = r.string(r.lengthDelimitedEnd(end));
  else if (f === 6 && w === WIRE_VARINT) o.kind = r.uint32(end);
  else if (f === 7 && w === WIRE_I64) o.startTimeUnixNano = fixed64(r);
  else if (f === 8 && w === WIRE_I64) o.endTimeUnixNano = fixed64(r);
  else if (f === 9 && w === WIRE_LEN) attrs(r, end, o);
  else if (f === 11 && w === WIRE_LEN) push(o, 'events', sub(r, end, event));
  else if (f === 15 && w === WIRE_LEN)
    o.status = sub(r, end, (rr, ff, ww, e, oo) => {
      if (ff === 2 && ww === WIRE_LEN) oo.message = rr.string(rr.lengthDelimitedEnd(e));
      else if (ff === 3 && ww === WIRE_VARINT) oo.code = rr.uint32(e);
      else return false;
      return true;
    });
  else return false;
  return true;
}

export function handDecode(buf: Uint8Array): Tree {
  const r = new ProtobufReader(buf);
  return readMessage(r, buf.length, (rr, f, w, end, o) => {
    if (f !== 1 || w !== WIRE_LEN) return false;
    push(
      o,
      'resourceSpans',
      sub(rr, end, (r2, f2, w2, e2, rs) => {
        if (f2 === 1 && w2 === WIRE_LEN)
          rs.resource = sub(r2, e2, repeatedOf(1, 'attributes', keyValue));
        else if (f2 === 2 && w2 === WIRE_LEN)
          push(rs, 'scopeSpans', sub(r2, e2, repeatedOf(2, 'spans', span)));
        else return false;
        return true;
      }),
    );
    return true;
  });
}

// ---- measurement

function time(label: string, spans: number, runs: number, fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - t0) / runs;
  const rate = spans / (ms / 1000);
  process.stdout.write(
    `${label.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms/request  ${(rate / 1e6).toFixed(3)} M spans/s\n`,
  );
  return rate;
}

const request = sdkLikeRequest(512);
const json = JSON.stringify(request);
const proto = encodeOtlpTracesProto(request);
process.stdout.write(
  `request: 512 spans, protobuf ${proto.length} bytes, JSON ${json.length} bytes (${process.version})\n`,
);
// The same answer both ways.
const a = decodeOtlpTracesProto(proto, limits);
const b = mapExportTraceRequest(handDecode(proto), limits);
if (JSON.stringify(a) !== JSON.stringify(b))
  throw new Error('hand-written reader disagrees with protobufjs');
const RUNS = 400;
time('protobufjs decode + map (shipped)', 512, RUNS, () => decodeOtlpTracesProto(proto, limits));
time('hand-written reader decode + map', 512, RUNS, () =>
  mapExportTraceRequest(handDecode(proto), limits),
);
const tree = handDecode(proto);
time('map only (tree → Span[])', 512, RUNS, () => mapExportTraceRequest(tree, limits));
time('JSON.parse + map (shipped JSON path)', 512, RUNS, () => decodeOtlpTracesJson(json, limits));
