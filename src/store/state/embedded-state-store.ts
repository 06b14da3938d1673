/**
 * @module
 * The embedded StateStore: plain files under `<dataDir>/state/`.
 *
 * ```
 * state/docs/<collection>/<base64url(id) or h-sha256(id)>.json   {"id": …, "doc": …}
 * state/logs/<log>.jsonl                        {"atMs": …, "record": …} one per line
 * ```
 *
 * - A put writes `<file>.tmp`, fsyncs it, renames it over the document and fsyncs the
 *   directory, so a crash leaves the old or the new document. Leftover `.tmp` files are
 *   ignored (and removed) when the collection is loaded.
 * - An append writes its lines in one call and fdatasyncs before resolving. On load, a torn
 *   last line (a crash mid-append) is cut off so the next append starts on a fresh line.
 * - Each collection and log is loaded once, on first use, and then served from memory; writes
 *   are serialised per collection/log. Sizes are small (rules, silences, transitions).
 */
import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
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

export interface EmbeddedStateStoreOptions {
  /** The state directory, e.g. `<dataDir>/state`. Created if missing. */
  readonly dir: string;
}

function ioError(what: string, err: unknown): OpsError {
  return new OpsError('STORE_IO', `state store: ${what}`, { cause: err });
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Runs tasks one after another; a failed task does not stop the chain. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
  idle(): Promise<unknown> {
    return this.#tail;
  }
}

class EmbeddedCollection<T> implements DocumentCollection<T> {
  readonly #dir: string;
  readonly #serial = new Serial();
  readonly #guard: () => void;
  #docs: Promise<Map<string, T>> | undefined;
  #tmpSeq = 0;

  constructor(dir: string, guard: () => void) {
    this.#dir = dir;
    this.#guard = guard;
  }

  get serial(): Serial {
    return this.#serial;
  }

  #load(): Promise<Map<string, T>> {
    this.#docs ??= (async () => {
      await mkdir(this.#dir, { recursive: true });
      const docs = new Map<string, T>();
      for (const name of await readdir(this.#dir)) {
        const path = join(this.#dir, name);
        if (name.includes('.tmp')) {
          await unlink(path).catch(() => undefined);
          continue;
        }
        if (!name.endsWith('.json')) continue;
        let parsed: { id?: unknown; doc?: unknown };
        try {
          parsed = JSON.parse(await readFile(path, 'utf8')) as { id?: unknown; doc?: unknown };
        } catch (err) {
          throw new OpsError('STORE_CORRUPTION', `state document ${path} is not valid JSON`, {
            cause: err,
          });
        }
        if (typeof parsed.id === 'string') docs.set(parsed.id, parsed.doc as T);
      }
      return docs;
    })().catch((err: unknown) => {
      this.#docs = undefined;
      throw err instanceof OpsError ? err : ioError(`cannot load ${this.#dir}`, err);
    });
    return this.#docs;
  }

  #file(id: string): string {
    // Short ids are readable-ish file names; long ones (file names stop at 255 bytes) are hashed.
    const b64 = Buffer.from(id, 'utf8').toString('base64url');
    const name = b64.length <= 160 ? b64 : `h-${createHash('sha256').update(id).digest('hex')}`;
    return join(this.#dir, `${name}.json`);
  }

  put(id: string, doc: T): Promise<void> {
    this.#guard();
    checkDocumentId(id);
    const copy = jsonCopy(doc);
    const text = JSON.stringify({ id, doc: copy });
    return this.#serial.run(async () => {
      const docs = await this.#load();
      const file = this.#file(id);
      const tmp = `${file}.tmp${this.#tmpSeq++}`;
      try {
        const fd = await open(tmp, 'w');
        try {
          await fd.writeFile(text, 'utf8');
          await fd.sync();
        } finally {
          await fd.close();
        }
        await rename(tmp, file);
        await fsyncDir(this.#dir);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw ioError(`cannot write ${file}`, err);
      }
      docs.set(id, copy);
    });
  }

  async get(id: string): Promise<T | undefined> {
    this.#guard();
    const docs = await this.#load();
    const d = docs.get(id);
    return d === undefined ? undefined : jsonCopy(d);
  }

  delete(id: string): Promise<boolean> {
    this.#guard();
    return this.#serial.run(async () => {
      const docs = await this.#load();
      if (!docs.has(id)) return false;
      try {
        await unlink(this.#file(id));
        await fsyncDir(this.#dir);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT') {
          throw ioError(`cannot delete ${id}`, err);
        }
      }
      docs.delete(id);
      return true;
    });
  }

  async list(): Promise<StoredDocument<T>[]> {
    this.#guard();
    const docs = await this.#load();
    return [...docs.keys()].sort().map((id) => ({ id, doc: jsonCopy(docs.get(id) as T) }));
  }
}

