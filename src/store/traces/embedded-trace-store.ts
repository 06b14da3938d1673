/**
 * @module
 * The embedded trace store: append-only hour files of CRC-framed JSON spans under
 * `<dataDir>/traces/` (span-file.ts, docs/formats/traces.md) and an in-memory index rebuilt on
 * open.
 *
 * - Durability: an append's records are written and fdatasync'ed before it resolves. Appends
 *   that arrive while a write is in flight share the next one (group commit, as the sample
 *   WAL does). A new file's directory entry is fsync'ed before its first append resolves.
 * - Index: trace id → its spans' metadata (file, offset, service, name, endpoint, times,
 *   failed). Search and summaries are answered from memory; `trace` and `spansBetween` read
 *   the records they need from the files.
 * - Recovery: a torn last record of any file (a crash mid-write) is truncated away; damage
 *   elsewhere stops the open with STORE_CORRUPTION naming the file and offset.
 * - Retention: files whose hour ended before `now - retentionMs` are deleted whole, checked at
 *   open and at most once a minute (by the injected clock) on later calls.
 */
import { type FileHandle, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  OpsError,
  type Span,
  spanFailed,
  type TraceQuery,
  type TraceSummary,
} from '../../contract/index.ts';
import {
  decodeSpanRecord,
  encodeSpanRecord,
  HOUR_MS,
  hourOf,
  parseSpanFileName,
  SPAN_FILE_MAGIC,
  scanSpanFile,
  spanFileName,
} from './span-file.ts';
import {
  DEFAULT_TRACE_SEARCH_LIMIT,
  type TraceStore,
  type TraceStoreLogger,
  type TraceStoreStats,
} from './trace-store.ts';

export interface EmbeddedTraceStoreOptions {
  /** The data directory; spans go to `<dataDir>/traces/`. */
  readonly dataDir: string;
  /** Spans whose hour file ended longer ago than this (by `clock`) are deleted. */
  readonly retentionMs: number;
  readonly clock: Clock;
  readonly logger?: TraceStoreLogger;
}

/** What the index keeps of one stored span (~150 bytes; the span itself stays on disk). */
interface SpanRef {
  readonly file: SpanFile;
  readonly offset: number;
  readonly bytes: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly root: boolean;
  readonly service: string;
  readonly name: string;
  readonly endpoint: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly failed: boolean;
}

interface PendingWrite {
  readonly file: SpanFile;
  readonly record: Buffer;
}

class SpanFile {
  readonly hourMs: number;
  readonly path: string;
  fh: FileHandle | undefined;
  /** Bytes written or queued. */
  size = 0;
  /** The directory entry is not yet fsync'ed. */
  fresh = false;
  /** Spans of this file, in file order. */
  readonly refs: SpanRef[] = [];
  constructor(hourMs: number, path: string) {
    this.hourMs = hourMs;
    this.path = path;
  }
}

const RETENTION_CHECK_MS = 60_000;
const noop: TraceStoreLogger = { info: () => {}, warn: () => {}, error: () => {} };

function ioError(what: string, err: unknown): OpsError {
  return new OpsError('STORE_IO', `trace store: ${what}`, { cause: err });
}

export class EmbeddedTraceStore implements TraceStore {
  readonly #dir: string;
  readonly #retentionMs: number;
  readonly #clock: Clock;
  readonly #log: TraceStoreLogger;
  readonly #files = new Map<number, SpanFile>();
  readonly #traces = new Map<string, SpanRef[]>();
  /** Interned service, name and endpoint strings (they repeat in every span). */
  readonly #strings = new Map<string, string>();
  #spans = 0;
  #pending:
    | {
        writes: PendingWrite[];
        done: Promise<void>;
        resolve: () => void;
        reject: (e: unknown) => void;
      }
    | undefined;
  #draining: Promise<void> | undefined;
  #failed: unknown;
  #closed = false;
  #lastRetentionMs = Number.NEGATIVE_INFINITY;

