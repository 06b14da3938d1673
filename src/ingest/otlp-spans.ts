/**
 * @module
 * OTLP `ExportTraceServiceRequest` → `Span[]`: the one mapping and validation shared by the JSON
 * and protobuf decoders (otlp-json.ts, otlp-proto.ts). Both hand over the same tree of objects
 * with lowerCamelCase field names (JSON.parse's result, or protobufjs's decoded message), which
 * differ only in how leaves are represented:
 *
 * | field                      | OTLP/JSON                    | protobuf (protobufjs)        |
 * | -------------------------- | ---------------------------- | ---------------------------- |
 * | traceId, spanId, parent    | hex string (any case)        | Uint8Array                   |
 * | int64 / fixed64            | decimal string or number     | Long {low, high}             |
 * | bytesValue                 | base64 string                | Uint8Array                   |
 * | keys                       | lowerCamelCase (snake_case too) | lowerCamelCase            |
 *
 * so the same request decodes to identical spans either way (cross-checked in otlp.test.ts).
 * Times: nanoseconds are split exactly into whole ms and a remainder before becoming floats, so
 * both encodings give bit-identical `startMs`/`durationMs`. Problems name the span by its index
 * in the request (counting across resourceSpans/scopeSpans) and the field by its full path,
 * e.g. `resourceSpans[0].scopeSpans[1].spans[2].traceId`. A request is atomic: any problem
 * rejects all of it. Spec: https://opentelemetry.io/docs/specs/otlp/ and docs/traces.md.
 */
import {
  type AttributeValue,
  OpsError,
  type ProblemItem,
  type Span,
  type SpanAttributes,
  type SpanEvent,
  type SpanKind,
  type SpanStatus,
} from '../contract/index.ts';
import { codePointLength, formatDurationMs } from './limits.ts';

/** Limits of one OTLP trace request. Build with `defaultOtlpTraceLimits(nowMs)` and override. */
export interface OtlpTraceLimits {
  /** Most spans one request may carry. Default 10,000 (the JS SDK exports 512 at a time). */
  readonly maxSpansPerRequest: number;
  /** Most attributes of a span, resource and span attributes merged. Default 128. */
  readonly maxAttributesPerSpan: number;
  /** Longest attribute key, in characters. Default 256. */
  readonly maxAttributeKeyLength: number;
  /**
   * Longest attribute value (strings, and arrays/maps after flattening to JSON), in characters.
   * Default 32,768: room for an `exception.stacktrace`.
   */
  readonly maxAttributeValueLength: number;
  /** Most events per span. Default 128. */
  readonly maxEventsPerSpan: number;
  /** Longest span, in ms; a longer one is a clock bug, not a trace. Default 1 day. */
  readonly maxSpanDurationMs: number;
  /** How far past `nowMs` a span may start, in ms. Default 10 min. */
  readonly maxFutureMs: number;
  /** How far before `nowMs` a span may start, in ms (older would be dropped at once). 30 d. */
  readonly retentionMs: number;
  /** Largest body a decoder inflates to, in bytes. Default 64 MiB. */
  readonly maxDecompressedBytes: number;
  /** Most problem items one error lists. Default 1,000. */
  readonly maxProblemItems: number;
  /** The time decisions are made against (the caller's `clock.nowMs()`). */
  readonly nowMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export function defaultOtlpTraceLimits(nowMs = 0): OtlpTraceLimits {
  return {
    maxSpansPerRequest: 10_000,
    maxAttributesPerSpan: 128,
    maxAttributeKeyLength: 256,
    maxAttributeValueLength: 32_768,
    maxEventsPerSpan: 128,
    maxSpanDurationMs: DAY_MS,
    maxFutureMs: 10 * MINUTE_MS,
    retentionMs: 30 * DAY_MS,
    maxDecompressedBytes: 64 * 1024 * 1024,
    maxProblemItems: 1_000,
    nowMs,
  };
}

export type SpanDecodeResult =
  | { readonly ok: true; readonly spans: Span[] }
  | { readonly ok: false; readonly error: OpsError };

/** OTLP SpanKind values 0..5 (0 = unspecified, read as internal). */
const KINDS: readonly SpanKind[] = [
  'internal',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
/** OTLP StatusCode values 0..2. */
const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];

export const UNKNOWN_SERVICE = 'unknown_service';

/** A Long as protobufjs returns it for (fixed)int64 fields. */
interface LongLike {
  readonly low: number;
  readonly high: number;
}

/** Exact epoch time as whole ms + remaining ns (0..999,999), or why it is not a time. */
interface SplitTime {
  readonly ms: number;
  readonly ns: number;
}

const TWO_POW_32_DIV_1E6 = 4294; // 2^32 = 4294 × 10^6 + 967,296
const TWO_POW_32_MOD_1E6 = 967_296;

/** Reads an unsigned 64-bit nanosecond count; undefined when absent, a string reason when bad. */
function readNanos(v: unknown): SplitTime | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) return `${JSON.stringify(clip(v))} is not a decimal count of ns`;
    if (v.length <= 6) return { ms: 0, ns: Number(v) };
    return { ms: Number(v.slice(0, -6)), ns: Number(v.slice(-6)) };
  }
  if (typeof v === 'number') {
    // proto3 JSON allows numbers for int64; past 2^53 they carry what the double holds.
    if (!Number.isInteger(v) || v < 0) return `${v} is not a non-negative integer count of ns`;
    return { ms: Math.floor(v / 1e6), ns: v % 1e6 };
  }
  if (typeof v === 'object' && typeof (v as LongLike).low === 'number') {
    // Exact: high·2^32 + low = high·4294·10^6 + (high·967,296 + low); the second part < 2^53.
    const high = (v as LongLike).high >>> 0;
    const rest = high * TWO_POW_32_MOD_1E6 + ((v as LongLike).low >>> 0);
    return { ms: high * TWO_POW_32_DIV_1E6 + Math.floor(rest / 1e6), ns: rest % 1e6 };
  }
  return `expected nanoseconds as a decimal string, got ${typeof v}`;
}

