/**
 * @module
 * The in-memory series registry: identity (metric + sorted labels) to a dense numeric id, the
 * per-series state (head buffer, sealed chunks, rollup pages) and the per-metric lists used by
 * matchers and the cardinality guard.
 */
import { type Labels, seriesKey, sortLabels } from '../../contract/index.ts';
import type { ChunkRef, RollupRef } from './chunk-ref.ts';
import { HeadBuffer } from './head.ts';

export class MemSeries {
  readonly id: number;
  readonly metric: string;
  readonly labels: Labels;
  readonly key: string;
  readonly head = new HeadBuffer();
  /** Sealed chunks, in seal order (seq ascending). */
  chunks: ChunkRef[] = [];
  /** Rollup pages, in seal order (seq ascending). */
  rollups: RollupRef[] = [];
  /** Largest timestamp ever sealed (a head sample at or below it is out of order). */
  sealedMaxTs = Number.NEGATIVE_INFINITY;
  /** Distinct samples held in sealed chunks. */
  sealedCount = 0;
  minTs = Number.POSITIVE_INFINITY;
  maxTs = Number.NEGATIVE_INFINITY;

  constructor(id: number, metric: string, labels: Labels, key: string) {
    this.id = id;
    this.metric = metric;
    this.labels = labels;
    this.key = key;
  }

  /** Recomputes minTs/maxTs from chunks and head (after retention). */
  recomputeBounds(): void {
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    for (const c of this.chunks) {
      if (c.minTs < mn) mn = c.minTs;
      if (c.maxTs > mx) mx = c.maxTs;
    }
    if (this.head.n > 0) {
      if (this.head.minTs < mn) mn = this.head.minTs;
      if (this.head.maxTs > mx) mx = this.head.maxTs;
    }
    this.minTs = mn;
    this.maxTs = mx;
  }
}

export class SeriesRegistry {
  readonly byKey = new Map<string, MemSeries>();
  readonly byId: Array<MemSeries | undefined> = [];
  readonly byMetric = new Map<string, MemSeries[]>();
  #nextId = 1;

  get size(): number {
    return this.byKey.size;
  }

  get nextId(): number {
    return this.#nextId;
  }

  /** Registers a series (from the WAL, the index or a new append); idempotent per id. */
  add(id: number, metric: string, labels: Labels, key = seriesKey(metric, labels)): MemSeries {
    const existing = this.byId[id];
    if (existing !== undefined) return existing;
    const s = new MemSeries(id, metric, sortLabels(labels), key);
    this.byKey.set(key, s);
    this.byId[id] = s;
    let list = this.byMetric.get(metric);
    if (list === undefined) {
      list = [];
      this.byMetric.set(metric, list);
    }
    list.push(s);
    if (id >= this.#nextId) this.#nextId = id + 1;
    return s;
  }

  allocateId(): number {
    return this.#nextId++;
  }

  countForMetric(metric: string): number {
    return this.byMetric.get(metric)?.length ?? 0;
  }

  *all(): IterableIterator<MemSeries> {
    for (const s of this.byId) if (s !== undefined) yield s;
  }
}
