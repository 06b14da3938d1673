/**
 * @module
 * Retention: drop whole chunks and rollup pages that end before the cutoff, and delete a segment
 * file once nothing points into it any more. Head samples older than the cutoff go with the
 * chunk they are sealed into.
 */
import type { SegmentHandle } from './chunk-ref.ts';
import type { SeriesRegistry } from './series.ts';

export interface RetentionResult {
  readonly chunks: number;
  readonly pages: number;
  /** Segments with no live refs left (the caller closes and deletes them). */
  readonly freed: SegmentHandle[];
}

export function applyRetention(registry: SeriesRegistry, cutoffMs: number): RetentionResult {
  let chunks = 0;
  let pages = 0;
  const freed: SegmentHandle[] = [];
  const release = (h: SegmentHandle | null): void => {
    if (h === null) return;
    h.live -= 1;
    if (h.live === 0) freed.push(h);
  };
  for (const s of registry.all()) {
    if (s.minTs >= cutoffMs) continue;
    const keepChunks = s.chunks.filter((c) => {
      if (c.maxTs >= cutoffMs) return true;
      release(c.segment);
      s.sealedCount -= c.count;
      chunks++;
      return false;
    });
    const keepPages = s.rollups.filter((p) => {
      if (p.maxMinuteMs + 60_000 > cutoffMs) return true;
      release(p.segment);
      pages++;
      return false;
    });
    s.chunks = keepChunks;
    s.rollups = keepPages;
    s.recomputeBounds();
  }
  return { chunks, pages, freed };
}
