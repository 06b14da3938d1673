/**
 * @module
 * Turning the embedded engine's data into executor slots. Steps that are not whole minutes read
 * raw samples. Whole-minute steps read 1-minute rollups for every minute that lies wholly inside
 * the query and is not touched by the head, and raw samples for the rest (the partial minutes
 * at the edges and the head's minutes), so both paths give the same answer.
 */
import { emptySlots, ROLLUP_MS, rawSlots, type SlotColumns } from '../../analytics/index.ts';
import { OpsError } from '../../contract/index.ts';
import type { SlotRequest } from '../range-query.ts';
import type { BlockCache } from './block-cache.ts';
import { DecodeError } from './bytes.ts';
import type { RollupRef } from './chunk-ref.ts';
import type { RawRange } from './query.ts';
import { type DecodedRollups, decodeRollupPage } from './rollup-codec.ts';
import type { MemSeries } from './series.ts';

export type PageLoader = (ref: RollupRef) => Uint8Array;
export type RawRangeReader = (s: MemSeries, fromMs: number, toMs: number) => RawRange;

/** Slots of width `widthMs` from raw samples (split at the request's fromMs). */
export function rawSlotsFor(
  raw: RawRange,
  request: SlotRequest,
  widthMs: number,
  out: SlotColumns,
): void {
  rawSlots(out, raw.ts, raw.vals, 0, raw.n, widthMs, request.fromMs, request.needs);
}

/**
 * Decoded count/sum columns of persisted pages, for avg/sum/count queries: dashboards repeat the
 * same ranges, and decoding dominates their cost. Bounded by bytes like the block cache.
 */
export type DecodedCache = BlockCache<DecodedRollups>;

function decodeCached(
  ref: RollupRef,
  load: PageLoader,
  request: SlotRequest,
  cache: DecodedCache | null,
): DecodedRollups {
  const n = request.needs;
  // Pages in memory (sealed, not yet persisted) are cached too: a page's bytes never change, and
  // persisting only moves them (the ref object stays the key), so a just-ingested day does not
  // decode every page on every query.
  if (cache === null || n.minMax || n.rate || n.quantile) {
    return decodePage(ref, load(ref), request);
  }
  return cache.get(ref, () => {
    const d = decodePage(ref, load(ref), { ...request, needs: { ...n, sum: true } });
    return {
      ...d,
      minuteMs: d.minuteMs.slice(0, d.n),
      count: d.count.slice(0, d.n),
      sum: d.sum.slice(0, d.n),
    };
  });
}

function decodePage(ref: RollupRef, bytes: Uint8Array, request: SlotRequest): DecodedRollups {
  try {
    return decodeRollupPage(bytes, request.needs, true);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const where = ref.segment === null ? 'memory' : `${ref.segment.name} offset ${ref.offset}`;
    throw new OpsError('STORE_CORRUPTION', `rollup page at ${where}: ${err.message}`, {
      cause: err,
      items: [
        { field: ref.segment?.name ?? 'head', reason: `offset ${ref.offset}: ${err.message}` },
      ],
    });
  }
}

/** Per-query scratch for one series' minutes (reused across series). */
export class MinuteScratch {
  readonly startMs: number;
  readonly n: number;
  readonly stamp: Int32Array;
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly inc: Float64Array;
  /** Inner sketch keys per minute (slow path only). */
  readonly keysOf: Array<Int32Array | undefined>;
  readonly raw: SlotColumns = emptySlots();
  epoch = 0;

  constructor(startMs: number, endMs: number) {
    this.startMs = startMs;
    this.n = Math.max(0, (endMs - startMs) / ROLLUP_MS);
    const n = this.n;
    this.stamp = new Int32Array(n);
    this.count = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.min = new Float64Array(n);
    this.max = new Float64Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.inc = new Float64Array(n);
    this.keysOf = [];
  }
}

/** Whether whole-minute rollups can serve this request. */
export function usesRollups(request: SlotRequest): boolean {
  return request.stepMs % ROLLUP_MS === 0;
}

