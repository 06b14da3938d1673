/**
 * @module
 * Rollup math. A *slot* summarises the samples of one series inside a time interval: count, sum,
 * min, max, first, last, the counter increase between consecutive samples inside the slot
 * (resets handled as in Prometheus: a drop means the counter restarted from zero), and the values'
 * distribution (exact values for raw slots, a QuantileSketch for stored 1-minute rollups).
 *
 * Slots are what both query paths produce: a store engine turns its 1-minute rollups into slots
 * directly and turns raw samples into slots with `rawSlots`; `RangeAggregator` then folds slots
 * into aligned buckets. Because an answer depends only on slots, raw and rollup paths agree.
 */

/** Length of a stored rollup interval. */
export const ROLLUP_MS = 60_000;

/**
 * One series' slots in time order, column by column in growable typed arrays (a column the
 * aggregation does not read may be left stale). Reused across series with `reset()`.
 */
export class SlotColumns {
  length = 0;
  /** Start of each slot (ms). A slot starting before the query's fromMs is look-back only. */
  startMs: Float64Array = new Float64Array(64);
  count: Float64Array = new Float64Array(64);
  sum: Float64Array = new Float64Array(64);
  min: Float64Array = new Float64Array(64);
  max: Float64Array = new Float64Array(64);
  first: Float64Array = new Float64Array(64);
  last: Float64Array = new Float64Array(64);
  /** Counter increase over consecutive pairs inside the slot. */
  inc: Float64Array = new Float64Array(64);
  /**
   * Quantile queries: exact values of a raw slot, or null for a rollup slot, whose distribution
   * is the sketch {key(min), key(max) when count >= 2, keys[keyFrom, keyTo)} (see sketch.ts).
   */
  exact: Array<Float64Array | null> = [];
  keyFrom: Float64Array = new Float64Array(64);
  keyTo: Float64Array = new Float64Array(64);
  /** Sketch keys of rollup slots, back to back. */
  keys: Int32Array = new Int32Array(256);
  keyCount = 0;

  reset(): void {
    this.length = 0;
    this.keyCount = 0;
    if (this.exact.length > 0) this.exact = [];
  }

  /** Appends keys[from, to) to the key pool and records them as slot n's inner keys. */
  setKeys(n: number, keys: ArrayLike<number>, from: number, to: number): void {
    const need = this.keyCount + (to - from);
    if (need > this.keys.length) {
      const next = new Int32Array(Math.max(need, this.keys.length * 2));
      next.set(this.keys.subarray(0, this.keyCount));
      this.keys = next;
    }
    this.keyFrom[n] = this.keyCount;
    for (let i = from; i < to; i++) this.keys[this.keyCount++] = keys[i] as number;
    this.keyTo[n] = this.keyCount;
  }

  /** Makes room for one more slot and returns its index. */
  push(): number {
    if (this.length === this.startMs.length) this.#grow(this.length * 2);
    return this.length++;
  }

  #grow(cap: number): void {
    const g = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.startMs = g(this.startMs);
    this.count = g(this.count);
    this.sum = g(this.sum);
    this.min = g(this.min);
    this.max = g(this.max);
    this.first = g(this.first);
    this.last = g(this.last);
    this.inc = g(this.inc);
    this.keyFrom = g(this.keyFrom);
    this.keyTo = g(this.keyTo);
  }
}

export function emptySlots(): SlotColumns {
  return new SlotColumns();
}

/** The increase of a counter from `prev` to `cur`: a drop is a reset to zero. */
export function counterDelta(prev: number, cur: number): number {
  return cur >= prev ? cur - prev : cur;
}

/** Which slot columns an aggregation reads (the engine may skip decoding the others). */
export interface SlotNeeds {
  readonly sum: boolean;
  readonly minMax: boolean;
  readonly rate: boolean;
  readonly quantile: boolean;
}

/**
 * Appends the slots of sorted, de-duplicated raw points [ts[i0], ts[i1]) to `out`. Slots split
 * at multiples of `widthMs` and at `splitMs` (the query's fromMs), so every slot lies wholly
 * before or wholly inside the query range.
 */
export function rawSlots(
  out: SlotColumns,
  ts: ArrayLike<number>,
  vals: ArrayLike<number>,
  i0: number,
  i1: number,
  widthMs: number,
  splitMs: number,
  needs: SlotNeeds,
): void {
  let i = i0;
  while (i < i1) {
    const t0 = ts[i] as number;
    let slotStart = Math.floor(t0 / widthMs) * widthMs;
    let slotEnd = slotStart + widthMs;
    if (splitMs > slotStart && splitMs < slotEnd) {
      if (t0 < splitMs) slotEnd = splitMs;
      else slotStart = splitMs;
    }
    let j = i;
    let sum = 0;
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    let inc = 0;
    let prev = Number.NaN;
    while (j < i1 && (ts[j] as number) < slotEnd) {
      const v = vals[j] as number;
      sum += v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (j > i) inc += counterDelta(prev, v);
      prev = v;
      j++;
    }
    const n = out.push();
    out.startMs[n] = slotStart;
    out.count[n] = j - i;
    if (needs.sum) out.sum[n] = sum;
    if (needs.minMax) {
      out.min[n] = mn;
      out.max[n] = mx;
    }
    if (needs.rate) {
      out.first[n] = vals[i] as number;
      out.last[n] = prev;
      out.inc[n] = inc;
    }
    if (needs.quantile) {
      const e = new Float64Array(j - i);
      for (let k = i; k < j; k++) e[k - i] = vals[k] as number;
      out.exact[n] = e;
    }
    i = j;
  }
}
