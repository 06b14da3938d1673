/**
 * @module
 * Decoder for InfluxDB line protocol (docs/formats/line-protocol.md), as sent to `/write` (v1) and
 * `/api/v2/write`:
 *
 * ```text
 * measurement[,tag=value...] field=value[,field=value...] [timestamp]
 * weather,city=Paris temp=21.5,humidity=40i,ok=true,note="sunny" 1767268800000000000
 * ```
 *
 * Series model: metric = `<measurement>_<field>`, or just `<measurement>` for a field named
 * `value`; labels = tags. Floats, integers (`i`, `u`) and booleans (1/0) become samples; string
 * fields are skipped (counted in `skipped`). Item index = 0-based line number, counting blank and
 * comment lines, so a problem points at the line in the file.
 */
import {
  LABEL_NAME_RE,
  type Labels,
  METRIC_NAME_RE,
  OpsError,
  type SampleBatch,
} from '../contract/index.ts';
import { checkTimeWindow, codePointLength, type IngestLimits, isoOrRaw } from './limits.ts';
import { type DecodeResult, decodeFailure, ProblemList, tooLarge } from './result.ts';
import { appendLabelKey, metricKey } from './series-grouper.ts';

/** Timestamp units; `us` is also spelt `u` (v1), `ns` also `n`. */
export type LineProtocolPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

export interface LineProtocolOptions {
  /** Unit of the timestamps in the body. Default `ns`, as in InfluxDB. */
  readonly precision?: LineProtocolPrecision;
}

/** The field whose metric is the bare measurement name (`cpu value=1` -> metric `cpu`). */
export const VALUE_FIELD = 'value';
/** Longest metric name (measurement + `_` + field), as for the other formats. */
const MAX_METRIC_LENGTH = 256;

const V1_PRECISIONS: Record<string, LineProtocolPrecision> = {
  n: 'ns',
  ns: 'ns',
  u: 'us',
  us: 'us',
  ms: 'ms',
  s: 's',
  m: 'm',
  h: 'h',
};
const V2_PRECISIONS: Record<string, LineProtocolPrecision> = {
  ns: 'ns',
  us: 'us',
  ms: 'ms',
  s: 's',
};

/**
 * Reads the `precision` query parameter of `/write` (v1: ns, u, ms, s, m, h; also n, us) or
 * `/api/v2/write` (v2: ns, us, ms, s). Absent or empty means `ns`.
 */
export function parseLineProtocolPrecision(
  value: string | undefined,
  api: 'v1' | 'v2',
): { ok: true; precision: LineProtocolPrecision } | { ok: false; error: OpsError } {
  if (value === undefined || value === '') return { ok: true, precision: 'ns' };
  const table = api === 'v1' ? V1_PRECISIONS : V2_PRECISIONS;
  const p = Object.hasOwn(table, value) ? table[value] : undefined;
  if (p !== undefined) return { ok: true, precision: p };
  const allowed = api === 'v1' ? 'ns, u, ms, s, m, h' : 'ns, us, ms, s';
  return {
    ok: false,
    error: new OpsError(
      'INVALID_PARAMETER',
      `precision must be one of ${allowed} for ${api === 'v1' ? '/write' : '/api/v2/write'}, got ${JSON.stringify(value)}`,
      { items: [{ field: 'precision', reason: `unknown precision ${JSON.stringify(value)}` }] },
    ),
  };
}

