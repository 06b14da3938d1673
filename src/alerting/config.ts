/**
 * @module
 * Parses and validates the alerting sections of `opsight.yaml` (`slos:`, `rules:`,
 * `silences:`, `inhibit_rules:`, `route:`) from a plain object, and single definitions from API
 * JSON bodies. Every problem is collected with its path (`rules[2].for`) before anything is
 * thrown: config errors are OpsError CONFIG_INVALID, API body errors ALERTING_INVALID_DEFINITION,
 * both with one item per problem. The shapes are in docs/alerting.md and docs/slos.md; the
 * TypeBox schemas in schemas.ts describe the same shapes for OpenAPI.
 */

import { slosForService } from '../analytics/index.ts';
import type {
  AlertSeverity,
  InhibitRule,
  Labels,
  Matcher,
  ProblemItem,
  Silence,
  Sli,
  SloDefinition,
  SloWindow,
} from '../contract/index.ts';
import {
  AGGREGATIONS,
  type Aggregation,
  ALERT_SEVERITIES,
  LABEL_NAME_RE,
  METRIC_NAME_RE,
  OpsError,
} from '../contract/index.ts';
import { defaultInhibitRules, defaultRules } from './defaults.ts';
import { DURATION_HINT, parseDurationMs } from './duration.ts';
import { alertFingerprint } from './engine.ts';
import { defaultRouteOptions, type RouteOptions } from './grouping.ts';
import {
  type AlertRule,
  COMPARATORS,
  type Comparator,
  type CompiledRule,
  compileRule,
  RULE_KINDS,
  type RuleKind,
  type RuleQuery,
} from './rules.ts';

/** A default SLO or rule switched off by name (`enabled: false`), optionally for one service. */
export interface Disabled {
  readonly disabled: true;
  readonly name: string;
  readonly service?: string;
}

export interface AlertingConfig {
  /** Configured SLOs (defaults not included; see slosFor in the analytics index). */
  readonly slos: readonly SloDefinition[];
  readonly disabledSlos: readonly Disabled[];
  /** Effective rules: the defaults, replaced by name by configured ones, plus the rest. */
  readonly rules: readonly CompiledRule[];
  readonly silences: readonly Silence[];
  /** Effective inhibition rules: the defaults followed by the configured ones. */
  readonly inhibitRules: readonly InhibitRule[];
  readonly route: RouteOptions;
}

/** The alerting sections of opsight.yaml, after YAML parsing. Other keys are ignored. */
export const ALERTING_SECTIONS = ['slos', 'rules', 'silences', 'inhibit_rules', 'route'] as const;

const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SLO_NAME_RE = /^[a-zA-Z0-9_][a-zA-Z0-9_.:-]*$/;
const MATCHER_RE =
  /^\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/;

/** Collects problems with their paths. */
class Issues {
  readonly items: ProblemItem[] = [];
  add(field: string, reason: string): void {
    this.items.push({ field: field === '' ? '(body)' : field, reason });
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a map';
  return String(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkKeys(o: Obj, allowed: readonly string[], path: string, is: Issues): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      is.add(join(path, k), `unknown key; expected one of ${allowed.join(', ')}`);
    }
  }
}

function str(
  o: Obj,
  key: string,
  path: string,
  is: Issues,
  opts: { required?: boolean; re?: RegExp; what?: string } = {},
): string | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) {
    if (opts.required) is.add(p, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v === '') {
    is.add(p, `must be a non-empty string, got ${show(v)}`);
    return undefined;
  }
  if (opts.re !== undefined && !opts.re.test(v)) {
    is.add(p, `${show(v)} is not ${opts.what ?? `a valid value (${opts.re.source})`}`);
    return undefined;
  }
  return v;
}

function num(
  o: Obj,
  key: string,
  path: string,
  is: Issues,
  opts: { required?: boolean; min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) {
    if (opts.required) is.add(p, 'is required');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    is.add(p, `must be a number, got ${show(v)}`);
    return undefined;
  }
  if (opts.integer && !Number.isInteger(v)) {
    is.add(p, `must be a whole number, got ${v}`);
    return undefined;
  }
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    is.add(p, `must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}, got ${v}`);
    return undefined;
  }
  return v;
}

