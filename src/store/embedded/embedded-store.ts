/**
 * @module
 * The embedded engine: a head of recent samples per series in typed arrays, a write-ahead log
 * with group commit for durability, sealed compressed chunks with 1-minute rollups, persisted to
 * segment files. Concerns live in sibling files (head, wal, chunk codec, block writer/reader,
 * rollups, query, retention); this class wires them behind the Store interface.
 */

import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROLLUP_MS } from '../../analytics/index.ts';
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
import { BlockCache } from './block-cache.ts';
import { listSegments, loadSegment, readBytesAt } from './block-reader.ts';
import { type SegmentSeriesEntry, segmentName, writeSegment } from './block-writer.ts';
import type { ChunkRef, RollupRef, SegmentHandle } from './chunk-ref.ts';
import { acquireDirLock } from './dir-lock.ts';
import { type SealContext, sealSeries } from './head-seal.ts';
import {
  DAY_MS,
  defaultEmbeddedStoreOptions,
  type EmbeddedStoreOptions,
  noopLogger,
  type StoreLogger,
} from './options.ts';
import { labelValues, matchSeries, querySeries, type RawRange, selectPoints } from './query.ts';
import { applyRetention } from './retention.ts';
import {
  type DecodedRollups,
  decodeRollupColumns,
  encodeRollupPage,
  mergeRollups,
} from './rollup-codec.ts';
import { type MemSeries, SeriesRegistry } from './series.ts';
import {
  encodeSeriesIndex,
  readSeriesIndex,
  SERIES_INDEX_FILE,
  writeFileAtomic,
} from './series-index.ts';
import { readRaw } from './series-reader.ts';
import { type DecodedCache, fillSlots, scratchFor, usesRollups } from './slots.ts';
import {
  decodeBatchPayload,
  encodeBatchRecord,
  fsyncDir,
  RECORD_BATCH,
  replayWal,
  type WalEntry,
  type WalSeriesDef,
  WalWriter,
  walDir,
} from './wal.ts';

/** A head whose newest sample is older than this (by the clock) is sealed by maintenance. */
const IDLE_SEAL_MS = 15 * 60_000;

/** Persisted rollup pages cover at most one aligned window of this length. */
const PAGE_WINDOW_MS = 6 * 3_600_000;

interface Resolved {
  readonly series: MemSeries | null;
  readonly def: WalSeriesDef | null;
}

/**
 * A lookup path in the labels' own order: metric, then (name, value) pairs as given. Walking it
 * costs a few short-string map lookups and builds no key string; one series may have several
 * paths (one per label order seen), all ending at it. Only resolved series are entered.
 */
interface FastNode {
  series: MemSeries | undefined;
  readonly next: Map<string, Map<string, FastNode>>;
}

function fastNode(): FastNode {
  return { series: undefined, next: new Map() };
}

function fastLookup(
  root: Map<string, FastNode>,
  metric: string,
  labels: Labels,
): MemSeries | undefined {
  let node: FastNode | undefined = root.get(metric);
  for (const n in labels) {
    if (node === undefined) return undefined;
    node = node.next.get(n)?.get(labels[n] as string);
  }
  return node?.series;
}

function fastInsert(
  root: Map<string, FastNode>,
  metric: string,
  labels: Labels,
  s: MemSeries,
): void {
  let node: FastNode | undefined = root.get(metric);
  if (node === undefined) {
    node = fastNode();
    root.set(metric, node);
  }
  for (const n in labels) {
    let byValue: Map<string, FastNode> | undefined = node.next.get(n);
    if (byValue === undefined) {
      byValue = new Map();
      node.next.set(n, byValue);
    }
    const v = labels[n] as string;
    let child: FastNode | undefined = byValue.get(v);
    if (child === undefined) {
      child = fastNode();
      byValue.set(v, child);
    }
    node = child;
  }
  node.series = s;
}

