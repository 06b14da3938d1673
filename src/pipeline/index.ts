/** @module The pipeline: the telemetry bus (in-process now, NATS JetStream when scaled out). */

export { DELIVERY_LOG_NAME, StateDeliveryLog } from './alerting-delivery-log.ts';
export {
  type AnomalySignal,
  type AnomalySource,
  aggregatePoints,
} from './alerting-inputs.ts';
export {
  type AlertingLogger,
  AlertingRuntime,
  type AlertingRuntimeDeps,
  type AlertingRuntimeOptions,
  type AlertingSections,
  type AlertView,
  type BurnSeriesResult,
  type BurnState,
  type DefinitionSource,
  defaultAlertingRuntimeOptions,
  type EvaluationStats,
  type RuleView,
  type ServiceHealth,
  type SilenceView,
  type SloStatus,
} from './alerting-runtime.ts';
export type { Bus, BusMessage, BusSubscriber } from './bus.ts';
export {
  DetectionThread,
  type DetectionThreadOptions,
  defaultDetectionThreadOptions,
  startDetectionThread,
} from './detection-offload.ts';
export {
  type AnomalyQuery,
  type BaselineQuery,
  DERIVED_SUFFIX,
  DETECTOR_LABEL,
  derivedMetric,
  explainAnomaly,
  isDerivedMetric,
  queryAnomalies,
  queryBaseline,
} from './detection-series.ts';
export {
  type AnomalyListener,
  type DetectionDeps,
  type DetectionLogger,
  type DetectionOptions,
  type DetectionRuntime,
  type DetectionStats,
  DetectionWorker,
  defaultDetectionOptions,
} from './detection-worker.ts';
export {
  defaultFleetRuntimeOptions,
  FLEET_INVALID_FIELDS_METRIC,
  FLEET_QUALITY_LOG,
  FLEET_QUALITY_METRIC,
  FLEET_VEHICLE_LABEL,
  type FleetIngestResult,
  type FleetLogger,
  type FleetReadingListener,
  FleetRuntime,
  type FleetRuntimeDeps,
  type FleetRuntimeOptions,
  type RecentReading,
  type VehicleSummary,
} from './fleet-runtime.ts';
export {
  createInProcessBus,
  defaultInProcessBusOptions,
  InProcessBus,
  type InProcessBusOptions,
} from './in-process-bus.ts';
export {
  INCIDENT_NOTIFICATION_KINDS,
  incidentPath,
  notificationFromIncidentChange,
} from './incident-notifications.ts';
export {
  type AlertFeed,
  defaultIncidentRuntimeOptions,
  INCIDENT_RUNTIME_COLLECTION,
  INCIDENT_TIMELINE_LOG,
  INCIDENTS_COLLECTION,
  type IncidentAdvanceInput,
  type IncidentChange,
  type IncidentChangeListener,
  type IncidentEnginePort,
  type IncidentLogger,
  type IncidentNotifier,
  IncidentRuntime,
  type IncidentRuntimeDeps,
  type IncidentRuntimeOptions,
  type IncidentTimelineRecord,
  type SignalMappers,
  type TraceAnalyticsPort,
  type TraceWindow,
} from './incident-runtime.ts';
export {
  defaultMqttFleetOptions,
  FLEET_MQTT_TOPIC,
  MqttFleetAdapter,
  type MqttFleetDeps,
  type MqttFleetLogger,
  type MqttFleetOptions,
  type MqttFleetStats,
  type ParsedFleetMessage,
  parseFleetMessage,
  startMqttFleet,
  vehicleOfTopic,
} from './mqtt-fleet.ts';
export {
  defaultPipelineHealthRuntimeOptions,
  type PipelineHealthListener,
  PipelineHealthRuntime,
  type PipelineHealthRuntimeOptions,
} from './pipeline-health-runtime.ts';
export {
  REVIEW_ITEMS_COLLECTION,
  REVIEW_META_COLLECTION,
  type ReviewListener,
  type ReviewLogger,
  ReviewRuntime,
  type ReviewRuntimeOptions,
  type SeriesVerdictLabel,
  seriesName,
} from './review-runtime.ts';
export { burnSeries, SliCache } from './slo-buckets.ts';
// The incident runtime's TraceWindow is the narrower view it reads; this one adds `closed`.
export {
  defaultTraceAnalyticsOptions,
  type RecentSpanFilter,
  TraceAnalytics,
  type TraceAnalyticsDeps,
  type TraceAnalyticsLogger,
  type TraceAnalyticsOptions,
  type TraceAnalyticsStats,
  type TraceWindow as TraceAnalyticsWindow,
} from './trace-analytics.ts';
export { type SpanListener, TraceIngest, type TraceIngestLogger } from './trace-ingest.ts';
