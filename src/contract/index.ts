/** @module The data contract: types, schemas, error registry, and the Clock/Rng ports. */
export {
  ALERT_SEVERITIES,
  type Alert,
  type AlertSeverity,
  type AlertState,
  type AlertTransition,
  type AlertTransitionState,
  type BurnAlertResult,
  type BurnWindowResult,
  type ErrorBudget,
  type InhibitRule,
  type NotificationGroup,
  type RatioSli,
  type Silence,
  type SilenceStatus,
  type Sli,
  type SliBucket,
  type SloDefinition,
  type SloEvaluation,
  type SloWindow,
  type ThresholdSli,
} from './alert.ts';
export type { Anomaly, BandPoint, BaselineSeries, SeriesEstimate } from './anomaly.ts';
export type {
  Kpi,
  KpiReport,
  KpiStatus,
  Light,
  LiveQueryUpdate,
  Overview,
  ServiceStatus,
} from './api.ts';
export { type Clock, VirtualClock } from './clock.ts';
export {
  type ErrorCode,
  errorCodes,
  isOpsError,
  OpsError,
  type OpsErrorOptions,
  type Problem,
  type ProblemItem,
  toProblem,
} from './errors.ts';
export { SEVERITIES, type Severity, type TelemetryEvent, TelemetryEventSchema } from './event.ts';
export {
  type ChaosControl,
  type ChaosFault,
  FAULT_KINDS,
  type FaultKind,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type Incident,
  type IncidentImpact,
  type IncidentQuery,
  type IncidentSeverity,
  type IncidentStatus,
  type RcaCandidate,
  type RcaEvidence,
  type RootCause,
  type Signal,
  type TimelineAction,
  type TimelineEntry,
} from './incident.ts';
export type {
  PipelineHealth,
  PipelineIncident,
  PipelineIncidentKind,
  PipelineLight,
  PipelineSloStatus,
  StageHealth,
} from './pipeline.ts';
export {
  AGGREGATIONS,
  type Aggregation,
  type RangeQuery,
  type RangeSeries,
  type SelectQuery,
  type SeriesInfo,
  type SeriesPoints,
  type SeriesQuery,
} from './query.ts';
export {
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewCandidate,
  type ReviewItem,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from './review.ts';
export { createRng, normal, type Rng } from './rng.ts';
export { countSamples, type Point, type SampleBatch, type SeriesSamples } from './sample.ts';
export {
  compileMatchers,
  LABEL_NAME_RE,
  type Labels,
  type Matcher,
  METRIC_NAME_LABEL,
  METRIC_NAME_RE,
  seriesKey,
  sortLabels,
} from './series.ts';
export {
  type AttributeValue,
  type EndpointStats,
  type ServiceEdge,
  type ServiceMap,
  type ServiceNode,
  SPAN_KINDS,
  SPAN_STATUSES,
  type Span,
  type SpanAttributes,
  type SpanEvent,
  type SpanKind,
  type SpanStatus,
  spanFailed,
  type TraceQuery,
  type TraceSummary,
} from './span.ts';
export { SERVICE_LABEL, SOURCE_LABEL, VEHICLE_ID_RE, WELL_KNOWN_METRICS } from './well-known.ts';
