/**
 * @module
 * The engine-neutral interface of the small durable state opsight keeps beside its samples:
 * named collections of JSON documents (alert rules and SLOs created through the API, silences,
 * the alerting runtime's state) and append-only logs read by time range (alert history,
 * notification delivery attempts). The embedded engine keeps files under `<dataDir>/state/`;
 * a PostgreSQL engine can implement the same interface (one table per kind). One contract
 * suite (state-store.contract.ts) runs against every engine.
 *
 * Contract:
 * - A write (put, delete, append) is durable when its promise resolves: it survives kill -9.
 * - A put replaces the whole document atomically: a reader (or a restart) sees the old or the
 *   new document, never a mix.
 * - Documents and records are plain JSON values; what is read back is a fresh copy.
 * - Log reads return records in append order; time bounds are inclusive milliseconds.
 */

/** Collection and log names: lower-case letters, digits, `_` and `-`, at most 64. */
export const STATE_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface StoredDocument<T> {
  readonly id: string;
  readonly doc: T;
}

export interface DocumentCollection<T> {
  /** Creates or replaces the document `id` (any non-empty string up to 512 characters). */
  put(id: string, doc: T): Promise<void>;
  get(id: string): Promise<T | undefined>;
  /** True when a document was removed. */
  delete(id: string): Promise<boolean>;
  /** Every document, sorted by id. */
  list(): Promise<StoredDocument<T>[]>;
}

export interface LogEntry<T> {
  /** The record's own time (what range reads filter on), epoch ms. */
  readonly atMs: number;
  readonly record: T;
}

export interface LogRange {
  /** Inclusive bounds; omitted = unbounded. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** At most this many, the newest kept (default: all). */
  readonly limit?: number;
}

export interface AppendLog<T> {
  /** Appends the entries in order, all or none, durably. */
  append(entries: readonly LogEntry<T>[]): Promise<void>;
  /** Entries with atMs in the range, in append order. */
  read(range?: LogRange): Promise<LogEntry<T>[]>;
}

export interface StateStore {
  collection<T>(name: string): DocumentCollection<T>;
  log<T>(name: string): AppendLog<T>;
  /** Waits for pending writes and releases files. Later calls fail with STORE_CLOSED. */
  close(): Promise<void>;
}

/** Applies a LogRange to entries in append order. */
export function selectRange<T>(entries: readonly LogEntry<T>[], range: LogRange): LogEntry<T>[] {
  const from = range.fromMs ?? Number.NEGATIVE_INFINITY;
  const to = range.toMs ?? Number.POSITIVE_INFINITY;
  const hits = entries.filter((e) => e.atMs >= from && e.atMs <= to);
  const limit = range.limit;
  return limit === undefined ? hits : hits.slice(Math.max(0, hits.length - limit));
}

export function checkStateName(name: string): void {
  if (!STATE_NAME_RE.test(name)) {
    throw new RangeError(`state name ${JSON.stringify(name)} must match ${STATE_NAME_RE.source}`);
  }
}

export function checkDocumentId(id: string): void {
  if (typeof id !== 'string' || id === '' || id.length > 512) {
    throw new RangeError('document ids are non-empty strings of at most 512 characters');
  }
}

/** A deep copy through JSON: what a durable engine would hand back. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
