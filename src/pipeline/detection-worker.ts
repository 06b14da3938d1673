/**
 * @module
 * The detection runtime: every series that arrives on the bus gets the default detector
 * ensemble with no configuration. The worker
 * - scores each new sample in event-time order (the data's own timestamps, never the wall
 *   clock); a sample not after the series' last scored one (late, duplicate, re-sent backfill)
 *   is skipped: neither scored nor learned;
 * - writes anomalies and the baseline band back into the Store as derived series
 *   (detection-series.ts), in one atomic append per bus message, never republished on the bus;
 * - tells listeners (`onAnomaly`) and keeps the latest estimate per series (`latest`);
 * - asks the silence detectors every `checkIntervalMs` which series are overdue;
 * - snapshots detector state to `<stateDir>/state-*.json` every `snapshotIntervalMs` and on
 *   close, and restores it when created;
 * - tracks at most `maxSeries` series, evicting the least recently updated.
 * docs/decisions/0006-anomaly-storage.md records why.
 */
import {
  type Anomaly,
  type Clock,
  type Labels,
  type SampleBatch,
  type SeriesEstimate,
  type SeriesSamples,
  seriesKey,
} from '../contract/index.ts';
import {
  type Detector,
  type DetectorOutput,
  defaultEnsemble,
  restoreDetector,
} from '../detect/index.ts';
import type { Store } from '../store/index.ts';
import type { Bus, BusMessage } from './bus.ts';
import {
  DETECTOR_LABEL,
  type DerivedKind,
  derivedMetric,
  isDerivedMetric,
  makeAnomaly,
} from './detection-series.ts';
import { loadSnapshot, type SeriesSnapshot, saveSnapshot } from './detection-snapshot.ts';
import { startDetectionTimers } from './detection-timers.ts';

/** The subset of a pino logger the worker uses. */
export interface DetectionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DetectionDeps {
  /** Where derived series go (only `append` is used). */
  readonly store: Pick<Store, 'append'>;
  /** The bus `start()` subscribes to; the detection thread feeds `scoreKeyed` itself instead. */
  readonly bus?: Bus;
  readonly clock: Clock;
  readonly logger?: DetectionLogger;
}

export interface DetectionOptions {
  /** Where state snapshots go (`<dataDir>/detect`); undefined: state is not persisted. */
  readonly stateDir: string | undefined;
  /** Most series tracked at once; the least recently updated is evicted. Default 20,000 (about 5 KB of state each). */
  readonly maxSeries: number;
  /**
   * At most one baseline-band point per series per this much event time (anomalies always carry
   * their band). Default 5 min: see docs/decisions/0006-anomaly-storage.md for the measurement.
   */
  readonly bandStepMs: number;
  /** Period of the silence check; 0 disables the timer (tests call `checkSilence`). Default 15 s. */
  readonly checkIntervalMs: number;
  /** Period of state snapshots; 0 disables the timer (close still snapshots). Default 5 min. */
  readonly snapshotIntervalMs: number;
  /** Series per state file (serialised one file at a time, so the event loop is blocked for one file at most). Default 1,000. */
  readonly seriesPerFile: number;
  /**
   * Cardinality guard for derived metrics (passed to store.append). Each scored series yields
   * at most one band series and a few anomaly series (one per firing detector). Default 400,000.
   */
  readonly maxDerivedSeriesPerMetric: number;
  /** Makes the detector of a new series. Default: the zero-configuration ensemble. */
  readonly newDetector: () => Detector;
}

export function defaultDetectionOptions(): DetectionOptions {
  return {
    stateDir: undefined,
    maxSeries: 20_000,
    bandStepMs: 300_000,
    checkIntervalMs: 15_000,
    snapshotIntervalMs: 300_000,
    seriesPerFile: 1_000,
    maxDerivedSeriesPerMetric: 400_000,
    newDetector: defaultEnsemble,
  };
}

export type AnomalyListener = (anomaly: Anomaly) => void;

