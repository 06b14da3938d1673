/**
 * @module
 * SLI buckets for the SLO runtime: store queries → (good, total) per bucket per service, and a
 * cache that keeps the last hours at full resolution and folds older buckets into hours, so
 * each evaluation only queries the newest buckets.
 *
 * Resolution: ratio SLIs use 1-minute buckets (one cycle for cycle windows), threshold SLIs
 * their `interval`. Fine buckets are kept for `fineKeepMs` (7 h: every page window, 1 h/5 m and
 * 6 h/30 m, is exact); older ones fold into hour buckets, so the 3-day ticket window and the
 * 30-day budget are exact to within one hour at their far edge.
 */
import {
  ratioBucketFromCounts,
  ratioBucketFromRates,
  thresholdBucket,
} from '../analytics/index.ts';
import { SERVICE_LABEL, type Sli, type SliBucket, type SloDefinition } from '../contract/index.ts';
import type { Store } from '../store/index.ts';

export const HOUR_MS = 3_600_000;

/** Bucket length of an SLO's SLI. */
export function bucketMsOf(slo: SloDefinition): number {
  if (slo.sli.kind === 'threshold') return slo.sli.intervalMs;
  return slo.window.kind === 'cycles' ? slo.window.cycleMs : 60_000;
}

/** Identity of an SLI at a resolution: SLOs sharing it share one cache entry. */
export function sliKey(sli: Sli, bucketMs: number): string {
  return JSON.stringify([sli, bucketMs]);
}

function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/**
 * Buckets of `sli` starting in [fromMs, toMs), aligned to `bucketMs`, per value of the
 * `service` label (series without one are left out).
 */
export async function queryBuckets(
  store: Store,
  sli: Sli,
  bucketMs: number,
  fromMs: number,
  toMs: number,
): Promise<Map<string, SliBucket[]>> {
  const out = new Map<string, SliBucket[]>();
  if (toMs <= fromMs) return out;
  const range = (metric: string, agg: 'avg' | 'sum' | (string & {})) =>
    store.queryRange({
      metric,
      matchers: [],
      fromMs,
      toMs: toMs - 1,
      stepMs: bucketMs,
      agg: agg as 'avg',
      groupBy: [SERVICE_LABEL],
    });
  const byService = (rows: Awaited<ReturnType<typeof range>>) => {
    const m = new Map<string, Map<number, number>>();
    for (const r of rows) {
      const service = r.labels[SERVICE_LABEL];
      if (service === undefined || service === '') continue;
      m.set(service, new Map(r.points.map(([t, v]) => [t, v])));
    }
    return m;
  };
  const push = (service: string, b: SliBucket) => {
    let list = out.get(service);
    if (list === undefined) {
      list = [];
      out.set(service, list);
    }
    list.push(b);
  };
  if (sli.kind === 'threshold') {
    const rows = await range(sli.metric, sli.aggregation);
    for (const [service, points] of byService(rows)) {
      for (const [t, v] of points) push(service, thresholdBucket(t, sli, v));
    }
    return out;
  }
  const agg = sli.unit === 'rate' ? 'avg' : 'sum';
  const other = sli.badMetric ?? sli.goodMetric;
  const [totals, others] = await Promise.all([
    range(sli.totalMetric, agg),
    other === undefined ? Promise.resolve([]) : range(other, agg),
  ]);
  const otherBy = byService(others);
  const secs = bucketMs / 1000;
  for (const [service, points] of byService(totals)) {
    const o = otherBy.get(service);
    for (const [t, total] of points) {
      const x = o?.get(t) ?? 0;
      if (sli.badMetric !== undefined) {
        push(
          service,
          sli.unit === 'rate'
            ? ratioBucketFromRates(t, bucketMs, total, x)
            : ratioBucketFromCounts(t, total, { bad: x }),
        );
      } else {
        push(
          service,
          sli.unit === 'rate'
            ? ratioBucketFromCounts(t, total * secs, { good: x * secs })
            : ratioBucketFromCounts(t, total, { good: x }),
        );
      }
    }
  }
  return out;
}

interface Entry {
  readonly sli: Sli;
  readonly bucketMs: number;
  /** Start of the newest bucket queried; the next refresh re-queries from a little before. */
  cursorMs: number;
  horizonMs: number;
  readonly fine: Map<string, Map<number, SliBucket>>;
  readonly coarse: Map<string, Map<number, SliBucket>>;
}

export interface SliCacheOptions {
  /** Buckets younger than this stay at full resolution. Default 7 h. */
  readonly fineKeepMs: number;
  /** Buckets re-queried on each refresh, for samples that arrive late. Default 2. */
  readonly requeryBuckets: number;
}

export function defaultSliCacheOptions(): SliCacheOptions {
  return { fineKeepMs: 7 * HOUR_MS, requeryBuckets: 2 };
}