/** Reads a (signed) int64 attribute value as a number. */
function readInt64(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string') return /^-?\d{1,20}$/.test(v) ? Number(v) : undefined;
  if (v !== null && typeof v === 'object' && typeof (v as LongLike).low === 'number') {
    const l = v as LongLike;
    return (l.high | 0) * 4_294_967_296 + (l.low >>> 0);
  }
  return undefined;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** An id as lower-case hex: protobuf bytes are converted, JSON strings lower-cased (checked later). */
function readId(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.toLowerCase();
  if (v instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < v.length; i++) s += HEX[v[i] as number];
    return s;
  }
  return undefined;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

function clip(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A field by its lowerCamelCase name, else its proto (snake_case) name. */
function field(o: Record<string, unknown>, camel: string, snake?: string): unknown {
  const v = o[camel];
  if (v !== undefined || snake === undefined) return v;
  return o[snake];
}

function list(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : undefined;
}

const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);

/** base64 of bytes (OTLP/JSON's representation of `bytesValue`). */
function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i] as number);
  return btoa(bin);
}

type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

const NO_VALUE = Symbol('no value');

/**
 * An AnyValue as a plain JS value: scalars as themselves (int64 as a number, non-finite doubles
 * as their names, bytes as base64), arrays and key-value lists as arrays and objects. Returns
 * NO_VALUE for an empty AnyValue, a string reason for a malformed one.
 */
function readAnyValue(v: unknown, depth: number): Plain | typeof NO_VALUE | BadValue {
  if (!isObject(v))
    return v === undefined || v === null ? NO_VALUE : new BadValue('is not an AnyValue object');
  if (depth > 16) return new BadValue('nests arrays or key-value lists more than 16 deep');
  if (hasOwn(v, 'stringValue') || hasOwn(v, 'string_value')) {
    const s = field(v, 'stringValue', 'string_value');
    return typeof s === 'string' ? s : new BadValue('stringValue is not a string');
  }
  if (hasOwn(v, 'boolValue') || hasOwn(v, 'bool_value')) {
    const b = field(v, 'boolValue', 'bool_value');
    return typeof b === 'boolean' ? b : new BadValue('boolValue is not a boolean');
  }
  if (hasOwn(v, 'intValue') || hasOwn(v, 'int_value')) {
    const n = readInt64(field(v, 'intValue', 'int_value'));
    return n === undefined ? new BadValue('intValue is not an int64') : n;
  }
  if (hasOwn(v, 'doubleValue') || hasOwn(v, 'double_value')) {
    const d = field(v, 'doubleValue', 'double_value');
    if (typeof d === 'number') return Number.isFinite(d) ? d : String(d);
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return d;
    if (typeof d === 'string' && d.trim() !== '' && Number.isFinite(Number(d))) return Number(d);
    return new BadValue('doubleValue is not a number');
  }
  if (hasOwn(v, 'bytesValue') || hasOwn(v, 'bytes_value')) {
    const b = field(v, 'bytesValue', 'bytes_value');
    if (b instanceof Uint8Array) return base64(b);
    return typeof b === 'string' ? b : new BadValue('bytesValue is not base64 bytes');
  }
  if (hasOwn(v, 'arrayValue') || hasOwn(v, 'array_value')) {
    const a = field(v, 'arrayValue', 'array_value');
    const values = isObject(a) ? list(a.values) : undefined;
    if (values === undefined) return new BadValue('arrayValue.values is not an array');
    const out: Plain[] = [];
    for (const item of values) {
      const x = readAnyValue(item, depth + 1);
      if (x === NO_VALUE) out.push(null);
      else if (isBad(x)) return x;
      else out.push(x);
    }
    return out;
  }
  if (hasOwn(v, 'kvlistValue') || hasOwn(v, 'kvlist_value')) {
    const kv = field(v, 'kvlistValue', 'kvlist_value');
    const values = isObject(kv) ? list(kv.values) : undefined;
    if (values === undefined) return new BadValue('kvlistValue.values is not an array');
    const out: { [k: string]: Plain } = {};
    for (const item of values) {
      if (!isObject(item) || typeof item.key !== 'string')
        return new BadValue('a kvlistValue entry has no key');
      const x = readAnyValue(item.value, depth + 1);
      if (isBad(x)) return x;
      out[item.key] = x === NO_VALUE ? null : x;
    }
    return out;
  }
  return NO_VALUE;
}