export interface DetectionStats {
  readonly trackedSeries: number;
  readonly samplesScored: number;
  /** Samples not after their series' last scored one (late or duplicate): not scored. */
  readonly samplesSkipped: number;
  readonly anomalies: number;
  readonly evictedSeries: number;
  readonly derivedWriteErrors: number;
  /** Samples not scored because the detection queue was full (detection thread only). */
  readonly samplesDropped: number;
  /** Samples handed to the detection thread and not scored yet (detection thread only). */
  readonly queuedSamples: number;
}

/** One series of a batch, already keyed (`seriesKey(metric, labels)`). */
export interface KeyedSeries {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
  readonly timestampsMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** What the server and the alerting runtime need from detection. */
export interface DetectionRuntime {
  /** Calls `listener` with every new anomaly; returns the function that stops it. */
  onAnomaly(listener: AnomalyListener): () => void;
  /** The latest estimate for one series, if it is tracked. */
  latest(metric: string, labels: Labels): SeriesEstimate | undefined;
  /** Latest estimates of every tracked series (iteration order: least recently updated first). */
  estimates(): IterableIterator<SeriesEstimate>;
  stats(): DetectionStats;
}

/** One derived series a tracked series writes to (cached, so batching needs no key strings). */
interface Sink {
  readonly metric: string;
  readonly labels: Labels;
}

class Tracked {
  readonly metric: string;
  readonly labels: Labels;
  readonly detector: Detector;
  lastTs = Number.NEGATIVE_INFINITY;
  lastValue = 0;
  lastArrivalMs = 0;
  lastBandBucket = Number.NEGATIVE_INFINITY;
  silenced = false;
  last: DetectorOutput | undefined;
  /** Lazily built sinks: band kinds by kind, anomaly kinds by `kind|detector`. */
  readonly #sinks = new Map<string, Sink>();

  constructor(metric: string, labels: Labels, detector: Detector) {
    this.metric = metric;
    this.labels = labels;
    this.detector = detector;
  }

  sink(kind: DerivedKind, detector?: string): Sink {
    const key = detector === undefined ? kind : `${kind}|${detector}`;
    let sink = this.#sinks.get(key);
    if (sink === undefined) {
      sink = {
        metric: derivedMetric(this.metric, kind),
        labels:
          detector === undefined ? this.labels : { ...this.labels, [DETECTOR_LABEL]: detector },
      };
      this.#sinks.set(key, sink);
    }
    return sink;
  }
}

/** Collects derived samples of one bus message, grouped by series, for one append. */
class DerivedBatch {
  readonly #series = new Map<Sink, { ts: number[]; v: number[] }>();

  add(sink: Sink, timestampMs: number, value: number): void {
    const s = this.#series.get(sink);
    if (s === undefined) {
      this.#series.set(sink, { ts: [timestampMs], v: [value] });
    } else {
      s.ts.push(timestampMs);
      s.v.push(value);
    }
  }

  get empty(): boolean {
    return this.#series.size === 0;
  }

  toBatch(): SampleBatch {
    const out: SeriesSamples[] = [];
    for (const [sink, s] of this.#series) {
      out.push({ metric: sink.metric, labels: sink.labels, timestampsMs: s.ts, values: s.v });
    }
    return out;
  }
}

export class DetectionWorker implements DetectionRuntime {
  readonly #deps: DetectionDeps;
  readonly #options: DetectionOptions;
  /** Insertion order = recency of update (touched entries are re-inserted). */
  readonly #tracked = new Map<string, Tracked>();
  readonly #listeners = new Set<AnomalyListener>();
  #unsubscribe: (() => void) | undefined;
  #timers: NodeJS.Timeout[] = [];
  /** Derived appends run one after another, in message order. */
  #writes: Promise<void> = Promise.resolve();
  #snapshotting: Promise<void> | undefined;
  #closed = false;
  #samplesScored = 0;
  #samplesSkipped = 0;
  #anomalies = 0;
  #evicted = 0;
  #writeErrors = 0;

  constructor(deps: DetectionDeps, options: Partial<DetectionOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...defaultDetectionOptions(), ...options };
  }

