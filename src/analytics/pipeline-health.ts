/**
 * @module
 * Health of a staged data pipeline from its per-cycle telemetry: a traffic light per stage and
 * overall, the two pipeline SLOs (end-to-end latency and throughput) with pass/fail and burn,
 * and incidents for queue overflow and SLO misses with a summary a person can act on (what,
 * where, since when, how bad, what recovered). Pure: observations come in with their own
 * timestamps; nothing here reads a clock. Rules and worked examples: docs/pipeline.md.
 */
import type {
  PipelineHealth,
  PipelineIncident,
  PipelineIncidentKind,
  PipelineLight,
  PipelineSloStatus,
  StageHealth,
} from '../contract/index.ts';
import { burnRate } from './slo.ts';

// The answer shapes live in the contract (the dashboard reads them too); re-exported here.
export type {
  PipelineHealth,
  PipelineIncident,
  PipelineIncidentKind,
  PipelineLight,
  PipelineSloStatus,
  StageHealth,
} from '../contract/index.ts';

export interface PipelineStageObservation {
  readonly stage: string;
  readonly arrivals: number;
  readonly processed: number;
  readonly queueDepth: number;
  readonly queueCapacity: number;
  readonly drops: number;
  /** Mean processing time per event this cycle, ms (0 when nothing was processed). */
  readonly processingMs: number;
}

/** One cycle of one pipeline, as its telemetry reports it. Stages in flow order. */
export interface PipelineObservation {
  readonly pipeline: string;
  readonly timestampMs: number;
  readonly stages: readonly PipelineStageObservation[];
  /** Events that left the last stage this cycle. */
  readonly completed: number;
  /** Events refused as invalid this cycle (not failures of the pipeline). */
  readonly rejected: number;
  /** Cumulative latency histogram: events completed with latency <= le cycles; le may be Infinity. */
  readonly latencyBuckets: readonly { readonly le: number; readonly count: number }[];
  readonly latencyP95: number;
  readonly latencyP99: number;
  /** Completed events per signal type this cycle. */
  readonly signals: Readonly<Record<string, number>>;
}

export interface PipelineHealthOptions {
  /** Cycles the stage lights look back over. */
  readonly windowCycles: number;
  /** Queue fill shares that turn a stage red / orange. */
  readonly queueRedShare: number;
  readonly queueOrangeShare: number;
  /** Processing time over this multiple of the stage's learned normal turns it orange. */
  readonly processingOrangeRatio: number;
  readonly latencySlo: { readonly thresholdCycles: number; readonly objective: number };
  /**
   * A block of `blockCycles` passes when it completed at least `minPerCycle` per cycle on
   * average, or (quiet traffic is not the pipeline's fault) at least `deliveredShare` of what it
   * was offered.
   */
  readonly throughputSlo: {
    readonly minPerCycle: number;
    readonly objective: number;
    readonly blockCycles: number;
    readonly deliveredShare: number;
  };
  /** The SLO window, and the short and long burn-rate windows, in cycles. */
  readonly sloWindowCycles: number;
  readonly burnShortCycles: number;
  readonly burnLongCycles: number;
  /** A short-window burn at or above this is fast burn (red); above 1 is slow burn (orange). */
  readonly fastBurn: number;
  /** An overflow incident resolves after this many cycles without drops. */
  readonly overflowQuietCycles: number;
}

export function defaultPipelineHealthOptions(): PipelineHealthOptions {
  return {
    windowCycles: 30,
    queueRedShare: 0.9,
    queueOrangeShare: 0.5,
    processingOrangeRatio: 2,
    latencySlo: { thresholdCycles: 10, objective: 0.99 },
    throughputSlo: { minPerCycle: 35, objective: 0.99, blockCycles: 60, deliveredShare: 0.95 },
    sloWindowCycles: 3_600,
    burnShortCycles: 300,
    burnLongCycles: 3_600,
    fastBurn: 14.4,
    overflowQuietCycles: 30,
  };
}

