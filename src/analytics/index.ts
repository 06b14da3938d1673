/** @module Pure analytics: KPI, traffic-light, percentile and rollup math. */
export {
  defaultHealthOptions,
  type HealthInput,
  type HealthOptions,
  type HealthVerdict,
  judgeHealth,
  RED_ON_BREACH,
  usualCadenceMs,
} from './health.ts';
export {
  defaultHealthScoreOptions,
  type HealthPart,
  type HealthPartName,
  type HealthScore,
  type HealthScoreInput,
  type HealthScoreOptions,
  healthScore,
  type Ramp,
  rampScore,
} from './health-score.ts';
export {
  computeKpis,
  defaultKpiOptions,
  judge,
  type KpiInput,
  type KpiOptions,
  type KpiThreshold,
  MINUTE_MS,
  minuteOf,
  quantileSorted,
} from './kpi.ts';
export {
  compareStrings,
  defaultRedOptions,
  ENDPOINT_LABEL,
  RED_METRICS,
  type RedAdvance,
  RedAggregator,
  type RedCounters,
  type RedOptions,
  roundUs,
  spanEndMs,
  validSpanTimes,
} from './red.ts';
export {
  type BaselineValue,
  defaultRedBaselineOptions,
  RedBaseline,
  type RedBaselineOptions,
} from './red-baseline.ts';
export {
  RED_HEALTH_GREEN,
  RED_HEALTH_ORANGE,
  type RedHealth,
  type RedHealthInput,
  type RedLight,
  redHealth,
} from './red-health.ts';
export {
  counterDelta,
  emptySlots,
  ROLLUP_MS,
  rawSlots,
  type SlotColumns,
  type SlotNeeds,
} from './rollup.ts';
export {
  type BucketSpec,
  lookbackStartMs,
  RangeAggregator,
  slotNeeds,
} from './rollup-aggregate.ts';
export {
  defaultServiceMapOptions,
  PEER_ATTRIBUTES,
  ServiceMapBuilder,
  type ServiceMapCounters,
  type ServiceMapOptions,
} from './service-map.ts';
export {
  MAX_SKETCH_KEY,
  MIN_INDEXABLE_VALUE,
  QuantileSketch,
  SKETCH_RELATIVE_ACCURACY,
  sketchKey,
  sketchValue,
} from './sketch.ts';
export {
  BucketSums,
  type BurnRatePolicy,
  type BurnRateWindowPair,
  budgetConsumed,
  burnOverWindow,
  burnRate,
  burnRateForBudgetShare,
  DAY_MS,
  DEFAULT_AVAILABILITY_SLO,
  DEFAULT_LATENCY_SLO,
  defaultBurnRatePolicy,
  defaultSlos,
  errorBudget,
  evaluateBurnAlerts,
  evaluateSlo,
  HOUR_MS,
  policyFor,
  policyPairsFor,
  REFERENCE_WINDOW_MS,
  ratioBucketFromCounts,
  ratioBucketFromRates,
  slosForService,
  sloWindowMs,
  sumBuckets,
  thresholdBucket,
} from './slo.ts';
export { SliBucketSeries, type SliBucketSeriesJson } from './slo-buckets.ts';
export {
  defaultPipelineHealthOptions,
  goodWithin,
  type PipelineHealth,
  type PipelineHealthOptions,
  type PipelineIncident,
  type PipelineIncidentChange,
  type PipelineIncidentKind,
  type PipelineLight,
  PipelineMonitor,
  type PipelineObservation,
  type PipelineSloStatus,
  type PipelineStageObservation,
  type StageHealth,
  throughputBlockGood,
} from './pipeline-health.ts';
