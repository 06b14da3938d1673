/**
 * @module
 * Where a sealed chunk or rollup page lives: in memory (bytes) until persisted, then in a
 * segment file (offset and length). `seq` orders writes: for equal timestamps (or minutes) the
 * higher seq wins.
 */

export interface ChunkRef {
  readonly seq: number;
  readonly minTs: number;
  readonly maxTs: number;
  /** Samples this chunk added (timestamps not already sealed before it). */
  count: number;
  /** Encoded chunk while in memory; null once persisted. */
  bytes: Uint8Array | null;
  segment: SegmentHandle | null;
  offset: number;
  length: number;
}

export interface RollupRef {
  readonly seq: number;
  /** First and last minute covered (ms, minute-aligned). */
  readonly minMinuteMs: number;
  readonly maxMinuteMs: number;
  bytes: Uint8Array | null;
  segment: SegmentHandle | null;
  offset: number;
  length: number;
}

/** An open segment file that chunk and rollup refs point into. */
export interface SegmentHandle {
  readonly name: string;
  readonly fd: number;
  readonly partitionMs: number;
  readonly maxTs: number;
  readonly bytes: number;
  /** Refs still pointing here; the file is deleted once retention drops them all. */
  live: number;
}
