/**
 * @module
 * The engine-neutral range-query executor: folds per-series slots (see rollup.ts) into aligned
 * buckets per group, implementing the semantics documented on `RangeQuery`. Every store engine
 * feeds it slots (from raw samples and/or stored 1-minute rollups) and returns its points, so
 * every engine answers identically.
 *
 * Rate: the increase of a counter in a bucket is the sum of `counterDelta(prev, cur)` over
 * consecutive samples of a series where `cur` lies in the bucket and `prev` is no older than the
 * start of the previous bucket (t - stepMs). Inside a slot the slot's `inc` carries it; across
 * slots the pair (last of the previous slot, first of this one) counts when the previous slot
 * starts at or after t - stepMs. The rate is that increase per second of the step, summed over
 * the group's series. Engines must supply slots from `lookbackStartMs` on for this.
 */
import type { Aggregation, Point } from '../contract/index.ts';
import { quantileSorted } from './kpi.ts';
import { counterDelta, type SlotColumns, type SlotNeeds } from './rollup.ts';
import { QuantileSketch, sketchKey } from './sketch.ts';

export interface BucketSpec {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly agg: Aggregation;
}

const QUANTILE_OF: Partial<Record<Aggregation, number>> = {
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

/** The slot columns an aggregation reads. */
export function slotNeeds(agg: Aggregation): SlotNeeds {
  return {
    sum: agg === 'avg' || agg === 'sum',
    minMax: agg === 'min' || agg === 'max',
    rate: agg === 'rate',
    quantile: QUANTILE_OF[agg] !== undefined,
  };
}

/** First timestamp whose samples a query needs (look-back for rate; else fromMs). */
export function lookbackStartMs(spec: BucketSpec): number {
  if (spec.agg !== 'rate') return spec.fromMs;
  return Math.floor(spec.fromMs / spec.stepMs) * spec.stepMs - spec.stepMs;
}

interface GroupAcc {
  count: Float64Array;
  value: Float64Array;
  exact: Array<number[] | null> | null;
  sketch: Array<QuantileSketch | null> | null;
}

/** Aggregates slots into buckets, one accumulator per group index. */
export class RangeAggregator {
  readonly #spec: BucketSpec;
  readonly #b0: number;
  readonly #nb: number;
  readonly #groups: Array<GroupAcc | undefined> = [];
  readonly #q: number | undefined;
  /** Sketches released by `take`, reused by later buckets (per-series quantile queries). */
  readonly #sketchPool: QuantileSketch[] = [];
  /** A released accumulator, reused by the next group (per-series queries). */
  #free: GroupAcc | null = null;

  constructor(spec: BucketSpec) {
    if (!(spec.stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${spec.stepMs}`);
    this.#spec = spec;
    this.#b0 = Math.floor(spec.fromMs / spec.stepMs);
    this.#nb = Math.max(0, Math.floor(spec.toMs / spec.stepMs) - this.#b0 + 1);
    this.#q = QUANTILE_OF[spec.agg];
  }

  #acc(group: number): GroupAcc {
    let g = this.#groups[group];
    if (g === undefined && this.#free !== null) {
      g = this.#free;
      this.#free = null;
      g.count.fill(0);
      g.value.fill(
        this.#spec.agg === 'min'
          ? Number.POSITIVE_INFINITY
          : this.#spec.agg === 'max'
            ? Number.NEGATIVE_INFINITY
            : 0,
      );
      g.exact?.fill(null);
      g.sketch?.fill(null);
      this.#groups[group] = g;
    }
    if (g === undefined) {
      const nb = this.#nb;
      const value = new Float64Array(nb);
      if (this.#spec.agg === 'min') value.fill(Number.POSITIVE_INFINITY);
      if (this.#spec.agg === 'max') value.fill(Number.NEGATIVE_INFINITY);
      const quant = this.#q !== undefined;
      g = {
        count: new Float64Array(nb),
        value,
        exact: quant ? new Array<number[] | null>(nb).fill(null) : null,
        sketch: quant ? new Array<QuantileSketch | null>(nb).fill(null) : null,
      };
      this.#groups[group] = g;
    }
    return g;
  }

  /** Folds one series' time-ordered slots into a group. */
  add(group: number, s: SlotColumns): void {
    const { agg } = this.#spec;
    const g = this.#acc(group);
    switch (agg) {
      case 'avg':
      case 'sum':
      case 'count':
      case 'min':
      case 'max':
        this.#addSimple(g, s);
        return;
      case 'rate':
        this.#addRate(g, s);
        return;
      default:
        this.#addQuantile(g, s);
    }
  }

  /** avg/sum/count/min/max: one tight loop per aggregation (the dashboard hot path). */
  #addSimple(g: GroupAcc, s: SlotColumns): void {
    const { fromMs, toMs, stepMs, agg } = this.#spec;
    const b0 = this.#b0;
    const n = s.length;
    const start = s.startMs;
    const count = s.count;
    const gc = g.count;
    const gv = g.value;
    let i = 0;
    while (i < n && (start[i] as number) < fromMs) i++;
    if (agg === 'avg' || agg === 'sum') {
      const sum = s.sum;
      for (; i < n; i++) {
        const t = start[i] as number;
        if (t > toMs) break;
        const b = (Math.floor(t / stepMs) - b0) | 0;
        gc[b] = (gc[b] as number) + (count[i] as number);
        gv[b] = (gv[b] as number) + (sum[i] as number);
      }
    } else if (agg === 'count') {
      for (; i < n; i++) {
        const t = start[i] as number;
        if (t > toMs) break;
        const b = (Math.floor(t / stepMs) - b0) | 0;
        gc[b] = (gc[b] as number) + (count[i] as number);
      }
    } else {
      const col = agg === 'min' ? s.min : s.max;
      const isMin = agg === 'min';
      for (; i < n; i++) {
        const t = start[i] as number;
        if (t > toMs) break;
        const b = (Math.floor(t / stepMs) - b0) | 0;
        gc[b] = (gc[b] as number) + (count[i] as number);
        const m = col[i] as number;
        if (isMin ? m < (gv[b] as number) : m > (gv[b] as number)) gv[b] = m;
      }
    }
  }

  #addRate(g: GroupAcc, s: SlotColumns): void {
    const { fromMs, toMs, stepMs } = this.#spec;
    const b0 = this.#b0;
    let prevStart = Number.NEGATIVE_INFINITY;
    let prevLast = Number.NaN;
    let havePrev = false;
    for (let i = 0; i < s.length; i++) {
      const start = s.startMs[i] as number;
      if (start > toMs) break;
      if (start >= fromMs) {
        const bucket = Math.floor(start / stepMs);
        const b = (bucket - b0) | 0;
        g.count[b] = (g.count[b] as number) + (s.count[i] as number);
        let inc = s.inc[i] as number;
        if (havePrev && prevStart >= bucket * stepMs - stepMs) {
          inc += counterDelta(prevLast, s.first[i] as number);
        }
        g.value[b] = (g.value[b] as number) + inc;
      }
      prevStart = start;
      prevLast = s.last[i] as number;
      havePrev = true;
    }
  }

  #addQuantile(g: GroupAcc, s: SlotColumns): void {
    const { fromMs, toMs, stepMs } = this.#spec;
    const b0 = this.#b0;
    const exact = g.exact as Array<number[] | null>;
    const sketches = g.sketch as Array<QuantileSketch | null>;
    for (let i = 0; i < s.length; i++) {
      const start = s.startMs[i] as number;
      if (start > toMs) break;
      if (start < fromMs) continue;
      const b = (Math.floor(start / stepMs) - b0) | 0;
      g.count[b] = (g.count[b] as number) + (s.count[i] as number);
      const ex = s.exact[i];
      if (ex) {
        const arr = exact[b] ?? [];
        for (let k = 0; k < ex.length; k++) arr.push(ex[k] as number);
        exact[b] = arr;
      } else {
        let acc = sketches[b];
        if (acc === null || acc === undefined) {
          acc = this.#sketchPool.pop() ?? new QuantileSketch();
          sketches[b] = acc;
        }
        const mn = s.min[i] as number;
        const mx = s.max[i] as number;
        acc.addKey(sketchKey(mn), 1);
        if ((s.count[i] as number) >= 2) acc.addKey(sketchKey(mx), 1);
        acc.addKeys(s.keys, s.keyFrom[i] as number, s.keyTo[i] as number);
        acc.widen(mn, mx);
      }
    }
  }

  /** The group's points (buckets with samples only), releasing its accumulator. */
  take(group: number): Point[] {
    const g = this.#groups[group];
    this.#groups[group] = undefined;
    if (g === undefined) return [];
    const { stepMs, agg } = this.#spec;
    let points = 0;
    for (let b = 0; b < this.#nb; b++) if ((g.count[b] as number) > 0) points++;
    const out: Point[] = new Array(points);
    let o = 0;
    const seconds = stepMs / 1000;
    for (let b = 0; b < this.#nb; b++) {
      const n = g.count[b] as number;
      if (n === 0) continue;
      const ts = (this.#b0 + b) * stepMs;
      const v = g.value[b] as number;
      switch (agg) {
        case 'avg':
          out[o++] = [ts, v / n];
          break;
        case 'count':
          out[o++] = [ts, n];
          break;
        case 'rate':
          out[o++] = [ts, v / seconds];
          break;
        case 'sum':
        case 'min':
        case 'max':
          out[o++] = [ts, v];
          break;
        default: {
          const q = this.#q as number;
          const exact = g.exact?.[b] ?? null;
          const sketch = g.sketch?.[b] ?? null;
          let value: number | null;
          if (sketch === null) {
            const sorted = Float64Array.from(exact ?? []).sort();
            value = quantileSorted(sorted, q);
          } else {
            if (exact) for (const x of exact) sketch.add(x);
            value = sketch.quantile(q);
            sketch.reset();
            this.#sketchPool.push(sketch);
            (g.sketch as Array<QuantileSketch | null>)[b] = null;
          }
          if (value !== null) out[o++] = [ts, value];
        }
      }
    }
    this.#free = g;
    out.length = o;
    return out;
  }

  /** Whether a group received any in-range sample. */
  has(group: number): boolean {
    const g = this.#groups[group];
    if (g === undefined) return false;
    for (let b = 0; b < this.#nb; b++) if ((g.count[b] as number) > 0) return true;
    return false;
  }
}