export class SliCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: SliCacheOptions;

  constructor(options: Partial<SliCacheOptions> = {}) {
    this.#options = { ...defaultSliCacheOptions(), ...options };
  }

  /** Brings the entry of `sli` up to `nowMs`, covering at least `horizonMs` back. */
  async refresh(
    store: Store,
    sli: Sli,
    bucketMs: number,
    nowMs: number,
    horizonMs: number,
  ): Promise<void> {
    const key = sliKey(sli, bucketMs);
    let e = this.#entries.get(key);
    const start = floorTo(nowMs - horizonMs, bucketMs);
    if (e === undefined || horizonMs > e.horizonMs) {
      e = { sli, bucketMs, cursorMs: 0, horizonMs, fine: new Map(), coarse: new Map() };
      this.#entries.set(key, e);
      const fineFrom = floorTo(nowMs - this.#options.fineKeepMs, HOUR_MS);
      if (start < fineFrom && sli.kind === 'ratio' && bucketMs < HOUR_MS) {
        // Old history straight at hour resolution: one bucket per hour instead of 60.
        const old = await queryBuckets(store, sli, HOUR_MS, floorTo(start, HOUR_MS), fineFrom);
        for (const [service, list] of old) {
          const m = mapOf(e.coarse, service);
          for (const b of list) m.set(b.startMs, b);
        }
        e.cursorMs = fineFrom;
      } else {
        e.cursorMs = start;
      }
    } else {
      e.cursorMs = Math.max(start, e.cursorMs - this.#options.requeryBuckets * bucketMs);
    }
    const fresh = await queryBuckets(store, sli, bucketMs, e.cursorMs, nowMs + 1);
    for (const [service, list] of fresh) {
      const m = mapOf(e.fine, service);
      for (const b of list) m.set(b.startMs, b);
    }
    e.cursorMs = floorTo(nowMs, bucketMs);
    this.#fold(e, nowMs);
  }

  #fold(e: Entry, nowMs: number): void {
    const fineFrom = nowMs - this.#options.fineKeepMs;
    const oldest = nowMs - e.horizonMs - HOUR_MS;
    for (const [service, m] of e.fine) {
      for (const [t, b] of m) {
        if (t >= fineFrom) continue;
        m.delete(t);
        if (t < oldest) continue;
        const c = mapOf(e.coarse, service);
        const h = e.bucketMs >= HOUR_MS ? t : floorTo(t, HOUR_MS);
        const prev = c.get(h);
        c.set(h, {
          startMs: h,
          good: (prev?.good ?? 0) + b.good,
          total: (prev?.total ?? 0) + b.total,
        });
      }
    }
    for (const m of e.coarse.values()) for (const t of m.keys()) if (t < oldest) m.delete(t);
  }

  /** Buckets of `sli` for `service`, oldest first (hour buckets, then fine ones). */
  buckets(sli: Sli, bucketMs: number, service: string): SliBucket[] {
    const e = this.#entries.get(sliKey(sli, bucketMs));
    if (e === undefined) return [];
    const coarse = [...(e.coarse.get(service)?.values() ?? [])];
    const fine = [...(e.fine.get(service)?.values() ?? [])];
    return [...coarse, ...fine].sort((a, b) => a.startMs - b.startMs);
  }

  /** Services that have buckets of any SLI. */
  services(): Set<string> {
    const out = new Set<string>();
    for (const e of this.#entries.values()) {
      for (const s of e.fine.keys()) out.add(s);
      for (const s of e.coarse.keys()) out.add(s);
    }
    return out;
  }

  /** Drops entries no SLO uses any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.#entries.keys()) if (!keys.has(k)) this.#entries.delete(k);
  }
}

function mapOf(m: Map<string, Map<number, SliBucket>>, service: string): Map<number, SliBucket> {
  let x = m.get(service);
  if (x === undefined) {
    x = new Map();
    m.set(service, x);
  }
  return x;
}

/**
 * Burn rate over a trailing window at each step time in [fromMs, toMs], from buckets sorted by
 * start (prefix sums: O(buckets + points × log buckets)).
 */
export function burnSeries(
  buckets: readonly SliBucket[],
  objective: number,
  fromMs: number,
  toMs: number,
  stepMs: number,
  windowMs: number,
): [number, number][] {
  const starts = buckets.map((b) => b.startMs);
  const good = [0];
  const total = [0];
  for (const b of buckets) {
    good.push((good.at(-1) as number) + b.good);
    total.push((total.at(-1) as number) + b.total);
  }
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out: [number, number][] = [];
  const first = Math.ceil(fromMs / stepMs) * stepMs;
  for (let t = first; t <= toMs; t += stepMs) {
    const a = lowerBound(t - windowMs);
    const b = lowerBound(t);
    const n = (total[b] as number) - (total[a] as number);
    const g = (good[b] as number) - (good[a] as number);
    out.push([t, n > 0 ? Math.max(0, n - g) / n / (1 - objective) : 0]);
  }
  return out;
}