function duration(
  o: Obj,
  key: string,
  path: string,
  is: Issues,
  opts: { required?: boolean; positive?: boolean } = {},
): number | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) {
    if (opts.required) is.add(p, 'is required');
    return undefined;
  }
  const ms = typeof v === 'string' ? parseDurationMs(v) : v === 0 ? 0 : null;
  if (ms === null) {
    is.add(p, `${show(v)} is not ${DURATION_HINT}`);
    return undefined;
  }
  if (opts.positive && ms <= 0) {
    is.add(p, `must be longer than 0, got ${show(v)}`);
    return undefined;
  }
  return ms;
}

function oneOf<T extends string>(
  o: Obj,
  key: string,
  values: readonly T[],
  path: string,
  is: Issues,
  required = false,
): T | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) {
    if (required) is.add(p, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    is.add(p, `${show(v)} is not one of ${values.join(', ')}`);
    return undefined;
  }
  return v as T;
}

function stringMap(o: Obj, key: string, path: string, is: Issues, labelNames: boolean): Labels {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    is.add(p, `must be a map of names to strings, got ${show(v)}`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (labelNames && !LABEL_NAME_RE.test(k)) {
      is.add(`${p}.${k}`, 'is not a valid label name');
    } else if (typeof val === 'string') {
      out[k] = val;
    } else if (typeof val === 'number' || typeof val === 'boolean') {
      out[k] = String(val);
    } else {
      is.add(`${p}.${k}`, `must be a string, got ${show(val)}`);
    }
  }
  return out;
}

function stringList(
  o: Obj,
  key: string,
  path: string,
  is: Issues,
  re?: RegExp,
): string[] | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    is.add(p, `must be a list, got ${show(v)}`);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((x, i) => {
    if (typeof x !== 'string' || (re !== undefined && !re.test(x))) {
      is.add(`${p}[${i}]`, `${show(x)} is not a valid name`);
    } else out.push(x);
  });
  return out;
}

/**
 * Parses one matcher: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"` (quotes
 * optional for simple values). Returns a reason string on failure.
 */
export function parseMatcher(text: string): Matcher | string {
  const m = MATCHER_RE.exec(text);
  if (m === null) {
    return `${JSON.stringify(text)} is not a matcher like service="api" or service=~"api|web"`;
  }
  const name = m[1] as string;
  const op = m[2] as Matcher['op'];
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch {
      return `${JSON.stringify(value)} is not a valid regular expression`;
    }
  }
  return { name, op, value };
}

/** Matchers as a list of strings (`service=~"a|b"`) or a map of equalities (`{service: a}`). */
function matchers(o: Obj, key: string, path: string, is: Issues): Matcher[] {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) return [];
  if (isObj(v)) {
    return Object.entries(v).flatMap(([name, value]) => {
      if (!LABEL_NAME_RE.test(name)) {
        is.add(`${p}.${name}`, 'is not a valid label name');
        return [];
      }
      if (typeof value !== 'string') {
        is.add(`${p}.${name}`, `must be a string, got ${show(value)}`);
        return [];
      }
      return [{ name, op: '=' as const, value }];
    });
  }
  if (!Array.isArray(v)) {
    is.add(p, `must be a list of matchers like 'service="api"' or a map, got ${show(v)}`);
    return [];
  }
  const out: Matcher[] = [];
  v.forEach((x, i) => {
    if (typeof x !== 'string') {
      is.add(`${p}[${i}]`, `must be a string like 'service="api"', got ${show(x)}`);
      return;
    }
    const m = parseMatcher(x);
    if (typeof m === 'string') is.add(`${p}[${i}]`, m);
    else out.push(m);
  });
  return out;
}

function obj(v: unknown, path: string, is: Issues): Obj | undefined {
  if (!isObj(v)) {
    is.add(path, `must be a map, got ${show(v)}`);
    return undefined;
  }
  return v;
}

