/**
 * @module
 * What the server needs (`ServerDeps`, built by the composition root) and how it is tuned
 * (`ServerOptions`, with `defaultServerOptions()`). Units are in the names.
 */
import type { Logger } from 'pino';
import {
  defaultHealthOptions,
  defaultKpiOptions,
  type HealthOptions,
  type KpiOptions,
} from '../analytics/index.ts';
import type { ChaosControl, Clock } from '../contract/index.ts';
import { defaultIngestLimits, type IngestLimits } from '../ingest/index.ts';
import type {
  AlertingRuntime,
  Bus,
  DetectionRuntime,
  FleetRuntime,
  IncidentRuntime,
  MqttFleetStats,
  PipelineHealthRuntime,
  ReviewRuntime,
  TraceAnalytics,
  TraceIngest,
} from '../pipeline/index.ts';
import type {
  FleetAnomaly,
  FleetAnomalyKind,
  PipelineDisturbance,
  VehicleProfile,
} from '../simulate/index.ts';
import type { Store } from '../store/index.ts';

export interface ServerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Acknowledged batches are published here after the store made them durable. */
  readonly bus: Bus;
  /** The detection runtime; without it /api/v1/live/anomalies answers 503 NOT_READY. */
  readonly detection?: DetectionRuntime;
  /** The alerting runtime: enables the alerting, SLO and health routes and health-score lights. */
  readonly alerting?: AlertingRuntime;
  /** The demo shop's fault injection; without it the /simulate/* routes answer 503. */
  readonly chaos?: ChaosControl;
  /** The incident runtime: enables the incident routes (/api/v1/incidents, /aiops/*). */
  readonly incidents?: IncidentRuntime;
  /** RED metrics and the service map from spans; without it those routes answer 503. */
  readonly traceAnalytics?: TraceAnalytics;
  /** Span ingest and the trace store: enables POST /v1/traces and /api/v1/traces. */
  readonly traces?: TraceIngest;
  /** Pipeline health from pipeline telemetry: enables /api/v1/pipelines. */
  readonly pipelines?: PipelineHealthRuntime;
  /** The demo's simulated pipelines: enables POST /api/v1/pipelines/:name/simulate. */
  readonly pipelineDemo?: PipelineDemoControl;
  /** The human review queue: enables /api/v1/review. */
  readonly review?: ReviewRuntime;
  /** Fleet readings, validation and risk: enables POST/GET /telemetry and /api/v1/fleet. */
  readonly fleet?: FleetRuntime;
  /** The demo's fleet emulator: enables POST /simulate_anomaly (503 without it). */
  readonly fleetDemo?: FleetDemoControl;
  /** The MQTT fleet adapter: its counters show in GET /api/v1/fleet/quality as `mqtt`. */
  readonly fleetMqtt?: { stats(): MqttFleetStats };
}

/** The demo's fleet emulator, as the server controls it. */
export interface FleetDemoControl {
  /** Starts an anomaly now; throws OpsError NOT_FOUND for an unknown vehicle. */
  inject(o: { kind: FleetAnomalyKind; vehicleId?: string; durationS: number }): FleetAnomaly;
  vehicleIds(): string[];
  /** Every anomaly injected so far (ground truth). */
  anomalies(): readonly FleetAnomaly[];
  /** The emulated vehicles' profiles (baselines, service history), for the per-unit view. */
  profiles?(): readonly VehicleProfile[];
}

/** The demo's pipeline simulators, as the server controls them. */
export interface PipelineDemoControl {
  names(): string[];
  inject(name: string, kind: 'spike' | 'degradation', cycles: number): PipelineDisturbance;
}

/** Ingest limits without `nowMs`: the server stamps each request with `clock.nowMs()`. */
export type ServerIngestLimits = Omit<IngestLimits, 'nowMs'>;

export interface ServerOptions {
  /** Largest request body, in bytes (compressed bytes for remote write). Default 16 MiB. */
  readonly maxBodyBytes: number;
  readonly ingestLimits: ServerIngestLimits;
  /** Cardinality guard passed to `store.append`. Default 10,000 series per metric. */
  readonly maxSeriesPerMetric: number;
  /**
   * Accepted API keys. Empty: no authentication. Otherwise every /api route (except the API
   * docs) and the Influx /write route needs `Authorization: Bearer <key>` or `X-API-Key: <key>`.
   */
  readonly apiKeys: readonly string[];
  /** Directory of the built dashboard (web/dist), served at / with SPA fallback. */
  readonly webRoot?: string;
  /** Whether the process is ready for traffic (startup done, not shutting down). */
  readonly ready: () => boolean;
  /** Buckets one query_range series may hold. Default 11,000 (Prometheus's limit). */
  readonly maxPointsPerSeries: number;
  /** Points one query_range answer may hold across all series. Default 1,000,000. */
  readonly maxQueryPoints: number;
  /** Default and maximum `limit` of /api/v1/series. Defaults 1,000 and 10,000. */
  readonly defaultSeriesLimit: number;
  readonly maxSeriesLimit: number;
  /** Longest window /api/v1/kpis and /api/v1/overview accept. Default 7 days. */
  readonly maxKpiWindowMs: number;
  /** Most services the overview lists (sorted by id). Default 200. */
  readonly maxOverviewServices: number;
  readonly kpi: KpiOptions;
  readonly health: HealthOptions;
  /** Period of /api/v1/live/overview events. Default 2 s. */
  readonly liveOverviewIntervalMs: number;
  /** Least time between two /api/v1/live/query updates. Default 1 s. */
  readonly liveQueryThrottleMs: number;
  /** Period of SSE heartbeat comments. Default 15 s. */
  readonly sseHeartbeatMs: number;
  /** Most live (SSE) streams open at once; more get 503 LIVE_TOO_MANY_STREAMS. Default 1,000. */
  readonly maxLiveStreams: number;
}

export function defaultServerOptions(): ServerOptions {
  const { nowMs: _ignored, ...ingestLimits } = defaultIngestLimits();
  return {
    maxBodyBytes: 16 * 1024 * 1024,
    ingestLimits,
    maxSeriesPerMetric: 10_000,
    apiKeys: [],
    ready: () => true,
    maxPointsPerSeries: 11_000,
    maxQueryPoints: 1_000_000,
    defaultSeriesLimit: 1_000,
    maxSeriesLimit: 10_000,
    maxKpiWindowMs: 7 * 86_400_000,
    maxOverviewServices: 200,
    kpi: defaultKpiOptions(),
    health: defaultHealthOptions(),
    liveOverviewIntervalMs: 2_000,
    liveQueryThrottleMs: 1_000,
    sseHeartbeatMs: 15_000,
    maxLiveStreams: 1_000,
  };
}