export function scratchFor(request: SlotRequest): MinuteScratch {
  const mLo = Math.ceil(request.startMs / ROLLUP_MS) * ROLLUP_MS;
  const mHi = Math.max(mLo, Math.floor((request.toMs + 1) / ROLLUP_MS) * ROLLUP_MS);
  return new MinuteScratch(mLo, mHi);
}

/** Appends the slots of `s` for `request` to `out`, mixing rollups and raw samples. */
export function fillSlots(
  s: MemSeries,
  request: SlotRequest,
  out: SlotColumns,
  read: RawRangeReader,
  loadPage: PageLoader,
  scratch: MinuteScratch | null,
  decoded: DecodedCache | null = null,
): void {
  const lo = request.startMs;
  const hi = request.toMs;
  if (s.maxTs < lo || s.minTs > hi) return;
  if (scratch === null || scratch.n === 0) {
    rawSlotsFor(read(s, lo, hi), request, usesRollups(request) ? ROLLUP_MS : request.stepMs, out);
    return;
  }
  const mLo = scratch.startMs;
  const mHi = mLo + scratch.n * ROLLUP_MS;
  // Raw ranges (inclusive), sorted and merged below.
  const ranges: Array<[number, number]> = [];
  if (lo < mLo) ranges.push([lo, Math.min(mLo - 1, hi)]);
  if (mHi <= hi) ranges.push([Math.max(mHi, lo), hi]);
  const fromMinute = Math.floor(request.fromMs / ROLLUP_MS) * ROLLUP_MS;
  if (request.fromMs !== fromMinute && fromMinute >= mLo && fromMinute < mHi) {
    ranges.push([fromMinute, fromMinute + ROLLUP_MS - 1]);
  }
  const h = s.head;
  if (h.n > 0) {
    h.normalize();
    const a = Math.max(lo, Math.floor((h.ts[0] as number) / ROLLUP_MS) * ROLLUP_MS);
    const b = Math.min(
      hi,
      Math.floor((h.ts[h.n - 1] as number) / ROLLUP_MS) * ROLLUP_MS + ROLLUP_MS - 1,
    );
    if (a <= b) ranges.push([a, b]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const needs = request.needs;
  const wantSum = needs.sum;
  const wantMinMax = needs.minMax;
  const wantRate = needs.rate;
  const wantQuantile = needs.quantile;
  const raw = scratch.raw;
  raw.reset();
  for (const [a, b] of merged) rawSlotsFor(read(s, a, b), request, ROLLUP_MS, raw);
  let r = 0;
  const emitRaw = (): void => {
    const n = out.push();
    out.startMs[n] = raw.startMs[r] as number;
    out.count[n] = raw.count[r] as number;
    if (wantSum) out.sum[n] = raw.sum[r] as number;
    if (wantMinMax) {
      out.min[n] = raw.min[r] as number;
      out.max[n] = raw.max[r] as number;
    }
    if (wantRate) {
      out.first[n] = raw.first[r] as number;
      out.last[n] = raw.last[r] as number;
      out.inc[n] = raw.inc[r] as number;
    }
    if (wantQuantile) out.exact[n] = raw.exact[r] ?? null;
    r++;
  };
  const pages: RollupRef[] = [];
  let ordered = true;
  for (const ref of s.rollups) {
    if (ref.maxMinuteMs < mLo || ref.minMinuteMs >= mHi) continue;
    const prev = pages[pages.length - 1];
    if (prev !== undefined && ref.minMinuteMs <= prev.maxMinuteMs) ordered = false;
    pages.push(ref);
  }
  if (ordered) {
    // The usual case: pages in seal order are also in time order and disjoint, so minutes are
    // emitted straight from each page, skipping those a raw range covers.
    pages.sort((x, y) => x.minMinuteMs - y.minMinuteMs);
    let rr = 0;
    const rawStart = raw.startMs;
    for (const ref of pages) {
      const d = decodeCached(ref, loadPage, request, decoded);
      const minuteMs = d.minuteMs;
      const count = d.count;
      const sum = d.sum;
      const n = d.n;
      for (let k = 0; k < n; k++) {
        const m = minuteMs[k] as number;
        if (m < mLo) continue;
        if (m >= mHi) break;
        while (rr < merged.length && (merged[rr] as [number, number])[1] < m) rr++;
        const cover = merged[rr];
        if (cover !== undefined && cover[0] <= m) continue;
        while (r < raw.length && (rawStart[r] as number) < m) emitRaw();
        const o = out.push();
        out.startMs[o] = m;
        out.count[o] = count[k] as number;
        if (wantSum) out.sum[o] = sum[k] as number;
        if (wantMinMax || wantQuantile) {
          out.min[o] = d.min[k] as number;
          out.max[o] = d.max[k] as number;
        }
        if (wantRate) {
          out.first[o] = d.first[k] as number;
          out.last[o] = d.last[k] as number;
          out.inc[o] = d.inc[k] as number;
        }
        if (wantQuantile) {
          out.exact[o] = null;
          out.setKeys(o, d.keys, d.keyStart[k] as number, d.keyStart[k + 1] as number);
        }
      }
    }
    while (r < raw.length) emitRaw();
    return;
  }
  // Rollup minutes: mark raw minutes so rollups skip them.
  const epoch = ++scratch.epoch;
  const rawEpoch = -epoch;
  for (const [a, b] of merged) {
    const i0 = Math.max(0, Math.floor((a - mLo) / ROLLUP_MS));
    const i1 = Math.min(scratch.n, Math.floor((b - mLo) / ROLLUP_MS) + 1);
    for (let i = i0; i < i1; i++) scratch.stamp[i] = rawEpoch;
  }
  const stamp = scratch.stamp;
  const sCount = scratch.count;
  const sSum = scratch.sum;
  const nMinutes = scratch.n;
  for (const ref of s.rollups) {
    if (ref.maxMinuteMs < mLo || ref.minMinuteMs >= mHi) continue;
    const d = decodeCached(ref, loadPage, request, decoded);
    const minuteMs = d.minuteMs;
    const count = d.count;
    const sum = d.sum;
    // Minute index of the page's first minute; minutes ascend, so k0..k1 is the overlap.
    let k = 0;
    const n = d.n;
    while (k < n && (minuteMs[k] as number) < mLo) k++;
    for (; k < n; k++) {
      const i = (((minuteMs[k] as number) - mLo) / ROLLUP_MS) | 0;
      if (i >= nMinutes) break;
      if (stamp[i] === rawEpoch) continue;
      stamp[i] = epoch;
      sCount[i] = count[k] as number;
      if (wantSum) sSum[i] = sum[k] as number;
      if (wantMinMax || wantQuantile) {
        scratch.min[i] = d.min[k] as number;
        scratch.max[i] = d.max[k] as number;
      }
      if (wantRate) {
        scratch.first[i] = d.first[k] as number;
        scratch.last[i] = d.last[k] as number;
        scratch.inc[i] = d.inc[k] as number;
      }
      if (wantQuantile) {
        scratch.keysOf[i] = d.keys.slice(d.keyStart[k] as number, d.keyStart[k + 1] as number);
      }
    }
  }
  // Merge minute slots and raw slots by start time.
  const rawStart = raw.startMs;
  for (let i = 0; i < nMinutes; i++) {
    if (stamp[i] !== epoch) continue;
    const start = mLo + i * ROLLUP_MS;
    while (r < raw.length && (rawStart[r] as number) < start) emitRaw();
    const n = out.push();
    out.startMs[n] = start;
    out.count[n] = sCount[i] as number;
    if (wantSum) out.sum[n] = sSum[i] as number;
    if (wantMinMax || wantQuantile) {
      out.min[n] = scratch.min[i] as number;
      out.max[n] = scratch.max[i] as number;
    }
    if (wantRate) {
      out.first[n] = scratch.first[i] as number;
      out.last[n] = scratch.last[i] as number;
      out.inc[n] = scratch.inc[i] as number;
    }
    if (wantQuantile) {
      const keys = scratch.keysOf[i] ?? new Int32Array(0);
      out.exact[n] = null;
      out.setKeys(n, keys, 0, keys.length);
    }
  }
  while (r < raw.length) emitRaw();
}
