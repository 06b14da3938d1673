/** @module Incidents: correlation of signals, lifecycle, severity and root-cause analysis (pure). */
export { INCIDENTS_SECTION, parseIncidentsConfig } from './config.ts';
export {
  defaultEndpointDetectorOptions,
  ENDPOINT_SIGNAL_KINDS,
  EndpointDetector,
  type EndpointDetectorOptions,
  type EndpointDetectorState,
  type EndpointSignalKind,
  endpointSignalId,
  timeoutsOf,
} from './endpoint-detector.ts';
export {
  connected,
  defaultIncidentOptions,
  type IncidentChange,
  type IncidentChangeKind,
  IncidentEngine,
  type IncidentInputs,
  type IncidentOptions,
} from './engine.ts';
export {
  analyzeRootCause,
  defaultRcaOptions,
  type RcaOptions,
  type RcaOptionsInput,
  type RcaWeights,
} from './rca.ts';
export type { RcaInput, RcaResult, RootCauseAnalyzer } from './rca-types.ts';
export {
  defaultSeverityRules,
  type SeverityFacts,
  type SeverityRule,
  type SeverityWhen,
  severityFacts,
  severityOf,
  severityRank,
} from './severity.ts';
export {
  type AlertLike,
  type AnomalyContext,
  isTinyRate,
  kindOfAlert,
  kindOfName,
  MIN_SIGNAL_ERROR_RATIO,
  MIN_SIGNAL_RATE_PER_S,
  serviceOf,
  signalFromAlert,
  signalFromAnomaly,
} from './signals.ts';
export { faultPhrase, incidentTitle } from './title.ts';
