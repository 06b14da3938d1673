/**
 * @module
 * RED metrics and the service map from the span stream, in event time (docs/red-metrics.md).
 * Spans come in through `add` (the platform wires TraceIngest.onSpans to it); the pure
 * aggregators of analytics/ bucket them by their own timestamps, and this adapter moves the
 * watermark, writes the closed buckets' RED samples to the store, publishes them on the bus (so
 * detectors, SLOs, alerts and the overview see them like any metric) and tells listeners.
 *
 * Watermark: the largest span end seen minus `allowedLatenessMs`; it never goes back. When no
 * span arrives for `idleMs` of clock time it moves on with the clock (largest end + time since
 * the last arrival − lateness), so a silent system still closes its buckets. A span older than
 * the watermark's closed buckets is late (counted, dropped).
 *
 * Appends and publishes run one at a time in advance order; a failed append is logged and the
 * samples of that advance are lost (the analytics state is not rolled back), never a crash of
 * the ingest path that called `add`.
 */
import {
  RedAggregator,
  type RedCounters,
  type RedOptions,
  ServiceMapBuilder,
  type ServiceMapCounters,
  type ServiceMapOptions,
  spanEndMs,
} from '../analytics/index.ts';
import type { Clock, EndpointStats, SampleBatch, ServiceMap, Span } from '../contract/index.ts';
import { countSamples } from '../contract/index.ts';
import type { Store } from '../store/index.ts';
import type { Bus } from './bus.ts';
import { Listeners } from './listeners.ts';

export interface TraceAnalyticsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TraceAnalyticsOptions {
  /** Event-time bucket width of RED metrics and the map. Default 10 s. */
  readonly bucketMs: number;
  /** How far behind the largest span end seen the watermark stays. Default 5 s. */
  readonly allowedLatenessMs: number;
  /** Clock time without spans after which the watermark follows the clock. Default 15 s. */
  readonly idleMs: number;
  /** Period of the idle check started by start(). Default 5 s. */
  readonly tickIntervalMs: number;
  /** Closed buckets kept for stats and the map. Default 60 min. */
  readonly historyMs: number;
  /** Window of `TraceWindow.stats` and the default of endpointStats(). Default 1 min. */
  readonly statsWindowMs: number;
  /** Window of `TraceWindow.map` and the default of serviceMap(). Default 5 min. */
  readonly mapWindowMs: number;
  /** Spans kept in memory for recentSpans (RCA): this much event time... Default 15 min. */
  readonly recentSpansMs: number;
  /** ...and at most this many. Default 500,000. */
  readonly maxRecentSpans: number;
  /** Cardinality guard passed to store.append. Default 10,000 series per metric. */
  readonly maxSeriesPerMetric: number;
  /** Further RED and map options (bucketMs and historyMs above win). */
  readonly red: Partial<RedOptions>;
  readonly map: Partial<ServiceMapOptions>;
}

export function defaultTraceAnalyticsOptions(): TraceAnalyticsOptions {
  return {
    bucketMs: 10_000,
    allowedLatenessMs: 5_000,
    idleMs: 15_000,
    tickIntervalMs: 5_000,
    historyMs: 60 * 60_000,
    statsWindowMs: 60_000,
    mapWindowMs: 5 * 60_000,
    recentSpansMs: 15 * 60_000,
    maxRecentSpans: 500_000,
    maxSeriesPerMetric: 10_000,
    red: {},
    map: {},
  };
}

export interface TraceAnalyticsDeps {
  readonly store: Pick<Store, 'append'>;
  readonly bus: Pick<Bus, 'publish'>;
  readonly clock: Clock;
  readonly logger: TraceAnalyticsLogger;
}

/** What one advance that closed buckets produced (docs/red-metrics.md). */
export interface TraceWindow {
  readonly watermarkMs: number;
  /** The buckets this advance closed (zero-filled ones included), by (fromMs, service, endpoint). */
  readonly closed: readonly EndpointStats[];
  /** The last `statsWindowMs` (1 min) of closed buckets merged per endpoint, with baselines. */
  readonly stats: readonly EndpointStats[];
  /** The last `mapWindowMs` (5 min) of the service map. */
  readonly map: ServiceMap;
}

