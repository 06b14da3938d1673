/**
 * @module
 * The boundary between incident correlation and root-cause analysis: what RCA is given (the
 * incident's signals, the spans of its window, the service map and endpoint statistics with
 * their baselines) and what it answers (ranked candidates with evidence, impact, traces).
 * Both sides are pure functions of these values, so replaying the same telemetry gives the
 * same answer.
 */
import type {
  EndpointStats,
  IncidentImpact,
  RcaCandidate,
  RootCause,
  ServiceMap,
  Signal,
  Span,
} from '../contract/index.ts';

export interface RcaInput {
  /** The incident's window in event time (inclusive). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Every distinct signal folded into the incident. */
  readonly signals: readonly Signal[];
  /** Spans that started in the window (may be a bounded sample; totals come from `stats`). */
  readonly spans: readonly Span[];
  readonly map: ServiceMap;
  /** Per (service, endpoint) statistics over the window, with baselines where learned. */
  readonly stats: readonly EndpointStats[];
}

export interface RcaResult {
  /** The best candidate as a root cause; absent when nothing stands out. */
  readonly rootCause?: RootCause;
  /** Ranked best first. */
  readonly candidates: readonly RcaCandidate[];
  readonly affectedServices: readonly string[];
  readonly affectedEndpoints: readonly string[];
  readonly impact: IncidentImpact;
  /** Traces in the window touching an affected endpoint, and a few ids that show the fault. */
  readonly totalTraces: number;
  readonly sampleTraces: readonly string[];
}

export type RootCauseAnalyzer = (input: RcaInput) => RcaResult;
