/**
 * @module
 * What every route module receives: the deps, the options, and the few pieces of shared server
 * state (ingest meter, overview cache, open live streams). Route modules get it as an argument;
 * nothing here is global.
 */
import { countSamples, type Overview } from '../contract/index.ts';
import { IngestRateMeter } from './ingest-meter.ts';
import { buildOverview } from './kpi-report.ts';
import type { ServerDeps, ServerOptions } from './options.ts';
import type { SseStream } from './sse.ts';

/** An overview computed less than this long ago (and with no new data since) is reused. */
const OVERVIEW_REUSE_MS = 1_000;

export class ServerContext {
  readonly deps: ServerDeps;
  readonly options: ServerOptions;
  readonly meter = new IngestRateMeter();
  /** Open SSE streams, closed when the server closes. */
  readonly streams = new Set<SseStream>();
  /** Bumped on every published batch; cached overviews of an older version are stale. */
  #dataVersion = 0;
  readonly #overviews = new Map<
    number,
    { atMs: number; version: number; value: Promise<Overview> }
  >();
  readonly #unsubscribe: () => void;
  readonly #healthScoreOf = (service: string) => this.deps.alerting?.healthOf(service);

  constructor(deps: ServerDeps, options: ServerOptions) {
    this.deps = deps;
    this.options = options;
    this.#unsubscribe = deps.bus.subscribe(({ batch }) => {
      this.#dataVersion++;
      this.meter.record(deps.clock.nowMs(), countSamples(batch));
    });
  }

  /**
   * The overview for a trailing window. Concurrent callers (many dashboards on one live stream
   * period) share one computation.
   */
  overview(windowMs: number): Promise<Overview> {
    const nowMs = this.deps.clock.nowMs();
    const cached = this.#overviews.get(windowMs);
    if (
      cached !== undefined &&
      cached.version === this.#dataVersion &&
      nowMs >= cached.atMs &&
      nowMs - cached.atMs < OVERVIEW_REUSE_MS
    ) {
      return cached.value;
    }
    const value = buildOverview({
      store: this.deps.store,
      nowMs,
      windowMs,
      maxServices: this.options.maxOverviewServices,
      ingestRate: this.meter.ratePerSecond(nowMs),
      kpi: this.options.kpi,
      health: this.options.health,
      ...(this.deps.alerting === undefined ? {} : { healthScoreOf: this.#healthScoreOf }),
    });
    const entry = { atMs: nowMs, version: this.#dataVersion, value };
    // The window is client-chosen: drop stale entries so odd windows cannot pile up.
    for (const [w, e] of this.#overviews) {
      if (nowMs - e.atMs >= OVERVIEW_REUSE_MS || e.version !== this.#dataVersion) {
        this.#overviews.delete(w);
      }
    }
    this.#overviews.set(windowMs, entry);
    // A failed computation is not cached.
    value.catch(() => {
      if (this.#overviews.get(windowMs) === entry) this.#overviews.delete(windowMs);
    });
    return value;
  }

  close(): void {
    this.#unsubscribe();
    for (const s of [...this.streams]) s.close();
    this.#overviews.clear();
  }
}
