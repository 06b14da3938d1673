/**
 * @module
 * Groups decoded samples by series within one request, so the store resolves each series once per
 * batch. The first request item that produced a series is remembered for later errors.
 */
import {
  type Labels,
  type SampleBatch,
  type SeriesSamples,
  seriesKey,
  sortLabels,
} from '../contract/index.ts';

interface Group {
  readonly metric: string;
  readonly labels: Labels;
  /** Plain arrays grow; typed arrays from `addSeries` are kept as they are until a merge. */
  timestampsMs: number[] | Float64Array;
  values: number[] | Float64Array;
  readonly item: number;
}

export class SeriesGrouper {
  readonly #groups = new Map<string, Group>();
  #samples = 0;

  /** Adds one sample. `labels` must already be valid and must not be mutated afterwards. */
  add(metric: string, labels: Labels, timestampMs: number, value: number, item: number): void {
    const key = seriesKey(metric, labels);
    let g = this.#groups.get(key);
    if (g === undefined) {
      g = { metric, labels: sortLabels(labels), timestampsMs: [], values: [], item };
      this.#groups.set(key, g);
    }
    if (!Array.isArray(g.timestampsMs) || !Array.isArray(g.values)) toArrays(g);
    (g.timestampsMs as number[]).push(timestampMs);
    (g.values as number[]).push(value);
    this.#samples++;
  }

  /**
   * Adds a whole series' samples at once (remote write's shape). The arrays are kept, not copied,
   * unless the series already occurred in this request.
   */
  addSeries(
    metric: string,
    labels: Labels,
    timestampsMs: Float64Array,
    values: Float64Array,
    item: number,
  ): void {
    const key = seriesKey(metric, labels);
    const g = this.#groups.get(key);
    if (g === undefined) {
      this.#groups.set(key, { metric, labels: sortLabels(labels), timestampsMs, values, item });
    } else {
      toArrays(g);
      const ts = g.timestampsMs as number[];
      const vs = g.values as number[];
      for (let i = 0; i < values.length; i++) {
        ts.push(timestampsMs[i] as number);
        vs.push(values[i] as number);
      }
    }
    this.#samples += values.length;
  }

  get samples(): number {
    return this.#samples;
  }

  batch(): SampleBatch {
    const out: SeriesSamples[] = [];
    for (const g of this.#groups.values()) out.push(g);
    return out;
  }
}

function toArrays(g: Group): void {
  if (!Array.isArray(g.timestampsMs)) g.timestampsMs = Array.from(g.timestampsMs);
  if (!Array.isArray(g.values)) g.values = Array.from(g.values);
}
