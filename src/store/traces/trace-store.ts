/**
 * @module
 * The trace store's contract: spans in (durably), traces and search summaries out. Engines:
 * the embedded one (embedded-trace-store.ts, files under `<dataDir>/traces/`); every engine
 * runs trace-store.contract.ts. All times are epoch ms; ranges are inclusive at both ends and
 * apply to span start times.
 */
import type { Span, TraceQuery, TraceSummary } from '../../contract/index.ts';

export interface TraceStore {
  /**
   * Stores spans. Durable when it resolves (survives kill -9). A span already stored (same trace
   * id and span id, e.g. a client's retry) is not stored twice.
   */
  append(spans: readonly Span[]): Promise<void>;
  /** Every span of one trace, sorted by startMs; [] when the trace is unknown. */
  trace(traceId: string): Promise<Span[]>;
  /** Traces matching the query, newest (by trace start) first; `limit` defaults to 20. */
  search(q: TraceQuery): Promise<TraceSummary[]>;
  /**
   * Spans that started within [fromMs, toMs], ascending by startMs. With `services`, only spans
   * of those services. With `limit`, at most that many: the newest ones.
   */
  spansBetween(
    fromMs: number,
    toMs: number,
    filter?: { readonly services?: readonly string[]; readonly limit?: number },
  ): Promise<Span[]>;
  stats(): TraceStoreStats;
  /** Waits for pending appends, then releases files. Later calls fail with STORE_CLOSED. */
  close(): Promise<void>;
}

export interface TraceStoreStats {
  /** Spans stored (within retention). */
  readonly spans: number;
  /** Distinct traces stored. */
  readonly traces: number;
  /** Bytes of the span files on disk. */
  readonly bytes: number;
}

/** The subset of a pino logger the trace store uses. */
export interface TraceStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Default number of summaries `search` returns. */
export const DEFAULT_TRACE_SEARCH_LIMIT = 20;
