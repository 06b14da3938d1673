/**
 * @module
 * Parsing of query parameters shared by the query, KPI and live routes: durations, instants,
 * label matchers and selectors, group_by. Each parser throws OpsError(INVALID_PARAMETER) naming
 * the parameter (and, for repeated parameters, its index), which the error boundary renders.
 * The grammar is in docs/api.md ("Parameter syntax").
 */
import {
  LABEL_NAME_RE,
  type Matcher,
  METRIC_NAME_LABEL,
  METRIC_NAME_RE,
  OpsError,
} from '../contract/index.ts';
import { parseIsoTimestampMs } from '../ingest/index.ts';

export function invalidParameter(field: string, reason: string, index?: number): OpsError {
  const where = index === undefined ? field : `${field} #${index}`;
  return new OpsError('INVALID_PARAMETER', `${where}: ${reason}`, {
    items: [index === undefined ? { field, reason } : { index, field, reason }],
  });
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const DURATION_PART_RE = /(\d+)(ms|s|m|h|d|w)/g;

/**
 * Parses a duration: Prometheus-style units (`500ms`, `15s`, `5m`, `1h`, `1d`, `1w`, combined
 * largest first like `1h30m`) or a bare integer of milliseconds (`60000`). Must be > 0.
 *
 * @example parseDurationMs('1h30m', 'step') === 5_400_000
 */
export function parseDurationMs(text: string, field: string): number {
  const s = text.trim();
  let ms: number;
  if (/^\d+$/.test(s)) {
    ms = Number(s);
  } else if (DURATION_RE.test(s)) {
    ms = 0;
    for (const m of s.matchAll(DURATION_PART_RE)) {
      ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    }
  } else {
    throw invalidParameter(
      field,
      `${JSON.stringify(text)} is not a duration; use units like 500ms, 15s, 5m, 1h, 1d (e.g. 1h30m) or an integer of milliseconds`,
    );
  }
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw invalidParameter(field, `${JSON.stringify(text)} must be a positive duration`);
  }
  return ms;
}

/**
 * Parses an instant: epoch milliseconds (`1767225600000`), RFC 3339 (`2026-01-01T00:00:00Z`,
 * with a zone), or relative to the server clock (`now`, `now-15m`, `now+1h`).
 */
export function parseTimeMs(text: string, field: string, nowMs: number): number {
  const s = text.trim();
  if (/^-?\d+$/.test(s)) {
    const ms = Number(s);
    if (!Number.isSafeInteger(ms)) throw invalidParameter(field, `${s} is out of range`);
    return ms;
  }
  const rel = /^now(?:([+-])(.+))?$/.exec(s);
  if (rel !== null) {
    if (rel[1] === undefined) return nowMs;
    const d = parseDurationMs(rel[2] as string, field);
    return rel[1] === '+' ? nowMs + d : nowMs - d;
  }
  const iso = parseIsoTimestampMs(s);
  if (iso.ok) return iso.ms;
  throw invalidParameter(
    field,
    `${JSON.stringify(text)} is not a time; use RFC 3339 with a zone (2026-01-01T00:00:00Z), epoch milliseconds, or now-15m`,
  );
}

/** A parsed `match[]` value: an optional metric name plus label matchers, all ANDed. */
export interface Selector {
  readonly metric?: string;
  readonly matchers: Matcher[];
}

const OPS = ['=~', '!~', '!=', '='] as const;
/** Longest `match[]` value accepted, in UTF-16 units. */
export const MAX_SELECTOR_LENGTH = 4_096;

/**
 * Parses one `match[]` value. Accepted forms:
 * - a matcher or comma-separated matchers: `service="api"`, `env!="dev",path=~"/api/.*"`;
 * - a PromQL selector: `metric`, `metric{a="b"}`, `{__name__="metric",a!~"x|y"}`.
 * Values are quoted with `"`, `'` or backticks; `\"`, `\\`, `\n`, `\t` escapes are understood
 * inside double and single quotes. Regexes are fully anchored, as in PromQL.
 */
