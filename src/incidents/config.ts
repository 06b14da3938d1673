/**
 * @module
 * Parses the `incidents:` section of `opsight.yaml` (after YAML parsing) into IncidentOptions:
 * correlation window, recovery and reopen times, severity rules and the endpoint checks'
 * thresholds. Unset keys keep their defaults; `severity_rules`, when given, replaces the
 * default rules (an incident no rule matches is `medium`). Every problem is collected with its
 * path (`incidents.severity_rules[1].when.error_rate_above`) and thrown together as OpsError
 * CONFIG_INVALID. The shape is in docs/incidents.md.
 */

import { DURATION_HINT, parseDurationMs } from '../alerting/index.ts';
import type { FaultKind, IncidentSeverity, ProblemItem } from '../contract/index.ts';
import { ALERT_SEVERITIES, FAULT_KINDS, INCIDENT_SEVERITIES, OpsError } from '../contract/index.ts';
import type { EndpointDetectorOptions } from './endpoint-detector.ts';
import { defaultIncidentOptions, type IncidentOptions } from './engine.ts';
import type { SeverityRule, SeverityWhen } from './severity.ts';

/** The top-level key of opsight.yaml this module parses. */
export const INCIDENTS_SECTION = 'incidents';

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

class Reader {
  readonly items: ProblemItem[] = [];

  add(field: string, reason: string): void {
    this.items.push({ field, reason });
  }

  keys(o: Obj, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        this.add(`${path}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
      }
    }
  }

  num(
    o: Obj,
    key: string,
    path: string,
    opts: { min?: number; max?: number; above?: number; integer?: boolean } = {},
  ): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    const p = `${path}.${key}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(p, `must be a number, got ${show(v)}`);
      return undefined;
    }
    if (opts.integer && !Number.isInteger(v)) {
      this.add(p, `must be a whole number, got ${v}`);
      return undefined;
    }
    if (opts.above !== undefined && !(v > opts.above)) {
      this.add(p, `must be greater than ${opts.above}, got ${v}`);
      return undefined;
    }
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      this.add(p, `must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}, got ${v}`);
      return undefined;
    }
    return v;
  }

  duration(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    const p = `${path}.${key}`;
    const ms = typeof v === 'string' ? parseDurationMs(v) : null;
    if (ms === null) {
      this.add(p, `${show(v)} is not ${DURATION_HINT}`);
      return undefined;
    }
    if (ms <= 0) {
      this.add(p, `must be longer than 0, got ${show(v)}`);
      return undefined;
    }
    return ms;
  }

  list<T extends string>(o: Obj, key: string, path: string, values: readonly T[]): T[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    const p = `${path}.${key}`;
    if (!Array.isArray(v) || v.length === 0) {
      this.add(p, `must be a non-empty list of ${values.join(', ')}, got ${show(v)}`);
      return undefined;
    }
    const out: T[] = [];
    v.forEach((x: unknown, i) => {
      if (typeof x === 'string' && (values as readonly string[]).includes(x)) out.push(x as T);
      else this.add(`${p}[${i}]`, `${show(x)} is not one of ${values.join(', ')}`);
    });
    return out.length === v.length ? out : undefined;
  }
}

const TOP_KEYS = [
  'correlation_window',
  'recovery',
  'reopen_within',
  'max_signals',
  'max_timeline_entries',
  'rca_interval',
  'rca_lookback',
  'root_cause_live',
  'max_incidents_kept',
  'severity_rules',
  'endpoints',
] as const;

const WHEN_KEYS = [
  'error_rate_above',
  'latency_ratio_above',
  'kinds',
  'only_alert_severities',
] as const;

/** `endpoints:` keys and the option each sets; durations end in `_after`/`_delta` as noted. */
const ENDPOINT_NUMBERS: readonly (readonly [
  string,
  keyof EndpointDetectorOptions,
  { min?: number; max?: number; above?: number; integer?: boolean },
])[] = [
  ['min_requests', 'minRequests', { min: 1, integer: true }],
  ['latency_ratio', 'latencyRatio', { above: 1 }],
  ['error_margin', 'errorMargin', { min: 0, max: 1 }],
  ['error_floor', 'errorFloor', { min: 0, max: 1 }],
  ['timeout_min_count', 'timeoutMinCount', { min: 1, integer: true }],
  ['traffic_drop_ratio', 'trafficDropRatio', { above: 0, max: 1 }],
  ['traffic_spike_ratio', 'trafficSpikeRatio', { above: 1 }],
  ['min_baseline_rate', 'minBaselineRatePerS', { min: 0 }],
  ['warmup_windows', 'warmupWindows', { min: 1, integer: true }],
  ['learn_alpha', 'learnAlpha', { above: 0, max: 1 }],
  ['raise_after_windows', 'raiseAfterWindows', { min: 1, integer: true }],
  ['clear_after_windows', 'clearAfterWindows', { min: 1, integer: true }],
  ['hold_fraction', 'holdFraction', { above: 0, max: 1 }],
];
const ENDPOINT_DURATIONS: readonly (readonly [string, keyof EndpointDetectorOptions])[] = [
  ['latency_min_delta', 'latencyMinDeltaMs'],
  ['absence_after', 'absenceAfterMs'],
  ['forget_after', 'forgetAfterMs'],
];

