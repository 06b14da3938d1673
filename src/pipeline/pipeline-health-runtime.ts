/**
 * @module
 * Watches staged data pipelines through their telemetry: every acknowledged batch on the bus is
 * scanned for the pipeline metrics (`pipeline_*`, tagged `pipeline` and `stage`, docs/pipeline.md),
 * which are reassembled into one observation per pipeline and cycle and fed to a PipelineMonitor
 * (lights, SLOs, overflow and SLO incidents). Anything that pushes these metrics is watched the
 * same way, the demo's simulator or a real pipeline; nothing here knows the simulator.
 *
 * A cycle's observation is complete when its throughput sample and every stage's six metrics
 * have arrived; a cycle still incomplete when a newer one completes is judged with what it has.
 */
import {
  type PipelineHealth,
  type PipelineHealthOptions,
  type PipelineIncident,
  type PipelineIncidentChange,
  PipelineMonitor,
  type PipelineObservation,
  type PipelineStageObservation,
} from '../analytics/index.ts';
import type { SampleBatch } from '../contract/index.ts';
import { PIPELINE_METRICS, PIPELINE_STAGES } from '../simulate/index.ts';
import type { Bus } from './bus.ts';
import { Listeners } from './listeners.ts';

const M = PIPELINE_METRICS;
const STAGE_FIELDS: Readonly<Record<string, keyof PipelineStageObservation>> = {
  [M.arrivals]: 'arrivals',
  [M.processed]: 'processed',
  [M.queueDepth]: 'queueDepth',
  [M.queueCapacity]: 'queueCapacity',
  [M.drops]: 'drops',
  [M.processingMs]: 'processingMs',
};
const STAGE_FIELD_COUNT = Object.keys(STAGE_FIELDS).length;
const PIPELINE_METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(M));

interface PendingCycle {
  readonly timestampMs: number;
  readonly stages: Map<string, Partial<Record<keyof PipelineStageObservation, number>>>;
  completed?: number;
  rejected: number;
  p95: number;
  p99: number;
  readonly buckets: Map<number, number>;
  readonly signals: Record<string, number>;
}

export type PipelineHealthListener = (
  pipeline: string,
  changes: readonly PipelineIncidentChange[],
  health: PipelineHealth,
) => void;

export interface PipelineHealthRuntimeOptions {
  readonly monitor: Partial<PipelineHealthOptions>;
  /** Most pipelines tracked (a guard against a tag explosion). */
  readonly maxPipelines: number;
  /** Incomplete cycles kept per pipeline before the oldest is judged as it is. */
  readonly maxPendingCycles: number;
}

export function defaultPipelineHealthRuntimeOptions(): PipelineHealthRuntimeOptions {
  return { monitor: {}, maxPipelines: 100, maxPendingCycles: 8 };
}

export class PipelineHealthRuntime {
  readonly options: PipelineHealthRuntimeOptions;
  readonly #monitors = new Map<string, PipelineMonitor>();
  readonly #pending = new Map<string, Map<number, PendingCycle>>();
  /** The newest cycle judged per pipeline: older stragglers are ignored. */
  readonly #judgedUpTo = new Map<string, number>();
  readonly #listeners: Listeners<Parameters<PipelineHealthListener>>;
  #unsubscribe: (() => void) | undefined;
  #ignored = 0;