/** Why an AnyValue is malformed (a class, so no decoded map can be mistaken for it). */
class BadValue {
  readonly bad: string;
  constructor(bad: string) {
    this.bad = bad;
  }
}

function isBad(x: unknown): x is BadValue {
  return x instanceof BadValue;
}

/** Collects problem items (at most `max` listed, all counted). */
class Problems {
  readonly items: ProblemItem[] = [];
  count = 0;
  badSpans = new Set<number>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  add(index: number | undefined, field: string, reason: string): void {
    this.count++;
    if (index !== undefined) this.badSpans.add(index);
    if (this.items.length < this.#max) {
      this.items.push(index === undefined ? { field, reason } : { index, field, reason });
    }
  }
}

/**
 * Reads KeyValue[] at `path` into `out` (later keys win). Returns false after recording a
 * problem.
 */
function readAttributes(
  raw: unknown,
  path: string,
  out: Record<string, AttributeValue>,
  limits: OtlpTraceLimits,
  problems: Problems,
  index: number | undefined,
): boolean {
  const kvs = list(raw);
  if (kvs === undefined) {
    problems.add(index, path, 'attributes must be an array of {key, value}');
    return false;
  }
  let ok = true;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (!isObject(kv) || typeof kv.key !== 'string' || kv.key === '') {
      problems.add(index, `${path}[${i}].key`, 'an attribute needs a non-empty string key');
      ok = false;
      continue;
    }
    const key = kv.key;
    if (codePointLength(key, limits.maxAttributeKeyLength) > limits.maxAttributeKeyLength) {
      problems.add(
        index,
        `${path}[${i}].key`,
        `attribute key ${JSON.stringify(clip(key))} is longer than ${limits.maxAttributeKeyLength} characters`,
      );
      ok = false;
      continue;
    }
    const v = readAnyValue(kv.value, 0);
    if (v === NO_VALUE) continue;
    if (isBad(v)) {
      problems.add(index, `${path}[${i}].value`, `attribute ${key}: ${v.bad}`);
      ok = false;
      continue;
    }
    const value: AttributeValue =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? v
        : JSON.stringify(v);
    if (
      typeof value === 'string' &&
      codePointLength(value, limits.maxAttributeValueLength) > limits.maxAttributeValueLength
    ) {
      problems.add(
        index,
        `${path}[${i}].value`,
        `attribute ${key} is longer than ${limits.maxAttributeValueLength} characters`,
      );
      ok = false;
      continue;
    }
    out[key] = value;
  }
  return ok;
}

function msOf(t: SplitTime): number {
  return t.ms + t.ns / 1e6;
}

