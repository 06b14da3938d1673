/**
 * @module
 * What the pipeline health API answers (GET /api/v1/pipelines, docs/pipeline.md): lights per
 * stage and overall, the two pipeline SLOs and the overflow and SLO incidents. Computed by
 * analytics/pipeline-health.ts; the dashboard reads the same shapes.
 */

export type PipelineLight = 'green' | 'orange' | 'red';

export interface StageHealth {
  readonly stage: string;
  readonly light: PipelineLight;
  /** Why the light is what it is, one sentence. */
  readonly reason: string;
  readonly queueDepth: number;
  readonly queueCapacity: number;
  /** processed / arrivals-or-capacity over the window: how busy the stage is, 0..1. */
  readonly utilisation: number;
  readonly dropsInWindow: number;
  readonly throughputPerCycle: number;
  readonly processingMs: number;
  readonly normalProcessingMs: number;
}

export interface PipelineSloStatus {
  readonly name: 'latency' | 'throughput';
  readonly description: string;
  readonly objective: number;
  /** Good share over the SLO window so far (1 with no data). */
  readonly sli: number;
  readonly pass: boolean;
  /** Error budget left, 0..1 (negative when overspent). */
  readonly budgetRemaining: number;
  readonly burnShort: number;
  readonly burnLong: number;
  readonly good: number;
  readonly total: number;
}

export type PipelineIncidentKind = 'queue_overflow' | 'latency_slo' | 'throughput_slo';

export interface PipelineIncident {
  readonly id: string;
  readonly pipeline: string;
  readonly kind: PipelineIncidentKind;
  /** The stage that overflowed (queue_overflow only). */
  readonly stage?: string;
  readonly status: 'active' | 'resolved';
  readonly startedMs: number;
  readonly lastBadMs: number;
  readonly resolvedMs?: number;
  /** queue_overflow: events dropped; SLO kinds: bad events or blocks. */
  readonly badCount: number;
  /** queue_overflow: the deepest the queue got; SLO kinds: the worst short-window burn. */
  readonly peak: number;
  readonly capacity?: number;
  readonly summary: string;
}

export interface PipelineHealth {
  readonly pipeline: string;
  readonly atMs: number;
  readonly light: PipelineLight;
  readonly reason: string;
  readonly stages: readonly StageHealth[];
  readonly slos: readonly PipelineSloStatus[];
  /** Completed per cycle, mean over the light window. */
  readonly throughputPerCycle: number;
  readonly latencyP95: number;
  readonly latencyP99: number;
  /** Completed events per signal type over the light window. */
  readonly signals: Readonly<Record<string, number>>;
  readonly incidents: readonly PipelineIncident[];
  readonly cycles: number;
}
