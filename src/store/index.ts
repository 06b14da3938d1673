/** @module The storage layer: the engine-neutral Store interface and the embedded engine. */

export { openEmbeddedStore } from './embedded/open.ts';
export {
  defaultEmbeddedStoreOptions,
  type EmbeddedStoreOptions,
  type StoreLogger,
} from './embedded/options.ts';
export { executeRange, type SlotRequest, validateRange } from './range-query.ts';
export {
  type AppendLog,
  type DocumentCollection,
  EmbeddedStateStore,
  type LogEntry,
  type LogRange,
  MemoryStateStore,
  openEmbeddedStateStore,
  type StateStore,
  type StoredDocument,
} from './state/index.ts';
export type { AppendOptions, AppendResult, Store, StoreStats } from './store.ts';
export {
  type EmbeddedTraceStoreOptions,
  openEmbeddedTraceStore,
} from './traces/embedded-trace-store.ts';
export {
  DEFAULT_TRACE_SEARCH_LIMIT,
  type TraceStore,
  type TraceStoreLogger,
  type TraceStoreStats,
} from './traces/trace-store.ts';
