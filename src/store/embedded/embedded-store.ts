/**
 * @module
 * The embedded engine: a head of recent samples per series in typed arrays, a write-ahead log
 * with group commit for durability, sealed compressed chunks with 1-minute rollups, persisted to
 * segment files. Concerns live in sibling files (head, wal, chunk codec, block writer/reader,
 * rollups, query, retention); this class wires them behind the Store interface.
 */
import { mkdirSync } from 'node:fs';
import {
  countSamples,
  type Labels,
  OpsError,
  type ProblemItem,
  type RangeQuery,
  type RangeSeries,
  type SampleBatch,
  type SelectQuery,
  type SeriesInfo,
  type SeriesPoints,
  type SeriesQuery,
  seriesKey,
} from '../../contract/index.ts';
import { executeRange } from '../range-query.ts';
import type { AppendOptions, AppendResult, Store, StoreStats } from '../store.ts';
import { type EmbeddedStoreOptions, noopLogger, type StoreLogger } from './options.ts';
import { labelValues, matchSeries, querySeries, type RawRange, selectPoints } from './query.ts';
import { type MemSeries, SeriesRegistry } from './series.ts';
import { rawSlotsFor } from './slots.ts';
import {
  decodeBatchPayload,
  encodeBatchRecord,
  RECORD_BATCH,
  replayWal,
  type WalEntry,
  type WalSeriesDef,
  WalWriter,
  walDir,
} from './wal.ts';

interface Resolved {
  readonly series: MemSeries | null;
  readonly def: WalSeriesDef | null;
}

export class EmbeddedStore implements Store {
  readonly #options: EmbeddedStoreOptions;
  readonly #log: StoreLogger;
  readonly #registry = new SeriesRegistry();
  #wal: WalWriter | null = null;
  #closed = false;

  constructor(options: EmbeddedStoreOptions) {
    this.#options = options;
    this.#log = options.logger ?? noopLogger;
  }

  /** Loads persisted state and replays the WAL. */
  open(): void {
    mkdirSync(this.#options.dataDir, { recursive: true });
    const dir = walDir(this.#options.dataDir);
    let records = 0;
    replayWal(dir, {
      onRecord: (type, payload) => {
        if (type !== RECORD_BATCH) return;
        const { defs, entries } = decodeBatchPayload(payload);
        for (const d of defs) this.#registry.add(d.id, d.metric, d.labels);
        this.#apply(entries);
        records++;
      },
      onTornTail: (segment, offset, reason) => {
        this.#log.warn({ segment, offset, reason }, 'truncating torn WAL tail');
      },
    });
    this.#wal = new WalWriter(dir);
    this.#log.info({ records, series: this.#registry.size }, 'store opened');
  }

  #checkOpen(): WalWriter {
    if (this.#closed || this.#wal === null)
      throw new OpsError('STORE_CLOSED', 'the store is closed');
    return this.#wal;
  }

  async append(batch: SampleBatch, options: AppendOptions = {}): Promise<AppendResult> {
    const wal = this.#checkOpen();
    const resolved = this.#resolve(batch, options);
    const defs: WalSeriesDef[] = [];
    const entries: WalEntry[] = [];
    let newSeries = 0;
    for (let i = 0; i < batch.length; i++) {
      const r = resolved[i] as Resolved;
      const s = batch[i];
      if (s === undefined || s.values.length === 0) continue;
      let id: number;
      if (r.series !== null) id = r.series.id;
      else {
        const d = r.def as WalSeriesDef;
        if (this.#registry.byId[d.id] === undefined) {
          this.#registry.add(d.id, d.metric, d.labels);
          defs.push(d);
          newSeries++;
        }
        id = d.id;
      }
      entries.push({ seriesId: id, timestampsMs: s.timestampsMs, values: s.values });
    }
    if (entries.length === 0) return { samples: 0, newSeries: 0 };
    const record = encodeBatchRecord({ defs, entries });
    this.#apply(entries);
    await wal.append(record);
    return { samples: countSamples(batch), newSeries };
  }

  /** Validates the call and resolves series; throws before anything is written. */
  #resolve(batch: SampleBatch, options: AppendOptions): Resolved[] {
    const bad: ProblemItem[] = [];
    const out: Resolved[] = [];
    const fresh = new Map<string, WalSeriesDef>();
    const freshPerMetric = new Map<string, number>();
    const limit = options.maxSeriesPerMetric;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i];
      if (s === undefined) continue;
      const index = s.item ?? i;
      if (s.timestampsMs.length !== s.values.length) {
        bad.push({ index, field: 'timestamp', reason: 'timestamps and values differ in length' });
      }
      for (let j = 0; j < s.timestampsMs.length; j++) {
        if (!Number.isSafeInteger(s.timestampsMs[j])) {
          bad.push({ index, field: 'timestamp', reason: 'must be an integer number of ms' });
          break;
        }
      }
      const key = seriesKey(s.metric, s.labels);
      const existing = this.#registry.byKey.get(key);
      if (existing !== undefined) {
        out.push({ series: existing, def: null });
        continue;
      }
      let def = fresh.get(key);
      if (def === undefined) {
        if (s.values.length === 0) {
          out.push({ series: null, def: null });
          continue;
        }
        const n = (freshPerMetric.get(s.metric) ?? 0) + 1;
        freshPerMetric.set(s.metric, n);
        if (limit !== undefined && this.#registry.countForMetric(s.metric) + n > limit) {
          bad.push({
            index,
            field: 'metric_name',
            reason: `metric ${s.metric} would exceed ${limit} series`,
          });
        }
        def = { id: -1, metric: s.metric, labels: s.labels };
        fresh.set(key, def);
      }
      out.push({ series: null, def });
    }
    if (bad.length > 0) {
      const cardinality = bad.some((b) => b.field === 'metric_name');
      throw new OpsError(
        cardinality ? 'INGEST_CARDINALITY_LIMIT' : 'INGEST_INVALID_BATCH',
        cardinality
          ? `the batch would create more than ${limit} series for a metric`
          : 'the batch has invalid samples',
        { items: bad },
      );
    }
    // Assign ids only once the whole call is accepted.
    const ids = new Map<WalSeriesDef, WalSeriesDef>();
    return out.map((r) => {
      if (r.def === null) return r;
      let d = ids.get(r.def);
      if (d === undefined) {
        d = { id: this.#registry.allocateId(), metric: r.def.metric, labels: r.def.labels };
        ids.set(r.def, d);
      }
      return { series: null, def: d };
    });
  }