function parseWhen(v: unknown, path: string, r: Reader): SeverityWhen | undefined {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    r.add(path, `must be a map of conditions, got ${show(v)}`);
    return undefined;
  }
  r.keys(v, WHEN_KEYS, path);
  const errorRateAbove = r.num(v, 'error_rate_above', path, { min: 0, max: 1 });
  const latencyRatioAbove = r.num(v, 'latency_ratio_above', path, { min: 0 });
  const kinds = r.list<FaultKind>(v, 'kinds', path, FAULT_KINDS);
  const only = r.list(v, 'only_alert_severities', path, ALERT_SEVERITIES);
  return {
    ...(errorRateAbove === undefined ? {} : { errorRateAbove }),
    ...(latencyRatioAbove === undefined ? {} : { latencyRatioAbove }),
    ...(kinds === undefined ? {} : { kinds }),
    ...(only === undefined ? {} : { onlyAlertSeverities: only }),
  };
}

function parseRules(v: unknown, path: string, r: Reader): SeverityRule[] | undefined {
  if (!Array.isArray(v)) {
    r.add(path, `must be a list of rules, got ${show(v)}`);
    return undefined;
  }
  const rules: SeverityRule[] = [];
  v.forEach((x: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(x)) {
      r.add(p, `must be a map with severity and when, got ${show(x)}`);
      return;
    }
    r.keys(x, ['severity', 'when'], p);
    const sev = x.severity;
    let severity: IncidentSeverity | undefined;
    if (sev === undefined || sev === null) r.add(`${p}.severity`, 'is required');
    else if (typeof sev !== 'string' || !(INCIDENT_SEVERITIES as readonly string[]).includes(sev)) {
      r.add(`${p}.severity`, `${show(sev)} is not one of ${INCIDENT_SEVERITIES.join(', ')}`);
    } else severity = sev as IncidentSeverity;
    const when = parseWhen(x.when, `${p}.when`, r);
    if (severity !== undefined && when !== undefined) rules.push({ severity, when });
  });
  return rules;
}

/**
 * IncidentOptions from the `incidents:` section (undefined or null: all defaults).
 * Throws OpsError CONFIG_INVALID naming every bad path.
 *
 * @example parseIncidentsConfig({ recovery: '5m' }).recoveryMs === 300_000
 */
export function parseIncidentsConfig(section: unknown): IncidentOptions {
  const d = defaultIncidentOptions();
  if (section === undefined || section === null) return d;
  const path = INCIDENTS_SECTION;
  const r = new Reader();
  if (!isObj(section)) {
    r.add(path, `must be a map, got ${show(section)}`);
    throw invalid(r.items);
  }
  r.keys(section, TOP_KEYS, path);
  const correlationWindowMs = r.duration(section, 'correlation_window', path);
  const recoveryMs = r.duration(section, 'recovery', path);
  const reopenWithinMs = r.duration(section, 'reopen_within', path);
  const rcaIntervalMs = r.duration(section, 'rca_interval', path);
  const rcaLookbackMs = r.duration(section, 'rca_lookback', path);
  const rootCauseLiveMs = r.duration(section, 'root_cause_live', path);
  const maxSignalsKept = r.num(section, 'max_signals', path, { min: 1, integer: true });
  const maxIncidentsKept = r.num(section, 'max_incidents_kept', path, { min: 1, integer: true });
  const maxTimelineEntries = r.num(section, 'max_timeline_entries', path, {
    min: 10,
    integer: true,
  });
  const severityRules =
    section.severity_rules === undefined || section.severity_rules === null
      ? undefined
      : parseRules(section.severity_rules, `${path}.severity_rules`, r);

  const detector: Record<string, number> = { ...d.detector };
  const ep = section.endpoints;
  if (ep !== undefined && ep !== null) {
    const p = `${path}.endpoints`;
    if (!isObj(ep)) r.add(p, `must be a map, got ${show(ep)}`);
    else {
      r.keys(ep, [...ENDPOINT_NUMBERS.map((e) => e[0]), ...ENDPOINT_DURATIONS.map((e) => e[0])], p);
      for (const [key, option, opts] of ENDPOINT_NUMBERS) {
        const n = r.num(ep, key, p, opts);
        if (n !== undefined) detector[option] = n;
      }
      for (const [key, option] of ENDPOINT_DURATIONS) {
        const ms = r.duration(ep, key, p);
        if (ms !== undefined) detector[option] = ms;
      }
    }
  }
  if (r.items.length > 0) throw invalid(r.items);
  return {
    ...d,
    ...(correlationWindowMs === undefined ? {} : { correlationWindowMs }),
    ...(recoveryMs === undefined ? {} : { recoveryMs }),
    ...(reopenWithinMs === undefined ? {} : { reopenWithinMs }),
    ...(rcaIntervalMs === undefined ? {} : { rcaIntervalMs }),
    ...(rcaLookbackMs === undefined ? {} : { rcaLookbackMs }),
    ...(rootCauseLiveMs === undefined ? {} : { rootCauseLiveMs }),
    ...(maxSignalsKept === undefined ? {} : { maxSignalsKept }),
    ...(maxIncidentsKept === undefined ? {} : { maxIncidentsKept }),
    ...(maxTimelineEntries === undefined ? {} : { maxTimelineEntries }),
    ...(severityRules === undefined ? {} : { severityRules }),
    detector: detector as unknown as EndpointDetectorOptions,
  };
}

function invalid(items: readonly ProblemItem[]): OpsError {
  const shown = items.slice(0, 5).map((i) => `${i.field}: ${i.reason}`);
  const more = items.length > 5 ? ` (and ${items.length - 5} more)` : '';
  return new OpsError(
    'CONFIG_INVALID',
    `opsight.yaml incidents section is invalid: ${shown.join('; ')}${more}`,
    { items },
  );
}