function list(root: Obj, key: string, is: Issues): readonly unknown[] {
  const v = root[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    is.add(key, `must be a list, got ${show(v)}`);
    return [];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// SLOs

const SLO_KEYS = [
  'name',
  'service',
  'objective',
  'window',
  'sli',
  'min_events',
  'labels',
  'description',
  'enabled',
];

/** Objective as percent: `99.9` or `"99.9%"`, strictly between 0 and 100. */
function objective(o: Obj, path: string, is: Issues): number | undefined {
  const v = o.objective;
  const p = join(path, 'objective');
  if (v === undefined || v === null) {
    is.add(p, 'is required (a percentage such as 99.9)');
    return undefined;
  }
  const n =
    typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim().replace(/%$/, '')) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n >= 100) {
    is.add(p, `${show(v)} is not a percentage strictly between 0 and 100, such as 99.9`);
    return undefined;
  }
  return n / 100;
}

function sloWindow(o: Obj, path: string, is: Issues): SloWindow | undefined {
  const v = o.window;
  const p = join(path, 'window');
  if (v === undefined || v === null) return { kind: 'rolling', durationMs: 30 * 86_400_000 };
  if (typeof v === 'string') {
    const ms = parseDurationMs(v);
    if (ms === null || ms <= 0) {
      is.add(p, `${show(v)} is not ${DURATION_HINT} (e.g. 30d) nor {cycles, cycle}`);
      return undefined;
    }
    return { kind: 'rolling', durationMs: ms };
  }
  const w = obj(v, p, is);
  if (w === undefined) return undefined;
  checkKeys(w, ['cycles', 'cycle'], p, is);
  const cycles = num(w, 'cycles', p, is, { required: true, min: 1, integer: true });
  const cycleMs = duration(w, 'cycle', p, is, { required: true, positive: true });
  if (cycles === undefined || cycleMs === undefined) return undefined;
  return { kind: 'cycles', cycles, cycleMs };
}

function sli(o: Obj, path: string, is: Issues): Sli | undefined {
  const p = join(path, 'sli');
  if (o.sli === undefined) {
    is.add(p, 'is required: {ratio: {total, bad | good}} or {threshold: {metric, op, value}}');
    return undefined;
  }
  const s = obj(o.sli, p, is);
  if (s === undefined) return undefined;
  checkKeys(s, ['ratio', 'threshold'], p, is);
  if ((s.ratio === undefined) === (s.threshold === undefined)) {
    is.add(p, 'needs exactly one of ratio or threshold');
    return undefined;
  }
  if (s.ratio !== undefined) {
    const rp = join(p, 'ratio');
    const r = obj(s.ratio, rp, is);
    if (r === undefined) return undefined;
    checkKeys(r, ['total', 'bad', 'good', 'unit'], rp, is);
    const metric = { re: METRIC_NAME_RE, what: 'a metric name' };
    const totalMetric = str(r, 'total', rp, is, { required: true, ...metric });
    const badMetric = str(r, 'bad', rp, is, metric);
    const goodMetric = str(r, 'good', rp, is, metric);
    const unit = oneOf(r, 'unit', ['rate', 'count'] as const, rp, is) ?? 'rate';
    if ((r.bad === undefined) === (r.good === undefined)) {
      is.add(rp, 'needs exactly one of bad or good');
      return undefined;
    }
    if (totalMetric === undefined) return undefined;
    if (badMetric !== undefined) return { kind: 'ratio', totalMetric, badMetric, unit };
    if (goodMetric !== undefined) return { kind: 'ratio', totalMetric, goodMetric, unit };
    return undefined;
  }
  const tp = join(p, 'threshold');
  const t = obj(s.threshold, tp, is);
  if (t === undefined) return undefined;
  checkKeys(t, ['metric', 'aggregation', 'op', 'value', 'interval'], tp, is);
  const metric = str(t, 'metric', tp, is, {
    required: true,
    re: METRIC_NAME_RE,
    what: 'a metric name',
  });
  const aggregation = oneOf(t, 'aggregation', AGGREGATIONS, tp, is) ?? 'avg';
  const op = oneOf(t, 'op', ['<=', '<', '>=', '>'] as const, tp, is, true);
  const value = num(t, 'value', tp, is, { required: true });
  const intervalMs = duration(t, 'interval', tp, is, { positive: true }) ?? 60_000;
  if (metric === undefined || op === undefined || value === undefined) return undefined;
  return { kind: 'threshold', metric, aggregation, op, value, intervalMs };
}

