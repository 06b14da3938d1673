/**
 * @module
 * Server push over Server-Sent Events (docs/api.md). A LiveStream wraps one EventSource: it
 * parses each named event's JSON, reports its state, and reopens with backoff when the browser
 * gives up (EventSource retries by itself only while the server answers with an event stream).
 * Every open stream registers its state in `connection`, which the header indicator shows.
 */

import { getApiKey, reportUnauthorized, withKeyParam } from './auth.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** Event names the server sends (docs/api.md, "Live streams"). */
export const LIVE_EVENTS = { overview: 'overview', query: 'update', problem: 'problem' } as const;

export interface LiveStreamOptions<T> {
  readonly url: string;
  readonly event: string;
  readonly onData: (data: T) => void;
  /** A server-side failure for one update (event `problem`); the stream goes on. */
  readonly onProblem?: (message: string) => void;
  /**
   * The stream (re)opened. Streams that push changes rather than whole views refetch here, so
   * nothing that changed while disconnected is missed.
   */
  readonly onOpen?: () => void;
  /** First reopen delay after the browser closes the stream; doubles up to maxBackoffMs. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class LiveStream<T> {
  readonly #options: LiveStreamOptions<T>;
  #source: EventSource | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #backoffMs: number;
  #closed = false;
  readonly #id: number;

  readonly #onVisibility = (): void => {
    if (this.#closed) return;
    if (document.hidden) this.#pause();
    else if (this.#source === undefined && this.#timer === undefined) this.#open();
  };

  constructor(options: LiveStreamOptions<T>) {
    this.#options = options;
    this.#backoffMs = options.minBackoffMs ?? 1_000;
    this.#id = connection.register();
    // Browsers allow about six connections per host across all tabs (HTTP/1.1), and each chart
    // holds one: a hidden tab lets go of its streams and takes them up again when shown. Every
    // update carries the whole window, so nothing is lost in between.
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.#onVisibility);
    }
    if (typeof document === 'undefined' || !document.hidden) this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#pause();
    if (typeof document !== 'undefined') {
      document.removeEventListener('visibilitychange', this.#onVisibility);
    }
    connection.unregister(this.#id);
  }

  #pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#source?.close();
    this.#source = undefined;
  }

  #open(): void {
    if (this.#closed) return;
    const source = new EventSource(withKeyParam(this.#options.url));
    this.#source = source;
    source.addEventListener('open', () => {
      this.#backoffMs = this.#options.minBackoffMs ?? 1_000;
      if (this.#options.onOpen) {
        // A change stream is live once open: it may stay quiet for a long time.
        connection.set(this.#id, 'live');
        this.#options.onOpen();
      }
    });
    source.addEventListener(this.#options.event, (ev) => {
      let data: T;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data) as T;
      } catch {
        // A malformed event is dropped; the next one replaces the whole view anyway.
        return;
      }
      connection.set(this.#id, 'live');
      this.#options.onData(data);
    });
    source.addEventListener(LIVE_EVENTS.problem, (ev) => {
      this.#options.onProblem?.(problemMessage((ev as MessageEvent<string>).data));
    });
    source.addEventListener('error', () => {
      if (this.#closed) return;
      connection.set(this.#id, 'reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        // The browser will not retry (an HTTP error or a wrong content type). EventSource does
        // not say which: ask the same URL once, then give up on a request error or retry.
        void this.#diagnose(source);
      }
    });
  }

  async #diagnose(source: EventSource): Promise<void> {
    const verdict = await diagnoseStream(this.#options.url);
    if (this.#closed) return;
    if (this.#source !== source) return; // paused or reopened meanwhile
    if (verdict.kind === 'refused') {
      // Parameters the server rejects (400, 401, 404, …) will not get better by retrying.
      if (verdict.status === 401) reportUnauthorized();
      this.#options.onProblem?.(verdict.message);
      connection.unregister(this.#id);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.maxBackoffMs ?? 15_000);
  }
}

export type StreamVerdict =
  | { readonly kind: 'retry' }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string };

/**
 * Why a stream closed: a 4xx answer (other than 408 and 429) is the server refusing the request,
 * with its problem+json as the message; anything else (a 5xx, no answer, a 200 now that the
 * server is back) is worth retrying.
 */
export async function diagnoseStream(url: string): Promise<StreamVerdict> {
  const ac = new AbortController();
  try {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const key = getApiKey();
    if (key) headers['x-api-key'] = key;
    const res = await fetch(url, { headers, signal: ac.signal });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      return { kind: 'refused', status: res.status, message: problemMessage(await res.text()) };
    }
    return { kind: 'retry' };
  } catch {
    // No answer at all (server down, network gone): retry later.
    return { kind: 'retry' };
  } finally {
    // A 200 would stream forever; only its headers mattered.
    ac.abort();
  }
}

/** `title: detail` of a problem+json event; the raw text when it is not one. */
export function problemMessage(data: string): string {
  try {
    const p = JSON.parse(data) as { title?: unknown; detail?: unknown };
    const parts = [p.title, p.detail].filter((s): s is string => typeof s === 'string' && s !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // Not JSON: show it as it came.
  }
  return data;
}

/** The summary shown in the header: live only when every open stream is. */
export type ConnectionSummary = 'idle' | 'connecting' | 'live' | 'reconnecting';

export function summarize(states: readonly StreamState[]): ConnectionSummary {
  if (states.length === 0) return 'idle';
  if (states.includes('reconnecting')) return 'reconnecting';
  if (states.includes('connecting')) return 'connecting';
  return 'live';
}

class ConnectionRegistry {
  readonly #states = new Map<number, StreamState>();
  readonly #listeners = new Set<() => void>();
  #nextId = 1;
  #summary: ConnectionSummary = 'idle';
  #lastDataMs: number | undefined;

  register(): number {
    const id = this.#nextId++;
    this.#states.set(id, 'connecting');
    this.#changed();
    return id;
  }

  unregister(id: number): void {
    this.#states.delete(id);
    this.#changed();
  }

  set(id: number, state: StreamState): void {
    if (!this.#states.has(id)) return;
    if (state === 'live') this.#lastDataMs = Date.now();
    if (this.#states.get(id) === state) return;
    this.#states.set(id, state);
    this.#changed();
  }

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSummary = (): ConnectionSummary => this.#summary;

  get lastDataMs(): number | undefined {
    return this.#lastDataMs;
  }

  #changed(): void {
    const next = summarize([...this.#states.values()]);
    if (next === this.#summary) return;
    this.#summary = next;
    for (const l of this.#listeners) l();
  }
}

export const connection = new ConnectionRegistry();