export class EmbeddedStore implements Store {
  readonly #options: Required<Omit<EmbeddedStoreOptions, 'logger'>>;
  readonly #log: StoreLogger;
  readonly #registry = new SeriesRegistry();
  readonly #segmentDir: string;
  readonly #segments = new Set<SegmentHandle>();
  #wal: WalWriter | null = null;
  #closed = false;
  #nextSeq = 1;
  #generation = 1;
  /** Bytes of sealed chunks and pages not yet in a segment file. */
  #unpersistedBytes = 0;
  /** Serialises persist and retention. */
  #mutex: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #seal: SealContext;
  readonly #cache: BlockCache;
  readonly #decoded: DecodedCache;
  /** Label paths in arrival order -> series: skips sorting and escaping for known series. */
  readonly #fastIndex = new Map<string, FastNode>();

  constructor(options: EmbeddedStoreOptions) {
    const d = defaultEmbeddedStoreOptions();
    this.#options = {
      dataDir: options.dataDir,
      retentionMs: options.retentionMs,
      clock: options.clock,
      chunkSamples: options.chunkSamples ?? (d.chunkSamples as number),
      walCheckpointBytes: options.walCheckpointBytes ?? (d.walCheckpointBytes as number),
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? (d.maintenanceIntervalMs as number),
      cacheBytes: options.cacheBytes ?? (d.cacheBytes as number),
    };
    this.#log = options.logger ?? noopLogger;
    this.#cache = new BlockCache(options.cacheBytes ?? (d.cacheBytes as number));
    this.#decoded = new BlockCache<DecodedRollups>(
      options.cacheBytes ?? (d.cacheBytes as number),
      (x) => 24 * x.n + 64,
    );
    this.#segmentDir = join(options.dataDir, 'segments');
    this.#seal = {
      nextSeq: () => this.#nextSeq++,
      load: this.#loadChunk,
      onSealed: (bytes) => {
        this.#unpersistedBytes += bytes;
      },
    };
  }

  #loadChunk = (ref: ChunkRef | RollupRef): Uint8Array => {
    if (ref.bytes !== null) return ref.bytes;
    return this.#cache.get(ref, () =>
      readBytesAt(ref.segment as SegmentHandle, ref.offset, ref.length),
    );
  };

  /** Loads the series index and segment files, then replays the WAL. */
  open(): void {
    const started = performance.now();
    this.#releaseLock = acquireDirLock(this.#options.dataDir);
    mkdirSync(this.#segmentDir, { recursive: true });
    for (const s of readSeriesIndex(this.#options.dataDir)) {
      this.#registry.add(s.id, s.metric, s.labels);
    }
    let chunks = 0;
    for (const name of listSegments(this.#segmentDir)) {
      const seg = loadSegment(this.#segmentDir, name);
      this.#segments.add(seg.handle);
      if (seg.generation >= this.#generation) this.#generation = seg.generation + 1;
      for (const e of seg.series) {
        const s = this.#registry.byId[e.seriesId];
        if (s === undefined) {
          throw new OpsError(
            'STORE_CORRUPTION',
            `segment ${name} names unknown series ${e.seriesId}`,
            {
              items: [{ field: name, reason: `unknown series id ${e.seriesId}` }],
            },
          );
        }
        for (const c of e.chunks) {
          s.chunks.push(c);
          s.sealedCount += c.count;
          if (c.seq >= this.#nextSeq) this.#nextSeq = c.seq + 1;
          if (c.minTs < s.minTs) s.minTs = c.minTs;
          if (c.maxTs > s.maxTs) s.maxTs = c.maxTs;
          if (c.maxTs > s.sealedMaxTs) s.sealedMaxTs = c.maxTs;
          chunks++;
        }
        for (const p of e.pages) {
          s.rollups.push(p);
          if (p.seq >= this.#nextSeq) this.#nextSeq = p.seq + 1;
        }
      }
    }
    for (const s of this.#registry.all()) {
      s.chunks.sort((a, b) => a.seq - b.seq);
      s.rollups.sort((a, b) => a.seq - b.seq);
    }
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
    const interval = this.#options.maintenanceIntervalMs;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.maintain().catch((err: unknown) => {
          this.#log.error({ err }, 'store maintenance failed');
        });
      }, interval);
      this.#timer.unref();
    }
    this.#log.info(
      {
        series: this.#registry.size,
        segments: this.#segments.size,
        chunks,
        walRecords: records,
        ms: Math.round(performance.now() - started),
      },
      'store opened',
    );
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
    const done = wal.append(record);
    if (wal.bytes > this.#options.walCheckpointBytes) this.#schedulePersist();
    await done;
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
      const tsArr = s.timestampsMs;
      for (let j = 0; j < tsArr.length; j++) {
        const t = tsArr[j] as number;
        // Same as Number.isSafeInteger(t), without the call per sample.
        if (!(t >= -9007199254740991 && t <= 9007199254740991 && Math.floor(t) === t)) {
          bad.push({ index, field: 'timestamp', reason: 'must be an integer number of ms' });
          break;
        }
      }
      const cached = fastLookup(this.#fastIndex, s.metric, s.labels);
      if (cached !== undefined) {
        out.push({ series: cached, def: null });
        continue;
      }
      const key = seriesKey(s.metric, s.labels);
      const existing = this.#registry.byKey.get(key);
      if (existing !== undefined) fastInsert(this.#fastIndex, s.metric, s.labels, existing);
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
    const chunkSamples = this.#options.chunkSamples;
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
      if (head.n >= chunkSamples) this.#maybeSeal(s);
    }
  }

  /**
   * Seals a full head at the last minute boundary, so a minute's samples land in one chunk
   * (rollups then need no re-aggregation). A head with too few samples before that boundary
   * (a very fast series) is sealed whole once it is 16 chunks long.
   */
  #maybeSeal(s: MemSeries): void {
    const h = s.head;
    const chunkSamples = this.#options.chunkSamples;
    h.normalize();
    const cut = Math.floor((h.ts[h.n - 1] as number) / ROLLUP_MS) * ROLLUP_MS;
    const k = h.lowerBound(cut);
    if (k >= chunkSamples / 2) sealSeries(s, cut, this.#seal);
    else if (h.n >= 16 * chunkSamples) sealSeries(s, Number.POSITIVE_INFINITY, this.#seal);
  }

  #read = (s: MemSeries, fromMs: number, toMs: number): RawRange =>
    readRaw(s, fromMs, toMs, this.#loadChunk);

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
    let scratch: ReturnType<typeof scratchFor> | null | undefined;
    return executeRange(query, matched, (s, request, out) => {
      if (scratch === undefined) scratch = usesRollups(request) ? scratchFor(request) : null;
      fillSlots(s, request, out, this.#read, this.#loadChunk, scratch, this.#decoded);
    });
  }

  async labelValues(label: string, metric?: string): Promise<string[]> {
    this.#checkOpen();
    return labelValues(this.#registry, label, metric);
  }

  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    let samples = 0;
    let series = 0;
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const s of this.#registry.all()) {
      if (s.minTs > s.maxTs) continue;
      series++;
      samples += s.sealedCount + this.#headOnly(s);
      if (s.minTs < oldest) oldest = s.minTs;
      if (s.maxTs > newest) newest = s.maxTs;
    }
    return {
      series,
      samples,
      diskBytes: this.#diskBytes(),
      oldestMs: series > 0 ? oldest : null,
      newestMs: series > 0 ? newest : null,
    };
  }

  /** Head samples whose timestamps are not already sealed. */
  #headOnly(s: MemSeries): number {
    const h = s.head;
    if (h.n === 0) return 0;
    h.normalize();
    if ((h.ts[0] as number) > s.sealedMaxTs) return h.n;
    const sealed = readRaw(s, h.ts[0] as number, h.ts[h.n - 1] as number, this.#loadChunk, false);
    let dup = 0;
    let j = 0;
    for (let i = 0; i < h.n; i++) {
      const t = h.ts[i] as number;
      while (j < sealed.n && (sealed.ts[j] as number) < t) j++;
      if (j < sealed.n && sealed.ts[j] === t) dup++;
    }
    return h.n - dup;
  }

  #diskBytes(): number {
    let total = 0;
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) total += statSync(p).size;
      }
    };
    walk(this.#options.dataDir);
    return total;
  }

  /** Runs `fn` after every earlier persist/retention pass. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#mutex.then(fn);
    this.#mutex = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #persistScheduled = false;

  #schedulePersist(): void {
    if (this.#persistScheduled) return;
    this.#persistScheduled = true;
    this.#exclusive(async () => {
      this.#persistScheduled = false;
      if (this.#closed) return;
      await this.#persist(false);
    }).catch((err: unknown) => {
      this.#log.error({ err }, 'background persist failed');
    });
  }

  /**
   * Writes sealed chunks and rollup pages to segment files (one per day partition), rewrites the
   * series index, and checkpoints the WAL: a new segment starts with the samples still in the
   * head, and older segments are deleted once everything they held is durable elsewhere.
   */
  async #persist(sealAll: boolean): Promise<void> {
    const wal = this.#wal;
    if (wal === null) return;
    const started = performance.now();
    if (sealAll)
      for (const s of this.#registry.all()) sealSeries(s, Number.POSITIVE_INFINITY, this.#seal);
    // WAL checkpoint: from here on new records go to the new segment, after the head snapshot.
    const newSegment = wal.rotate();
    const snapshot: WalEntry[] = [];
    for (const s of this.#registry.all()) {
      const h = s.head;
      if (h.n === 0) continue;
      h.normalize();
      snapshot.push({
        seriesId: s.id,
        timestampsMs: h.ts.subarray(0, h.n),
        values: h.vals.subarray(0, h.n),
      });
    }
    const snapshotDone =
      snapshot.length > 0
        ? wal.append(encodeBatchRecord({ defs: [], entries: snapshot }))
        : Promise.resolve();
    // The index first: segment files may name only series it holds.
    writeFileAtomic(
      this.#options.dataDir,
      SERIES_INDEX_FILE,
      encodeSeriesIndex(
        [...this.#registry.all()].map((s) => ({ id: s.id, metric: s.metric, labels: s.labels })),
      ),
    );
    const partitions = new Map<
      number,
      Map<MemSeries, { chunks: ChunkRef[]; pages: RollupRef[] }>
    >();
    const slot = (p: number, s: MemSeries): { chunks: ChunkRef[]; pages: RollupRef[] } => {
      let m = partitions.get(p);
      if (m === undefined) {
        m = new Map();
        partitions.set(p, m);
      }
      let e = m.get(s);
      if (e === undefined) {
        e = { chunks: [], pages: [] };
        m.set(s, e);
      }
      return e;
    };
    for (const s of this.#registry.all()) {
      for (const c of s.chunks)
        if (c.bytes !== null) slot(Math.floor(c.minTs / DAY_MS) * DAY_MS, s).chunks.push(c);
      for (const p of s.rollups)
        if (p.bytes !== null) slot(Math.floor(p.minMinuteMs / DAY_MS) * DAY_MS, s).pages.push(p);
    }
    let files = 0;
    let bytes = 0;
    for (const [partitionMs, bySeries] of [...partitions].sort((a, b) => a[0] - b[0])) {
      const entries: SegmentSeriesEntry[] = [];
      const replaced = new Map<MemSeries, { old: RollupRef[]; merged: RollupRef[] }>();
      for (const [s, e] of bySeries) {
        let pages = e.pages;
        if (pages.length > 1) {
          // One page per series and 6-hour window: few headers and index entries on disk, and a
          // query decodes at most one window it does not need at each end.
          const windows = new Map<number, RollupRef[]>();
          for (const p of pages) {
            const w = Math.floor(p.minMinuteMs / PAGE_WINDOW_MS);
            const list = windows.get(w);
            if (list === undefined) windows.set(w, [p]);
            else list.push(p);
          }
          const merged: RollupRef[] = [];
          for (const group of windows.values()) {
            if (group.length === 1) {
              merged.push(group[0] as RollupRef);
              continue;
            }
            const cols = mergeRollups(group.map((p) => decodeRollupColumns(p.bytes as Uint8Array)));
            const page = encodeRollupPage(cols);
            merged.push({
              seq: Math.max(...group.map((p) => p.seq)),
              minMinuteMs: cols.minuteMs[0] as number,
              maxMinuteMs: cols.minuteMs[cols.n - 1] as number,
              bytes: page,
              segment: null,
              offset: 0,
              length: page.length,
            });
          }
          replaced.set(s, { old: pages, merged });
          pages = merged;
        }
        entries.push({ seriesId: s.id, chunks: e.chunks, pages });
      }
      entries.sort((a, b) => a.seriesId - b.seriesId);
      const name = segmentName(this.#generation++);
      const written = writeSegment(this.#segmentDir, name, partitionMs, entries);
      const fd = openSync(join(this.#segmentDir, name), 'r');
      const size = statSync(join(this.#segmentDir, name)).size;
      const handle: SegmentHandle = {
        name,
        fd,
        partitionMs,
        maxTs: written.maxTs,
        bytes: size,
        live: 0,
      };
      this.#segments.add(handle);
      files++;
      bytes += size;
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k] as SegmentSeriesEntry;
        e.chunks.forEach((c, i) => {
          c.bytes = null;
          c.segment = handle;
          c.offset = (written.chunkOffsets[k] as number[])[i] as number;
          handle.live++;
        });
        e.pages.forEach((p, i) => {
          p.bytes = null;
          p.segment = handle;
          p.offset = (written.pageOffsets[k] as number[])[i] as number;
          handle.live++;
        });
      }
      for (const [s, r] of replaced) {
        const old = new Set(r.old);
        s.rollups = s.rollups.filter((p) => !old.has(p));
        s.rollups.push(...r.merged);
        s.rollups.sort((a, b) => a.seq - b.seq);
      }
    }
    fsyncDir(this.#segmentDir);
    this.#unpersistedBytes = 0;
    await snapshotDone;
    wal.deleteBefore(newSegment);
    this.#log.info(
      { files, bytes, headSeries: snapshot.length, ms: Math.round(performance.now() - started) },
      'persisted sealed chunks and checkpointed the WAL',
    );
  }

  /**
   * One maintenance pass: drop data older than the retention window, and persist when the WAL
   * or the unpersisted sealed data has grown past its threshold.
   */
  maintain(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed || this.#wal === null) return;
      const cutoff = this.#options.clock.nowMs() - this.#options.retentionMs;
      const r = applyRetention(this.#registry, cutoff);
      for (const h of r.freed) {
        this.#segments.delete(h);
        closeSync(h.fd);
        unlinkSync(join(this.#segmentDir, h.name));
      }
      if (r.freed.length > 0) fsyncDir(this.#segmentDir);
      // Seal heads that stopped receiving samples, so they do not ride along in every WAL
      // checkpoint and their minutes get rollups.
      const idleBefore = this.#options.clock.nowMs() - IDLE_SEAL_MS;
      for (const s of this.#registry.all()) {
        if (s.head.n > 0 && s.head.maxTs < idleBefore) {
          sealSeries(s, Number.POSITIVE_INFINITY, this.#seal);
        }
      }
      if (r.chunks + r.pages > 0) {
        this.#log.info(
          { cutoff, chunks: r.chunks, pages: r.pages, files: r.freed.length },
          'retention',
        );
      }
      if (this.#wal.bytes > this.#options.walCheckpointBytes || this.#unpersistedBytes > 64 << 20) {
        await this.#persist(false);
      }
    });
  }

  async flush(): Promise<void> {
    const wal = this.#checkOpen();
    await wal.idle();
    await this.#exclusive(() => this.#persist(true));
  }

  #closing: Promise<void> | null = null;
  #releaseLock: () => void = () => {};

  /** Flushes, stops the timer and releases files. Idempotent; concurrent calls share one close. */
  close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#mutex;
    await this.#wal?.close();
    this.#wal = null;
    for (const h of this.#segments) closeSync(h.fd);
    this.#segments.clear();
    this.#releaseLock();
  }

  /** WAL fdatasync calls so far (for tests of group commit). */
  get walSyncs(): number {
    return this.#wal?.syncs ?? 0;
  }

  /** Labels of a series id (for tests and tools). */
  labelsOf(id: number): Labels | undefined {
    return this.#registry.byId[id]?.labels;
  }
}