function parseSloAt(v: unknown, path: string, is: Issues): SloDefinition | Disabled | undefined {
  const o = obj(v, path, is);
  if (o === undefined) return undefined;
  checkKeys(o, SLO_KEYS, path, is);
  const name = str(o, 'name', path, is, { required: true, re: SLO_NAME_RE, what: 'an SLO name' });
  const service = str(o, 'service', path, is);
  if (o.enabled === false) {
    if (name === undefined) return undefined;
    return { disabled: true, name, ...(service === undefined ? {} : { service }) };
  }
  if (o.enabled !== undefined && o.enabled !== true) {
    is.add(join(path, 'enabled'), `must be true or false, got ${show(o.enabled)}`);
  }
  const obj_ = objective(o, path, is);
  const window = sloWindow(o, path, is);
  const s = sli(o, path, is);
  const minEvents = num(o, 'min_events', path, is, { min: 0 });
  const labels = stringMap(o, 'labels', path, is, true);
  const description = str(o, 'description', path, is);
  if (name === undefined || obj_ === undefined || window === undefined || s === undefined) {
    return undefined;
  }
  return {
    name,
    ...(service === undefined ? {} : { service }),
    sli: s,
    objective: obj_,
    window,
    minEvents: minEvents ?? (s.kind === 'ratio' ? 100 : 30),
    labels,
    ...(description === undefined ? {} : { description }),
  };
}

// ---------------------------------------------------------------------------------------------
// Rules

const COMMON_RULE_KEYS = [
  'name',
  'kind',
  'severity',
  'for',
  'keep_firing_for',
  'labels',
  'annotations',
  'enabled',
];
const KIND_KEYS: Readonly<Record<RuleKind, readonly string[]>> = {
  threshold: ['query', 'op', 'value'],
  anomaly: ['metric', 'matchers', 'min_score', 'detector'],
  absence: ['query', 'absent_for'],
  slo_burn: ['slo', 'alert'],
};

function ruleQuery(o: Obj, path: string, is: Issues, forAbsence: boolean): RuleQuery | undefined {
  const p = join(path, 'query');
  if (o.query === undefined) {
    is.add(p, 'is required: {metric, matchers?, aggregation?, window?, by?}');
    return undefined;
  }
  const q = obj(o.query, p, is);
  if (q === undefined) return undefined;
  checkKeys(q, ['metric', 'matchers', 'aggregation', 'window', 'by'], p, is);
  const metric = str(q, 'metric', p, is, {
    required: true,
    re: METRIC_NAME_RE,
    what: 'a metric name',
  });
  const ms = matchers(q, 'matchers', p, is);
  const aggregation: Aggregation =
    oneOf(q, 'aggregation', AGGREGATIONS, p, is) ?? (forAbsence ? 'count' : 'avg');
  const windowMs = duration(q, 'window', p, is, { positive: true }) ?? 5 * 60_000;
  const by = stringList(q, 'by', p, is, LABEL_NAME_RE);
  if (metric === undefined) return undefined;
  return {
    metric,
    matchers: ms,
    aggregation,
    windowMs,
    ...(by === undefined ? {} : { groupBy: by }),
  };
}