  constructor(
    options: Partial<PipelineHealthRuntimeOptions> = {},
    logger?: { error(obj: object, msg: string): void },
  ) {
    this.#listeners = new Listeners((err) =>
      logger?.error({ err }, 'pipeline health listener failed'),
    );
    this.options = { ...defaultPipelineHealthRuntimeOptions(), ...options };
  }

  /** Subscribes to the bus; returns this for chaining. */
  attach(bus: Bus): this {
    this.#unsubscribe?.();
    this.#unsubscribe = bus.subscribe(({ batch }) => this.ingest(batch));
    return this;
  }

  /** Scans one batch for pipeline metrics (synchronous; the bus calls it per batch). */
  ingest(batch: SampleBatch): void {
    const touched = new Set<string>();
    for (const s of batch) {
      if (!PIPELINE_METRIC_NAMES.has(s.metric)) continue;
      const pipeline = s.labels.pipeline;
      if (pipeline === undefined) continue;
      const cycles = this.#cyclesOf(pipeline);
      if (cycles === undefined) continue;
      const judged = this.#judgedUpTo.get(pipeline) ?? Number.NEGATIVE_INFINITY;
      for (let i = 0; i < s.values.length; i++) {
        const ts = s.timestampsMs[i] as number;
        if (ts <= judged) {
          this.#ignored++;
          continue;
        }
        let c = cycles.get(ts);
        if (c === undefined) {
          c = {
            timestampMs: ts,
            stages: new Map(),
            rejected: 0,
            p95: 0,
            p99: 0,
            buckets: new Map(),
            signals: {},
          };
          cycles.set(ts, c);
        }
        this.#apply(c, s.metric, s.labels, s.values[i] as number);
      }
      touched.add(pipeline);
    }
    for (const pipeline of touched) this.#judge(pipeline);
  }

  #cyclesOf(pipeline: string): Map<number, PendingCycle> | undefined {
    let cycles = this.#pending.get(pipeline);
    if (cycles === undefined) {
      if (this.#pending.size >= this.options.maxPipelines) {
        this.#ignored++;
        return undefined;
      }
      cycles = new Map();
      this.#pending.set(pipeline, cycles);
    }
    return cycles;
  }

  #apply(
    c: PendingCycle,
    metric: string,
    labels: Readonly<Record<string, string>>,
    v: number,
  ): void {
    const field = STAGE_FIELDS[metric];
    if (field !== undefined) {
      const stage = labels.stage;
      if (stage === undefined) return;
      let st = c.stages.get(stage);
      if (st === undefined) {
        st = {};
        c.stages.set(stage, st);
      }
      st[field] = v;
      return;
    }
    switch (metric) {
      case M.throughput:
        c.completed = v;
        break;
      case M.rejected:
        c.rejected = v;
        break;
      case M.latencyP95:
        c.p95 = v;
        break;
      case M.latencyP99:
        c.p99 = v;
        break;
      case M.latencyBucket: {
        const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
        if (!Number.isNaN(le)) c.buckets.set(le, v);
        break;
      }
      case M.signalEvents:
        if (labels.signal !== undefined) c.signals[labels.signal] = v;
        break;
    }
  }

  #judge(pipeline: string): void {
    const cycles = this.#pending.get(pipeline);
    if (cycles === undefined) return;
    const ordered = [...cycles.keys()].sort((a, b) => a - b);
    // The newest complete cycle: it and everything before it are judged now.
    let upTo: number | undefined;
    for (const ts of ordered) if (isComplete(cycles.get(ts) as PendingCycle)) upTo = ts;
    const overflow = ordered.length - this.options.maxPendingCycles;
    if (overflow > 0)
      upTo = Math.max(upTo ?? Number.NEGATIVE_INFINITY, ordered[overflow - 1] as number);
    if (upTo === undefined) return;
    let monitor = this.#monitors.get(pipeline);
    if (monitor === undefined) {
      monitor = new PipelineMonitor(pipeline, this.options.monitor);
      this.#monitors.set(pipeline, monitor);
    }
    const changes: PipelineIncidentChange[] = [];
    for (const ts of ordered) {
      if (ts > upTo) break;
      const c = cycles.get(ts) as PendingCycle;
      cycles.delete(ts);
      if (c.completed === undefined) continue; // nothing to judge without throughput
      changes.push(...monitor.observe(toObservation(pipeline, c)));
    }
    this.#judgedUpTo.set(pipeline, upTo);
    if (this.#listeners.size > 0) {
      const health = monitor.health();
      this.#listeners.emit(pipeline, changes, health);
    }
  }

  /** Calls `listener` after every judged batch of cycles; returns the function that stops it. */
  onUpdate(listener: PipelineHealthListener): () => void {
    return this.#listeners.add(listener);
  }

  pipelines(): string[] {
    return [...this.#monitors.keys()].sort();
  }

  health(pipeline: string): PipelineHealth | undefined {
    return this.#monitors.get(pipeline)?.health();
  }

  incidents(pipeline?: string): PipelineIncident[] {
    const out: PipelineIncident[] = [];
    for (const [name, m] of this.#monitors) {
      if (pipeline === undefined || pipeline === name) out.push(...m.incidents());
    }
    return out.sort((a, b) => b.startedMs - a.startedMs);
  }

  /** Samples that arrived for an already judged cycle, or beyond maxPipelines. */
  ignoredSamples(): number {
    return this.#ignored;
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#listeners.clear();
  }
}

function isComplete(c: PendingCycle): boolean {
  if (c.completed === undefined || c.stages.size === 0) return false;
  for (const st of c.stages.values()) {
    if (Object.keys(st).length < STAGE_FIELD_COUNT) return false;
  }
  return true;
}

function toObservation(pipeline: string, c: PendingCycle): PipelineObservation {
  const known: readonly string[] = PIPELINE_STAGES;
  // Flow order: the known stages in their order, then any others by name.
  const names = [...c.stages.keys()].sort((a, b) => {
    const ia = known.indexOf(a);
    const ib = known.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const stages = names.map((stage): PipelineStageObservation => {
    const st = c.stages.get(stage) ?? {};
    return {
      stage,
      arrivals: Number(st.arrivals ?? 0),
      processed: Number(st.processed ?? 0),
      queueDepth: Number(st.queueDepth ?? 0),
      queueCapacity: Number(st.queueCapacity ?? 0),
      drops: Number(st.drops ?? 0),
      processingMs: Number(st.processingMs ?? 0),
    };
  });
  const completed = c.completed ?? 0;
  const buckets = [...c.buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([le, count]) => ({ le, count }));
  return {
    pipeline,
    timestampMs: c.timestampMs,
    stages,
    completed,
    rejected: c.rejected,
    // Without a histogram, count every event as on time rather than invent lateness.
    latencyBuckets: buckets.length > 0 ? buckets : [{ le: 0, count: completed }],
    latencyP95: c.p95,
    latencyP99: c.p99,
    signals: c.signals,
  };
}
