/**
 * @module
 * The head: per series, the recent samples not yet sealed into a chunk, in growable typed
 * arrays. Appends are O(1); out-of-order appends only clear the `sorted` flag and are sorted
 * (last write wins for equal timestamps) when read or sealed.
 */

export class HeadBuffer {
  ts: Float64Array;
  vals: Float64Array;
  n = 0;
  sorted = true;

  constructor(capacity = 16) {
    this.ts = new Float64Array(capacity);
    this.vals = new Float64Array(capacity);
  }

  get minTs(): number {
    this.normalize();
    return this.n > 0 ? (this.ts[0] as number) : Number.NaN;
  }

  get maxTs(): number {
    this.normalize();
    return this.n > 0 ? (this.ts[this.n - 1] as number) : Number.NaN;
  }

  /** Last appended timestamp (not necessarily the maximum when unsorted). */
  get lastTs(): number {
    return this.n > 0 ? (this.ts[this.n - 1] as number) : Number.NEGATIVE_INFINITY;
  }

  push(t: number, v: number): void {
    const n = this.n;
    if (n > 0) {
      const last = this.ts[n - 1] as number;
      if (t === last) {
        this.vals[n - 1] = v;
        return;
      }
      if (t < last) this.sorted = false;
    }
    if (n === this.ts.length) this.#grow(n * 2);
    this.ts[n] = t;
    this.vals[n] = v;
    this.n = n + 1;
  }

  #grow(cap: number): void {
    const ts = new Float64Array(cap);
    const vals = new Float64Array(cap);
    ts.set(this.ts.subarray(0, this.n));
    vals.set(this.vals.subarray(0, this.n));
    this.ts = ts;
    this.vals = vals;
  }

  /** Sorts by timestamp; of equal timestamps the last appended wins. */
  normalize(): void {
    if (this.sorted) return;
    const n = this.n;
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const ts = this.ts;
    idx.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
    const nts = new Float64Array(Math.max(16, n));
    const nvals = new Float64Array(Math.max(16, n));
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = idx[k] as number;
      const t = ts[i] as number;
      if (m > 0 && nts[m - 1] === t) {
        nvals[m - 1] = this.vals[i] as number;
      } else {
        nts[m] = t;
        nvals[m] = this.vals[i] as number;
        m++;
      }
    }
    this.ts = nts;
    this.vals = nvals;
    this.n = m;
    this.sorted = true;
  }

  /** Index of the first sample with ts >= t (after normalize). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes the first `k` samples (after normalize); shrinks storage only when mostly empty. */
  dropFirst(k: number): void {
    const rest = this.n - k;
    if (this.ts.length > 4096 && rest * 8 < this.ts.length) {
      const cap = Math.max(256, rest * 2);
      const ts = new Float64Array(cap);
      const vals = new Float64Array(cap);
      ts.set(this.ts.subarray(k, this.n));
      vals.set(this.vals.subarray(k, this.n));
      this.ts = ts;
      this.vals = vals;
    } else {
      this.ts.copyWithin(0, k, this.n);
      this.vals.copyWithin(0, k, this.n);
    }
    this.n = rest;
  }
}
