/**
 * @module
 * Groups decoded samples by series within one request, so the store resolves each series once per
 * batch. The first request item that produced a series is remembered for later errors.
 */
import {
  type Labels,
  type SampleBatch,
  type SeriesSamples,
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
    const key = labelsKey(metric, labels);
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

  readonly #byRawKey = new Map<string, Group>();

  /**
   * `add` for labels in whatever order the producer wrote them. `rawKey` must identify metric +
   * labels in that order (unambiguously); a series first seen under another order is found
   * through its sorted identity, which is computed once per distinct `rawKey`.
   */
  addRaw(
    rawKey: string,
    metric: string,
    labels: Labels,
    timestampMs: number,
    value: number,
    item: number,
  ): void {
    let g = this.#byRawKey.get(rawKey);
    if (g === undefined) {
      const key = labelsKey(metric, labels);
      g = this.#groups.get(key);
      if (g === undefined) {
        g = { metric, labels: sortLabels(labels), timestampsMs: [], values: [], item };
        this.#groups.set(key, g);
      }
      this.#byRawKey.set(rawKey, g);
    }
    if (!Array.isArray(g.timestampsMs) || !Array.isArray(g.values)) toArrays(g);
    (g.timestampsMs as number[]).push(timestampMs);
    (g.values as number[]).push(value);
    this.#samples++;
  }

  /** `add` with the identity computed by the caller (see `addSeriesKeyed`). */
  addKeyed(
    key: string,
    metric: string,
    labels: Labels,
    timestampMs: number,
    value: number,
    item: number,
    sorted: boolean,
  ): void {
    let g = this.#groups.get(key);
    if (g === undefined) {
      g = {
        metric,
        labels: sorted ? labels : sortLabels(labels),
        timestampsMs: [],
        values: [],
        item,
      };
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
    this.addSeriesKeyed(
      labelsKey(metric, labels),
      metric,
      labels,
      timestampsMs,
      values,
      item,
      false,
    );
  }

  /**
   * `addSeries` with the identity already computed by the caller (`key` must be equal for equal
   * series and distinct otherwise, in one format shared by all calls on this grouper: use
   * `labelsKey`). `sorted` says the labels' insertion order is already by name.
   */
  addSeriesKeyed(
    key: string,
    metric: string,
    labels: Labels,
    timestampsMs: Float64Array,
    values: Float64Array,
    item: number,
    sorted: boolean,
  ): void {
    const g = this.#groups.get(key);
    if (g === undefined) {
      const l = sorted ? labels : sortLabels(labels);
      this.#groups.set(key, { metric, labels: l, timestampsMs, values, item });
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

/**
 * An unambiguous series identity built from labels sorted by name: every part is
 * length-prefixed, so no label value (which may hold any character) can fake a boundary.
 * @example labelsKey('up', { a: '1' }) === '2:up|1:a1:1'
 */
export function appendLabelKey(key: string, name: string, value: string): string {
  return `${key}${name.length}:${name}${value.length}:${value}`;
}

export function metricKey(metric: string): string {
  return `${metric.length}:${metric}|`;
}

/** The `labelsKey` of unsorted labels. */
export function labelsKey(metric: string, labels: Labels): string {
  let key = metricKey(metric);
  for (const n of Object.keys(labels).sort()) key = appendLabelKey(key, n, labels[n] as string);
  return key;
}