function isoOf(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** The path of a URL (`/a/b?x=1` → `/a/b`, `http://h/a` → `/a`). */
function pathOf(target: string): string {
  let s = target;
  const scheme = s.indexOf('://');
  if (scheme >= 0) {
    const slash = s.indexOf('/', scheme + 3);
    s = slash < 0 ? '/' : s.slice(slash);
  }
  const q = s.search(/[?#]/);
  return q < 0 ? s : s.slice(0, q);
}

function endpointOf(attrs: Record<string, AttributeValue>, name: string): string {
  const route = attrs['http.route'];
  if (typeof route === 'string' && route !== '') return route;
  for (const key of ['url.path', 'http.target']) {
    const v = attrs[key];
    if (typeof v === 'string' && v !== '') return pathOf(v);
  }
  return name;
}

function httpStatusOf(attrs: Record<string, AttributeValue>): number | undefined {
  for (const key of ['http.response.status_code', 'http.status_code']) {
    const v = attrs[key];
    const n = typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599) return n;
  }
  return undefined;
}

/** Decodes a parsed ExportTraceServiceRequest (JSON or protobufjs message) into spans. */
export function mapExportTraceRequest(root: unknown, limits: OtlpTraceLimits): SpanDecodeResult {
  if (!isObject(root)) {
    return failure('INGEST_DECODE_FAILED', 'the body is not an ExportTraceServiceRequest object');
  }
  const problems = new Problems(limits.maxProblemItems);
  const resourceSpans = list(field(root, 'resourceSpans', 'resource_spans'));
  if (resourceSpans === undefined) {
    problems.add(undefined, 'resourceSpans', 'must be an array');
    return invalid(problems, 0);
  }
  // Count first: an oversized request is refused before any work on its spans.
  let total = 0;
  for (const rs of resourceSpans) {
    if (!isObject(rs)) continue;
    for (const ss of list(field(rs, 'scopeSpans', 'scope_spans')) ?? []) {
      if (!isObject(ss)) continue;
      total += (list(ss.spans) ?? []).length;
    }
  }
  if (total > limits.maxSpansPerRequest) {
    return failure(
      'INGEST_BATCH_TOO_LARGE',
      `the request holds ${total} spans; the limit is ${limits.maxSpansPerRequest} per request, so export smaller batches (BatchSpanProcessor maxExportBatchSize)`,
    );
  }
  const spans: Span[] = [];
  const minMs = limits.nowMs - limits.retentionMs;
  const maxMs = limits.nowMs + limits.maxFutureMs;
  let index = 0;
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r];
    const rPath = `resourceSpans[${r}]`;
    if (!isObject(rs)) {
      problems.add(undefined, rPath, 'must be an object');
      continue;
    }
    const resourceAttrs: Record<string, AttributeValue> = {};
    const resource = rs.resource;
    if (resource !== undefined && resource !== null) {
      if (!isObject(resource)) problems.add(undefined, `${rPath}.resource`, 'must be an object');
      else
        readAttributes(
          resource.attributes,
          `${rPath}.resource.attributes`,
          resourceAttrs,
          limits,
          problems,
          undefined,
        );
    }
    const svc = resourceAttrs['service.name'];
    const service = typeof svc === 'string' && svc !== '' ? svc : UNKNOWN_SERVICE;
    const scopeSpans = list(field(rs, 'scopeSpans', 'scope_spans'));
    if (scopeSpans === undefined) {
      problems.add(undefined, `${rPath}.scopeSpans`, 'must be an array');
      continue;
    }
    for (let s = 0; s < scopeSpans.length; s++) {
      const ss = scopeSpans[s];
      const sPath = `${rPath}.scopeSpans[${s}]`;
      if (!isObject(ss)) {
        problems.add(undefined, sPath, 'must be an object');
        continue;
      }
      const raw = list(ss.spans);
      if (raw === undefined) {
        problems.add(undefined, `${sPath}.spans`, 'must be an array');
        continue;
      }
      for (let k = 0; k < raw.length; k++) {
        const span = mapSpan(
          raw[k],
          `${sPath}.spans[${k}]`,
          index++,
          service,
          resourceAttrs,
          limits,
          problems,
          minMs,
          maxMs,
        );
        if (span !== undefined) spans.push(span);
      }
    }
  }
  if (problems.count > 0) return invalid(problems, index);
  return { ok: true, spans };
}

