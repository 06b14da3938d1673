/**
 * @module
 * The data-pipeline simulator: events flow ingest → validate → enrich → store through bounded
 * FIFO queues, one step per cycle. Enrichment is the bottleneck by design: its capacity sits
 * below the busy-hour load, so traffic spikes and enrichment slowdowns (a sluggish model or API)
 * build a queue there first, then latency, then drops. Slowdowns recover on their own.
 *
 * Time is counted in cycles (1 cycle = `cycleMs`, default 1 s). Each stage handles an event in
 * the cycle after the one that put it in its queue, so an unqueued event needs 4 cycles end to
 * end. The run is a pure function of the options: the same seed gives the same cycles.
 */
import { createRng, normal, OpsError, type Rng, type TelemetryEvent } from '../contract/index.ts';

export const PIPELINE_STAGES = ['ingest', 'validate', 'enrich', 'store'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export const SIGNAL_TYPES = ['sales_activity', 'field_interaction', 'market_signal'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export interface PipelineStageOptions {
  /** Events the stage can finish per cycle when healthy. */
  readonly capacityPerCycle: number;
  /** Events its input queue can hold; more are dropped (or held upstream with backpressure). */
  readonly queueCapacity: number;
  /** Mean processing time of one event, ms (what the stage's workers spend, not queueing). */
  readonly processingMs: number;
}

export interface PipelineSimulatorOptions {
  readonly seed: number;
  /** Event time of cycle 0, epoch ms. */
  readonly startMs: number;
  readonly cycleMs: number;
  /** A name for the pipeline (the `pipeline` tag of its telemetry). */
  readonly name: string;
  readonly stages: Readonly<Record<PipelineStage, PipelineStageOptions>>;
  /** Mean arrivals per cycle in quiet, normal and busy phases. */
  readonly quietRate: number;
  readonly normalRate: number;
  readonly busyRate: number;
  /** Cycles of one quiet → normal → busy → normal wave. */
  readonly trafficPeriodCycles: number;
  /** Chance per cycle that a spike starts, its load multiplier and its length range. */
  readonly spikeChance: number;
  readonly spikeMultiplier: number;
  readonly spikeCycles: readonly [number, number];
  /** Chance per cycle that enrichment degrades, the capacity factor, and the length range. */
  readonly degradeChance: number;
  readonly degradeFactor: number;
  readonly degradeCycles: readonly [number, number];
  /** With backpressure a stage stops taking work while its downstream queue is full. */
  readonly backpressure: boolean;
  /** Share of each signal type among arrivals (normalised). */
  readonly signalMix: Readonly<Record<SignalType, number>>;
  /** Share of events validation rejects as malformed (counted, not dropped). */
  readonly invalidShare: number;
}

export function defaultPipelineSimulatorOptions(): PipelineSimulatorOptions {
  return {
    seed: 1,
    startMs: Date.UTC(2026, 0, 1),
    cycleMs: 1_000,
    name: 'signals',
    stages: {
      ingest: { capacityPerCycle: 200, queueCapacity: 400, processingMs: 2 },
      validate: { capacityPerCycle: 120, queueCapacity: 300, processingMs: 4 },
      enrich: { capacityPerCycle: 50, queueCapacity: 300, processingMs: 18 },
      store: { capacityPerCycle: 100, queueCapacity: 300, processingMs: 6 },
    },
    quietRate: 38,
    normalRate: 43,
    busyRate: 49,
    trafficPeriodCycles: 1_800,
    spikeChance: 1 / 900,
    spikeMultiplier: 2,
    spikeCycles: [20, 60],
    degradeChance: 1 / 1_200,
    degradeFactor: 0.45,
    degradeCycles: [40, 150],
    backpressure: false,
    signalMix: { sales_activity: 0.5, field_interaction: 0.3, market_signal: 0.2 },
    invalidShare: 0.01,
  };
}

/** One stage over one cycle. */
export interface StageCycle {
  readonly stage: PipelineStage;
  /** Events offered to its queue this cycle (accepted + dropped). */
  readonly arrivals: number;
  readonly processed: number;
  /** Queue depth at the end of the cycle. */
  readonly queueDepth: number;
  readonly queueCapacity: number;
  readonly drops: number;
  /** Capacity this cycle (lower while degraded). */
  readonly capacity: number;
  /** Mean processing time per event this cycle, ms (0 when nothing was processed). */
  readonly processingMs: number;
}

export interface SignalCycle {
  readonly arrived: number;
  readonly completed: number;
  readonly dropped: number;
}

/** An event that left the pipeline this cycle, with its end-to-end latency. */
export interface CompletedEvent {
  readonly id: number;
  readonly signal: SignalType;
  readonly arrivedCycle: number;
  readonly latencyCycles: number;
}

export interface PipelineCycle {
  readonly cycle: number;
  readonly timestampMs: number;
  readonly arrivals: number;
  readonly stages: readonly StageCycle[];
  /** Events stored this cycle (the pipeline's throughput). */
  readonly completed: number;
  readonly rejected: number;
  /** End-to-end latency of the events completed this cycle, in cycles (0s when none). */
  readonly latencyP50: number;
  readonly latencyP95: number;
  readonly latencyP99: number;
  readonly latencyMax: number;
  readonly signals: Readonly<Record<SignalType, SignalCycle>>;
  readonly spike: boolean;
  readonly degraded: boolean;
  readonly events: readonly CompletedEvent[];
}

/** Ground truth: when the load spiked and when enrichment was degraded. */
export interface PipelineDisturbance {
  readonly kind: 'spike' | 'degradation';
  readonly stage: PipelineStage | 'source';
  readonly startCycle: number;
  /** Exclusive. */
  readonly endCycle: number;
  readonly startMs: number;
  readonly endMs: number;
}

interface QueuedEvent {
  readonly id: number;
  readonly signal: SignalType;
  readonly arrivedCycle: number;
  readonly invalid: boolean;
}

/** A FIFO with O(1) push and shift (a growable ring). */
class Fifo<T> {
  #items: (T | undefined)[] = new Array(64);
  #head = 0;
  #size = 0;
  get size(): number {
    return this.#size;
  }
  push(item: T): void {
    if (this.#size === this.#items.length) {
      const grown: (T | undefined)[] = new Array(this.#items.length * 2);
      for (let i = 0; i < this.#size; i++) {
        grown[i] = this.#items[(this.#head + i) % this.#items.length];
      }
      this.#items = grown;
      this.#head = 0;
    }
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }
}

export function createPipelineSimulator(
  options: Partial<PipelineSimulatorOptions> = {},
): PipelineSimulator {
  return new PipelineSimulator({ ...defaultPipelineSimulatorOptions(), ...options });
}

/**
 * @example
 * const sim = createPipelineSimulator({ seed: 7 });
 * const first = sim.step(); // cycle 0
 * const minute = sim.runUntil(sim.startMs + 60_000); // cycles 1..59
 */
export class PipelineSimulator {
  readonly options: PipelineSimulatorOptions;
  readonly startMs: number;
  readonly #rng: Rng;
  readonly #queues: Record<PipelineStage, Fifo<QueuedEvent>>;
  readonly #disturbances: PipelineDisturbance[] = [];
  #cycle = 0;
  #nextId = 0;
  #spikeUntil = -1;
  #degradedUntil = -1;
  readonly #cumulative = { arrived: 0, completed: 0, dropped: 0, rejected: 0 };
  readonly #signalWeights: readonly number[];

  constructor(options: PipelineSimulatorOptions) {
    const problems = validatePipelineOptions(options);
    if (problems.length > 0) {
      throw new OpsError(
        'CONFIG_INVALID',
        `invalid pipeline simulator options: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
        { items: problems },
      );
    }
    this.options = options;
    this.startMs = options.startMs;
    this.#rng = createRng(options.seed ^ 0x5eed_9191);
    this.#queues = {
      ingest: new Fifo(),
      validate: new Fifo(),
      enrich: new Fifo(),
      store: new Fifo(),
    };
    const total = SIGNAL_TYPES.reduce((s, t) => s + options.signalMix[t], 0);
    let acc = 0;
    this.#signalWeights = SIGNAL_TYPES.map((t) => {
      acc += options.signalMix[t] / total;
      return acc;
    });
  }

  /** The next cycle to run. */
  get cycle(): number {
    return this.#cycle;
  }

  /** Event time of the next cycle. */
  get nowMs(): number {
    return this.startMs + this.#cycle * this.options.cycleMs;
  }

  /** Totals since cycle 0. */
  totals(): { arrived: number; completed: number; dropped: number; rejected: number } {
    return { ...this.#cumulative };
  }

  /** Spikes and degradations so far (ground truth). */
  disturbances(): readonly PipelineDisturbance[] {
    return this.#disturbances;
  }

  /** Forces a spike or a degradation to start now (demo controls, tests). */
  inject(kind: 'spike' | 'degradation', cycles: number): PipelineDisturbance {
    const c = this.#cycle;
    if (kind === 'spike') this.#spikeUntil = Math.max(this.#spikeUntil, c + cycles);
    else this.#degradedUntil = Math.max(this.#degradedUntil, c + cycles);
    return this.#record(kind, c, c + cycles);
  }

  /** Runs every cycle whose start is before `toMs` and returns them. */
  runUntil(toMs: number): PipelineCycle[] {
    const out: PipelineCycle[] = [];
    while (this.nowMs < toMs) out.push(this.step());
    return out;
  }

  /** Mean arrival rate of the traffic wave at a cycle (before spikes). */
  baseRate(cycle: number): number {
    const o = this.options;
    // quiet → normal → busy → normal, as a smooth wave over the period.
    const phase = (cycle % o.trafficPeriodCycles) / o.trafficPeriodCycles;
    const wave = (1 - Math.cos(2 * Math.PI * phase)) / 2; // 0 quiet .. 1 busy
    return wave < 0.5
      ? o.quietRate + (o.normalRate - o.quietRate) * (wave / 0.5)
      : o.normalRate + (o.busyRate - o.normalRate) * ((wave - 0.5) / 0.5);
  }

  step(): PipelineCycle {
    const o = this.options;
    const c = this.#cycle;
    const rng = this.#rng;
    // Disturbances start at random and end on their own.
    if (c >= this.#spikeUntil && rng.next() < o.spikeChance) {
      const len = this.#between(o.spikeCycles);
      this.#spikeUntil = c + len;
      this.#record('spike', c, c + len);
    }
    if (c >= this.#degradedUntil && rng.next() < o.degradeChance) {
      const len = this.#between(o.degradeCycles);
      this.#degradedUntil = c + len;
      this.#record('degradation', c, c + len);
    }
    const spike = c < this.#spikeUntil;
    const degraded = c < this.#degradedUntil;

    const signals: Record<SignalType, { arrived: number; completed: number; dropped: number }> = {
      sales_activity: { arrived: 0, completed: 0, dropped: 0 },
      field_interaction: { arrived: 0, completed: 0, dropped: 0 },
      market_signal: { arrived: 0, completed: 0, dropped: 0 },
    };
    const acc: Record<PipelineStage, { arrivals: number; processed: number; drops: number }> = {
      ingest: { arrivals: 0, processed: 0, drops: 0 },
      validate: { arrivals: 0, processed: 0, drops: 0 },
      enrich: { arrivals: 0, processed: 0, drops: 0 },
      store: { arrivals: 0, processed: 0, drops: 0 },
    };
    const capacity = (stage: PipelineStage): number => {
      const base = o.stages[stage].capacityPerCycle;
      return stage === 'enrich' && degraded
        ? Math.max(1, Math.floor(base * o.degradeFactor))
        : base;
    };
    const offer = (stage: PipelineStage, e: QueuedEvent): boolean => {
      acc[stage].arrivals++;
      if (this.#queues[stage].size >= o.stages[stage].queueCapacity) {
        acc[stage].drops++;
        signals[e.signal].dropped++;
        this.#cumulative.dropped++;
        return false;
      }
      this.#queues[stage].push(e);
      return true;
    };

    // Downstream first, so an event advances at most one stage per cycle.
    const completed: CompletedEvent[] = [];
    let rejected = 0;
    const order: readonly PipelineStage[] = ['store', 'enrich', 'validate', 'ingest'];
    for (const stage of order) {
      const queue = this.#queues[stage];
      const next = nextStage(stage);
      let budget = capacity(stage);
      while (budget > 0 && queue.size > 0) {
        if (
          o.backpressure &&
          next !== undefined &&
          this.#queues[next].size >= o.stages[next].queueCapacity
        ) {
          break;
        }
        const e = queue.shift() as QueuedEvent;
        budget--;
        acc[stage].processed++;
        if (stage === 'validate' && e.invalid) {
          rejected++;
          this.#cumulative.rejected++;
          continue;
        }
        if (next === undefined) {
          completed.push({
            id: e.id,
            signal: e.signal,
            arrivedCycle: e.arrivedCycle,
            latencyCycles: c - e.arrivedCycle,
          });
          signals[e.signal].completed++;
          this.#cumulative.completed++;
        } else {
          offer(next, e);
        }
      }
    }

    // New arrivals join the ingest queue; they are handled from the next cycle on.
    const rate = this.baseRate(c) * (spike ? o.spikeMultiplier : 1);
    const arrivals = poisson(rng, rate);
    for (let i = 0; i < arrivals; i++) {
      const signal = this.#pickSignal();
      const e: QueuedEvent = {
        id: this.#nextId++,
        signal,
        arrivedCycle: c,
        invalid: rng.next() < o.invalidShare,
      };
      signals[signal].arrived++;
      this.#cumulative.arrived++;
      offer('ingest', e);
    }

    const stages = PIPELINE_STAGES.map((stage): StageCycle => {
      const s = o.stages[stage];
      const cap = capacity(stage);
      const processed = acc[stage].processed;
      // Slower when degraded, and a little slower when running near capacity (contention).
      const slow = stage === 'enrich' && degraded ? 1 / o.degradeFactor : 1;
      const busy = processed / cap;
      const mean = s.processingMs * slow * (1 + 0.25 * busy * busy);
      const jitter = 1 + 0.08 * normal(rng);
      return {
        stage,
        arrivals: acc[stage].arrivals,
        processed,
        queueDepth: this.#queues[stage].size,
        queueCapacity: s.queueCapacity,
        drops: acc[stage].drops,
        capacity: cap,
        processingMs: processed === 0 ? 0 : round2(Math.max(0.1, mean * jitter)),
      };
    });
    const latencies = completed.map((e) => e.latencyCycles).sort((a, b) => a - b);
    this.#cycle++;
    return {
      cycle: c,
      timestampMs: this.startMs + c * o.cycleMs,
      arrivals,
      stages,
      completed: completed.length,
      rejected,
      latencyP50: rankPercentile(latencies, 0.5),
      latencyP95: rankPercentile(latencies, 0.95),
      latencyP99: rankPercentile(latencies, 0.99),
      latencyMax: latencies.length === 0 ? 0 : (latencies[latencies.length - 1] as number),
      signals,
      spike,
      degraded,
      events: completed,
    };
  }

  #between([lo, hi]: readonly [number, number]): number {
    return lo + Math.floor(this.#rng.next() * (hi - lo + 1));
  }

  #pickSignal(): SignalType {
    const u = this.#rng.next();
    for (let i = 0; i < SIGNAL_TYPES.length; i++) {
      if (u < (this.#signalWeights[i] as number)) return SIGNAL_TYPES[i] as SignalType;
    }
    return SIGNAL_TYPES[SIGNAL_TYPES.length - 1] as SignalType;
  }

  #record(kind: 'spike' | 'degradation', start: number, end: number): PipelineDisturbance {
    const d: PipelineDisturbance = {
      kind,
      stage: kind === 'spike' ? 'source' : 'enrich',
      startCycle: start,
      endCycle: end,
      startMs: this.startMs + start * this.options.cycleMs,
      endMs: this.startMs + end * this.options.cycleMs,
    };
    this.#disturbances.push(d);
    return d;
  }
}

function nextStage(stage: PipelineStage): PipelineStage | undefined {
  const i = PIPELINE_STAGES.indexOf(stage);
  return PIPELINE_STAGES[i + 1];
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function rankPercentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** Poisson deviate: Knuth's product method below 30, a rounded normal above. */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function validatePipelineOptions(
  o: PipelineSimulatorOptions,
): { field: string; reason: string }[] {
  const problems: { field: string; reason: string }[] = [];
  const positive = (field: string, v: number, integer = false): void => {
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      problems.push({ field, reason: `must be a positive ${integer ? 'integer' : 'number'}` });
    }
  };
  const share = (field: string, v: number): void => {
    if (!Number.isFinite(v) || v < 0 || v > 1) {
      problems.push({ field, reason: 'must be between 0 and 1' });
    }
  };
  if (!Number.isInteger(o.seed)) problems.push({ field: 'seed', reason: 'must be an integer' });
  if (!Number.isFinite(o.startMs)) problems.push({ field: 'startMs', reason: 'must be finite' });
  positive('cycleMs', o.cycleMs, true);
  for (const stage of PIPELINE_STAGES) {
    const s = o.stages[stage];
    if (s === undefined) {
      problems.push({ field: `stages.${stage}`, reason: 'is required' });
      continue;
    }
    positive(`stages.${stage}.capacityPerCycle`, s.capacityPerCycle, true);
    positive(`stages.${stage}.queueCapacity`, s.queueCapacity, true);
    positive(`stages.${stage}.processingMs`, s.processingMs);
  }
  for (const f of ['quietRate', 'normalRate', 'busyRate', 'spikeMultiplier'] as const) {
    positive(f, o[f]);
  }
  positive('trafficPeriodCycles', o.trafficPeriodCycles, true);
  share('spikeChance', o.spikeChance);
  share('degradeChance', o.degradeChance);
  share('degradeFactor', o.degradeFactor);
  share('invalidShare', o.invalidShare);
  for (const f of ['spikeCycles', 'degradeCycles'] as const) {
    const [lo, hi] = o[f];
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
      problems.push({ field: f, reason: 'must be [min, max] positive integers with min <= max' });
    }
  }
  if (SIGNAL_TYPES.reduce((s, t) => s + (o.signalMix[t] ?? 0), 0) <= 0) {
    problems.push({ field: 'signalMix', reason: 'must give some signal type a positive share' });
  }
  return problems;
}

/** Well-known metric names of the pipeline's telemetry (docs/pipeline.md). */
export const PIPELINE_METRICS = {
  arrivals: 'pipeline_stage_arrivals',
  processed: 'pipeline_stage_processed',
  queueDepth: 'pipeline_queue_depth',
  queueCapacity: 'pipeline_queue_capacity',
  drops: 'pipeline_stage_drops',
  processingMs: 'pipeline_stage_processing_ms',
  throughput: 'pipeline_throughput',
  latencyP95: 'pipeline_latency_p95_cycles',
  latencyP99: 'pipeline_latency_p99_cycles',
  signalEvents: 'pipeline_signal_events',
  /** Cumulative count of events completed this cycle with latency <= `le` cycles. */
  latencyBucket: 'pipeline_latency_cycles_bucket',
  rejected: 'pipeline_rejected',
} as const;

/** Upper bounds (cycles) of the latency histogram; `+Inf` is added. */
export const PIPELINE_LATENCY_BUCKETS = [4, 5, 6, 8, 10, 12, 15, 20, 30, 60] as const;

/** Cumulative histogram of latencies over PIPELINE_LATENCY_BUCKETS then +Inf. */
export function latencyHistogram(events: readonly CompletedEvent[]): number[] {
  const counts = new Array<number>(PIPELINE_LATENCY_BUCKETS.length + 1).fill(0);
  for (const e of events) {
    let i = PIPELINE_LATENCY_BUCKETS.findIndex((le) => e.latencyCycles <= le);
    if (i < 0) i = PIPELINE_LATENCY_BUCKETS.length;
    counts[i] = (counts[i] as number) + 1;
  }
  for (let i = 1; i < counts.length; i++)
    counts[i] = (counts[i] as number) + (counts[i - 1] as number);
  return counts;
}

/** One cycle as telemetry events of data contract v1, tagged with the pipeline and stage. */
export function pipelineCycleEvents(name: string, c: PipelineCycle): TelemetryEvent[] {
  const timestamp = new Date(c.timestampMs).toISOString();
  const M = PIPELINE_METRICS;
  const out: TelemetryEvent[] = [];
  const push = (metric: string, value: number, tags: Record<string, string>): void => {
    out.push({
      timestamp,
      source_id: `pipeline/${name}`,
      metric_name: metric,
      metric_value: value,
      tags: { pipeline: name, ...tags },
    });
  };
  for (const s of c.stages) {
    const tags = { stage: s.stage };
    push(M.arrivals, s.arrivals, tags);
    push(M.processed, s.processed, tags);
    push(M.queueDepth, s.queueDepth, tags);
    push(M.queueCapacity, s.queueCapacity, tags);
    push(M.drops, s.drops, tags);
    push(M.processingMs, s.processingMs, tags);
  }
  push(M.throughput, c.completed, {});
  push(M.latencyP95, c.latencyP95, {});
  push(M.latencyP99, c.latencyP99, {});
  push(M.rejected, c.rejected, {});
  const hist = latencyHistogram(c.events);
  hist.forEach((n, i) => {
    const le = PIPELINE_LATENCY_BUCKETS[i];
    push(M.latencyBucket, n, { le: le === undefined ? '+Inf' : String(le) });
  });
  for (const signal of SIGNAL_TYPES) {
    push(M.signalEvents, c.signals[signal].completed, { signal });
  }
  return out;
}