  private constructor(o: EmbeddedTraceStoreOptions, dir: string) {
    // `private` (not #) on the constructor: TypeScript has no private-name constructors; use
    // openEmbeddedTraceStore, which loads the files first.
    this.#dir = dir;
    this.#retentionMs = o.retentionMs;
    this.#clock = o.clock;
    this.#log = o.logger ?? noop;
  }

  static async open(o: EmbeddedTraceStoreOptions): Promise<EmbeddedTraceStore> {
    const dir = join(o.dataDir, 'traces');
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(`cannot create ${dir}`, err);
    }
    const store = new EmbeddedTraceStore(o, dir);
    await store.#load();
    return store;
  }

  async #load(): Promise<void> {
    const cutoffMs = this.#clock.nowMs() - this.#retentionMs;
    this.#lastRetentionMs = this.#clock.nowMs();
    let names: string[];
    try {
      names = (await readdir(this.#dir)).sort();
    } catch (err) {
      throw ioError(`cannot list ${this.#dir}`, err);
    }
    for (const name of names) {
      const hourMs = parseSpanFileName(name);
      if (hourMs === undefined) continue;
      const path = join(this.#dir, name);
      if (hourMs + HOUR_MS <= cutoffMs) {
        await unlink(path).catch((err: unknown) =>
          this.#log.warn({ err, path }, 'cannot delete an expired span file'),
        );
        continue;
      }
      let buf: Buffer;
      try {
        buf = await readFile(path);
      } catch (err) {
        throw ioError(`cannot read ${path}`, err);
      }
      const scan = scanSpanFile(buf);
      if (!scan.ok) {
        throw new OpsError(
          'STORE_CORRUPTION',
          `span file traces/${name} offset ${scan.offset}: ${scan.reason}`,
          { items: [{ field: `traces/${name}`, reason: `offset ${scan.offset}: ${scan.reason}` }] },
        );
      }
      const file = new SpanFile(hourMs, path);
      let size = buf.length;
      if (scan.tornAt !== undefined) {
        this.#log.warn(
          {
            file: `traces/${name}`,
            offset: scan.tornAt,
            reason: scan.reason,
            droppedBytes: buf.length - scan.tornAt,
          },
          'span file: truncating a torn last record',
        );
        try {
          const fh = await open(path, 'r+');
          try {
            await fh.truncate(scan.tornAt);
            await fh.sync();
          } finally {
            await fh.close();
          }
        } catch (err) {
          throw ioError(`cannot truncate ${path}`, err);
        }
        size = scan.tornAt;
      }
      file.size = size;
      if (size === 0) file.fresh = true; // its magic is written with the next append
      for (const r of scan.records) this.#index(file, r.offset, r.bytes, r.span);
      this.#files.set(hourMs, file);
    }
  }

  #intern(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size < 100_000) this.#strings.set(s, s);
    return s;
  }

  #index(file: SpanFile, offset: number, bytes: number, span: Span): void {
    const ref: SpanRef = {
      file,
      offset,
      bytes,
      traceId: span.traceId,
      spanId: span.spanId,
      root: span.parentSpanId === undefined,
      service: this.#intern(span.service),
      name: this.#intern(span.name),
      endpoint: this.#intern(span.endpoint),
      startMs: span.startMs,
      durationMs: span.durationMs,
      failed: spanFailed(span),
    };
    file.refs.push(ref);
    const refs = this.#traces.get(span.traceId);
    if (refs === undefined) this.#traces.set(span.traceId, [ref]);
    else refs.push(ref);
    this.#spans++;
  }

  #guard(): void {
    if (this.#closed) throw new OpsError('STORE_CLOSED', 'the trace store is closed');
  }

  async append(spans: readonly Span[]): Promise<void> {
    this.#guard();
    if (this.#failed !== undefined) {
      throw new OpsError('STORE_IO', 'the trace store failed to write earlier', {
        cause: this.#failed,
      });
    }
    await this.#applyRetention();
    const seen = new Set<string>();
    const batch: { file: SpanFile; offset: number; bytes: number; span: Span }[] = [];
    const writes: PendingWrite[] = [];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as Span;
      if (!Number.isFinite(span.startMs) || !Number.isFinite(span.durationMs)) {
        throw new OpsError('INGEST_INVALID_BATCH', `span ${i} has no finite startMs/durationMs`, {
          items: [{ index: i, field: 'startMs', reason: 'must be a finite number' }],
        });
      }
      const key = `${span.traceId}/${span.spanId}`;
      if (seen.has(key) || this.#has(span.traceId, span.spanId)) continue;
      seen.add(key);
      const file = this.#fileFor(hourOf(span.startMs));
      const record = encodeSpanRecord(span);
      if (file.size === 0) {
        writes.push({ file, record: SPAN_FILE_MAGIC });
        file.size = SPAN_FILE_MAGIC.length;
      }
      batch.push({ file, offset: file.size, bytes: record.length, span });
      file.size += record.length;
      writes.push({ file, record });
    }
    if (writes.length === 0) return;
    await this.#enqueue(writes);
    // Durable: now readers may see it.
    for (const b of batch) this.#index(b.file, b.offset, b.bytes, b.span);
  }

  #has(traceId: string, spanId: string): boolean {
    const refs = this.#traces.get(traceId);
    return refs?.some((r) => r.spanId === spanId) === true;
  }

  #fileFor(hourMs: number): SpanFile {
    let file = this.#files.get(hourMs);
    if (file === undefined) {
      file = new SpanFile(hourMs, join(this.#dir, spanFileName(hourMs)));
      file.fresh = true;
      this.#files.set(hourMs, file);
    }
    return file;
  }

  /** Queues records; resolves when they (and everything queued before) are on disk. */
  #enqueue(writes: PendingWrite[]): Promise<void> {
    if (this.#pending === undefined) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#pending = { writes: [], done, resolve, reject };
    }
    const group = this.#pending;
    group.writes.push(...writes);
    this.#draining ??= this.#drain();
    return group.done;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const group = this.#pending;
      this.#pending = undefined;
      try {
        const byFile = new Map<SpanFile, Buffer[]>();
        for (const w of group.writes) {
          const bufs = byFile.get(w.file);
          if (bufs === undefined) byFile.set(w.file, [w.record]);
          else bufs.push(w.record);
        }
        let dirSync = false;
        await Promise.all(
          [...byFile].map(async ([file, bufs]) => {
            file.fh ??= await open(file.path, 'a+');
            // writev takes at most IOV_MAX (1024) buffers per call on Linux.
            for (let i = 0; i < bufs.length; i += 1024) {
              const part = bufs.slice(i, i + 1024);
              let total = 0;
              for (const b of part) total += b.length;
              const { bytesWritten } = await file.fh.writev(part);
              if (bytesWritten !== total)
                throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
            }
            await file.fh.datasync();
            if (file.fresh) {
              file.fresh = false;
              dirSync = true;
            }
          }),
        );
        if (dirSync) await fsyncDir(this.#dir);
        group.resolve();
      } catch (err) {
        // Offsets of later records would be wrong after a partial write: stop accepting.
        this.#failed = err;
        this.#log.error({ err }, 'trace store write failed; further appends are refused');
        group.reject(ioError(`write failed: ${String(err)}`, err));
        const rest = this.#pending as typeof group | undefined;
        this.#pending = undefined;
        rest?.reject(ioError(`write failed: ${String(err)}`, err));
      }
    }
    this.#draining = undefined;
  }

  async #applyRetention(): Promise<void> {
    const nowMs = this.#clock.nowMs();
    if (nowMs - this.#lastRetentionMs < RETENTION_CHECK_MS) return;
    this.#lastRetentionMs = nowMs;
    const cutoffMs = nowMs - this.#retentionMs;
    const expired = [...this.#files.values()].filter((f) => f.hourMs + HOUR_MS <= cutoffMs);
    if (expired.length === 0) return;
    // Writes already queued for an expired file finish first.
    await this.#draining;
    for (const file of expired) {
      this.#files.delete(file.hourMs);
      for (const ref of file.refs) {
        const refs = this.#traces.get(ref.traceId);
        if (refs === undefined) continue;
        const kept = refs.filter((r) => r.file !== file);
        if (kept.length === 0) this.#traces.delete(ref.traceId);
        else this.#traces.set(ref.traceId, kept);
      }
      this.#spans -= file.refs.length;
      try {
        await file.fh?.close();
        await unlink(file.path);
      } catch (err) {
        this.#log.warn({ err, path: file.path }, 'cannot delete an expired span file');
      }
      this.#log.info(
        { file: spanFileName(file.hourMs), spans: file.refs.length },
        'span file expired',
      );
    }
  }

  /** Reads the spans of `refs` from their files. */
  async #read(refs: readonly SpanRef[]): Promise<Span[]> {
    const byFile = new Map<SpanFile, SpanRef[]>();
    for (const r of refs) {
      const list = byFile.get(r.file);
      if (list === undefined) byFile.set(r.file, [r]);
      else list.push(r);
    }
    const out: Span[] = [];
    for (const [file, list] of byFile) {
      list.sort((a, b) => a.offset - b.offset);
      file.fh ??= await open(file.path, 'a+');
      const first = list[0] as SpanRef;
      const last = list[list.length - 1] as SpanRef;
      const from = first.offset;
      const to = last.offset + last.bytes;
      let needed = 0;
      for (const r of list) needed += r.bytes;
      // One read of the covering range unless it is mostly other spans.
      if (to - from <= 4 * needed + 65_536) {
        const buf = Buffer.allocUnsafe(to - from);
        await readFully(file.fh, buf, from);
        for (const r of list) out.push(this.#decode(file, buf, r.offset - from, r.offset));
      } else {
        for (const r of list) {
          const buf = Buffer.allocUnsafe(r.bytes);
          await readFully(file.fh, buf, r.offset);
          out.push(this.#decode(file, buf, 0, r.offset));
        }
      }
    }
    return out;
  }

  #decode(file: SpanFile, buf: Buffer, at: number, offset: number): Span {
    const span = decodeSpanRecord(buf, at);
    if (typeof span === 'string') {
      const name = spanFileName(file.hourMs);
      throw new OpsError('STORE_CORRUPTION', `span file traces/${name} offset ${offset}: ${span}`, {
        items: [{ field: `traces/${name}`, reason: `offset ${offset}: ${span}` }],
      });
    }
    return span;
  }

  async trace(traceId: string): Promise<Span[]> {
    this.#guard();
    const refs = this.#traces.get(traceId.toLowerCase());
    if (refs === undefined) return [];
    const spans = await this.#read(refs);
    return spans.sort(byStart);
  }

  async search(q: TraceQuery): Promise<TraceSummary[]> {
    this.#guard();
    await this.#applyRetention();
    const limit = q.limit ?? DEFAULT_TRACE_SEARCH_LIMIT;
    if (limit <= 0) return [];
    // Newest hour files first. A trace starts no later than any of its spans, so once `limit`
    // traces start at or after the end of the next (older) file, no older file can add one.
    const files = [...this.#files.values()]
      .filter((f) => f.hourMs <= q.toMs && f.hourMs + HOUR_MS > q.fromMs)
      .sort((a, b) => b.hourMs - a.hourMs);
    const seen = new Set<string>();
    const found: TraceSummary[] = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as SpanFile;
      for (const ref of file.refs) {
        if (seen.has(ref.traceId)) continue;
        seen.add(ref.traceId);
        const refs = this.#traces.get(ref.traceId);
        if (refs === undefined) continue;
        const s = matches(refs, q);
        if (s !== undefined) found.push(s);
      }
      const next = files[i + 1];
      if (next !== undefined && found.length >= limit) {
        found.sort(newestFirst);
        found.length = limit;
        if ((found[limit - 1] as TraceSummary).startMs >= next.hourMs + HOUR_MS) break;
      }
    }
    found.sort(newestFirst);
    return found.slice(0, limit);
  }

  async spansBetween(
    fromMs: number,
    toMs: number,
    filter: { readonly services?: readonly string[]; readonly limit?: number } = {},
  ): Promise<Span[]> {
    this.#guard();
    await this.#applyRetention();
    const services = filter.services === undefined ? undefined : new Set(filter.services);
    let refs: SpanRef[] = [];
    for (const file of this.#files.values()) {
      if (file.hourMs > toMs || file.hourMs + HOUR_MS <= fromMs) continue;
      for (const r of file.refs) {
        if (r.startMs < fromMs || r.startMs > toMs) continue;
        if (services !== undefined && !services.has(r.service)) continue;
        refs.push(r);
      }
    }
    refs.sort(byStart);
    if (filter.limit !== undefined && refs.length > filter.limit) {
      refs = filter.limit <= 0 ? [] : refs.slice(refs.length - filter.limit);
    }
    const spans = await this.#read(refs);
    return spans.sort(byStart);
  }

  stats(): TraceStoreStats {
    let bytes = 0;
    for (const f of this.#files.values()) bytes += f.size;
    return { spans: this.#spans, traces: this.#traces.size, bytes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#draining !== undefined) await this.#draining;
    for (const f of this.#files.values()) {
      await f.fh?.close().catch(() => undefined); // closing is best effort; data is synced
      f.fh = undefined;
    }
  }
}

function byStart(a: { startMs: number }, b: { startMs: number }): number {
  return a.startMs - b.startMs;
}

function newestFirst(a: TraceSummary, b: TraceSummary): number {
  return b.startMs - a.startMs || (a.traceId < b.traceId ? -1 : 1);
}

/** The trace's summary when it matches the query (filters as documented on TraceQuery). */
function matches(refs: readonly SpanRef[], q: TraceQuery): TraceSummary | undefined {
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  let errorCount = 0;
  let root: SpanRef | undefined;
  let earliest = refs[0] as SpanRef;
  let serviceHit = q.service === undefined;
  let operationHit = q.operation === undefined;
  const services = new Set<string>();
  for (const r of refs) {
    if (r.startMs < startMs) startMs = r.startMs;
    if (r.startMs + r.durationMs > endMs) endMs = r.startMs + r.durationMs;
    if (r.failed) errorCount++;
    if (r.root && (root === undefined || r.startMs < root.startMs)) root = r;
    if (r.startMs < earliest.startMs) earliest = r;
    services.add(r.service);
    const ofService = q.service === undefined || r.service === q.service;
    if (ofService) serviceHit = true;
    if (!operationHit && ofService && (r.name === q.operation || r.endpoint === q.operation)) {
      operationHit = true;
    }
  }
  if (!serviceHit || !operationHit) return undefined;
  if (startMs < q.fromMs || startMs > q.toMs) return undefined;
  if (q.status === 'error' && errorCount === 0) return undefined;
  if (q.status === 'ok' && errorCount > 0) return undefined;
  const durationMs = endMs - startMs;
  if (q.minDurationMs !== undefined && durationMs < q.minDurationMs) return undefined;
  const head = root ?? earliest;
  return {
    traceId: head.traceId,
    rootService: head.service,
    rootName: head.name,
    startMs,
    durationMs,
    spanCount: refs.length,
    errorCount,
    services: [...services].sort(),
  };
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0)
      throw new OpsError(
        'STORE_CORRUPTION',
        `span file ends before offset ${position + buf.length}`,
      );
    done += bytesRead;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Opens (creating if needed) the trace store under `<dataDir>/traces/` and loads its index. */
export function openEmbeddedTraceStore(o: EmbeddedTraceStoreOptions): Promise<TraceStore> {
  return EmbeddedTraceStore.open(o);
}
