/**
 * @module
 * Reading one series' raw samples in a time range: decode the sealed chunks that overlap it
 * (from memory or a segment file) and the head, and merge them so that for equal timestamps the
 * newest write (highest seq; the head above all chunks) wins.
 */
import { OpsError } from '../../contract/index.ts';
import { DecodeError } from './bytes.ts';
import { decodeChunk } from './chunk-codec.ts';
import type { ChunkRef } from './chunk-ref.ts';
import type { RawRange } from './query.ts';
import type { MemSeries } from './series.ts';

/** Returns a chunk's bytes (reading its segment file when persisted). */
export type ChunkLoader = (ref: ChunkRef) => Uint8Array;

interface Source {
  readonly ts: Float64Array;
  readonly vals: Float64Array;
  readonly i0: number;
  readonly i1: number;
  readonly prio: number;
}

const EMPTY: RawRange = { ts: new Float64Array(0), vals: new Float64Array(0), n: 0 };

function lowerBound(ts: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function decodeChunkAt(ref: ChunkRef, bytes: Uint8Array): ReturnType<typeof decodeChunk> {
  try {
    return decodeChunk(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const where = ref.segment === null ? 'memory' : `${ref.segment.name} offset ${ref.offset}`;
    throw new OpsError('STORE_CORRUPTION', `chunk at ${where}: ${err.message}`, {
      cause: err,
      items: [
        { field: ref.segment?.name ?? 'head', reason: `offset ${ref.offset}: ${err.message}` },
      ],
    });
  }
}

/** Samples of `s` in [fromMs, toMs], sorted, de-duplicated, newest write winning. */
export function readRaw(
  s: MemSeries,
  fromMs: number,
  toMs: number,
  load: ChunkLoader,
  includeHead = true,
): RawRange {
  if (s.maxTs < fromMs || s.minTs > toMs) return EMPTY;
  const sources: Source[] = [];
  for (const ref of s.chunks) {
    if (ref.minTs > toMs || ref.maxTs < fromMs) continue;
    const d = decodeChunkAt(ref, load(ref));
    const i0 = lowerBound(d.ts, d.n, fromMs);
    const i1 = lowerBound(d.ts, d.n, toMs + 1);
    if (i1 > i0) sources.push({ ts: d.ts, vals: d.vals, i0, i1, prio: ref.seq });
  }
  const h = s.head;
  if (includeHead && h.n > 0) {
    h.normalize();
    const i0 = h.lowerBound(fromMs);
    const i1 = h.lowerBound(toMs + 1);
    if (i1 > i0) sources.push({ ts: h.ts, vals: h.vals, i0, i1, prio: Number.POSITIVE_INFINITY });
  }
  if (sources.length === 0) return EMPTY;
  if (sources.length === 1) {
    const x = sources[0] as Source;
    return { ts: x.ts.subarray(x.i0, x.i1), vals: x.vals.subarray(x.i0, x.i1), n: x.i1 - x.i0 };
  }
  sources.sort((a, b) => (a.ts[a.i0] as number) - (b.ts[b.i0] as number));
  let total = 0;
  let disjoint = true;
  for (let k = 0; k < sources.length; k++) {
    const x = sources[k] as Source;
    total += x.i1 - x.i0;
    if (k > 0) {
      const p = sources[k - 1] as Source;
      if ((x.ts[x.i0] as number) <= (p.ts[p.i1 - 1] as number)) disjoint = false;
    }
  }
  const ts = new Float64Array(total);
  const vals = new Float64Array(total);
  if (disjoint) {
    let o = 0;
    for (const x of sources) {
      ts.set(x.ts.subarray(x.i0, x.i1), o);
      vals.set(x.vals.subarray(x.i0, x.i1), o);
      o += x.i1 - x.i0;
    }
    return { ts, vals, n: total };
  }
  // Overlapping writes (out-of-order or overwrites): sort by (ts, prio), keep the last per ts.
  const allTs = new Float64Array(total);
  const allVals = new Float64Array(total);
  const allPrio = new Float64Array(total);
  let o = 0;
  for (const x of sources) {
    for (let i = x.i0; i < x.i1; i++, o++) {
      allTs[o] = x.ts[i] as number;
      allVals[o] = x.vals[i] as number;
      allPrio[o] = x.prio;
    }
  }
  const idx = new Uint32Array(total);
  for (let i = 0; i < total; i++) idx[i] = i;
  idx.sort(
    (a, b) =>
      (allTs[a] as number) - (allTs[b] as number) ||
      (allPrio[a] as number) - (allPrio[b] as number),
  );
  let n = 0;
  for (let k = 0; k < total; k++) {
    const i = idx[k] as number;
    const t = allTs[i] as number;
    if (n > 0 && ts[n - 1] === t) vals[n - 1] = allVals[i] as number;
    else {
      ts[n] = t;
      vals[n] = allVals[i] as number;
      n++;
    }
  }
  return { ts: ts.subarray(0, n), vals: vals.subarray(0, n), n };
}