function parseRuleAt(v: unknown, path: string, is: Issues): AlertRule | Disabled | undefined {
  const o = obj(v, path, is);
  if (o === undefined) return undefined;
  const name = str(o, 'name', path, is, {
    required: true,
    re: NAME_RE,
    what: 'a rule name (letters, digits and _, not starting with a digit)',
  });
  if (o.enabled === false) {
    checkKeys(o, ['name', 'enabled'], path, is);
    return name === undefined ? undefined : { disabled: true, name };
  }
  const kind = oneOf(o, 'kind', RULE_KINDS, path, is, true);
  if (kind === undefined) return undefined;
  checkKeys(o, [...COMMON_RULE_KEYS, ...KIND_KEYS[kind]], path, is);
  if (o.enabled !== undefined && o.enabled !== true) {
    is.add(join(path, 'enabled'), `must be true or false, got ${show(o.enabled)}`);
  }
  const burn =
    kind === 'slo_burn'
      ? (oneOf(o, 'alert', ['page', 'ticket'] as const, path, is) ?? 'page')
      : null;
  const defaultSeverity: AlertSeverity = burn === 'page' ? 'critical' : 'warning';
  const severity = oneOf(o, 'severity', ALERT_SEVERITIES, path, is) ?? defaultSeverity;
  const forMs = duration(o, 'for', path, is) ?? 0;
  const keepFiringForMs = duration(o, 'keep_firing_for', path, is) ?? 0;
  const labels = stringMap(o, 'labels', path, is, true);
  const annotations = stringMap(o, 'annotations', path, is, false);
  const common = { severity, forMs, keepFiringForMs, labels, annotations };
  let rule: AlertRule | undefined;
  switch (kind) {
    case 'threshold': {
      const query = ruleQuery(o, path, is, false);
      const op = oneOf<Comparator>(o, 'op', COMPARATORS, path, is, true);
      const value = num(o, 'value', path, is, { required: true });
      if (name !== undefined && query && op !== undefined && value !== undefined) {
        rule = { kind, name, ...common, query, op, value };
      }
      break;
    }
    case 'anomaly': {
      const metric = str(o, 'metric', path, is, { re: METRIC_NAME_RE, what: 'a metric name' });
      const ms = matchers(o, 'matchers', path, is);
      const minScore = num(o, 'min_score', path, is, { min: 0, max: 1 }) ?? 0.8;
      const detector = str(o, 'detector', path, is);
      if (name !== undefined) {
        rule = {
          kind,
          name,
          ...common,
          matchers: ms,
          minScore,
          ...(metric === undefined ? {} : { metric }),
          ...(detector === undefined ? {} : { detector }),
        };
      }
      break;
    }
    case 'absence': {
      const query = ruleQuery(o, path, is, true);
      const absentForMs = duration(o, 'absent_for', path, is, { positive: true }) ?? 5 * 60_000;
      if (name !== undefined && query) rule = { kind, name, ...common, query, absentForMs };
      break;
    }
    case 'slo_burn': {
      const slo =
        o.slo === '*'
          ? '*'
          : str(o, 'slo', path, is, { re: SLO_NAME_RE, what: 'an SLO name or *' });
      if (name !== undefined)
        rule = { kind, name, ...common, slo: slo ?? '*', burn: burn ?? 'page' };
      break;
    }
  }
  if (rule === undefined) return undefined;
  const compiled = compileRule(rule);
  if (!compiled.ok) {
    for (const i of compiled.issues) is.add(join(path, i.field), i.reason);
    return undefined;
  }
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Silences, inhibition, route

function instant(o: Obj, key: string, path: string, is: Issues): number | undefined {
  const v = o[key];
  const p = join(path, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (
    typeof v === 'string' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v) &&
    Number.isFinite(Date.parse(v))
  ) {
    return Date.parse(v);
  }
  is.add(
    p,
    `${show(v)} is not a time: use RFC 3339 with a zone (2026-01-01T00:00:00Z) or epoch ms`,
  );
  return undefined;
}

function parseSilenceAt(v: unknown, path: string, is: Issues, nowMs: number): Silence | undefined {
  const o = obj(v, path, is);
  if (o === undefined) return undefined;
  checkKeys(
    o,
    ['id', 'matchers', 'starts_at', 'ends_at', 'duration', 'created_by', 'comment'],
    path,
    is,
  );
  const before = is.items.length;
  const ms = matchers(o, 'matchers', path, is);
  if (is.items.length === before) {
    if (ms.length === 0) is.add(join(path, 'matchers'), 'needs at least one matcher');
    else if (ms.every(matchesEmpty)) {
      is.add(
        join(path, 'matchers'),
        'every matcher matches the empty label: the silence would mute everything',
      );
    }
  }
  const startsAtMs = instant(o, 'starts_at', path, is) ?? nowMs;
  const endsAt = instant(o, 'ends_at', path, is);
  const dur = duration(o, 'duration', path, is, { positive: true });
  if ((o.ends_at === undefined) === (o.duration === undefined)) {
    is.add(path, 'needs exactly one of ends_at or duration');
  }
  const createdBy = str(o, 'created_by', path, is, { required: true });
  const comment = str(o, 'comment', path, is, { required: true });
  const endsAtMs = endsAt ?? (dur === undefined ? undefined : startsAtMs + dur);
  if (endsAtMs !== undefined && endsAtMs <= startsAtMs) {
    is.add(join(path, o.ends_at === undefined ? 'duration' : 'ends_at'), 'must be after starts_at');
    return undefined;
  }
  const idGiven = str(o, 'id', path, is);
  if (
    endsAtMs === undefined ||
    createdBy === undefined ||
    comment === undefined ||
    ms.length === 0
  ) {
    return undefined;
  }
  const id =
    idGiven ??
    alertFingerprint(
      `silence:${createdBy}:${startsAtMs}`,
      Object.fromEntries(ms.map((m) => [m.name, `${m.op}${m.value}`])),
    );
  return { id, matchers: ms, startsAtMs, endsAtMs, createdBy, comment };
}

/** True when the matcher accepts the empty string (so it alone would match every alert). */
function matchesEmpty(m: Matcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test('');
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test('');
  }
}