/** Milliseconds per timestamp unit, and decimal digits to drop for sub-ms units. */
const UNIT_MS: Record<LineProtocolPrecision, number> = {
  ns: 1,
  us: 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const UNIT_DROP_DIGITS: Record<LineProtocolPrecision, number> = {
  ns: 6,
  us: 3,
  ms: 0,
  s: 0,
  m: 0,
  h: 0,
};
const UNIT_NAME: Record<LineProtocolPrecision, string> = {
  ns: 'nanoseconds',
  us: 'microseconds',
  ms: 'milliseconds',
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
};

/**
 * Decodes a line-protocol body.
 *
 * @example
 * decodeLineProtocol('cpu,host=a usage=0.5 1767268800000', limits, { precision: 'ms' })
 * // ok; batch: [{ metric: 'cpu_usage', labels: { host: 'a' }, timestampsMs: [1767268800000], values: [0.5] }]
 */
export function decodeLineProtocol(
  body: string | Uint8Array,
  limits: IngestLimits,
  options: LineProtocolOptions = {},
): DecodeResult {
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    try {
      text = UTF8.decode(body);
    } catch {
      // fatal: true makes TextDecoder throw on malformed UTF-8; a client error.
      return decodeFailure('INGEST_DECODE_FAILED', 'the body is not valid UTF-8');
    }
  }
  const st = new LineState(limits, options.precision ?? 'ns');
  const n = text.length;
  let start = 0;
  let line = 0;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let e = end;
    if (e > start && text.charCodeAt(e - 1) === CR) e--;
    let s = start;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    if (s < e && text.charCodeAt(s) !== HASH) {
      st.items++;
      parseLine(text, s, e, line, st);
    }
    line++;
    start = end + 1;
  }
  if (st.samples > limits.maxItemsPerBatch) {
    return tooLarge(st.samples, 'samples', limits.maxItemsPerBatch);
  }
  if (!st.problems.empty) return st.problems.failure(st.items, 'lines');
  return {
    ok: true,
    batch: st.batch(),
    items: st.items,
    samples: st.stored(),
    skipped: st.skipped,
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const CR = 13;
const HASH = 35;
const SPACE = 32;
const TAB = 9;
const COMMA = 44;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

class LineState {
  readonly limits: IngestLimits;
  readonly problems: ProblemList;
  /** Series by the head's text (measurement + tags as written), then by field. */
  readonly heads = new Map<string, LineGroup>();
  /**
   * Series by full identity (metric + sorted tags). Different heads can name one series (tags in
   * another order; or field `x` of `m` and field `value` of `m_x`), so new groups are found here.
   */
  readonly #byKey = new Map<string, Group>();
  readonly #order: Group[] = [];
  readonly precision: LineProtocolPrecision;
  readonly minMs: number;
  readonly maxMs: number;
  items = 0;
  /** Samples parsed, including those past the limit (then nothing more is stored). */
  samples = 0;
  skipped = 0;
  constructor(limits: IngestLimits, precision: LineProtocolPrecision) {
    this.limits = limits;
    this.problems = new ProblemList(limits.maxProblemItems);
    this.precision = precision;
    this.minMs = limits.nowMs - limits.retentionMs;
    this.maxMs = limits.nowMs + limits.maxFutureMs;
  }

  /** The series for `field` of a line group, created on first use. */
  series(field: string, lg: LineGroup, item: number): Group {
    const metric = metricName(lg.measurement, field);
    const key = metricKey(metric) + lg.tagKey;
    let g = this.#byKey.get(key);
    if (g === undefined) {
      g = { metric, labels: lg.labels, timestampsMs: [], values: [], item };
      this.#byKey.set(key, g);
      this.#order.push(g);
    }
    return g;
  }

  batch(): SampleBatch {
    return this.#order;
  }

  stored(): number {
    let n = 0;
    for (const g of this.#order) n += g.values.length;
    return n;
  }
}

/** Set by `scanToken`: whether the token just scanned held a backslash. */
let sawEscape = false;

/**
 * Returns the index of the first unescaped stop character at or after `p` (or `e`). A backslash
 * escapes the character after it. Stops: comma always; `=` when `stopAtEquals`; space and tab.
 */
function scanToken(text: string, p: number, e: number, stopAtEquals: boolean): number {
  sawEscape = false;
  while (p < e) {
    const c = text.charCodeAt(p);
    if (c === BACKSLASH) {
      sawEscape = true;
      p += 2;
      continue;
    }
    if (c === COMMA || c === SPACE || c === TAB || (stopAtEquals && c === EQUALS)) return p;
    p++;
  }
  return e;
}

/**
 * Removes escapes: `\\` -> `\`, and `\x` -> `x` for x in `specials`; any other backslash is kept
 * literally, as InfluxDB does.
 */
function unescapeToken(raw: string, specials: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1] as string;
      if (next === '\\' || specials.includes(next)) {
        out += next;
        i++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

const MEASUREMENT_SPECIALS = ', ';
const KEY_SPECIALS = ',= ';

/** Parses one non-blank, non-comment line in [s, e) of `text`; problems go to `st`. */
function parseLine(text: string, s: number, e: number, line: number, st: LineState): void {
  const problems = st.problems;
  const limits = st.limits;

  // The head (measurement and tags) ends at the first unescaped space. Lines repeat heads, so a
  // head seen before is looked up by its text instead of parsed and validated again.
  let headEnd = s;
  while (headEnd < e) {
    const c = text.charCodeAt(headEnd);
    if (c === BACKSLASH) headEnd += 2;
    else if (c === SPACE || c === TAB) break;
    else headEnd++;
  }
  if (headEnd > e) headEnd = e;
  const head = text.slice(s, headEnd);
  let lg = st.heads.get(head);
  let ok = true;
  if (lg === undefined) {
    const parsed = parseHead(text, s, headEnd, line, st);
    if (parsed === undefined) return; // a syntax error, reported
    if (parsed === false)
      ok = false; // bad names, reported; go on to find field problems
    else {
      lg = parsed;
      st.heads.set(head, lg);
    }
  }
  let p = headEnd;
  if (p >= e) {
    problems.add(
      line,
      'fields',
      'the line has no fields: a space and at least one field=value must follow the measurement and tags',
    );
    return;
  }
  while (p < e && isSpace(text.charCodeAt(p))) p++;

  // Fields.
  const fieldKeys = FIELD_KEYS;
  const fieldValues = FIELD_VALUES;
  fieldKeys.length = 0;
  fieldValues.length = 0;
  let strings = 0;
  for (;;) {
    const ks = p;
    p = Math.min(scanToken(text, ks, e, true), e);
    let key = text.slice(ks, p);
    if (sawEscape) key = unescapeToken(key, KEY_SPECIALS);
    const where = key === '' ? 'fields' : `fields.${key}`;
    if (p >= e || text.charCodeAt(p) !== EQUALS) {
      problems.add(
        line,
        where,
        `expected "=" after field key ${JSON.stringify(key)} (column ${p - s + 1})`,
      );
      return;
    }
    if (key === '') {
      problems.add(line, where, `a field key is empty (column ${ks - s + 1})`);
      return;
    }
    p++;
    let value: number;
    if (p < e && text.charCodeAt(p) === QUOTE) {
      // String field: up to the next unescaped double quote. Skipped, so not unescaped.
      const qs = p;
      p++;
      while (p < e) {
        const c = text.charCodeAt(p);
        if (c === BACKSLASH) p += 2;
        else if (c === QUOTE) break;
        else p++;
      }
      if (p >= e) {
        problems.add(
          line,
          where,
          `the string value of field ${JSON.stringify(key)} has no closing quote (column ${qs - s + 1})`,
        );
        return;
      }
      p++;
      strings++;
      value = Number.NaN; // marks a string field
    } else {
      const vs = p;
      p = Math.min(scanToken(text, vs, e, false), e);
      const v = parseFieldValue(text, vs, p);
      if (typeof v === 'string') {
        problems.add(line, where, `${v} (column ${vs - s + 1})`);
        ok = false;
        value = 0;
      } else {
        value = v;
      }
    }
    for (let i = 0; i < fieldKeys.length; i++) {
      if (fieldKeys[i] === key) {
        problems.add(line, where, `field ${JSON.stringify(key)} appears more than once`);
        ok = false;
        break;
      }
    }
    fieldKeys.push(key);
    fieldValues.push(value);
    if (p < e && text.charCodeAt(p) === COMMA) {
      p++;
      continue;
    }
    break;
  }

  // Timestamp.
  let timestampMs = limits.nowMs;
  while (p < e && isSpace(text.charCodeAt(p))) p++;
  if (p < e) {
    const ts0 = p;
    while (p < e && !isSpace(text.charCodeAt(p))) p++;
    const ts1 = p;
    while (p < e && isSpace(text.charCodeAt(p))) p++;
    if (p < e) {
      problems.add(
        line,
        'line',
        `unexpected text after the timestamp (column ${p - s + 1}); escape spaces in names with a backslash`,
      );
      return;
    }
    const ms = timestampToMs(text, ts0, ts1, st.precision);
    if (ms === undefined) {
      problems.add(
        line,
        'timestamp',
        `timestamp must be an integer number of ${UNIT_NAME[st.precision]} since the epoch (precision=${st.precision}), got ${JSON.stringify(text.slice(ts0, ts1))}`,
      );
      return;
    }
    if (ms < st.minMs || ms > st.maxMs) {
      const shown = `${text.slice(ts0, ts1)} (${isoOrRaw(ms)}, precision=${st.precision})`;
      problems.add(line, 'timestamp', checkTimeWindow(ms, shown, limits) as string);
      ok = false;
    }
    timestampMs = ms;
  }

  // Field keys become part of metric names; each is checked once per head.
  const measurement = lg === undefined ? '' : lg.measurement;
  for (let i = 0; lg !== undefined && i < fieldKeys.length; i++) {
    const key = fieldKeys[i] as string;
    // String fields are skipped, so their keys do not matter.
    if (lg.fields.has(key) || Number.isNaN(fieldValues[i])) continue;
    if (key !== VALUE_FIELD && !FIELD_KEY_RE.test(key)) {
      problems.add(
        line,
        `fields.${key}`,
        `field key ${JSON.stringify(key)} cannot be part of a metric name: use letters, digits, '_', ':' and '.'`,
      );
      ok = false;
    } else if (metricName(measurement, key).length > MAX_METRIC_LENGTH) {
      problems.add(
        line,
        `fields.${key}`,
        `metric name ${measurement}_${key} is longer than ${MAX_METRIC_LENGTH} characters`,
      );
      ok = false;
    }
  }
  st.samples += fieldKeys.length - strings;
  st.skipped += strings;
  if (!ok || lg === undefined || st.samples > limits.maxItemsPerBatch) return;

  for (let i = 0; i < fieldKeys.length; i++) {
    const v = fieldValues[i] as number;
    if (Number.isNaN(v)) continue; // a string field
    const key = fieldKeys[i] as string;
    let g = lg.fields.get(key);
    if (g === undefined) {
      g = st.series(key, lg, line);
      lg.fields.set(key, g);
    }
    g.timestampsMs.push(timestampMs);
    g.values.push(v);
  }
}

/**
 * Parses and validates a head (measurement and tags) in [s, e). Returns the head's group, false
 * when names or limits are bad (reported; the caller goes on to check the fields), or undefined
 * on a syntax error (reported; nothing more can be read from the line).
 */
function parseHead(
  text: string,
  s: number,
  e: number,
  line: number,
  st: LineState,
): LineGroup | false | undefined {
  const problems = st.problems;
  const limits = st.limits;

  let p = Math.min(scanToken(text, s, e, false), e);
  let measurement = text.slice(s, p);
  if (sawEscape) measurement = unescapeToken(measurement, MEASUREMENT_SPECIALS);
  if (measurement === '') {
    problems.add(
      line,
      'measurement',
      `the line starts with ${JSON.stringify(text[s])}: the measurement is missing`,
    );
    return undefined;
  }

  const tagNames: string[] = [];
  const tagValues: string[] = [];
  let sorted = true;
  while (p < e && text.charCodeAt(p) === COMMA) {
    const ks = p + 1;
    p = Math.min(scanToken(text, ks, e, true), e);
    let key = text.slice(ks, p);
    if (sawEscape) key = unescapeToken(key, KEY_SPECIALS);
    if (p >= e || text.charCodeAt(p) !== EQUALS) {
      problems.add(
        line,
        key === '' ? 'tags' : `tags.${key}`,
        `expected "=" after tag key ${JSON.stringify(key)} (column ${p - s + 1})`,
      );
      return undefined;
    }
    const vs = p + 1;
    p = Math.min(scanToken(text, vs, e, false), e);
    let value = text.slice(vs, p);
    if (sawEscape) value = unescapeToken(value, KEY_SPECIALS);
    if (value === '') {
      problems.add(
        line,
        `tags.${key}`,
        `tag ${JSON.stringify(key)} has an empty value (column ${vs - s + 1})`,
      );
      return undefined;
    }
    if (tagNames.length > 0 && key <= (tagNames[tagNames.length - 1] as string)) sorted = false;
    tagNames.push(key);
    tagValues.push(value);
  }

  let ok = true;
  if (!METRIC_NAME_RE.test(measurement)) {
    problems.add(
      line,
      'measurement',
      `measurement ${JSON.stringify(measurement)} cannot be a metric name: use letters, digits, '_', ':' and '.', not starting with a digit or '.'`,
    );
    ok = false;
  }
  if (tagNames.length > limits.maxTagCount) {
    problems.add(
      line,
      'tags',
      `the line has ${tagNames.length} tags; the limit is ${limits.maxTagCount}`,
    );
    ok = false;
  }
  for (let i = 0; i < tagNames.length; i++) {
    const name = tagNames[i] as string;
    const why = checkTag(name, tagValues[i] as string, tagNames, i, limits);
    if (why !== undefined) {
      problems.add(line, `tags.${name}`, why);
      ok = false;
    }
  }
  if (!ok) return false;

  // Labels sorted by name, and the sorted-tags part of the series identity.
  const order = tagNames.map((_, i) => i);
  if (!sorted) order.sort((a, b) => ((tagNames[a] as string) < (tagNames[b] as string) ? -1 : 1));
  const labels: Record<string, string> = {};
  let tagKey = '';
  for (const i of order) {
    labels[tagNames[i] as string] = tagValues[i] as string;
    tagKey = appendLabelKey(tagKey, tagNames[i] as string, tagValues[i] as string);
  }
  return { measurement, labels, tagKey, fields: new Map() };
}

/** Samples of one series, as they accumulate. */
interface Group {
  readonly metric: string;
  readonly labels: Labels;
  readonly timestampsMs: number[];
  readonly values: number[];
  readonly item: number;
}

/** All series of one head (measurement + tag set), by field key. */
interface LineGroup {
  readonly measurement: string;
  readonly labels: Labels;
  /** The sorted-tags part of the identity key. */
  readonly tagKey: string;
  readonly fields: Map<string, Group>;
}

const FIELD_KEYS: string[] = [];
const FIELD_VALUES: number[] = [];

/** Field keys follow `measurement_` in a metric name, so they may start with a digit. */
const FIELD_KEY_RE = /^[a-zA-Z0-9_:.]+$/;

function metricName(measurement: string, field: string): string {
  return field === VALUE_FIELD ? measurement : `${measurement}_${field}`;
}

function checkTag(
  name: string,
  value: string,
  names: readonly string[],
  at: number,
  limits: IngestLimits,
): string | undefined {
  if (names.indexOf(name) !== at) return `tag ${JSON.stringify(name)} appears more than once`;
  if (name.length > limits.maxTagKeyLength)
    return `tag key is longer than ${limits.maxTagKeyLength} characters`;
  if (!LABEL_NAME_RE.test(name)) {
    return `tag key ${JSON.stringify(name)} cannot be a label name: use letters, digits, '_' and '.', not starting with a digit or '.'`;
  }
  if (name.startsWith('__'))
    return `tag key ${JSON.stringify(name)} is reserved: names starting with "__" are internal`;
  if (codePointLength(value, limits.maxTagValueLength) > limits.maxTagValueLength) {
    return `tag value is longer than ${limits.maxTagValueLength} characters`;
  }
  return undefined;
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

/**
 * A field value as a number (booleans are 1/0), or a reason string. Integers beyond 2^53 are
 * rounded to the nearest float64, as every stored value is a float64; beyond int64/uint64 range
 * they are rejected, as InfluxDB does.
 */
function parseFieldValue(text: string, vs: number, ve: number): number | string {
  const n = ve - vs;
  if (n === 0) return 'the field value is missing';
  const first = text.charCodeAt(vs);
  const last = text.charCodeAt(ve - 1);
  if (last === 105 /* i */ || last === 117 /* u */) {
    const unsigned = last === 117;
    const neg = first === MINUS;
    const from = neg ? vs + 1 : vs;
    let v = 0;
    let digits = 0;
    for (let i = from; i < ve - 1; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) {
        digits = -1;
        break;
      }
      v = v * 10 + c;
      digits++;
    }
    if (digits <= 0 || (unsigned && neg)) {
      const raw = JSON.stringify(text.slice(vs, ve));
      return `${raw} is not a valid ${unsigned ? 'unsigned integer (digits then u)' : 'integer (digits then i)'}`;
    }
    if (digits > 15) {
      // Beyond 15 digits the running sum may be inexact: check the range on the digits, and
      // let Number() round to the nearest float64.
      const trimmed = text.slice(from, ve - 1).replace(/^0+(?=\d)/, '');
      const limit = unsigned ? UINT64_MAX : neg ? INT64_MIN_ABS : INT64_MAX;
      if (trimmed.length > limit.length || (trimmed.length === limit.length && trimmed > limit)) {
        return `${text.slice(vs, ve)} is out of the ${unsigned ? 'uint64' : 'int64'} range`;
      }
      return Number(text.slice(vs, ve - 1));
    }
    return neg ? -v : v;
  }
  if (first === 116 || first === 84 || first === 102 || first === 70) {
    // t T f F: booleans
    switch (text.slice(vs, ve)) {
      case 't':
      case 'T':
      case 'true':
      case 'True':
      case 'TRUE':
        return 1;
      case 'f':
      case 'F':
      case 'false':
      case 'False':
      case 'FALSE':
        return 0;
    }
  }
  for (let i = vs; i < ve; i++) {
    const c = text.charCodeAt(i);
    // digits . + - e E
    if (!((c >= 48 && c <= 57) || c === 46 || c === 43 || c === MINUS || c === 101 || c === 69)) {
      return `${JSON.stringify(text.slice(vs, ve))} is not a number, an integer (1i), an unsigned integer (1u), a boolean or a "string"`;
    }
  }
  const raw = text.slice(vs, ve);
  const v = Number(raw);
  if (Number.isNaN(v)) {
    return `${JSON.stringify(raw)} is not a number, an integer (1i), an unsigned integer (1u), a boolean or a "string"`;
  }
  if (!Number.isFinite(v)) return `${raw} is out of the float64 range`;
  return v;
}

/**
 * An integer timestamp in `precision` units to whole ms (sub-ms digits are dropped, i.e. rounded
 * toward negative infinity), or undefined when it is not an integer. Parsed digit by digit, so a
 * 19-digit nanosecond timestamp loses no precision on the way to ms.
 */
function timestampToMs(
  text: string,
  ts0: number,
  ts1: number,
  precision: LineProtocolPrecision,
): number | undefined {
  const neg = text.charCodeAt(ts0) === MINUS;
  const from = neg ? ts0 + 1 : ts0;
  if (ts1 === from) return undefined;
  for (let i = from; i < ts1; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const drop = UNIT_DROP_DIGITS[precision];
  const keepEnd = Math.max(from, ts1 - drop);
  let whole = 0;
  for (let i = from; i < keepEnd; i++) whole = whole * 10 + (text.charCodeAt(i) - 48);
  let fraction = false;
  for (let i = keepEnd; i < ts1; i++) if (text.charCodeAt(i) !== 48) fraction = true;
  const ms = whole * UNIT_MS[precision];
  if (!neg) return ms;
  // Floor for negative values: -1500000 ns is -1.5 ms -> -2 ms.
  return -ms - (fraction ? 1 : 0) || 0;
}

/**
 * Encodes series as line protocol, one line per sample: `<metric>[,<labels>] value=<v> <ts>`,
 * which decodes back to the same metric and labels (the `value` field maps to the bare
 * measurement). For tests and the benchmark. Labels with empty values are left out (line protocol
 * cannot carry them); a label value with a newline cannot be written and throws a RangeError.
 */
export function encodeLineProtocol(
  series: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly samples: readonly (readonly [number, number])[];
  }[],
  precision: 'ns' | 'ms' = 'ns',
): string {
  const parts: string[] = [];
  for (const s of series) {
    let head = '';
    let metric = '';
    for (const name of Object.keys(s.labels).sort()) {
      const value = s.labels[name] as string;
      if (name === '__name__') {
        metric = value.replace(/([\\, ])/g, '\\$1');
        continue;
      }
      if (value === '') continue;
      if (value.includes('\n'))
        throw new RangeError(`label ${name} has a newline: line protocol cannot carry it`);
      head += `,${name}=${value.replace(/([\\,= ])/g, '\\$1')}`;
    }
    head = `${metric}${head} value=`;
    for (const [ts, v] of s.samples) {
      const t = precision === 'ms' ? String(ts) : ts === 0 ? '0' : `${ts}000000`;
      parts.push(`${head}${v} ${t}\n`);
    }
  }
  return parts.join('');
}