  /** Restores state, subscribes to the bus and starts the timers. */
  async start(): Promise<void> {
    await this.restoreState();
    this.#unsubscribe = this.#deps.bus?.subscribe((m) => this.handle(m));
    this.#timers = startDetectionTimers(this.#options, this, this.#deps.logger);
  }

  onAnomaly(listener: AnomalyListener): () => void {
    // Wrapped so the same function subscribed twice is two independent entries.
    const entry: AnomalyListener = (a) => listener(a);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  latest(metric: string, labels: Labels): SeriesEstimate | undefined {
    const t = this.#tracked.get(seriesKey(metric, labels));
    return t === undefined ? undefined : estimate(t);
  }

  *estimates(): IterableIterator<SeriesEstimate> {
    for (const t of this.#tracked.values()) {
      const e = estimate(t);
      if (e !== undefined) yield e;
    }
  }

  stats(): DetectionStats {
    return {
      trackedSeries: this.#tracked.size,
      samplesScored: this.#samplesScored,
      samplesSkipped: this.#samplesSkipped,
      anomalies: this.#anomalies,
      evictedSeries: this.#evicted,
      derivedWriteErrors: this.#writeErrors,
      samplesDropped: 0,
      queuedSamples: 0,
    };
  }

  /** Tracked series, least recently updated first (the detection thread numbers them). */
  *trackedSeries(): IterableIterator<{ key: string; metric: string; labels: Labels }> {
    for (const [key, t] of this.#tracked) yield { key, metric: t.metric, labels: t.labels };
  }

  /** The latest estimate of a series by its key. */
  estimateOf(key: string): SeriesEstimate | undefined {
    const t = this.#tracked.get(key);
    return t === undefined ? undefined : estimate(t);
  }

  /** Forgets a series (the detection thread's owner evicted it). */
  drop(key: string): void {
    if (this.#tracked.delete(key)) this.#evicted++;
  }

  /**
   * Scores series whose keys the caller already knows (the detection thread), like `handle`
   * does for a bus message: one derived append for the lot.
   */
  scoreKeyed(series: Iterable<KeyedSeries>, arrivalMs: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const out = new DerivedBatch();
    for (const s of series) {
      if (s.values.length === 0) continue;
      this.#scoreSeries(s.key, s, arrivalMs, out);
    }
    this.#evictOverCap();
    return this.#write(out);
  }

  /**
   * Scores one bus message (the bus subscriber). Scoring is synchronous; the returned promise
   * settles when the derived samples are stored.
   */
  handle(message: BusMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const out = new DerivedBatch();
    const arrivalMs = this.#deps.clock.nowMs();
    for (const s of message.batch) {
      if (isDerivedMetric(s.metric) || s.values.length === 0) continue;
      this.#scoreSeries(seriesKey(s.metric, s.labels), s, arrivalMs, out);
    }
    this.#evictOverCap();
    return this.#write(out);
  }

  /**
   * Asks every tracked series' silence detector whether it is overdue. Event time moves on
   * with the clock from each series' last arrival: overdue at `lastTs + (now - lastArrival)`.
   * Each silence episode is reported once; the next sample ends it.
   */
  checkSilence(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const nowMs = this.#deps.clock.nowMs();
    const out = new DerivedBatch();
    for (const t of this.#tracked.values()) {
      if (t.silenced) continue;
      const eventNowMs = t.lastTs + (nowMs - t.lastArrivalMs);
      if (!(eventNowMs > t.lastTs)) continue;
      const r = t.detector.check(eventNowMs);
      if (!r.isAnomaly) continue;
      t.silenced = true;
      this.#emit(t, Math.round(eventNowMs), t.lastValue, r, out);
    }
    return this.#write(out);
  }

  /** Resolves when every derived append started so far has settled. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#writes;
      await current;
    } while (current !== this.#writes);
  }

  /** Writes all detector state now (no-op without a state dir). */
  snapshot(): Promise<void> {
    const dir = this.#options.stateDir;
    if (dir === undefined) return Promise.resolve();
    this.#snapshotting ??= (async () => {
      try {
        const tracked = [...this.#tracked.values()];
        const entries = (from: number, to: number): SeriesSnapshot[] =>
          tracked.slice(from, to).map((t) => ({
            metric: t.metric,
            labels: t.labels,
            lastTs: t.lastTs,
            lastValue: t.lastValue,
            lastBandBucket: Number.isFinite(t.lastBandBucket) ? t.lastBandBucket : -1,
            silenced: t.silenced,
            state: t.detector.serialize(),
          }));
        const nowMs = this.#deps.clock.nowMs();
        await saveSnapshot(dir, tracked.length, entries, nowMs, this.#options.seriesPerFile);
      } finally {
        this.#snapshotting = undefined;
      }
    })();
    return this.#snapshotting;
  }

  /** Stops listening, waits for pending writes and snapshots the state. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.idle();
    await this.#snapshotting;
    await this.snapshot();
    this.#listeners.clear();
  }

  #scoreSeries(
    key: string,
    s: Pick<KeyedSeries, 'metric' | 'labels' | 'timestampsMs' | 'values'>,
    arrivalMs: number,
    out: DerivedBatch,
  ): void {
    let t = this.#tracked.get(key);
    if (t === undefined) {
      t = new Tracked(s.metric, s.labels, this.#options.newDetector());
    } else {
      this.#tracked.delete(key);
    }
    this.#tracked.set(key, t);

    const ts = s.timestampsMs;
    const vs = s.values;
    const n = vs.length;
    let order: number[] | undefined;
    for (let i = 1; i < n; i++) {
      if ((ts[i] as number) < (ts[i - 1] as number)) {
        order = Array.from({ length: n }, (_, k) => k).sort(
          (a, b) => (ts[a] as number) - (ts[b] as number),
        );
        break;
      }
    }
    const bandStepMs = this.#options.bandStepMs;
    let scored = 0;
    for (let k = 0; k < n; k++) {
      const i = order === undefined ? k : (order[k] as number);
      const timestampMs = ts[i] as number;
      const value = vs[i] as number;
      if (!(timestampMs > t.lastTs) || !Number.isFinite(value)) {
        this.#samplesSkipped++;
        continue;
      }
      const r = compactOutput(t.detector.update(timestampMs, value));
      scored++;
      const wasSilenced = t.silenced;
      t.lastTs = timestampMs;
      t.lastValue = value;
      t.last = r;
      t.silenced = false;
      let wroteBand = false;
      // The gap a late sample closes was already reported by the silence check.
      if (r.isAnomaly && !(r.detector === 'silence' && wasSilenced)) {
        this.#emit(t, timestampMs, value, r, out);
        wroteBand = true;
      }
      const bucket = Math.floor(timestampMs / bandStepMs);
      if (!wroteBand && bucket !== t.lastBandBucket && r.reason !== 'warming up') {
        this.#addBand(t, timestampMs, r, out);
      }
      if (wroteBand || bucket !== t.lastBandBucket) t.lastBandBucket = bucket;
    }
    if (scored > 0) t.lastArrivalMs = arrivalMs;
    this.#samplesScored += scored;
  }

  #addBand(t: Tracked, timestampMs: number, r: DetectorOutput, out: DerivedBatch): void {
    out.add(t.sink('expected'), timestampMs, r.expected);
    out.add(t.sink('lower'), timestampMs, r.lower);
    out.add(t.sink('upper'), timestampMs, r.upper);
  }

  #emit(
    t: Tracked,
    timestampMs: number,
    value: number,
    r: DetectorOutput,
    out: DerivedBatch,
  ): void {
    out.add(t.sink('score', r.detector), timestampMs, r.score);
    out.add(t.sink('value', r.detector), timestampMs, value);
    this.#addBand(t, timestampMs, r, out);
    this.#anomalies++;
    if (this.#listeners.size === 0) return;
    const anomaly = makeAnomaly({
      metric: t.metric,
      labels: t.labels,
      timestampMs,
      value,
      score: r.score,
      expected: r.expected,
      lower: r.lower,
      upper: r.upper,
      detector: r.detector,
    });
    for (const l of [...this.#listeners]) {
      try {
        l(anomaly);
      } catch (err) {
        this.#deps.logger?.error({ err }, 'detection: anomaly listener failed');
      }
    }
  }

  #evictOverCap(): void {
    const over = this.#tracked.size - this.#options.maxSeries;
    if (over <= 0) return;
    let i = 0;
    for (const key of this.#tracked.keys()) {
      if (i++ >= over) break;
      this.#tracked.delete(key);
      this.#evicted++;
    }
  }

  #write(out: DerivedBatch): Promise<void> {
    if (out.empty) return this.#writes;
    const batch = out.toBatch();
    const limit = this.#options.maxDerivedSeriesPerMetric;
    this.#writes = this.#writes.then(async () => {
      try {
        await this.#deps.store.append(batch, { maxSeriesPerMetric: limit });
      } catch (err) {
        // Derived data is best effort: losing a band point must never hurt ingest.
        this.#writeErrors++;
        this.#deps.logger?.warn({ err }, 'detection: storing derived series failed');
      }
    });
    return this.#writes;
  }

  /** Loads the snapshot in `stateDir` (no-op without one); `start` calls it. */
  async restoreState(): Promise<void> {
    const dir = this.#options.stateDir;
    if (dir === undefined) return;
    const { series, dropped } = await loadSnapshot(dir);
    const nowMs = this.#deps.clock.nowMs();
    for (const s of series) {
      let detector: Detector;
      try {
        detector = restoreDetector(s.state);
      } catch (err) {
        dropped.push(`${seriesKey(s.metric, s.labels)}: ${(err as Error).message}`);
        continue;
      }
      const t = new Tracked(s.metric, s.labels, detector);
      t.lastTs = s.lastTs;
      t.lastValue = s.lastValue;
      t.lastBandBucket = s.lastBandBucket;
      t.silenced = s.silenced;
      // Downtime is not the sources' silence: event time restarts from now.
      t.lastArrivalMs = nowMs;
      this.#tracked.set(seriesKey(s.metric, s.labels), t);
    }
    this.#evictOverCap();
    if (dropped.length > 0) {
      this.#deps.logger?.warn(
        { dropped: dropped.length, first: dropped.slice(0, 5) },
        'detection: dropped unreadable detector state; those series learn again',
      );
    }
    if (series.length > 0) {
      this.#deps.logger?.info({ series: this.#tracked.size }, 'detection: state restored');
    }
  }
}

function estimate(t: Tracked): SeriesEstimate | undefined {
  const r = t.last;
  if (r === undefined) return undefined;
  return {
    metric: t.metric,
    labels: t.labels,
    timestampMs: t.lastTs,
    value: t.lastValue,
    score: r.score,
    isAnomaly: r.isAnomaly,
    expected: r.expected,
    lower: r.lower,
    upper: r.upper,
    detector: r.detector,
  };
}

/**
 * The band and the score are estimates shown to people; four significant digits are plenty, and
 * they keep the derived series inside the store's decimal value codec (docs/formats/chunk.md)
 * instead of its full-precision fallback, which costs several times the bytes per point.
 * Live anomalies and the ones read back from the store are built from these same rounded values.
 */
export function compactOutput(r: DetectorOutput): DetectorOutput {
  return {
    ...r,
    score: roundSignificant(r.score, 4),
    expected: roundSignificant(r.expected, 4),
    lower: roundSignificant(r.lower, 4),
    upper: roundSignificant(r.upper, 4),
  };
}

/** Rounds to `digits` significant decimal digits; 0, NaN and ±Inf pass through. */
export function roundSignificant(v: number, digits: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const exponent = Math.floor(Math.log10(Math.abs(v))) - digits + 1;
  // Divide or multiply by an exact power of ten so the result is the nearest double to the
  // decimal (123456 → 123500, not 123500.00000000001).
  return exponent >= 0
    ? Math.round(v / 10 ** exponent) * 10 ** exponent
    : Math.round(v * 10 ** -exponent) / 10 ** -exponent;
}