export interface PipelineIncidentChange {
  readonly kind: 'opened' | 'resolved';
  readonly incident: PipelineIncident;
}

const RANK: Record<PipelineLight, number> = { green: 0, orange: 1, red: 2 };

/** A fixed-size ring of numbers with a running sum. */
class Ring {
  readonly #values: Float64Array;
  #next = 0;
  #size = 0;
  #sum = 0;
  constructor(capacity: number) {
    this.#values = new Float64Array(Math.max(1, capacity));
  }
  push(v: number): void {
    if (this.#size === this.#values.length) this.#sum -= this.#values[this.#next] as number;
    else this.#size++;
    this.#values[this.#next] = v;
    this.#sum += v;
    this.#next = (this.#next + 1) % this.#values.length;
  }
  get size(): number {
    return this.#size;
  }
  /** Sum of the newest `n` values. */
  sumLast(n: number): number {
    if (n >= this.#size) return this.#sum;
    let s = 0;
    for (let i = 1; i <= n; i++) {
      s += this.#values[(this.#next - i + this.#values.length) % this.#values.length] as number;
    }
    return s;
  }
  /** The newest `n` values, oldest first. */
  last(n: number): number[] {
    const k = Math.min(n, this.#size);
    const out: number[] = [];
    for (let i = k; i >= 1; i--) {
      out.push(
        this.#values[(this.#next - i + this.#values.length) % this.#values.length] as number,
      );
    }
    return out;
  }
}

interface StageState {
  readonly drops: Ring;
  readonly processed: Ring;
  readonly arrivals: Ring;
  readonly depth: Ring;
  /** Processing time in healthy cycles, for the learned normal. */
  normalMs: number | undefined;
  last: PipelineStageObservation;
}

interface OpenIncident {
  id: string;
  kind: PipelineIncidentKind;
  stage?: string;
  startedMs: number;
  lastBadMs: number;
  quietCycles: number;
  badCount: number;
  peak: number;
  capacity?: number;
}

/**
 * @example
 * const monitor = new PipelineMonitor('signals');
 * for (const obs of observations) for (const change of monitor.observe(obs)) notify(change);
 * monitor.health(); // lights, SLOs, incidents
 */
export class PipelineMonitor {
  readonly pipeline: string;
  readonly options: PipelineHealthOptions;
  readonly #stages = new Map<string, StageState>();
  readonly #stageOrder: string[] = [];
  readonly #completed: Ring;
  readonly #latencyGood: Ring;
  readonly #offered: Ring;
  /** Per throughput block: 1 good or 0 bad; plus the block being filled. */
  readonly #blocks: Ring;
  #blockCompleted = 0;
  #blockCycles = 0;
  readonly #signals = new Map<string, Ring>();
  readonly #open = new Map<string, OpenIncident>();
  readonly #closed: PipelineIncident[] = [];
  #last: PipelineObservation | undefined;
  #cycles = 0;
  #incidentSeq = 0;

  constructor(pipeline: string, options: Partial<PipelineHealthOptions> = {}) {
    this.pipeline = pipeline;
    this.options = { ...defaultPipelineHealthOptions(), ...options };
    const n = this.options.sloWindowCycles;
    this.#completed = new Ring(n);
    this.#latencyGood = new Ring(n);
    this.#offered = new Ring(n);
    this.#blocks = new Ring(Math.ceil(n / this.options.throughputSlo.blockCycles));
  }

  /** Feeds one cycle; returns the incidents it opened or resolved. */
  observe(obs: PipelineObservation): PipelineIncidentChange[] {
    const o = this.options;
    this.#cycles++;
    this.#last = obs;
    for (const s of obs.stages) this.#observeStage(s);
    this.#completed.push(obs.completed);
    this.#latencyGood.push(
      goodWithin(obs.latencyBuckets, o.latencySlo.thresholdCycles, obs.completed),
    );
    const offered = Math.max(0, (obs.stages[0]?.arrivals ?? obs.completed) - obs.rejected);
    this.#offered.push(offered);
    for (const [signal, n] of Object.entries(obs.signals)) {
      let ring = this.#signals.get(signal);
      if (ring === undefined) {
        ring = new Ring(o.windowCycles);
        this.#signals.set(signal, ring);
      }
      ring.push(n);
    }
    this.#blockCompleted += obs.completed;
    this.#blockCycles++;
    let blockClosed: boolean | undefined;
    if (this.#blockCycles === o.throughputSlo.blockCycles) {
      // What a block delivers was offered about one transit earlier (a cycle per stage), so
      // compare with the offered counts shifted by that lag, not with events still in flight.
      const lag = obs.stages.length;
      const offeredLagged =
        this.#offered.sumLast(this.#blockCycles + lag) - this.#offered.sumLast(lag);
      blockClosed = throughputBlockGood(
        this.#blockCompleted,
        offeredLagged,
        this.#blockCycles,
        o.throughputSlo,
      );
      this.#blocks.push(blockClosed ? 1 : 0);
      this.#blockCompleted = 0;
      this.#blockCycles = 0;
    }
    return this.#updateIncidents(obs, blockClosed);
  }

  #observeStage(s: PipelineStageObservation): void {
    let st = this.#stages.get(s.stage);
    const w = this.options.windowCycles;
    if (st === undefined) {
      st = {
        drops: new Ring(w),
        processed: new Ring(w),
        arrivals: new Ring(w),
        depth: new Ring(w),
        normalMs: undefined,
        last: s,
      };
      this.#stages.set(s.stage, st);
      this.#stageOrder.push(s.stage);
    }
    st.drops.push(s.drops);
    st.processed.push(s.processed);
    st.arrivals.push(s.arrivals);
    st.depth.push(s.queueDepth);
    st.last = s;
    // Learn normal processing time from calm cycles only (no drops, queue under half full, not
    // itself slow), so a slowdown never becomes the new normal.
    const calm =
      s.processed > 0 &&
      s.drops === 0 &&
      s.queueDepth < s.queueCapacity * 0.5 &&
      (st.normalMs === undefined ||
        s.processingMs < st.normalMs * this.options.processingOrangeRatio);
    if (calm) {
      st.normalMs =
        st.normalMs === undefined
          ? s.processingMs
          : st.normalMs + 0.02 * (s.processingMs - st.normalMs);
    }
  }

  #stageHealth(name: string, st: StageState): StageHealth {
    const o = this.options;
    const s = st.last;
    const n = st.drops.size;
    const drops = st.drops.sumLast(n);
    const processed = st.processed.sumLast(n);
    const arrivals = st.arrivals.sumLast(n);
    const fill = s.queueCapacity > 0 ? s.queueDepth / s.queueCapacity : 0;
    const depths = st.depth.last(10);
    const growing =
      depths.length === 10 && depths.every((d, i) => i === 0 || d > (depths[i - 1] as number));
    const normal = st.normalMs ?? s.processingMs;
    const slow = normal > 0 && s.processingMs >= normal * o.processingOrangeRatio;
    let light: PipelineLight = 'green';
    let reason = 'queue short, no drops, processing at its normal speed';
    if (drops > 0) {
      light = 'red';
      reason = `${drops} events dropped in the last ${n} cycles (queue ${s.queueDepth}/${s.queueCapacity})`;
    } else if (fill >= o.queueRedShare) {
      light = 'red';
      reason = `queue ${pct(fill)} full (${s.queueDepth}/${s.queueCapacity})`;
    } else if (fill >= o.queueOrangeShare) {
      light = 'orange';
      reason = `queue ${pct(fill)} full (${s.queueDepth}/${s.queueCapacity})`;
    } else if (growing && fill >= 0.1) {
      light = 'orange';
      reason = `queue grew for 10 cycles in a row (${s.queueDepth}/${s.queueCapacity})`;
    } else if (slow) {
      light = 'orange';
      reason = `processing ${fmt(s.processingMs)} ms per event, ${fmt(s.processingMs / normal)}× its normal ${fmt(normal)} ms`;
    }
    return {
      stage: name,
      light,
      reason,
      queueDepth: s.queueDepth,
      queueCapacity: s.queueCapacity,
      utilisation: arrivals + s.queueDepth > 0 ? Math.min(1, processed / Math.max(arrivals, 1)) : 0,
      dropsInWindow: drops,
      throughputPerCycle: n > 0 ? processed / n : 0,
      processingMs: s.processingMs,
      normalProcessingMs: round(normal),
    };
  }