function parseInhibitAt(v: unknown, path: string, is: Issues): InhibitRule | undefined {
  const o = obj(v, path, is);
  if (o === undefined) return undefined;
  checkKeys(o, ['source_matchers', 'target_matchers', 'equal'], path, is);
  const before = is.items.length;
  const sourceMatchers = matchers(o, 'source_matchers', path, is);
  const targetMatchers = matchers(o, 'target_matchers', path, is);
  if (o.source_matchers === undefined) is.add(join(path, 'source_matchers'), 'is required');
  if (o.target_matchers === undefined) is.add(join(path, 'target_matchers'), 'is required');
  const equal = stringList(o, 'equal', path, is, LABEL_NAME_RE) ?? [];
  if (is.items.length > before) return undefined;
  return { sourceMatchers, targetMatchers, equal };
}

function parseRouteAt(v: unknown, path: string, is: Issues): RouteOptions {
  const d = defaultRouteOptions();
  if (v === undefined || v === null) return d;
  const o = obj(v, path, is);
  if (o === undefined) return d;
  checkKeys(o, ['group_by', 'group_wait', 'group_interval', 'repeat_interval'], path, is);
  return {
    groupBy:
      stringList(o, 'group_by', path, is, /^(?:\.\.\.|[a-zA-Z_][a-zA-Z0-9_.]*)$/) ?? d.groupBy,
    groupWaitMs: duration(o, 'group_wait', path, is) ?? d.groupWaitMs,
    groupIntervalMs:
      duration(o, 'group_interval', path, is, { positive: true }) ?? d.groupIntervalMs,
    repeatIntervalMs:
      duration(o, 'repeat_interval', path, is, { positive: true }) ?? d.repeatIntervalMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Entry points

function detail(items: readonly ProblemItem[], what: string): string {
  const shown = items.slice(0, 5).map((i) => `${i.field}: ${i.reason}`);
  const more = items.length > 5 ? ` (and ${items.length - 5} more)` : '';
  return `${what}: ${shown.join('; ')}${more}`;
}

function isDisabled(x: SloDefinition | AlertRule | Disabled): x is Disabled {
  return 'disabled' in x;
}

/**
 * Validates the alerting sections of a parsed opsight.yaml without throwing: the config, or
 * every problem with its path. `nowMs` anchors silences without `starts_at`.
 */
export function validateAlertingConfig(
  root: unknown,
  nowMs: number,
): { ok: true; config: AlertingConfig } | { ok: false; items: ProblemItem[] } {
  const is = new Issues();
  const r: Obj = root === undefined || root === null ? {} : (obj(root, '(root)', is) ?? {});

  const slos: SloDefinition[] = [];
  const disabledSlos: Disabled[] = [];
  const sloIds = new Set<string>();
  list(r, 'slos', is).forEach((v, i) => {
    const s = parseSloAt(v, `slos[${i}]`, is);
    if (s === undefined) return;
    const id = `${s.name}@${s.service ?? '*'}`;
    if (sloIds.has(id))
      is.add(
        `slos[${i}].name`,
        `repeats SLO ${JSON.stringify(s.name)}${s.service ? ` for service ${s.service}` : ''}`,
      );
    sloIds.add(id);
    if (isDisabled(s)) disabledSlos.push(s);
    else slos.push(s);
  });

  const configured: AlertRule[] = [];
  const disabledRules = new Set<string>();
  const ruleNames = new Set<string>();
  list(r, 'rules', is).forEach((v, i) => {
    const rule = parseRuleAt(v, `rules[${i}]`, is);
    if (rule === undefined) return;
    if (ruleNames.has(rule.name))
      is.add(`rules[${i}].name`, `repeats rule ${JSON.stringify(rule.name)}`);
    ruleNames.add(rule.name);
    if (isDisabled(rule)) disabledRules.add(rule.name);
    else configured.push(rule);
  });

  const silences: Silence[] = [];
  list(r, 'silences', is).forEach((v, i) => {
    const s = parseSilenceAt(v, `silences[${i}]`, is, nowMs);
    if (s !== undefined) silences.push(s);
  });

  const inhibitRules: InhibitRule[] = [...defaultInhibitRules()];
  list(r, 'inhibit_rules', is).forEach((v, i) => {
    const rule = parseInhibitAt(v, `inhibit_rules[${i}]`, is);
    if (rule !== undefined) inhibitRules.push(rule);
  });

  const route = parseRouteAt(r.route, 'route', is);
  if (is.items.length > 0) return { ok: false, items: is.items };

  const effective = new Map<string, AlertRule>();
  for (const d of defaultRules()) if (!disabledRules.has(d.name)) effective.set(d.name, d);
  for (const c of configured) effective.set(c.name, c);
  const rules: CompiledRule[] = [];
  for (const rule of effective.values()) {
    const c = compileRule(rule);
    if (c.ok) rules.push(c.compiled);
  }
  return { ok: true, config: { slos, disabledSlos, rules, silences, inhibitRules, route } };
}

/** validateAlertingConfig that throws OpsError CONFIG_INVALID naming every bad path. */
export function parseAlertingConfig(root: unknown, nowMs: number): AlertingConfig {
  const r = validateAlertingConfig(root, nowMs);
  if (!r.ok) {
    throw new OpsError(
      'CONFIG_INVALID',
      detail(r.items, 'opsight.yaml alerting sections are invalid'),
      {
        items: r.items,
      },
    );
  }
  return r.config;
}

function body<T>(parse: (is: Issues) => T | undefined, what: string): T {
  const is = new Issues();
  const out = parse(is);
  if (is.items.length > 0 || out === undefined) {
    const items = is.items.length > 0 ? is.items : [{ field: '(body)', reason: 'is invalid' }];
    throw new OpsError('ALERTING_INVALID_DEFINITION', detail(items, `the ${what} is invalid`), {
      items,
    });
  }
  return out;
}

/** Parses one rule from an API body (same shape as a `rules:` entry); paths are body-relative. */
export function parseRuleBody(v: unknown): AlertRule {
  return body((is) => {
    const r = parseRuleAt(v, '', is);
    if (r !== undefined && isDisabled(r)) {
      is.add('enabled', 'a rule sent to the API cannot be a bare enabled: false');
      return undefined;
    }
    return r;
  }, 'rule');
}

/** Parses one SLO from an API body (same shape as a `slos:` entry). */
export function parseSloBody(v: unknown): SloDefinition {
  return body((is) => {
    const s = parseSloAt(v, '', is);
    if (s !== undefined && isDisabled(s)) {
      is.add('enabled', 'an SLO sent to the API cannot be a bare enabled: false');
      return undefined;
    }
    return s;
  }, 'SLO');
}

/** Parses one silence from an API body; `starts_at` defaults to `nowMs`. */
export function parseSilenceBody(v: unknown, nowMs: number): Silence {
  return body((is) => parseSilenceAt(v, '', is, nowMs), 'silence');
}

/** Parses one inhibition rule from an API body (same shape as an `inhibit_rules:` entry). */
export function parseInhibitRuleBody(v: unknown): InhibitRule {
  return body((is) => parseInhibitAt(v, '', is), 'inhibition rule');
}

/**
 * The SLOs of `service`: the defaults (availability, latency), replaced by name by configured
 * SLOs for every service, replaced by configured SLOs for this service, minus disabled names.
 */
export function slosFor(
  service: string,
  config: Pick<AlertingConfig, 'slos' | 'disabledSlos'>,
): SloDefinition[] {
  const disabledNames = config.disabledSlos
    .filter((d) => d.service === undefined || d.service === service)
    .map((d) => d.name);
  return slosForService(service, config.slos, { disabledNames });
}