export interface RecentSpanFilter {
  readonly services?: readonly string[];
  readonly limit?: number;
}

export interface TraceAnalyticsStats {
  readonly watermarkMs: number;
  readonly red: RedCounters;
  readonly map: ServiceMapCounters;
  readonly recentSpans: number;
  readonly samplesWritten: number;
  readonly appendFailures: number;
}

export class TraceAnalytics {
  readonly #deps: TraceAnalyticsDeps;
  readonly #o: TraceAnalyticsOptions;
  readonly #red: RedAggregator;
  readonly #map: ServiceMapBuilder;
  readonly #listeners: Listeners<[TraceWindow]>;
  #maxEndMs = Number.NEGATIVE_INFINITY;
  #watermarkMs = Number.NEGATIVE_INFINITY;
  /** Clock time of the last add() with spans. */
  #lastArrivalMs: number | undefined;
  /** Ring of recent spans in arrival order: #recent[#head..] are live. */
  #recent: Span[] = [];
  #head = 0;
  /** Serialises append → publish → listeners in advance order. */
  #chain: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #samplesWritten = 0;
  #appendFailures = 0;

  constructor(deps: TraceAnalyticsDeps, options: Partial<TraceAnalyticsOptions> = {}) {
    this.#deps = deps;
    this.#listeners = new Listeners((err) =>
      deps.logger.error({ err }, 'trace window listener failed'),
    );
    this.#o = { ...defaultTraceAnalyticsOptions(), ...options };
    const { bucketMs, historyMs } = this.#o;
    this.#red = new RedAggregator({ ...this.#o.red, bucketMs, historyMs });
    this.#map = new ServiceMapBuilder({ ...this.#o.map, bucketMs, historyMs });
  }

  get options(): TraceAnalyticsOptions {
    return this.#o;
  }

  /** Feeds spans and moves the watermark; resolves once what they closed is stored and published. */
  add(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0 || this.#closed) return this.#chain;
    this.#red.add(spans);
    this.#map.add(spans);
    for (const s of spans) {
      const end = spanEndMs(s);
      if (end > this.#maxEndMs) this.#maxEndMs = end;
    }
    this.#remember(spans);
    this.#lastArrivalMs = this.#deps.clock.nowMs();
    return this.#advance(this.#maxEndMs - this.#o.allowedLatenessMs);
  }

  /** Idle advance: after `idleMs` without spans the watermark follows the clock. */
  tick(): Promise<void> {
    if (this.#closed || this.#lastArrivalMs === undefined) return this.#chain;
    const idleForMs = this.#deps.clock.nowMs() - this.#lastArrivalMs;
    if (idleForMs < this.#o.idleMs) return this.#chain;
    return this.#advance(this.#maxEndMs + idleForMs - this.#o.allowedLatenessMs);
  }

  /** Closes everything up to the current watermark and waits until it is stored and published. */
  flush(): Promise<void> {
    return this.#advance(this.#watermarkMs);
  }

  onWindow(listener: (w: TraceWindow) => void): () => void {
    return this.#listeners.add(listener);
  }

  watermarkMs(): number {
    return this.#watermarkMs;
  }

  /**
   * Where the default windows end: the end of the last closed RED bucket (`stats`) and of the
   * last closed map bucket (`map`, `matchWaitMs` behind). -Infinity before anything closed.
   */
  windowEndMs(kind: 'stats' | 'map'): number {
    return kind === 'stats' ? this.#red.closedUpToMs() : this.#map.closedUpToMs();
  }

  /**
   * Closed buckets entirely inside [fromMs, toMs] merged per endpoint (analytics/red.ts).
   * Default: the last `statsWindowMs` of closed buckets.
   */
  endpointStats(
    fromMs?: number,
    toMs?: number,
    filter: { service?: string } = {},
  ): EndpointStats[] {
    const end = toMs ?? this.windowEndMs('stats');
    const start = fromMs ?? end - this.#o.statsWindowMs;
    if (!Number.isFinite(end) || !Number.isFinite(start)) return [];
    return this.#red.stats(start, end, filter);
  }

  /** The service map over [fromMs, toMs]; default the last `mapWindowMs` of closed buckets. */
  serviceMap(fromMs?: number, toMs?: number): ServiceMap {
    const end = toMs ?? this.windowEndMs('map');
    const start = fromMs ?? end - this.#o.mapWindowMs;
    if (!Number.isFinite(end) || !Number.isFinite(start)) {
      return { fromMs: 0, toMs: 0, nodes: [], edges: [] };
    }
    return this.#map.map(start, end);
  }

  /**
   * Spans kept in memory (the last `recentSpansMs` of event time, at most `maxRecentSpans`)
   * whose start lies in [fromMs, toMs] (inclusive, as TraceQuery), of the given services;
   * sorted by start. With `limit`, the latest `limit` of them.
   */
  recentSpans(fromMs: number, toMs: number, filter: RecentSpanFilter = {}): Span[] {
    const services = filter.services === undefined ? undefined : new Set(filter.services);
    const out: Span[] = [];
    for (let i = this.#head; i < this.#recent.length; i++) {
      const s = this.#recent[i] as Span;
      if (s.startMs < fromMs || s.startMs > toMs) continue;
      if (services !== undefined && !services.has(s.service)) continue;
      out.push(s);
    }
    out.sort((a, b) => a.startMs - b.startMs);
    const limit = filter.limit;
    return limit !== undefined && limit >= 0 && out.length > limit
      ? out.slice(out.length - limit)
      : out;
  }

  stats(): TraceAnalyticsStats {
    return {
      watermarkMs: this.#watermarkMs,
      red: this.#red.counters(),
      map: this.#map.counters(),
      recentSpans: this.#recent.length - this.#head,
      samplesWritten: this.#samplesWritten,
      appendFailures: this.#appendFailures,
    };
  }

  /** Starts the idle check. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => {
      // tick never rejects: failures are logged inside the chain.
      void this.tick();
    }, this.#o.tickIntervalMs);
    this.#timer.unref?.();
  }

  /** Stops the idle check and waits for pending appends. Buckets still open are not written. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    this.#listeners.clear();
  }

  #remember(spans: readonly Span[]): void {
    for (const s of spans) this.#recent.push(s);
    const cutoff = this.#maxEndMs - this.#o.recentSpansMs;
    let head = this.#head;
    const max = this.#o.maxRecentSpans;
    while (head < this.#recent.length) {
      const s = this.#recent[head] as Span;
      if (this.#recent.length - head > max || spanEndMs(s) < cutoff) head++;
      else break;
    }
    // Compact once the dead prefix is at least half the array (amortised O(1) per span).
    if (head > 1024 && head * 2 >= this.#recent.length) {
      this.#recent = this.#recent.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  #advance(watermarkMs: number): Promise<void> {
    if (watermarkMs > this.#watermarkMs) this.#watermarkMs = watermarkMs;
    const wm = this.#watermarkMs;
    if (!Number.isFinite(wm)) return this.#chain;
    const { closed, samples } = this.#red.advance(wm);
    this.#map.advance(wm);
    if (closed.length === 0) return this.#chain;
    // Snapshot now, in advance order, so listeners see the state as of this advance.
    const window: TraceWindow = {
      watermarkMs: wm,
      closed,
      stats: this.endpointStats(),
      map: this.serviceMap(),
    };
    this.#chain = this.#chain.then(() => this.#emit(samples, window));
    return this.#chain;
  }

  async #emit(samples: SampleBatch, window: TraceWindow): Promise<void> {
    const { logger } = this.#deps;
    if (samples.length > 0) {
      try {
        await this.#deps.store.append(samples, { maxSeriesPerMetric: this.#o.maxSeriesPerMetric });
        this.#samplesWritten += countSamples(samples);
        await this.#deps.bus.publish(samples);
      } catch (err) {
        this.#appendFailures++;
        logger.error({ err, watermarkMs: window.watermarkMs }, 'RED samples not written');
      }
    }
    this.#listeners.emit(window);
  }
}