function mapSpan(
  raw: unknown,
  path: string,
  index: number,
  service: string,
  resourceAttrs: Record<string, AttributeValue>,
  limits: OtlpTraceLimits,
  problems: Problems,
  minMs: number,
  maxMs: number,
): Span | undefined {
  if (!isObject(raw)) {
    problems.add(index, path, 'a span must be an object');
    return undefined;
  }
  const before = problems.count;
  const traceId = readId(field(raw, 'traceId', 'trace_id'));
  if (traceId === undefined || traceId === '') {
    problems.add(index, `${path}.traceId`, 'is required (16 bytes, 32 hex digits)');
  } else if (!TRACE_ID_RE.test(traceId)) {
    problems.add(
      index,
      `${path}.traceId`,
      `${JSON.stringify(clip(traceId))} is not 16 bytes (32 hex digits)`,
    );
  } else if (traceId === ZERO_TRACE) {
    problems.add(index, `${path}.traceId`, 'an all-zero trace id is invalid');
  }
  const spanId = readId(field(raw, 'spanId', 'span_id'));
  if (spanId === undefined || spanId === '') {
    problems.add(index, `${path}.spanId`, 'is required (8 bytes, 16 hex digits)');
  } else if (!SPAN_ID_RE.test(spanId)) {
    problems.add(
      index,
      `${path}.spanId`,
      `${JSON.stringify(clip(spanId))} is not 8 bytes (16 hex digits)`,
    );
  } else if (spanId === ZERO_SPAN) {
    problems.add(index, `${path}.spanId`, 'an all-zero span id is invalid');
  }
  const parent = readId(field(raw, 'parentSpanId', 'parent_span_id'));
  if (parent !== undefined && parent !== '' && (!SPAN_ID_RE.test(parent) || parent === ZERO_SPAN)) {
    problems.add(
      index,
      `${path}.parentSpanId`,
      `${JSON.stringify(clip(parent))} is not a span id (16 hex digits, not all zero) or empty`,
    );
  }
  const name = raw.name;
  if (typeof name !== 'string' || name === '') {
    problems.add(index, `${path}.name`, 'is required (a non-empty string)');
  }
  const kindRaw = raw.kind ?? 0;
  const kind =
    typeof kindRaw === 'number' && Number.isInteger(kindRaw) ? KINDS[kindRaw] : undefined;
  if (kind === undefined) {
    problems.add(
      index,
      `${path}.kind`,
      `${JSON.stringify(kindRaw)} is not a SpanKind (an integer 0..5)`,
    );
  }
  const start = readNanos(field(raw, 'startTimeUnixNano', 'start_time_unix_nano'));
  const end = readNanos(field(raw, 'endTimeUnixNano', 'end_time_unix_nano'));
  let startMs = 0;
  let durationMs = 0;
  let startOk = false;
  if (start === undefined || (typeof start === 'object' && start.ms === 0 && start.ns === 0)) {
    problems.add(index, `${path}.startTimeUnixNano`, 'is required (ns since the epoch)');
  } else if (typeof start === 'string') {
    problems.add(index, `${path}.startTimeUnixNano`, start);
  } else {
    startMs = msOf(start);
    startOk = true;
    if (startMs < minMs || startMs > maxMs) {
      problems.add(
        index,
        `${path}.startTimeUnixNano`,
        startMs > maxMs
          ? `starts at ${isoOf(startMs)}, more than ${formatDurationMs(limits.maxFutureMs)} in the future (server time ${isoOf(limits.nowMs)})`
          : `starts at ${isoOf(startMs)}, before the ${formatDurationMs(limits.retentionMs)} retention window (server time ${isoOf(limits.nowMs)})`,
      );
    }
  }
  if (end === undefined || (typeof end === 'object' && end.ms === 0 && end.ns === 0)) {
    problems.add(index, `${path}.endTimeUnixNano`, 'is required (ns since the epoch)');
  } else if (typeof end === 'string') {
    problems.add(index, `${path}.endTimeUnixNano`, end);
  } else if (startOk && typeof start === 'object') {
    durationMs = end.ms - start.ms + (end.ns - start.ns) / 1e6;
    if (durationMs < 0) {
      problems.add(
        index,
        `${path}.endTimeUnixNano`,
        `ends ${formatDurationMs(-durationMs)} before it starts`,
      );
    } else if (durationMs > limits.maxSpanDurationMs) {
      problems.add(
        index,
        `${path}.endTimeUnixNano`,
        `lasts ${formatDurationMs(Math.round(durationMs))}, longer than the limit of ${formatDurationMs(limits.maxSpanDurationMs)}`,
      );
    }
  }

  // Object.assign, not spread: adding keys to a spread copy is ~20x slower in V8 (measured).
  const attributes: Record<string, AttributeValue> = Object.assign({}, resourceAttrs);
  readAttributes(raw.attributes, `${path}.attributes`, attributes, limits, problems, index);
  const attrCount = Object.keys(attributes).length;
  if (attrCount > limits.maxAttributesPerSpan) {
    problems.add(
      index,
      `${path}.attributes`,
      `the span has ${attrCount} attributes with its resource's; the limit is ${limits.maxAttributesPerSpan}`,
    );
  }

  let status: SpanStatus = 'unset';
  let statusMessage = '';
  const st = raw.status;
  if (st !== undefined && st !== null) {
    if (!isObject(st)) {
      problems.add(index, `${path}.status`, 'must be an object');
    } else {
      const code = st.code ?? 0;
      const s = typeof code === 'number' && Number.isInteger(code) ? STATUSES[code] : undefined;
      if (s === undefined)
        problems.add(
          index,
          `${path}.status.code`,
          `${JSON.stringify(code)} is not a StatusCode (0, 1 or 2)`,
        );
      else status = s;
      const m = st.message ?? '';
      if (typeof m !== 'string') problems.add(index, `${path}.status.message`, 'must be a string');
      else statusMessage = m;
    }
  }

  const events: SpanEvent[] = [];
  const rawEvents = list(raw.events);
  if (rawEvents === undefined) {
    problems.add(index, `${path}.events`, 'must be an array');
  } else if (rawEvents.length > limits.maxEventsPerSpan) {
    problems.add(
      index,
      `${path}.events`,
      `the span has ${rawEvents.length} events; the limit is ${limits.maxEventsPerSpan}`,
    );
  } else {
    for (let e = 0; e < rawEvents.length; e++) {
      const ev = rawEvents[e];
      const ePath = `${path}.events[${e}]`;
      if (!isObject(ev)) {
        problems.add(index, ePath, 'must be an object');
        continue;
      }
      const t = readNanos(field(ev, 'timeUnixNano', 'time_unix_nano'));
      if (typeof t === 'string') {
        problems.add(index, `${ePath}.timeUnixNano`, t);
        continue;
      }
      const evName = ev.name ?? '';
      if (typeof evName !== 'string') {
        problems.add(index, `${ePath}.name`, 'must be a string');
        continue;
      }
      const evAttrs: Record<string, AttributeValue> = {};
      if (!readAttributes(ev.attributes, `${ePath}.attributes`, evAttrs, limits, problems, index))
        continue;
      // An event without a time happened at the span's start (the SDKs always send one).
      events.push({
        name: evName,
        timeMs: t === undefined ? startMs : msOf(t),
        attributes: evAttrs,
      });
    }
  }
  if (problems.count > before) return undefined;

  let errorMessage: string | undefined = statusMessage === '' ? undefined : statusMessage;
  if (errorMessage === undefined) {
    for (const ev of events) {
      const m = ev.name === 'exception' ? ev.attributes['exception.message'] : undefined;
      if (typeof m === 'string' && m !== '') {
        errorMessage = m;
        break;
      }
    }
  }
  const httpStatus = httpStatusOf(attributes);
  const spanName = name as string;
  const out: {
    -readonly [K in keyof Span]: Span[K];
  } = {
    traceId: traceId as string,
    spanId: spanId as string,
    service,
    name: spanName,
    kind: kind as SpanKind,
    endpoint: endpointOf(attributes, spanName),
    startMs,
    durationMs,
    status,
    attributes: attributes as SpanAttributes,
  };
  if (parent !== undefined && parent !== '') out.parentSpanId = parent;
  if (httpStatus !== undefined) out.httpStatus = httpStatus;
  if (errorMessage !== undefined) out.errorMessage = errorMessage;
  if (events.length > 0) out.events = events;
  return out;
}

function failure(
  code: 'INGEST_DECODE_FAILED' | 'INGEST_BATCH_TOO_LARGE',
  detail: string,
): SpanDecodeResult {
  return { ok: false, error: new OpsError(code, detail) };
}

function invalid(problems: Problems, totalSpans: number): SpanDecodeResult {
  const listed =
    problems.items.length < problems.count
      ? ` (the first ${problems.items.length} of ${problems.count} problems are listed)`
      : '';
  const bad = problems.badSpans.size;
  const first = problems.items[0];
  const what =
    bad > 0
      ? `${bad} of ${totalSpans} spans ${bad === 1 ? 'is' : 'are'} invalid`
      : 'the request is invalid';
  const detail = `${what}${first === undefined ? '' : ` (${first.field}: ${first.reason})`}; the request was rejected as a whole and nothing was stored${listed}`;
  return {
    ok: false,
    error: new OpsError('INGEST_INVALID_BATCH', detail, { items: problems.items }),
  };
}