  slos(): PipelineSloStatus[] {
    const o = this.options;
    const total = this.#completed.sumLast(o.sloWindowCycles);
    const good = this.#latencyGood.sumLast(o.sloWindowCycles);
    const latency = sloStatus(
      'latency',
      `end-to-end latency <= ${o.latencySlo.thresholdCycles} cycles for ${pct(o.latencySlo.objective)} of events`,
      o.latencySlo.objective,
      good,
      total,
      burnRate(
        o.latencySlo.objective,
        this.#latencyGood.sumLast(o.burnShortCycles),
        this.#completed.sumLast(o.burnShortCycles),
      ),
      burnRate(
        o.latencySlo.objective,
        this.#latencyGood.sumLast(o.burnLongCycles),
        this.#completed.sumLast(o.burnLongCycles),
      ),
    );
    const t = o.throughputSlo;
    const blocksIn = (cycles: number): number => Math.max(1, Math.ceil(cycles / t.blockCycles));
    const blocks = this.#blocks.size;
    const goodBlocks = this.#blocks.sumLast(blocks);
    const throughput = sloStatus(
      'throughput',
      `throughput >= ${t.minPerCycle} events per cycle (or >= ${pct(t.deliveredShare)} of what was offered) in ${pct(t.objective)} of ${t.blockCycles}-cycle blocks`,
      t.objective,
      goodBlocks,
      blocks,
      burnRate(
        t.objective,
        this.#blocks.sumLast(blocksIn(o.burnShortCycles)),
        Math.min(blocks, blocksIn(o.burnShortCycles)),
      ),
      burnRate(
        t.objective,
        this.#blocks.sumLast(blocksIn(o.burnLongCycles)),
        Math.min(blocks, blocksIn(o.burnLongCycles)),
      ),
    );
    return [latency, throughput];
  }

