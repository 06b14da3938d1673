/**
 * @module
 * Anomalies and alerts as `Signal`s, the unit incidents are built from. The pipeline maps what
 * the detectors and the alert engine emit with these and hands them to
 * `IncidentEngine.addSignals`.
 *
 * - The service is the `service` label, else `source_id`; without either there is nothing to
 *   correlate by and no signal.
 * - The fault kind comes from the metric: `latency_ms`/`latency_p95_ms` → latency,
 *   `errors_per_second` → errors, `requests_per_second` → traffic, `cpu_usage_percent` →
 *   saturation, the silence detector → absence; other names by what they contain (`latency`,
 *   `duration`, `error`, `timeout`, `cpu`, `memory`, ...).
 * - Only departures that mean a fault count: latency, errors and saturation going down is good
 *   news, not a signal. Traffic counts both ways.
 * - Ids are stable: `anomaly:<series key>:<kind>` and `alert:<alert id>`, so repeats fold.
 * - Tiny rates are no signal on their own (docs/incidents.md, "Tiny rates"): an error anomaly
 *   whose errors are under 1 % of the service's requests (when the caller knows them), else an
 *   error or traffic anomaly on a per-second rate below 0.05/s both observed and expected (one
 *   error in 100 s is noise, not an incident). Alerts are not filtered: a rule is a decision.
 */
import type { Alert, Anomaly, FaultKind, Labels, Signal } from '../contract/index.ts';
import { SERVICE_LABEL, SOURCE_LABEL, seriesKey, WELL_KNOWN_METRICS } from '../contract/index.ts';

const EXACT: Readonly<Record<string, FaultKind>> = {
  [WELL_KNOWN_METRICS.latency]: 'latency',
  latency_p95_ms: 'latency',
  latency_p99_ms: 'latency',
  [WELL_KNOWN_METRICS.errorRate]: 'errors',
  [WELL_KNOWN_METRICS.requestRate]: 'traffic',
  [WELL_KNOWN_METRICS.cpu]: 'saturation',
};

/** Checked in order: the first pattern a name matches decides. */
const PATTERNS: readonly (readonly [RegExp, FaultKind])[] = [
  [/timeout|timed_?out/i, 'timeout'],
  [/latency|duration|response_?time|slow/i, 'latency'],
  [/error|fail|5xx|availability|exception/i, 'errors'],
  [/absent|absence|down|silen|heartbeat|no_?data|stopped/i, 'absence'],
  [/cpu|memory|mem_|saturat|disk|load|utili[sz]ation|queue|lag|temperature/i, 'saturation'],
  [/requests|traffic|throughput|rate|rps|qps/i, 'traffic'],
];

/** The fault kind a metric (or rule) name stands for, or undefined when it names none. */
export function kindOfName(name: string): FaultKind | undefined {
  const exact = EXACT[name];
  if (exact !== undefined) return exact;
  for (const [re, kind] of PATTERNS) if (re.test(name)) return kind;
  return undefined;
}

/** The service a label set belongs to: `service`, else `source_id`. */
export function serviceOf(labels: Labels): string | undefined {
  const s = labels[SERVICE_LABEL] ?? labels[SOURCE_LABEL];
  return s === undefined || s === '' ? undefined : s;
}

function unitOf(kind: FaultKind, metric: string): Signal['unit'] {
  if (kind === 'latency') return /_ms$|latency/i.test(metric) ? 'ms' : 'value';
  if (kind === 'errors' || kind === 'traffic') {
    return /_per_second$|_per_s$|^rate$/.test(metric) ? 'per_s' : 'value';
  }
  return 'value';
}

/** Kinds where only an upward departure is a fault. */
const UP_ONLY: ReadonlySet<FaultKind> = new Set(['latency', 'errors', 'timeout', 'saturation']);

/** A per-second error or traffic rate below this (observed and expected) is no signal alone. */
export const MIN_SIGNAL_RATE_PER_S = 0.05;
/** Errors under this share of the requests (when known) are no signal alone. */
export const MIN_SIGNAL_ERROR_RATIO = 0.01;

/** What the caller may know besides the anomaly itself. */
export interface AnomalyContext {
  /** The service's current requests per second (same labels), when it is measured. */
  readonly requestsPerSecond?: number;
}

