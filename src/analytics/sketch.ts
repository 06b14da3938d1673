/**
 * @module
 * A mergeable quantile sketch in the style of DDSketch (Masson, Rim, Lee: "DDSketch: a fast and
 * fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019).
 *
 * Every value maps to an integer key on one monotone line: positive values to
 * `ceil(log_gamma(v)) + KEY_OFFSET` (>= 1), values with |v| < MIN_INDEXABLE_VALUE to 0, negative
 * values to the mirror image. A sketch is a multiset of keys plus the exact count, min and max, so
 * merging is adding counts: associative, commutative, and lossless with respect to the keys.
 * The representative value of a key is within `SKETCH_RELATIVE_ACCURACY` (1%) of every value that
 * maps to it, so any quantile read from a sketch is within 1% of the same quantile of the inputs.
 *
 * Quantiles use the same rank rule as `quantileSorted` (linear interpolation between the ranks
 * floor(h) and floor(h)+1, h = q * (n - 1)), so raw and sketched answers agree up to the error.
 */

/** Relative accuracy of every quantile read from a sketch. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** |v| below this maps to the zero key (their quantiles read as 0). */
export const MIN_INDEXABLE_VALUE = 1e-9;
/** Shifts the log index of MIN_INDEXABLE_VALUE (about -1046) above zero. */
const KEY_OFFSET = 1100;
/** Largest key magnitude: log_gamma(Number.MAX_VALUE) + KEY_OFFSET is about 36 950. */
export const MAX_SKETCH_KEY = 37_000;

/** The key of a finite value. Monotone non-decreasing in `v`. */
export function sketchKey(v: number): number {
  if (v > MIN_INDEXABLE_VALUE) return Math.ceil(Math.log(v) / LN_GAMMA) + KEY_OFFSET;
  if (v < -MIN_INDEXABLE_VALUE) return -(Math.ceil(Math.log(-v) / LN_GAMMA) + KEY_OFFSET);
  return 0;
}

/**
 * The representative value of a key: the point of (gamma^(i-1), gamma^i] whose relative distance
 * to both ends is SKETCH_RELATIVE_ACCURACY.
 */
export function sketchValue(key: number): number {
  if (key === 0) return 0;
  const i = Math.abs(key) - KEY_OFFSET;
  const v = (2 * GAMMA ** i) / (GAMMA + 1);
  return key > 0 ? v : -v;
}

/**
 * A DDSketch-style multiset of keys with exact count, min and max. Counts live in a dense
 * window of keys (grown on demand): values of one metric cluster within a few hundred keys, so
 * adding and merging are array writes, and quantiles need no sort.
 */
export class QuantileSketch {
  #counts: Float64Array | null = null;
  /** Key stored at index 0 of #counts. */
  #offset = 0;
  /** Smallest and largest key with a count (valid when #count > 0). */
  #loKey = 0;
  #hiKey = 0;
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  get count(): number {
    return this.#count;
  }

  /** Empties the sketch, keeping its key window for reuse. */
  reset(): void {
    if (this.#count > 0) {
      this.#counts?.fill(0, this.#loKey - this.#offset, this.#hiKey - this.#offset + 1);
    }
    this.#count = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
  }

  get min(): number {
    return this.#min;
  }

  get max(): number {
    return this.#max;
  }

  add(v: number): void {
    this.addKey(sketchKey(v), 1);
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  #ensure(lo: number, hi: number): Float64Array {
    const c = this.#counts;
    if (c === null) {
      const size = Math.max(64, (hi - lo + 1) * 2);
      this.#offset = lo - Math.floor((size - (hi - lo + 1)) / 2);
      this.#counts = new Float64Array(size);
      return this.#counts;
    }
    const end = this.#offset + c.length;
    if (lo >= this.#offset && hi < end) return c;
    const newLo = Math.min(lo, this.#offset);
    const newHi = Math.max(hi, end - 1);
    const size = Math.max(c.length * 2, newHi - newLo + 1 + 32);
    const slack = size - (newHi - newLo + 1);
    const offset = lo < this.#offset ? newLo - slack : newLo;
    const next = new Float64Array(size);
    next.set(c, this.#offset - offset);
    this.#counts = next;
    this.#offset = offset;
    return next;
  }

  /**
   * Adds `count` occurrences of `key`. Callers that add keys must also report the exact extremes
   * with `widen` (or the quantile clamp uses the keys' representatives).
   */
  addKey(key: number, count: number): void {
    const c = this.#ensure(key, key);
    const i = key - this.#offset;
    c[i] = (c[i] as number) + count;
    this.#span(key, key);
    this.#count += count;
  }

  #span(lo: number, hi: number): void {
    if (this.#count === 0) {
      this.#loKey = lo;
      this.#hiKey = hi;
      return;
    }
    if (lo < this.#loKey) this.#loKey = lo;
    if (hi > this.#hiKey) this.#hiKey = hi;
  }

  /** Adds one occurrence of each key in keys[from, to) (ascending or not). */
  addKeys(keys: ArrayLike<number>, from: number, to: number): void {
    if (to <= from) return;
    let lo = keys[from] as number;
    let hi = lo;
    for (let i = from + 1; i < to; i++) {
      const k = keys[i] as number;
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    const c = this.#ensure(lo, hi);
    const off = this.#offset;
    for (let i = from; i < to; i++) {
      const j = (keys[i] as number) - off;
      c[j] = (c[j] as number) + 1;
    }
    this.#span(lo, hi);
    this.#count += to - from;
  }

  /** Widens the tracked exact range to include [min, max]. */
  widen(min: number, max: number): void {
    if (min < this.#min) this.#min = min;
    if (max > this.#max) this.#max = max;
  }

  merge(other: QuantileSketch): void {
    const oc = other.#counts;
    if (oc !== null && other.#count > 0) {
      const first = other.#loKey - other.#offset;
      const last = other.#hiKey - other.#offset;
      const c = this.#ensure(other.#loKey, other.#hiKey);
      const shift = other.#offset - this.#offset;
      for (let i = first; i <= last; i++) {
        const x = oc[i] as number;
        if (x !== 0) c[i + shift] = (c[i + shift] as number) + x;
      }
      this.#span(other.#loKey, other.#hiKey);
    }
    this.#count += other.#count;
    this.widen(other.#min, other.#max);
  }

  /** Keys in ascending order with their counts. */
  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const c = this.#counts;
    if (c === null || this.#count === 0) return out;
    for (let i = this.#loKey - this.#offset; i <= this.#hiKey - this.#offset; i++) {
      const x = c[i] as number;
      if (x !== 0) out.push([i + this.#offset, x]);
    }
    return out;
  }

  /**
   * The q-quantile (0 <= q <= 1) under the rank rule of `quantileSorted`; null when empty.
   * The answer is clamped to the exact [min, max], so q=0 and q=1 are exact.
   */
  quantile(q: number): number | null {
    if (this.#count === 0) return null;
    const h = (this.#count - 1) * q;
    const lo = Math.floor(h);
    const a = this.#valueAtRank(lo);
    const b = lo + 1 <= this.#count - 1 ? this.#valueAtRank(lo + 1) : a;
    return a + (h - lo) * (b - a);
  }

  #valueAtRank(rank: number): number {
    if (rank <= 0) return this.#min;
    if (rank >= this.#count - 1) return this.#max;
    const c = this.#counts as Float64Array;
    let seen = 0;
    for (let i = this.#loKey - this.#offset; i <= this.#hiKey - this.#offset; i++) {
      seen += c[i] as number;
      if (seen > rank) return clamp(sketchValue(i + this.#offset), this.#min, this.#max);
    }
    return this.#max;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
