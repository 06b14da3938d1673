/**
 * @module
 * Decoder for data contract v1 (docs/data-contract.md): telemetry events as a JSON array or as
 * NDJSON. A hand-written fast path for the TelemetryEvent JSON Schema in src/contract/event.ts;
 * `events.schema.test.ts` checks the two agree. Series model: metric = `metric_name`, labels =
 * `tags` + `source_id` (+ `severity` when present).
 */
import { LABEL_NAME_RE, METRIC_NAME_RE, SEVERITIES, SOURCE_LABEL } from '../contract/index.ts';
import { describeBadTimestamp, parseIsoTimestampMs } from './iso-time.ts';
import { checkTimeWindow, codePointLength, type IngestLimits } from './limits.ts';
import { type DecodeResult, decodeFailure, ProblemList, tooLarge } from './result.ts';
import { appendLabelKey, metricKey, SeriesGrouper } from './series-grouper.ts';

/** The fields of a v1 event; anything else is rejected. */
export const EVENT_FIELDS = [
  'timestamp',
  'source_id',
  'metric_name',
  'metric_value',
  'severity',
  'tags',
] as const;
/** Longest `source_id` and `metric_name`, in characters (the schema's maxLength). */
export const MAX_NAME_LENGTH = 256;
/** The label a present `severity` is stored under. */
export const SEVERITY_LABEL = 'severity';

const KNOWN = new Set<string>(EVENT_FIELDS);
const SEVERITY_SET = new Set<string>(SEVERITIES);

/**
 * Decodes a JSON array of events (`application/json`).
 *
 * @example
 * const r = decodeEventsJson('[{"timestamp":"2026-01-01T00:00:00Z","source_id":"api","metric_name":"cpu","metric_value":1}]',
 *   defaultIngestLimits(Date.parse('2026-01-01T00:01:00Z')));
 * // r.ok === true; r.batch[0] = { metric: 'cpu', labels: { source_id: 'api' }, ... }
 */
export function decodeEventsJson(body: string | Uint8Array, limits: IngestLimits): DecodeResult {
  const text = toText(body);
  if (typeof text !== 'string') return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // JSON.parse throws SyntaxError on malformed input; it is the client's error, not ours.
    return decodeFailure(
      'INGEST_DECODE_FAILED',
      `the body is not valid JSON: ${(err as Error).message}`,
    );
  }
  return decodeEventArray(value, limits);
}

/**
 * Decodes events already parsed from JSON (when the HTTP framework parsed the body). The value
 * must be an array.
 */
export function decodeEventArray(value: unknown, limits: IngestLimits): DecodeResult {
  if (!Array.isArray(value)) {
    return decodeFailure(
      'INGEST_DECODE_FAILED',
      `the body must be a JSON array of events, got ${describeType(value)}; send one event as [{...}], or one event per line as application/x-ndjson`,
    );
  }
  if (value.length > limits.maxItemsPerBatch) {
    return tooLarge(value.length, 'events', limits.maxItemsPerBatch);
  }
  const problems = new ProblemList(limits.maxProblemItems);
  const grouper = new SeriesGrouper();
  for (let i = 0; i < value.length; i++) decodeEvent(value[i], i, limits, problems, grouper);
  if (!problems.empty) return problems.failure(value.length, 'events');
  return {
    ok: true,
    batch: grouper.batch(),
    items: value.length,
    samples: grouper.samples,
    skipped: 0,
  };
}

/**
 * Decodes NDJSON (`application/x-ndjson`): one event per line, `\n` or `\r\n` line ends. Blank
 * (whitespace-only) lines are skipped. Problem indexes are 0-based line numbers counting the
 * blank lines, so they point at the line in the file.
 */