/**
 * Whether an error/traffic anomaly is too small in absolute terms to be a signal on its own:
 * errors under MIN_SIGNAL_ERROR_RATIO of known requests, else a per-second rate under
 * MIN_SIGNAL_RATE_PER_S both observed and expected.
 */
export function isTinyRate(
  a: Pick<Anomaly, 'value' | 'expected'>,
  kind: FaultKind,
  unit: Signal['unit'],
  context?: AnomalyContext,
): boolean {
  if (kind !== 'errors' && kind !== 'traffic') return false;
  const rps = context?.requestsPerSecond;
  if (kind === 'errors' && unit === 'per_s' && rps !== undefined && rps > 0) {
    return a.value < MIN_SIGNAL_ERROR_RATIO * rps;
  }
  if (unit !== 'per_s') return false;
  return Math.max(Math.abs(a.value), Math.abs(a.expected)) < MIN_SIGNAL_RATE_PER_S;
}

/**
 * An anomaly as a signal; undefined when it names no service, is not a fault, or is a tiny rate
 * (`isTinyRate`; pass the service's request rate as `context` when it is known).
 */
export function signalFromAnomaly(a: Anomaly, context?: AnomalyContext): Signal | undefined {
  const service = serviceOf(a.labels);
  if (service === undefined) return undefined;
  const kind = a.detector === 'silence' ? 'absence' : kindOfName(a.metric);
  if (kind === undefined) return undefined;
  if (UP_ONLY.has(kind) && a.value <= a.expected) return undefined;
  const unit = unitOf(kind, a.metric);
  if (isTinyRate(a, kind, unit, context)) return undefined;
  const endpoint = a.labels.endpoint;
  return {
    id: `anomaly:${seriesKey(a.metric, a.labels)}:${kind}`,
    source: 'anomaly',
    service,
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    kind,
    atMs: a.timestampMs,
    lastAtMs: a.timestampMs,
    observed: a.value,
    baseline: a.expected,
    unit,
    metric: a.metric,
    description: a.reason,
  };
}

/** What signalFromAlert reads: an Alert, or the pipeline's AlertView (which adds mute flags). */
export type AlertLike = Pick<
  Alert,
  | 'id'
  | 'ruleName'
  | 'labels'
  | 'annotations'
  | 'state'
  | 'severity'
  | 'activeAtMs'
  | 'lastActiveAtMs'
> &
  Partial<Pick<Alert, 'firedAtMs' | 'value'>> & { readonly silenced?: boolean };

/** The fault kind of an alert: its `metric` label, its `slo` label, then its rule name. */
export function kindOfAlert(a: Pick<Alert, 'ruleName' | 'labels'>): FaultKind {
  const metric = a.labels.metric;
  const slo = a.labels.slo;
  return (
    (metric === undefined ? undefined : kindOfName(metric)) ??
    (slo === undefined ? undefined : /latency/i.test(slo) ? 'latency' : 'errors') ??
    kindOfName(a.labels.alertname ?? a.ruleName) ??
    kindOfName(a.ruleName) ??
    // An alert that names no known fault still says the service is failing at something.
    'errors'
  );
}

/**
 * A firing alert as a signal. Pending and resolved alerts, silenced ones (someone said to
 * ignore them, e.g. during maintenance) and ones without a service give none. Inhibited alerts
 * do give one: inhibition hides a consequence of a bigger fault, which belongs to the same
 * incident.
 */
export function signalFromAlert(a: AlertLike): Signal | undefined {
  if (a.state !== 'firing' || a.silenced === true) return undefined;
  const service = serviceOf(a.labels);
  if (service === undefined) return undefined;
  const kind = kindOfAlert(a);
  const endpoint = a.labels.endpoint;
  const metric = a.labels.metric ?? a.ruleName;
  return {
    id: `alert:${a.id}`,
    source: 'alert',
    service,
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    kind,
    atMs: a.firedAtMs ?? a.activeAtMs,
    lastAtMs: Math.max(a.lastActiveAtMs, a.firedAtMs ?? a.activeAtMs),
    observed: a.value ?? 0,
    baseline: 0,
    unit: unitOf(kind, metric),
    metric,
    alertSeverity: a.severity,
    description: a.annotations.summary ?? `${a.ruleName} is firing for ${service}`,
  };
}
