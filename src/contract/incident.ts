/**
 * @module
 * Incidents: what broke, why opsight thinks so, what else is affected, and the lifecycle people
 * work it through. Signals (anomalies, alerts and the AIOps engine's own endpoint checks) are
 * correlated into incidents by time and topology; root-cause analysis ranks candidates with
 * evidence. Times are epoch milliseconds; the /aiops compatibility API renders them as ISO 8601.
 */

export const INCIDENT_STATUSES = ['active', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Ordered from least to most severe. */
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const FAULT_KINDS = [
  'latency',
  'errors',
  'timeout',
  'saturation',
  'traffic',
  'absence',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One thing observed to be wrong: the unit incidents are built from. */
export interface Signal {
  /**
   * Stable fingerprint: the same condition on the same series gives the same id, so repeats
   * fold into one (e.g. `alert:<alertId>`, `endpoint:payment:/payment:latency`).
   */
  readonly id: string;
  readonly source: 'endpoint' | 'anomaly' | 'alert';
  readonly service: string;
  readonly endpoint?: string;
  readonly kind: FaultKind;
  /** Event time the condition was first seen. */
  readonly atMs: number;
  /** Event time it was last seen holding. */
  readonly lastAtMs: number;
  /** What was observed and what is normal, in `unit`. */
  readonly observed: number;
  readonly baseline: number;
  readonly unit: 'ms' | 'ratio' | 'per_s' | 'value';
  /** The metric or rule behind it, for display. */
  readonly metric?: string;
  /** critical / warning / info for alerts; absent for others. */
  readonly alertSeverity?: string;
  readonly description: string;
}

/** Why one candidate is ranked where it is. */
export interface RcaEvidence {
  /** Sample trace ids showing the fault at this candidate (at most 5). */
  readonly traceIds: readonly string[];
  /** The candidate's own anomalous signals: baseline vs observed. */
  readonly signals: readonly Signal[];
  /** A dependency path from an affected entry service down to this candidate. */
  readonly path: readonly string[];
  /** When this candidate first went anomalous (event time), if it did. */
  readonly firstAnomalousMs?: number;
  /** Each method's normalised score in [0, 1]: trace, graph (random walk), timing, change. */
  readonly methods: Readonly<Record<string, number>>;
  /** Plain sentences a person can check. */
  readonly notes: readonly string[];
}

export interface RcaCandidate {
  readonly service: string;
  readonly endpoint?: string;
  readonly kind: FaultKind;
  /** Combined score in [0, 1]; candidates are sorted by it, best first. */
  readonly score: number;
  readonly evidence: RcaEvidence;
}

export interface RootCause {
  readonly service: string;
  readonly endpoint?: string;
  readonly kind: FaultKind;
  /** In [0, 1]. */
  readonly confidence: number;
  readonly description: string;
}

export interface IncidentImpact {
  readonly services: readonly string[];
  /** `service endpoint` strings, e.g. `checkout /checkout`. */
  readonly endpoints: readonly string[];
  /** Requests to affected endpoints while the incident was active, and how many failed. */
  readonly requests: number;
  readonly failedRequests: number;
}

export type TimelineAction =
  | 'opened'
  | 'signal'
  | 'severity'
  | 'root_cause'
  | 'acknowledged'
  | 'resolved'
  | 'auto_resolved'
  | 'reopened'
  | 'note';

export interface TimelineEntry {
  readonly atMs: number;
  readonly action: TimelineAction;
  /** `opsight` for automatic changes, else the user or API key name given. */
  readonly by: string;
  readonly note?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly status: IncidentStatus;
  readonly severity: IncidentSeverity;
  /** Event time of the earliest signal (first_detected). */
  readonly firstDetectedMs: number;
  /** When the incident was opened, by the engine's event-time clock. */
  readonly openedAtMs: number;
  readonly updatedAtMs: number;
  readonly lastSignalAtMs: number;
  readonly acknowledgedAtMs?: number;
  readonly resolvedAtMs?: number;
  /** Event time root-cause analysis last ran for it (absent before the first run). */
  readonly analyzedAtMs?: number;
  readonly rootCause?: RootCause;
  /** Ranked best first. */
  readonly candidates: readonly RcaCandidate[];
  readonly affectedServices: readonly string[];
  readonly affectedEndpoints: readonly string[];
  readonly impact: IncidentImpact;
  /** Distinct signals folded in (bounded; `signalCount` counts all, repeats excluded). */
  readonly signals: readonly Signal[];
  readonly signalCount: number;
  readonly totalTraces: number;
  readonly sampleTraces: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly reopenCount: number;
}

/** Filters of GET /api/v1/incidents. */
export interface IncidentQuery {
  readonly status?: readonly IncidentStatus[];
  readonly severity?: readonly IncidentSeverity[];
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly limit?: number;
}

/** What the chaos API of the demo shop can do (POST /simulate/*). */
export interface ChaosFault {
  readonly endpoint: string;
  readonly kind: 'delay' | 'error' | 'timeout';
  /** delay: added milliseconds; error: failure probability 0..1; timeout: unused. */
  readonly value: number;
  readonly sinceMs: number;
}

/** The demo shop's fault injection, as the server sees it (implemented by shop/). */
export interface ChaosControl {
  /** Endpoints faults can target, e.g. `/payment`. */
  endpoints(): readonly string[];
  delay(endpoint: string, durationMs: number): ChaosFault;
  error(endpoint: string, rate: number): ChaosFault;
  timeout(endpoint: string): ChaosFault;
  clear(): void;
  status(): readonly ChaosFault[];
}