export function decodeEventsNdjson(body: string | Uint8Array, limits: IngestLimits): DecodeResult {
  const text = toText(body);
  if (typeof text !== 'string') return text;
  const problems = new ProblemList(limits.maxProblemItems);
  const grouper = new SeriesGrouper();
  let items = 0;
  let line = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    const raw = text.slice(start, end);
    if (!isBlank(raw)) {
      items++;
      if (items > limits.maxItemsPerBatch) {
        return tooLarge(countNonBlankLines(text), 'events', limits.maxItemsPerBatch);
      }
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        // A malformed line is an item problem; keep going so every bad line is listed.
        parsed = false;
        problems.add(line, '', `line is not valid JSON: ${(err as Error).message}`);
      }
      if (parsed) decodeEvent(value, line, limits, problems, grouper);
    }
    line++;
    start = end + 1;
  }
  if (!problems.empty) return problems.failure(items, 'events');
  return { ok: true, batch: grouper.batch(), items, samples: grouper.samples, skipped: 0 };
}

/** Validates one event; on success adds its sample to `grouper`, else adds every problem. */
function decodeEvent(
  ev: unknown,
  index: number,
  limits: IngestLimits,
  problems: ProblemList,
  grouper: SeriesGrouper,
): void {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) {
    problems.add(index, '', `event must be a JSON object, got ${describeType(ev)}`);
    return;
  }
  const o = ev as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) {
      problems.add(
        index,
        k,
        `unknown field ${JSON.stringify(k)}; an event has only ${EVENT_FIELDS.join(', ')}`,
      );
      ok = false;
    }
  }

  // timestamp
  let timestampMs = 0;
  const ts = o.timestamp;
  if (ts === undefined) {
    problems.add(index, 'timestamp', 'timestamp is required');
    ok = false;
  } else if (typeof ts !== 'string') {
    problems.add(
      index,
      'timestamp',
      `timestamp must be an ISO 8601 string such as "2026-01-01T00:00:00Z", got ${show(ts)}`,
    );
    ok = false;
  } else {
    const p = parseIsoTimestampMs(ts);
    if (!p.ok) {
      problems.add(index, 'timestamp', describeBadTimestamp(ts, p.kind));
      ok = false;
    } else {
      const why = checkTimeWindow(p.ms, ts, limits);
      if (why !== undefined) {
        problems.add(index, 'timestamp', why);
        ok = false;
      }
      timestampMs = p.ms;
    }
  }

  // source_id
  const source = o.source_id;
  if (source === undefined) {
    problems.add(index, 'source_id', 'source_id is required');
    ok = false;
  } else if (typeof source !== 'string') {
    problems.add(index, 'source_id', `source_id must be a string, got ${show(source)}`);
    ok = false;
  } else if (source.length === 0) {
    problems.add(index, 'source_id', 'source_id must not be empty');
    ok = false;
  } else if (codePointLength(source, MAX_NAME_LENGTH) > MAX_NAME_LENGTH) {
    problems.add(index, 'source_id', `source_id is longer than ${MAX_NAME_LENGTH} characters`);
    ok = false;
  }

  // metric_name
  const metric = o.metric_name;
  if (metric === undefined) {
    problems.add(index, 'metric_name', 'metric_name is required');
    ok = false;
  } else if (typeof metric !== 'string') {
    problems.add(index, 'metric_name', `metric_name must be a string, got ${show(metric)}`);
    ok = false;
  } else if (metric.length > MAX_NAME_LENGTH) {
    problems.add(index, 'metric_name', `metric_name is longer than ${MAX_NAME_LENGTH} characters`);
    ok = false;
  } else if (!METRIC_NAME_RE.test(metric)) {
    problems.add(
      index,
      'metric_name',
      `metric_name ${show(metric)} is not a valid name: use letters, digits, '_', ':' and '.', not starting with a digit or '.'`,
    );
    ok = false;
  }

  // metric_value
  const value = o.metric_value;
  if (value === undefined) {
    problems.add(index, 'metric_value', 'metric_value is required');
    ok = false;
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    const hint =
      typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
        ? ' (a string; send numbers unquoted)'
        : '';
    problems.add(
      index,
      'metric_value',
      `metric_value must be a finite number, got ${show(value)}${hint}`,
    );
    ok = false;
  }

  // severity
  const severity = o.severity;
  if (severity !== undefined && (typeof severity !== 'string' || !SEVERITY_SET.has(severity))) {
    problems.add(
      index,
      'severity',
      `severity must be one of ${SEVERITIES.join(', ')}, got ${show(severity)}`,
    );
    ok = false;
  }

  // tags
  const tags = o.tags;
  const labels: Record<string, string> = {};
  // The series identity in the producer's tag order; see SeriesGrouper.addRaw.
  let rawKey = '';
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
      problems.add(index, 'tags', `tags must be an object of string values, got ${show(tags)}`);
      ok = false;
    } else {
      const t = tags as Record<string, unknown>;
      const keys = Object.keys(t);
      if (keys.length > limits.maxTagCount) {
        problems.add(
          index,
          'tags',
          `tags has ${keys.length} entries; the limit is ${limits.maxTagCount}`,
        );
        ok = false;
      }
      for (const k of keys) {
        const why = checkTagKey(k, limits);
        if (why !== undefined) {
          problems.add(index, `tags.${k}`, why);
          ok = false;
          continue;
        }
        const v = t[k];
        if (typeof v !== 'string') {
          problems.add(index, `tags.${k}`, `tag values must be strings, got ${show(v)}`);
          ok = false;
        } else if (v.length === 0) {
          problems.add(
            index,
            `tags.${k}`,
            'tag value must not be empty (an empty label is the same as no label; leave the tag out)',
          );
          ok = false;
        } else if (codePointLength(v, limits.maxTagValueLength) > limits.maxTagValueLength) {
          problems.add(
            index,
            `tags.${k}`,
            `tag value is longer than ${limits.maxTagValueLength} characters`,
          );
          ok = false;
        } else {
          labels[k] = v;
          rawKey = appendLabelKey(rawKey, k, v);
        }
      }
    }
  }

  if (!ok) return;
  labels[SOURCE_LABEL] = source as string;
  rawKey = appendLabelKey(rawKey, SOURCE_LABEL, source as string);
  if (severity !== undefined) {
    labels[SEVERITY_LABEL] = severity as string;
    rawKey = appendLabelKey(rawKey, SEVERITY_LABEL, severity as string);
  }
  const m = metric as string;
  grouper.addRaw(metricKey(m) + rawKey, m, labels, timestampMs, value as number, index);
}

