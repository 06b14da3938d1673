/** @module Small durable state (documents and append-only logs): interface and engines. */
export {
  EmbeddedStateStore,
  type EmbeddedStateStoreOptions,
  openEmbeddedStateStore,
} from './embedded-state-store.ts';
export { MemoryStateStore } from './memory-state-store.ts';
export {
  type AppendLog,
  type DocumentCollection,
  type LogEntry,
  type LogRange,
  STATE_NAME_RE,
  type StateStore,
  type StoredDocument,
  selectRange,
} from './state-store.ts';
