/**
 * @module
 * Sealing: moving a series' head samples into an immutable compressed chunk plus a rollup page
 * of the minutes it covers. Chunks never straddle a day partition (so retention and segment
 * files work per day). In the usual in-order case a chunk starts in a minute no earlier chunk
 * touches, and its rollups come from its own samples. Otherwise (late samples, overwrites, a
 * minute cut in two by flush) the touched minutes are re-aggregated from all chunks, and the new
 * page replaces those minutes (higher seq wins per minute).
 */
import { ROLLUP_MS } from '../../analytics/index.ts';
import { encodeChunk } from './chunk-codec.ts';
import type { ChunkRef, RollupRef } from './chunk-ref.ts';
import { DAY_MS } from './options.ts';
import { allocColumns, buildRollups, encodeRollupPage } from './rollup-codec.ts';
import type { MemSeries } from './series.ts';
import { type ChunkLoader, readRaw } from './series-reader.ts';

export interface SealContext {
  nextSeq(): number;
  readonly load: ChunkLoader;
  /** Called with the bytes of every new chunk and page (memory accounting). */
  onSealed(bytes: number): void;
}

/** Reused for every seal: the page is encoded before the next seal starts. */
const scratchColumns = allocColumns(64, 1024);

function floorMinute(t: number): number {
  return Math.floor(t / ROLLUP_MS) * ROLLUP_MS;
}

/** Seals the head samples of `s` with ts < cutTs. Returns the number of samples sealed. */
export function sealSeries(s: MemSeries, cutTs: number, ctx: SealContext): number {
  const h = s.head;
  if (h.n === 0) return 0;
  h.normalize();
  const k = h.lowerBound(cutTs);
  if (k === 0) return 0;
  const ts = h.ts;
  const vals = h.vals;
  let i = 0;
  while (i < k) {
    const dayEnd = Math.floor((ts[i] as number) / DAY_MS) * DAY_MS + DAY_MS;
    let j = i;
    while (j < k && (ts[j] as number) < dayEnd) j++;
    sealPart(s, ts, vals, i, j, ctx);
    i = j;
  }
  h.dropFirst(k);
  return k;
}

function sealPart(
  s: MemSeries,
  ts: Float64Array,
  vals: Float64Array,
  i: number,
  j: number,
  ctx: SealContext,
): void {
  const minTs = ts[i] as number;
  const maxTs = ts[j - 1] as number;
  const lo = floorMinute(minTs);
  const hi = floorMinute(maxTs) + ROLLUP_MS - 1;
  let overlaps = false;
  if (lo <= s.sealedMaxTs) {
    for (const c of s.chunks) {
      if (c.maxTs >= lo && c.minTs <= hi) {
        overlaps = true;
        break;
      }
    }
  }
  const bytes = encodeChunk(ts, vals, i, j);
  const seq = ctx.nextSeq();
  const chunk: ChunkRef = {
    seq,
    minTs,
    maxTs,
    count: j - i,
    bytes,
    segment: null,
    offset: 0,
    length: bytes.length,
  };
  let rollups: ReturnType<typeof buildRollups>;
  if (!overlaps) {
    s.chunks.push(chunk);
    s.sealedCount += j - i;
    rollups = buildRollups(ts, vals, i, j, undefined, scratchColumns);
  } else {
    const before = readRaw(s, lo, hi, ctx.load, false).n;
    s.chunks.push(chunk);
    const merged = readRaw(s, lo, hi, ctx.load, false);
    chunk.count = merged.n - before;
    s.sealedCount += chunk.count;
    const touched = new Set<number>();
    for (let x = i; x < j; x++) touched.add(floorMinute(ts[x] as number));
    rollups = buildRollups(
      merged.ts,
      merged.vals,
      0,
      merged.n,
      (m) => touched.has(m),
      scratchColumns,
    );
  }
  const page = encodeRollupPage(rollups);
  const ref: RollupRef = {
    seq,
    minMinuteMs: rollups.minuteMs[0] as number,
    maxMinuteMs: rollups.minuteMs[rollups.n - 1] as number,
    bytes: page,
    segment: null,
    offset: 0,
    length: page.length,
  };
  s.rollups.push(ref);
  if (maxTs > s.sealedMaxTs) s.sealedMaxTs = maxTs;
  ctx.onSealed(bytes.length + page.length);
}