  #apply(entries: readonly WalEntry[]): void {
    for (const e of entries) {
      const s = this.#registry.byId[e.seriesId];
      if (s === undefined) continue;
      const ts = e.timestampsMs;
      const vals = e.values;
      const head = s.head;
      let mn = s.minTs;
      let mx = s.maxTs;
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i] as number;
        head.push(t, vals[i] as number);
        if (t < mn) mn = t;
        if (t > mx) mx = t;
      }
      s.minTs = mn;
      s.maxTs = mx;
    }
  }

  #read = (s: MemSeries, fromMs: number, toMs: number): RawRange => {
    const h = s.head;
    h.normalize();
    const i0 = h.lowerBound(fromMs);
    const i1 = h.lowerBound(toMs + 1);
    return { ts: h.ts.subarray(i0, i1), vals: h.vals.subarray(i0, i1), n: i1 - i0 };
  };

  async series(query: SeriesQuery): Promise<SeriesInfo[]> {
    this.#checkOpen();
    return querySeries(this.#registry, this.#read, query);
  }

  async select(query: SelectQuery): Promise<SeriesPoints[]> {
    this.#checkOpen();
    return selectPoints(this.#registry, this.#read, query);
  }

  async queryRange(query: RangeQuery): Promise<RangeSeries[]> {
    this.#checkOpen();
    const matched = matchSeries(this.#registry, query.metric, query.matchers);
    return executeRange(query, matched, (s, request, out) => {
      if (s.maxTs < request.startMs || s.minTs > request.toMs) return;
      const raw = this.#read(s, request.startMs, request.toMs);
      rawSlotsFor(raw, request, request.stepMs, out);
    });
  }

  async labelValues(label: string, metric?: string): Promise<string[]> {
    this.#checkOpen();
    return labelValues(this.#registry, label, metric);
  }

  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    let samples = 0;
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const s of this.#registry.all()) {
      s.head.normalize();
      samples += s.head.n;
      if (s.minTs < oldest) oldest = s.minTs;
      if (s.maxTs > newest) newest = s.maxTs;
    }
    let series = 0;
    for (const s of this.#registry.all()) if (s.minTs <= s.maxTs) series++;
    return {
      series,
      samples,
      diskBytes: 0,
      oldestMs: samples > 0 ? oldest : null,
      newestMs: samples > 0 ? newest : null,
    };
  }

  async flush(): Promise<void> {
    const wal = this.#checkOpen();
    await wal.idle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#wal?.close();
    this.#wal = null;
  }

  /** Labels of a series id (for tests and tools). */
  labelsOf(id: number): Labels | undefined {
    return this.#registry.byId[id]?.labels;
  }
}