export function parseSelector(text: string, field: string, index?: number): Selector {
  if (text.length > MAX_SELECTOR_LENGTH) {
    // Regexes run against every candidate series; an unbounded one is a cheap way to burn CPU.
    throw invalidParameter(
      field,
      `is ${text.length} characters long; the limit is ${MAX_SELECTOR_LENGTH}`,
      index,
    );
  }
  const fail = (reason: string): OpsError =>
    invalidParameter(field, `${reason} in ${JSON.stringify(text)}`, index);
  let i = 0;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && /\s/.test(text[i] as string)) i++;
  };
  const readName = (re: RegExp): string => {
    const m = re.exec(text.slice(i));
    if (m === null) return '';
    i += m[0].length;
    return m[0];
  };

  skipWs();
  let metric: string | undefined;
  const save = i;
  const name = readName(/^[a-zA-Z_:][a-zA-Z0-9_:.]*/);
  skipWs();
  const braces = text[i] === '{';
  if (name !== '' && (i >= n || braces)) {
    metric = name;
  } else {
    // Not a metric name: a bare matcher list; rewind.
    i = save;
  }
  if (braces) i++;
  const matchers: Matcher[] = [];
  if (metric === undefined || braces) {
    for (;;) {
      skipWs();
      if (braces && text[i] === '}') break;
      if (!braces && i >= n) break;
      const label = readName(/^[a-zA-Z_][a-zA-Z0-9_.]*/);
      if (label === '') throw fail(`expected a label name at offset ${i}`);
      skipWs();
      const op = OPS.find((o) => text.startsWith(o, i));
      if (op === undefined) throw fail(`expected one of = != =~ !~ after ${label}`);
      i += op.length;
      skipWs();
      const value = readQuoted();
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(`^(?:${value})$`);
        } catch (err) {
          throw fail(`invalid regex for ${label}: ${(err as Error).message}`);
        }
      }
      matchers.push({ name: label, op, value });
      skipWs();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (braces && text[i] === '}') break;
      if (!braces && i >= n) break;
      throw fail(`expected , or ${braces ? '}' : 'the end'} at offset ${i}`);
    }
    if (braces) {
      i++;
      skipWs();
      if (i < n) throw fail(`unexpected text after } at offset ${i}`);
    }
  }
  if (metric === undefined && matchers.length === 0) throw fail('empty selector');

  // `__name__="x"` is the metric name; other operators on __name__ stay matchers.
  const rest: Matcher[] = [];
  for (const m of matchers) {
    if (m.name === METRIC_NAME_LABEL && m.op === '=') {
      if (metric !== undefined && metric !== m.value) {
        throw fail(`two metric names, ${metric} and ${m.value}`);
      }
      metric = m.value;
    } else {
      rest.push(m);
    }
  }
  if (metric !== undefined && !METRIC_NAME_RE.test(metric)) {
    throw fail(`${JSON.stringify(metric)} is not a valid metric name`);
  }
  return metric === undefined ? { matchers: rest } : { metric, matchers: rest };

  function readQuoted(): string {
    const q = text[i];
    if (q !== '"' && q !== "'" && q !== '`') throw fail(`expected a quoted value at offset ${i}`);
    i++;
    let out = '';
    while (i < n) {
      const c = text[i] as string;
      if (c === q) {
        i++;
        return out;
      }
      if (c === '\\' && q !== '`') {
        const e = text[i + 1];
        if (e === undefined) break;
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    throw fail('unterminated quoted value');
  }
}

/**
 * Combines the `metric` parameter with every `match[]` value (all ANDed). The metric may come
 * from either; two different names are an error.
 */
export function parseSelectors(
  metricParam: string | undefined,
  matchParams: readonly string[] | undefined,
): Selector {
  let metric = metricParam === undefined || metricParam === '' ? undefined : metricParam;
  if (metric !== undefined && !METRIC_NAME_RE.test(metric)) {
    throw invalidParameter('metric', `${JSON.stringify(metric)} is not a valid metric name`);
  }
  const matchers: Matcher[] = [];
  (matchParams ?? []).forEach((text, index) => {
    const sel = parseSelector(text, 'match[]', index);
    if (sel.metric !== undefined) {
      if (metric !== undefined && metric !== sel.metric) {
        throw invalidParameter(
          'match[]',
          `selects metric ${sel.metric} but the query is for ${metric}`,
          index,
        );
      }
      metric = sel.metric;
    }
    matchers.push(...sel.matchers);
  });
  return metric === undefined ? { matchers } : { metric, matchers };
}

/**
 * `group_by`: absent → undefined (each series apart); empty → [] (all series in one group);
 * otherwise a comma-separated list of label names (whitespace trimmed, duplicates dropped).
 */
export function parseGroupBy(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names: string[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!LABEL_NAME_RE.test(name)) {
      throw invalidParameter('group_by', `${JSON.stringify(name)} is not a valid label name`);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Number of step-aligned buckets a query over [fromMs, toMs] touches. */
export function bucketCount(fromMs: number, toMs: number, stepMs: number): number {
  return Math.floor(toMs / stepMs) - Math.floor(fromMs / stepMs) + 1;
}

/**
 * The step used when none is given: the range divided into about 300 buckets, rounded up to
 * whole seconds (at least 1 s).
 */
export function defaultStepMs(fromMs: number, toMs: number): number {
  return Math.max(1_000, Math.ceil((toMs - fromMs) / 300 / 1_000) * 1_000);
}

/**
 * A comma-separated list of allowed values (`status=active,acknowledged`); empty entries are
 * ignored, an unknown one is a 400 naming `field`. Undefined when nothing was given.
 */
export function parseEnumList<T extends string>(
  text: string | undefined,
  field: string,
  allowed: readonly T[],
): T[] | undefined {
  if (text === undefined) return undefined;
  const out: T[] = [];
  for (const raw of text.split(',')) {
    const v = raw.trim();
    if (v === '') continue;
    if (!(allowed as readonly string[]).includes(v)) {
      throw invalidParameter(field, `${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
    }
    out.push(v as T);
  }
  return out.length > 0 ? out : undefined;
}
