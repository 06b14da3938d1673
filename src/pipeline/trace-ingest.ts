/**
 * @module
 * Where decoded spans go: the trace store first (durably), then every listener (RED metrics,
 * the service map, incidents). A listener runs only for spans the store acknowledged, and a
 * listener that throws is logged and skipped: it never fails the ingest or the other listeners.
 */
import type { Span } from '../contract/index.ts';
import type { TraceStore } from '../store/index.ts';
import { Listeners } from './listeners.ts';

/** The subset of a pino logger TraceIngest uses. */
export interface TraceIngestLogger {
  error(obj: object, msg?: string): void;
}

export type SpanListener = (spans: readonly Span[]) => void;

export class TraceIngest {
  readonly store: TraceStore;
  readonly #logger: TraceIngestLogger | undefined;
  readonly #listeners: Listeners<[readonly Span[]]>;

  constructor(store: TraceStore, logger?: TraceIngestLogger) {
    this.store = store;
    this.#logger = logger;
    this.#listeners = new Listeners((err) => this.#logger?.error({ err }, 'span listener failed'));
  }

  /** Appends durably, then calls every listener; resolves once both are done. */
  async ingest(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) return;
    await this.store.append(spans);
    this.#listeners.emit(spans);
  }

  /** Adds a listener; returns the function that removes it. */
  onSpans(listener: SpanListener): () => void {
    return this.#listeners.add(listener);
  }
}
