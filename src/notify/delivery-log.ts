/**
 * @module
 * Every delivery attempt, recorded: which channel, which notification, attempt number, when,
 * outcome, status or error, and how long it took. `DeliveryLog` is the port; an in-memory ring
 * (tests, dashboards) and an append-only JSON Lines file (docs/notifications.md §Delivery log)
 * implement it.
 */
import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NotificationKind } from './notification.ts';
import type { ChannelKind } from './notifier.ts';

/** `delivered`: accepted. `failed`: refused or network error. `timeout`: no answer in time. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'timeout';

export interface DeliveryAttempt {
  /** Channel name from the configuration. */
  readonly channel: string;
  readonly channelKind: ChannelKind;
  readonly notificationId: string;
  readonly notificationKind: NotificationKind;
  readonly dedupKey: string;
  /** 1-based. */
  readonly attempt: number;
  /** When the attempt started, ISO 8601 UTC. */
  readonly at: string;
  readonly outcome: DeliveryOutcome;
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  /** True when this attempt settled the delivery (delivered, permanent failure, or last try). */
  readonly final: boolean;
  /** Wait before the next attempt; present only when another attempt follows. */
  readonly retryInMs?: number;
}

export interface DeliveryQuery {
  readonly notificationId?: string;
  readonly channel?: string;
  /** Newest entries kept when more match; default 1000. */
  readonly limit?: number;
}

export interface DeliveryLog {
  /** Must not throw for I/O trouble it can report otherwise; the dispatcher logs rejections. */
  record(attempt: DeliveryAttempt): Promise<void>;
  /** Matching attempts, oldest first. */
  list(query?: DeliveryQuery): Promise<DeliveryAttempt[]>;
}

function matches(a: DeliveryAttempt, q: DeliveryQuery): boolean {
  return (
    (q.notificationId === undefined || a.notificationId === q.notificationId) &&
    (q.channel === undefined || a.channel === q.channel)
  );
}

function select(all: readonly DeliveryAttempt[], q: DeliveryQuery): DeliveryAttempt[] {
  const hits = all.filter((a) => matches(a, q));
  const limit = q.limit ?? 1000;
  return hits.slice(Math.max(0, hits.length - limit));
}

export interface InMemoryDeliveryLogOptions {
  /** Oldest entries are dropped beyond this many. */
  readonly capacity: number;
}

export function defaultInMemoryDeliveryLogOptions(): InMemoryDeliveryLogOptions {
  return { capacity: 10_000 };
}

export class InMemoryDeliveryLog implements DeliveryLog {
  readonly #entries: DeliveryAttempt[] = [];
  readonly #capacity: number;

  constructor(options: Partial<InMemoryDeliveryLogOptions> = {}) {
    this.#capacity = { ...defaultInMemoryDeliveryLogOptions(), ...options }.capacity;
  }

  async record(attempt: DeliveryAttempt): Promise<void> {
    this.#entries.push(attempt);
    if (this.#entries.length > this.#capacity)
      this.#entries.splice(0, this.#entries.length - this.#capacity);
  }

  async list(query: DeliveryQuery = {}): Promise<DeliveryAttempt[]> {
    return select(this.#entries, query);
  }

  /** Synchronous view for tests and for waiting on conditions. */
  snapshot(): readonly DeliveryAttempt[] {
    return [...this.#entries];
  }
}

export interface JsonlDeliveryLogOptions {
  /** Directory for `deliveries.jsonl` (created if missing), e.g. `<dataDir>/notify`. */
  readonly dir: string;
  /** When the file exceeds this, it is renamed to `deliveries.jsonl.1` (replacing the old one). */
  readonly maxFileBytes: number;
}

export const DELIVERY_LOG_FILE = 'deliveries.jsonl';

export function defaultJsonlDeliveryLogOptions(dir: string): JsonlDeliveryLogOptions {
  return { dir, maxFileBytes: 16 * 1024 * 1024 };
}

/**
 * One JSON object per line, appended in record order (writes are chained, so lines never
 * interleave). Not fsynced: losing the last attempts in a power cut is acceptable for a log.
 * A torn last line (crash mid-write) is skipped on read.
 */
export class JsonlDeliveryLog implements DeliveryLog {
  readonly #options: JsonlDeliveryLogOptions;
  readonly #path: string;
  #tail: Promise<void> = Promise.resolve();
  #ready: Promise<void> | undefined;
  #bytes = -1;

  constructor(options: JsonlDeliveryLogOptions) {
    this.#options = options;
    this.#path = join(options.dir, DELIVERY_LOG_FILE);
  }

  get path(): string {
    return this.#path;
  }

  record(attempt: DeliveryAttempt): Promise<void> {
    const line = `${JSON.stringify(attempt)}\n`;
    const write = this.#tail.then(() => this.#append(line));
    // Keep the chain alive after a failed write; the caller still sees the rejection.
    this.#tail = write.catch(() => undefined);
    return write;
  }

  async #append(line: string): Promise<void> {
    this.#ready ??= mkdir(this.#options.dir, { recursive: true }).then(() => undefined);
    await this.#ready;
    if (this.#bytes < 0) this.#bytes = await fileSize(this.#path);
    const size = Buffer.byteLength(line);
    if (this.#bytes > 0 && this.#bytes + size > this.#options.maxFileBytes) {
      await rename(this.#path, `${this.#path}.1`);
      this.#bytes = 0;
    }
    await appendFile(this.#path, line, 'utf8');
    this.#bytes += size;
  }

  async list(query: DeliveryQuery = {}): Promise<DeliveryAttempt[]> {
    await this.#tail;
    const all: DeliveryAttempt[] = [];
    for (const path of [`${this.#path}.1`, this.#path]) all.push(...(await readLines(path)));
    return select(all, query);
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return 0;
    throw err;
  }
}

async function readLines(path: string): Promise<DeliveryAttempt[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
  const out: DeliveryAttempt[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as DeliveryAttempt);
    } catch {
      // A torn line from a crash mid-append: skip it, keep the rest.
    }
  }
  return out;
}