/** Why a tag key is not allowed, or undefined. Exported for the line-protocol decoder's tags. */
export function checkTagKey(k: string, limits: IngestLimits): string | undefined {
  if (k === SOURCE_LABEL || k === SEVERITY_LABEL) {
    return `tag ${JSON.stringify(k)} collides with the top-level field ${k}; set the field instead`;
  }
  if (k.length > limits.maxTagKeyLength) {
    return `tag name is longer than ${limits.maxTagKeyLength} characters`;
  }
  if (!LABEL_NAME_RE.test(k)) {
    return `tag name ${JSON.stringify(k)} is not valid: use letters, digits, '_' and '.', not starting with a digit or '.'`;
  }
  if (k.startsWith('__')) {
    return `tag name ${JSON.stringify(k)} is reserved: names starting with "__" are internal`;
  }
  return undefined;
}

function toText(body: string | Uint8Array): string | DecodeResult {
  if (typeof body === 'string') return body;
  try {
    return UTF8.decode(body);
  } catch {
    // fatal: true makes TextDecoder throw on malformed UTF-8; that is a client error.
    return decodeFailure('INGEST_DECODE_FAILED', 'the body is not valid UTF-8');
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

function countNonBlankLines(text: string): number {
  let count = 0;
  for (const l of text.split('\n')) if (!isBlank(l)) count++;
  return count;
}

/** A short rendering of a bad value for a reason: `"abc"`, `null`, `an array`, `1e+400`. */
export function show(v: unknown): string {
  if (typeof v === 'string') {
    return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);
  }
  if (typeof v === 'number') return String(v);
  if (v === null || typeof v === 'boolean') return String(v);
  return describeType(v);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}
