/**
 * @module
 * A StateStore in memory: for tests and for runs without a data directory. Nothing survives
 * the process.
 */
import { OpsError } from '../../contract/index.ts';
import {
  type AppendLog,
  checkDocumentId,
  checkStateName,
  type DocumentCollection,
  jsonCopy,
  type LogEntry,
  type LogRange,
  type StateStore,
  type StoredDocument,
  selectRange,
} from './state-store.ts';

export class MemoryStateStore implements StateStore {
  readonly #collections = new Map<string, Map<string, unknown>>();
  readonly #logs = new Map<string, LogEntry<unknown>[]>();
  #closed = false;

  #check(name: string): void {
    if (this.#closed) throw new OpsError('STORE_CLOSED', 'the state store is closed');
    checkStateName(name);
  }

  collection<T>(name: string): DocumentCollection<T> {
    this.#check(name);
    let docs = this.#collections.get(name);
    if (docs === undefined) {
      docs = new Map();
      this.#collections.set(name, docs);
    }
    const m = docs;
    const open = (): void => {
      if (this.#closed) throw new OpsError('STORE_CLOSED', 'the state store is closed');
    };
    return {
      async put(id: string, doc: T): Promise<void> {
        open();
        checkDocumentId(id);
        m.set(id, jsonCopy(doc));
      },
      async get(id: string): Promise<T | undefined> {
        open();
        const d = m.get(id);
        return d === undefined ? undefined : (jsonCopy(d) as T);
      },
      async delete(id: string): Promise<boolean> {
        open();
        return m.delete(id);
      },
      async list(): Promise<StoredDocument<T>[]> {
        open();
        return [...m.keys()].sort().map((id) => ({ id, doc: jsonCopy(m.get(id)) as T }));
      },
    };
  }

  log<T>(name: string): AppendLog<T> {
    this.#check(name);
    let entries = this.#logs.get(name);
    if (entries === undefined) {
      entries = [];
      this.#logs.set(name, entries);
    }
    const list = entries;
    const open = (): void => {
      if (this.#closed) throw new OpsError('STORE_CLOSED', 'the state store is closed');
    };
    return {
      async append(add: readonly LogEntry<T>[]): Promise<void> {
        open();
        for (const e of add) list.push(jsonCopy(e));
      },
      async read(range: LogRange = {}): Promise<LogEntry<T>[]> {
        open();
        return jsonCopy(selectRange(list, range)) as LogEntry<T>[];
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
