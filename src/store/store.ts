/**
 * @module
 * The engine-neutral storage interface. Callers (ingest, query API, KPIs, detectors) see only
 * this; the embedded engine and the PostgreSQL engine implement it, and one contract suite
 * (store.contract.ts) runs against each.
 *
 * Contract:
 * - All methods may be called concurrently; engines serialise internally as they need.
 * - `append` is atomic per call (all samples or none) and durable when its promise resolves:
 *   what it acknowledged survives kill -9.
 * - Appending a sample whose (series, timestamp) already exists replaces the value (last write
 *   wins) and never yields duplicates.
 * - Time bounds are inclusive milliseconds since the epoch.
 */
import type {
  RangeQuery,
  RangeSeries,
  SampleBatch,
  SelectQuery,
  SeriesInfo,
  SeriesPoints,
  SeriesQuery,
} from '../contract/index.ts';

export interface AppendOptions {
  /**
   * Cardinality guard: reject the whole call (INGEST_CARDINALITY_LIMIT, naming the items) if it
   * would take any metric above this many series.
   */
  readonly maxSeriesPerMetric?: number;
}

export interface AppendResult {
  readonly samples: number;
  readonly newSeries: number;
}

export interface StoreStats {
  readonly series: number;
  readonly samples: number;
  /** Bytes the engine holds on disk (0 for engines that cannot tell). */
  readonly diskBytes: number;
  readonly oldestMs: number | null;
  readonly newestMs: number | null;
}

export interface Store {
  append(batch: SampleBatch, options?: AppendOptions): Promise<AppendResult>;
  series(query: SeriesQuery): Promise<SeriesInfo[]>;
  select(query: SelectQuery): Promise<SeriesPoints[]>;
  queryRange(query: RangeQuery): Promise<RangeSeries[]>;
  /** Distinct values of a label across series (for pickers). */
  labelValues(label: string, metric?: string): Promise<string[]>;
  stats(): Promise<StoreStats>;
  /** Seals and persists everything in memory (what a graceful shutdown does first). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