  health(): PipelineHealth {
    const o = this.options;
    const stages = this.#stageOrder.map((name) =>
      this.#stageHealth(name, this.#stages.get(name) as StageState),
    );
    const slos = this.slos();
    let light: PipelineLight = 'green';
    let reason = 'every stage healthy and both SLOs within budget';
    for (const s of stages) {
      if (RANK[s.light] > RANK[light]) {
        light = s.light;
        reason = `${s.stage}: ${s.reason}`;
      }
    }
    for (const slo of slos) {
      const sloLight: PipelineLight =
        slo.burnShort >= o.fastBurn || !slo.pass ? 'red' : slo.burnShort > 1 ? 'orange' : 'green';
      if (RANK[sloLight] > RANK[light]) {
        light = sloLight;
        reason = `${slo.name} SLO ${slo.pass ? 'burning' : 'missed'}: burn ${fmt(slo.burnShort)}× over the short window`;
      }
    }
    const w = Math.min(o.windowCycles, this.#completed.size);
    const signals: Record<string, number> = {};
    for (const [k, ring] of this.#signals) signals[k] = ring.sumLast(o.windowCycles);
    return {
      pipeline: this.pipeline,
      atMs: this.#last?.timestampMs ?? 0,
      light,
      reason,
      stages,
      slos,
      throughputPerCycle: w > 0 ? round(this.#completed.sumLast(w) / w) : 0,
      latencyP95: this.#last?.latencyP95 ?? 0,
      latencyP99: this.#last?.latencyP99 ?? 0,
      signals,
      incidents: this.incidents(),
      cycles: this.#cycles,
    };
  }

  /** Open incidents first (newest first), then the resolved ones, newest first. */
  incidents(): PipelineIncident[] {
    const open = [...this.#open.values()].map((i) => this.#render(i, undefined));
    open.sort((a, b) => b.startedMs - a.startedMs);
    return [...open, ...[...this.#closed].reverse()];
  }

  #updateIncidents(
    obs: PipelineObservation,
    blockGood: boolean | undefined,
  ): PipelineIncidentChange[] {
    const o = this.options;
    const changes: PipelineIncidentChange[] = [];
    const opened: OpenIncident[] = [];
    const open = (key: string, init: Omit<OpenIncident, 'id' | 'quietCycles'>): OpenIncident => {
      const existing = this.#open.get(key);
      if (existing !== undefined) return existing;
      const inc: OpenIncident = {
        ...init,
        id: `${this.pipeline}-${init.kind}-${++this.#incidentSeq}`,
        quietCycles: 0,
      };
      this.#open.set(key, inc);
      opened.push(inc);
      return inc;
    };
    const resolve = (key: string): void => {
      const inc = this.#open.get(key);
      if (inc === undefined) return;
      this.#open.delete(key);
      const done = this.#render(inc, obs.timestampMs);
      this.#closed.push(done);
      if (this.#closed.length > 200) this.#closed.shift();
      changes.push({ kind: 'resolved', incident: done });
    };
    // Queue overflow: any drops at a stage; resolved after a quiet spell.
    for (const s of obs.stages) {
      const key = `queue_overflow:${s.stage}`;
      if (s.drops > 0) {
        const inc = open(key, {
          kind: 'queue_overflow',
          stage: s.stage,
          startedMs: obs.timestampMs,
          lastBadMs: obs.timestampMs,
          badCount: 0,
          peak: 0,
          capacity: s.queueCapacity,
        });
        inc.badCount += s.drops;
        inc.lastBadMs = obs.timestampMs;
        inc.quietCycles = 0;
        inc.peak = Math.max(inc.peak, s.queueDepth);
      } else {
        const inc = this.#open.get(key);
        if (inc !== undefined && ++inc.quietCycles >= o.overflowQuietCycles) resolve(key);
      }
    }
    // SLO misses: fast burn over the short window opens; burn back under 1 resolves.
    const slos = this.slos();
    const latency = slos[0] as PipelineSloStatus;
    const latencyBad = Math.max(
      0,
      obs.completed - goodWithin(obs.latencyBuckets, o.latencySlo.thresholdCycles, obs.completed),
    );
    this.#sloIncident('latency_slo', latency, obs, latencyBad, open, resolve);
    if (blockGood !== undefined) {
      this.#sloIncident(
        'throughput_slo',
        slos[1] as PipelineSloStatus,
        obs,
        blockGood ? 0 : 1,
        open,
        resolve,
      );
    }
    // Announced after this cycle's counts are in, so the summary says how bad it already is.
    for (const inc of opened)
      changes.unshift({ kind: 'opened', incident: this.#render(inc, undefined) });
    return changes;
  }

  #sloIncident(
    kind: 'latency_slo' | 'throughput_slo',
    slo: PipelineSloStatus,
    obs: PipelineObservation,
    bad: number,
    open: (key: string, init: Omit<OpenIncident, 'id' | 'quietCycles'>) => OpenIncident,
    resolve: (key: string) => void,
  ): void {
    const o = this.options;
    const existing = this.#open.get(kind);
    if (slo.burnShort >= o.fastBurn) {
      const inc = open(kind, {
        kind,
        startedMs: obs.timestampMs,
        lastBadMs: obs.timestampMs,
        badCount: 0,
        peak: 0,
      });
      inc.badCount += bad;
      if (bad > 0) inc.lastBadMs = obs.timestampMs;
      inc.peak = Math.max(inc.peak, slo.burnShort);
    } else if (existing !== undefined) {
      existing.badCount += bad;
      if (bad > 0) existing.lastBadMs = obs.timestampMs;
      if (slo.burnShort <= 1) resolve(kind);
    }
  }

  #render(inc: OpenIncident, resolvedMs: number | undefined): PipelineIncident {
    const since = new Date(inc.startedMs).toISOString();
    const lasted = fmtDuration((resolvedMs ?? inc.lastBadMs) - inc.startedMs);
    let summary: string;
    if (inc.kind === 'queue_overflow') {
      summary = `${inc.stage} queue overflowing since ${since}: ${inc.badCount} events dropped, queue peaked at ${inc.peak}/${inc.capacity}`;
    } else if (inc.kind === 'latency_slo') {
      summary = `latency SLO burning since ${since}: ${inc.badCount} events slower than ${this.options.latencySlo.thresholdCycles} cycles, burn peaked at ${fmt(inc.peak)}×`;
    } else {
      summary = `throughput SLO burning since ${since}: ${inc.badCount} ${this.options.throughputSlo.blockCycles}-cycle blocks under ${this.options.throughputSlo.minPerCycle} events per cycle, burn peaked at ${fmt(inc.peak)}×`;
    }
    summary +=
      resolvedMs === undefined
        ? ` (ongoing, ${lasted})`
        : `; recovered at ${new Date(resolvedMs).toISOString()} after ${lasted}`;
    return {
      id: inc.id,
      pipeline: this.pipeline,
      kind: inc.kind,
      ...(inc.stage === undefined ? {} : { stage: inc.stage }),
      status: resolvedMs === undefined ? 'active' : 'resolved',
      startedMs: inc.startedMs,
      lastBadMs: inc.lastBadMs,
      ...(resolvedMs === undefined ? {} : { resolvedMs }),
      badCount: inc.badCount,
      peak: round(inc.peak),
      ...(inc.capacity === undefined ? {} : { capacity: inc.capacity }),
      summary,
    };
  }
}

/**
 * Events within `thresholdCycles` from a cumulative histogram: the count of the largest bucket
 * bound at or under the threshold (conservative when the threshold falls between bounds).
 */
export function goodWithin(
  buckets: readonly { readonly le: number; readonly count: number }[],
  thresholdCycles: number,
  completed: number,
): number {
  let good = 0;
  for (const b of buckets) if (b.le <= thresholdCycles) good = Math.max(good, b.count);
  return Math.min(good, completed);
}

/** Whether one throughput block met the SLO. */
export function throughputBlockGood(
  completed: number,
  offered: number,
  cycles: number,
  slo: PipelineHealthOptions['throughputSlo'],
): boolean {
  return completed / cycles >= slo.minPerCycle || completed >= offered * slo.deliveredShare;
}

function sloStatus(
  name: 'latency' | 'throughput',
  description: string,
  objective: number,
  good: number,
  total: number,
  burnShort: number,
  burnLong: number,
): PipelineSloStatus {
  const sli = total > 0 ? good / total : 1;
  const budget = 1 - objective;
  return {
    name,
    description,
    objective,
    sli: round(sli, 5),
    pass: sli >= objective,
    budgetRemaining: round(budget > 0 ? 1 - (1 - sli) / budget : 0, 4),
    burnShort: round(burnShort),
    burnLong: round(burnLong),
    good,
    total,
  };
}

function pct(x: number): string {
  return `${round(x * 100, 1)}%`;
}

function fmt(x: number): string {
  return String(round(x, 1));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${round(m / 60, 1)} h`;
}
