/**
 * @module
 * How severe an incident is: configurable rules over what its signals and its affected
 * endpoints' current statistics say. First matching rule wins; every condition a rule sets must
 * hold (an empty `when` always matches). When no rule matches the incident is `medium`.
 *
 * Defaults (issue 4): critical when the error rate is above 50 %; high above 20 % or with
 * latency above 5× baseline; low when every signal is an `info` alert (nothing pages on those);
 * medium otherwise.
 */
import type { EndpointStats, FaultKind, IncidentSeverity, Signal } from '../contract/index.ts';
import { INCIDENT_SEVERITIES } from '../contract/index.ts';

export interface SeverityWhen {
  /** The worst error (or timeout) rate, 0..1, is above this. */
  readonly errorRateAbove?: number;
  /** The worst latency / baseline is above this. */
  readonly latencyRatioAbove?: number;
  /** The incident has a signal of one of these kinds. */
  readonly kinds?: readonly FaultKind[];
  /** Every signal is an alert with one of these severities (e.g. `info`). */
  readonly onlyAlertSeverities?: readonly string[];
}

export interface SeverityRule {
  readonly severity: IncidentSeverity;
  readonly when: SeverityWhen;
}

export function defaultSeverityRules(): SeverityRule[] {
  return [
    { severity: 'critical', when: { errorRateAbove: 0.5 } },
    { severity: 'high', when: { errorRateAbove: 0.2 } },
    { severity: 'high', when: { latencyRatioAbove: 5 } },
    { severity: 'low', when: { onlyAlertSeverities: ['info'] } },
  ];
}

/** What severity rules are judged on. */
export interface SeverityFacts {
  /** Worst error or timeout share among the affected endpoints (0..1). */
  readonly errorRate: number;
  /** Worst latency / baseline among the affected endpoints (0 when unknown). */
  readonly latencyRatio: number;
  readonly kinds: ReadonlySet<FaultKind>;
  readonly signals: readonly Signal[];
}

/**
 * The facts of an incident: its signals' own observations (ratios for endpoint signals, ms vs
 * baseline for latency) and the current stats of the endpoints its signals name, or of every
 * endpoint of a service a signal names without an endpoint (their mean latency against the
 * mean baseline). Windows with fewer than
 * `minRequests` requests are not trusted with a rate.
 */
export function severityFacts(
  signals: readonly Signal[],
  stats: readonly EndpointStats[],
  minRequests: number,
): SeverityFacts {
  let errorRate = 0;
  let latencyRatio = 0;
  const kinds = new Set<FaultKind>();
  const endpoints = new Set<string>();
  const services = new Set<string>();
  for (const s of signals) {
    kinds.add(s.kind);
    if (s.endpoint === undefined) services.add(s.service);
    else endpoints.add(`${s.service} ${s.endpoint}`);
    if ((s.kind === 'errors' || s.kind === 'timeout') && s.unit === 'ratio') {
      errorRate = Math.max(errorRate, s.observed);
    }
    if (s.kind === 'latency' && s.unit === 'ms' && s.baseline > 0) {
      latencyRatio = Math.max(latencyRatio, s.observed / s.baseline);
    }
  }
  for (const st of stats) {
    if (st.requestCount < minRequests) continue;
    if (!services.has(st.service) && !endpoints.has(`${st.service} ${st.endpoint}`)) continue;
    errorRate = Math.max(errorRate, st.errorRate);
    if (st.baselineLatencyMs !== undefined && st.baselineLatencyMs > 0) {
      latencyRatio = Math.max(latencyRatio, st.avgLatencyMs / st.baselineLatencyMs);
    }
  }
  return { errorRate, latencyRatio, kinds, signals };
}

function matches(when: SeverityWhen, f: SeverityFacts): boolean {
  if (when.errorRateAbove !== undefined && !(f.errorRate > when.errorRateAbove)) return false;
  if (when.latencyRatioAbove !== undefined && !(f.latencyRatio > when.latencyRatioAbove)) {
    return false;
  }
  if (when.kinds !== undefined && !when.kinds.some((k) => f.kinds.has(k))) return false;
  if (when.onlyAlertSeverities !== undefined) {
    const allowed = when.onlyAlertSeverities;
    if (f.signals.length === 0) return false;
    const all = f.signals.every(
      (s) =>
        s.source === 'alert' && s.alertSeverity !== undefined && allowed.includes(s.alertSeverity),
    );
    if (!all) return false;
  }
  return true;
}

/** The severity of the first rule that matches, else `medium`. */
export function severityOf(rules: readonly SeverityRule[], facts: SeverityFacts): IncidentSeverity {
  for (const r of rules) if (matches(r.when, facts)) return r.severity;
  return 'medium';
}

/** Position in INCIDENT_SEVERITIES: higher is more severe. */
export function severityRank(s: IncidentSeverity): number {
  return INCIDENT_SEVERITIES.indexOf(s);
}
