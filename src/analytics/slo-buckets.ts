/**
 * @module
 * A rolling, serializable series of SLI buckets for one SLO of one subject, so the runtime
 * re-queries only the newest buckets each tick instead of the whole 30-day window: upsert the
 * buckets it just aggregated (a later value for the same start replaces the earlier one, as
 * late samples refine a bucket), prune what fell out of the retention, evaluate on `buckets()`.
 */
import type { SliBucket } from '../contract/index.ts';

export interface SliBucketSeriesJson {
  readonly retainMs: number;
  /** [startMs, good, total] in start order. */
  readonly buckets: readonly (readonly [number, number, number])[];
}

export class SliBucketSeries {
  readonly retainMs: number;
  #list: SliBucket[] = [];

  /** `retainMs`: the SLO window, or the longest alert window if that is longer. */
  constructor(retainMs: number) {
    if (!(retainMs > 0)) throw new RangeError(`retainMs must be > 0, got ${retainMs}`);
    this.retainMs = retainMs;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Adds or replaces the bucket starting at `bucket.startMs`. */
  upsert(bucket: SliBucket): void {
    const list = this.#list;
    const last = list[list.length - 1];
    if (last === undefined || last.startMs < bucket.startMs) {
      list.push(bucket);
      return;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as SliBucket).startMs < bucket.startMs) lo = mid + 1;
      else hi = mid;
    }
    if (list[lo]?.startMs === bucket.startMs) list[lo] = bucket;
    else list.splice(lo, 0, bucket);
  }

  /** Drops buckets that start before `nowMs − retainMs`. */
  prune(nowMs: number): void {
    const from = nowMs - this.retainMs;
    let i = 0;
    while (i < this.#list.length && (this.#list[i] as SliBucket).startMs < from) i++;
    if (i > 0) this.#list = this.#list.slice(i);
  }

  /** The buckets in start order (a copy). */
  buckets(): SliBucket[] {
    return [...this.#list];
  }

  toJSON(): SliBucketSeriesJson {
    return {
      retainMs: this.retainMs,
      buckets: this.#list.map((b) => [b.startMs, b.good, b.total] as const),
    };
  }

  static fromJSON(json: SliBucketSeriesJson): SliBucketSeries {
    const s = new SliBucketSeries(json.retainMs);
    for (const [startMs, good, total] of json.buckets) s.upsert({ startMs, good, total });
    return s;
  }
}
