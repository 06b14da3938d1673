/** @module Simulators: seeded, deterministic producers of telemetry with ground-truth labels. */
export {
  INCIDENT_EFFECTS,
  INCIDENT_KINDS,
  type Incident,
  type IncidentKind,
  type IncidentLabel,
  type IncidentSpec,
  toIncidentLabel,
} from './cloud-incidents.ts';
export {
  type CloudSample,
  dailyFactor,
  type IncidentEffects,
  weeklyFactor,
} from './cloud-model.ts';
export {
  type CloudSimulatorOptions,
  defaultCloudSimulatorOptions,
  MAX_SERVICES,
  validateCloudSimulatorOptions,
} from './cloud-options.ts';
export { type CloudRegion, type ServiceProfile, serviceNames } from './cloud-services.ts';
export { CloudSimulator, createCloudSimulator } from './cloud-simulator.ts';
export {
  createFleetSimulator,
  DEFAULT_FLEET_PROFILE,
  type DriveMode,
  defaultFleetSimulatorOptions,
  FLEET_ANOMALY_KINDS,
  FLEET_SIGNALS,
  type FleetAnomaly,
  type FleetAnomalyKind,
  type FleetBaselines,
  type FleetProfile,
  type FleetReading,
  type FleetSignal,
  FleetSimulator,
  type FleetSimulatorOptions,
  parseFleetProfile,
  type ReadingFault,
  type SimulatedReading,
  type VehicleProfile,
} from './fleet-simulator.ts';
export {
  type CompletedEvent,
  createPipelineSimulator,
  defaultPipelineSimulatorOptions,
  latencyHistogram,
  PIPELINE_LATENCY_BUCKETS,
  PIPELINE_METRICS,
  PIPELINE_STAGES,
  type PipelineCycle,
  type PipelineDisturbance,
  PipelineSimulator,
  type PipelineSimulatorOptions,
  type PipelineStage,
  type PipelineStageOptions,
  pipelineCycleEvents,
  rankPercentile,
  SIGNAL_TYPES,
  type SignalCycle,
  type SignalType,
  type StageCycle,
  validatePipelineOptions,
} from './pipeline-simulator.ts';
export {
  FAULT_KIND_OF,
  SHOP_FAULT_KINDS,
  type ShopFault,
  type ShopFaultKind,
  type ShopFaultLabel,
  toShopFaultLabel,
  validateShopFaults,
} from './shop-faults.ts';
export {
  createShopSimulator,
  defaultShopSimulatorOptions,
  type ShopSimulator,
  type ShopSimulatorOptions,
} from './shop-simulator.ts';
export {
  DEFAULT_SHOP_TOPOLOGY,
  type GenerateTopologyOptions,
  generateTopology,
  type LatencyDistribution,
  type ShopCall,
  type ShopEndpoint,
  type ShopEntry,
  type ShopService,
  type ShopTopology,
  upstreamServices,
  validateShopTopology,
} from './shop-topology.ts';