class EmbeddedLog<T> implements AppendLog<T> {
  readonly #path: string;
  readonly #dir: string;
  readonly #serial = new Serial();
  readonly #guard: () => void;
  #state: Promise<{ entries: LogEntry<T>[]; fd: FileHandle }> | undefined;

  constructor(dir: string, name: string, guard: () => void) {
    this.#dir = dir;
    this.#path = join(dir, `${name}.jsonl`);
    this.#guard = guard;
  }

  get serial(): Serial {
    return this.#serial;
  }

  #load(): Promise<{ entries: LogEntry<T>[]; fd: FileHandle }> {
    this.#state ??= (async () => {
      await mkdir(this.#dir, { recursive: true });
      const fd = await open(this.#path, 'a+');
      const buf = await fd.readFile();
      let end = buf.length;
      // A torn last line (no newline): cut it so the next append starts cleanly.
      if (end > 0 && buf[end - 1] !== 0x0a) {
        end = buf.lastIndexOf(0x0a) + 1;
        await fd.truncate(end);
        await fd.datasync();
      }
      const entries: LogEntry<T>[] = [];
      for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          const e = JSON.parse(line) as LogEntry<T>;
          if (typeof e.atMs === 'number') entries.push(e);
        } catch {
          // A damaged line inside the file: skip it, keep the rest.
        }
      }
      return { entries, fd };
    })().catch((err: unknown) => {
      this.#state = undefined;
      throw ioError(`cannot open ${this.#path}`, err);
    });
    return this.#state;
  }

  append(add: readonly LogEntry<T>[]): Promise<void> {
    this.#guard();
    const copies = add.map((e) => jsonCopy({ atMs: e.atMs, record: e.record }));
    for (const c of copies) {
      if (!Number.isFinite(c.atMs)) throw new RangeError('log entries need a finite atMs');
    }
    if (copies.length === 0) return Promise.resolve();
    const text = copies.map((c) => `${JSON.stringify(c)}\n`).join('');
    return this.#serial.run(async () => {
      const s = await this.#load();
      try {
        await s.fd.appendFile(text, 'utf8');
        await s.fd.datasync();
      } catch (err) {
        throw ioError(`cannot append to ${this.#path}`, err);
      }
      s.entries.push(...copies);
    });
  }

  async read(range: LogRange = {}): Promise<LogEntry<T>[]> {
    this.#guard();
    const s = await this.#load();
    return jsonCopy(selectRange(s.entries, range));
  }

  async close(): Promise<void> {
    await this.#serial.idle();
    if (this.#state === undefined) return;
    const s = await this.#state.catch(() => undefined);
    this.#state = undefined;
    await s?.fd.close();
  }
}

export class EmbeddedStateStore implements StateStore {
  readonly #dir: string;
  readonly #collections = new Map<string, EmbeddedCollection<unknown>>();
  readonly #logs = new Map<string, EmbeddedLog<unknown>>();
  #closed = false;
  readonly #guard = (): void => {
    if (this.#closed) throw new OpsError('STORE_CLOSED', 'the state store is closed');
  };

  constructor(options: EmbeddedStateStoreOptions) {
    this.#dir = options.dir;
  }

  get dir(): string {
    return this.#dir;
  }

  collection<T>(name: string): DocumentCollection<T> {
    this.#guard();
    checkStateName(name);
    let c = this.#collections.get(name);
    if (c === undefined) {
      c = new EmbeddedCollection<unknown>(join(this.#dir, 'docs', name), this.#guard);
      this.#collections.set(name, c);
    }
    return c as DocumentCollection<T>;
  }

  log<T>(name: string): AppendLog<T> {
    this.#guard();
    checkStateName(name);
    let l = this.#logs.get(name);
    if (l === undefined) {
      l = new EmbeddedLog<unknown>(join(this.#dir, 'logs'), name, this.#guard);
      this.#logs.set(name, l);
    }
    return l as AppendLog<T>;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#collections.values()].map((c) => c.serial.idle()));
    await Promise.all([...this.#logs.values()].map((l) => l.close()));
  }
}

/** Opens (creating if needed) the state directory `<dataDir>/state`. */
export async function openEmbeddedStateStore(dataDir: string): Promise<EmbeddedStateStore> {
  const dir = join(dataDir, 'state');
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError(`cannot create ${dir}`, err);
  }
  return new EmbeddedStateStore({ dir });
}
