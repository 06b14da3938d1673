/**
 * @module
 * What every ingest decoder produces and every store engine appends: samples grouped by series.
 * Grouping by series is how remote write arrives and lets engines resolve a series once per
 * batch instead of once per sample.
 */
import type { Labels } from './series.ts';

export interface SeriesSamples {
  readonly metric: string;
  /** Labels without `__name__`. */
  readonly labels: Labels;
  /** Milliseconds since the epoch, one per value. Need not be sorted. */
  readonly timestampsMs: ArrayLike<number>;
  /** float64 values; finite (decoders reject NaN and ±Inf before they get here). */
  readonly values: ArrayLike<number>;
  /**
   * Index of the first request item that produced these samples, so that errors raised after
   * decoding (the cardinality guard) still name the item.
   */
  readonly item?: number;
}

export type SampleBatch = readonly SeriesSamples[];

export function countSamples(batch: SampleBatch): number {
  let n = 0;
  for (const s of batch) n += s.values.length;
  return n;
}

/** A `[timestampMs, value]` pair, the shape every query returns. */
export type Point = [number, number];
