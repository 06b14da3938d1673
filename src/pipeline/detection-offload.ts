/**
 * @module
 * Detection off the main thread: `DetectionThread` is the DetectionRuntime the platform uses.
 * It subscribes to the bus like the inline DetectionWorker, but only packs each batch (series
 * ids and one Float64Array of timestamps and values, transferred) and posts it to one
 * node:worker_threads thread that scores it (detection-thread.ts). Replies carry the derived
 * samples, which are appended to the store here (one append per reply), the anomalies, which
 * go to `onAnomaly` listeners, and each scored series' latest estimate.
 * - The series table (key → id, recency, eviction above `maxSeries`) lives here; a series
 *   crosses to the thread once.
 * - At most `maxQueuedSamples` samples wait for the thread; a batch beyond that is not scored
 *   (counted in `samplesDropped`, a warning at most once a minute). Ingest never waits.
 * - Per-series order is the publish order: one channel, handled in order on both sides.
 * docs/decisions/0006-anomaly-storage.md records why and what it costs.
 */
import { Worker } from 'node:worker_threads';
import { type Anomaly, type Labels, type SeriesEstimate, seriesKey } from '../contract/index.ts';
import type { BusMessage } from './bus.ts';
import {
  ESTIMATE_STRIDE,
  type FromThread,
  type ThreadInit,
  type ThreadStats,
  type ToThread,
} from './detection-protocol.ts';
import { isDerivedMetric } from './detection-series.ts';
import { startDetectionTimers } from './detection-timers.ts';
import {
  type AnomalyListener,
  type DetectionDeps,
  type DetectionOptions,
  type DetectionRuntime,
  type DetectionStats,
  defaultDetectionOptions,
} from './detection-worker.ts';

export interface DetectionThreadOptions
  extends Omit<DetectionOptions, 'newDetector' | 'maxSeries'> {
  /** Most series tracked at once; the least recently updated are evicted (1% at a time). Default 20,000. */
  readonly maxSeries: number;
  /** Samples posted to the thread and not yet scored, at most; beyond, batches are dropped. Default 1,000,000 (16 MB). */
  readonly maxQueuedSamples: number;
  /** Shortest interval between two "queue full" warnings. Default 60 s. */
  readonly dropWarnIntervalMs: number;
  /** The thread's entry module. Default: detection-thread.js beside this module (.ts in sources). */
  readonly threadUrl: URL;
  /** Node flags of the thread (tests running the .ts sources pass a TypeScript loader). */
  readonly execArgv: readonly string[];
}

export function defaultDetectionThreadOptions(): DetectionThreadOptions {
  const { newDetector: _n, ...inline } = defaultDetectionOptions();
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return {
    ...inline,
    maxQueuedSamples: 1_000_000,
    dropWarnIntervalMs: 60_000,
    threadUrl: new URL(`./detection-thread.${ext}`, import.meta.url),
    execArgv: [],
  };
}

/** One tracked series; its latest estimate is row `id` of `#est` (when `scored`). */
interface Entry {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
  touched: number;
  scored: boolean;
  detector: string;
}

export class DetectionThread implements DetectionRuntime {
  readonly #deps: DetectionDeps;
  readonly #options: DetectionThreadOptions;
  readonly #listeners = new Set<AnomalyListener>();
  readonly #ids = new Map<string, number>();
  readonly #entries: (Entry | undefined)[] = [];
  readonly #free: number[] = [];
  /** Ids evicted by batch number n, reusable once the thread has answered batch n. */
  readonly #freeAfter: { batch: number; ids: number[] }[] = [];
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Set when closing: the thread skips the batches still queued. */
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));
  #thread: Worker | undefined;
  #unsubscribe: (() => void) | undefined;
  #timers: NodeJS.Timeout[] = [];
  #writes: Promise<void> = Promise.resolve();
  /** Latest estimates, ESTIMATE_STRIDE floats per series id (copied from replies, no objects). */
  #est = new Float64Array(1024 * ESTIMATE_STRIDE);
  #touch = 0;
  #req = 0;
  #batchesSent = 0;
  #batchesAnswered = 0;
  #queued = 0;
  #dropped = 0;
  #lastDropWarnMs = Number.NEGATIVE_INFINITY;
  #evicted = 0;
  #writeErrors = 0;
  #threadStats: ThreadStats = { samplesScored: 0, samplesSkipped: 0, anomalies: 0 };
  #closed = false;
  #failed = false;

  constructor(deps: DetectionDeps, options: Partial<DetectionThreadOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...defaultDetectionThreadOptions(), ...options };
  }

  /** Starts the thread, waits for it to restore the state, subscribes and starts the timers. */
  async start(): Promise<void> {
    const o = this.#options;
    const init: ThreadInit = {
      stateDir: o.stateDir,
      bandStepMs: o.bandStepMs,
      seriesPerFile: o.seriesPerFile,
      maxDerivedSeriesPerMetric: o.maxDerivedSeriesPerMetric,
      nowMs: this.#deps.clock.nowMs(),
      stop: this.#stop,
    };
    const thread = new Worker(o.threadUrl, { workerData: init, execArgv: [...o.execArgv] });
    this.#thread = thread;
    await new Promise<void>((resolve, reject) => {
      let started = false;
      thread.on('message', (m: FromThread) => {
        if (m.type !== 'ready') {
          this.#onMessage(m);
          return;
        }
        for (const [key, metric, labels] of m.restored) this.#register(key, metric, labels);
        started = true;
        resolve();
      });
      thread.on('error', (err) => {
        if (started) this.#fail(err);
        else reject(err);
      });
      thread.on('exit', (code) => {
        const err = new Error(`detection thread exited (${code})`);
        if (!started) reject(err);
        else if (!this.#closed) this.#fail(err);
      });
    });
    if (this.#ids.size > 0) {
      this.#deps.logger?.info({ series: this.#ids.size }, 'detection: state restored');
    }
    this.#unsubscribe = this.#deps.bus?.subscribe((m) => this.handle(m));
    this.#timers = startDetectionTimers(o, this, this.#deps.logger);
  }

  onAnomaly(listener: AnomalyListener): () => void {
    const entry: AnomalyListener = (a) => listener(a);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  latest(metric: string, labels: Labels): SeriesEstimate | undefined {
    const id = this.#ids.get(seriesKey(metric, labels));
    return id === undefined ? undefined : this.#estimate(id);
  }

  *estimates(): IterableIterator<SeriesEstimate> {
    const live: number[] = [];
    this.#entries.forEach((e, id) => {
      if (e?.scored) live.push(id);
    });
    live.sort((a, b) => (this.#entries[a] as Entry).touched - (this.#entries[b] as Entry).touched);
    for (const id of live) {
      const est = this.#estimate(id);
      if (est !== undefined) yield est;
    }
  }

  #estimate(id: number): SeriesEstimate | undefined {
    const e = this.#entries[id];
    if (e === undefined || !e.scored) return undefined;
    const r = this.#est;
    const i = id * ESTIMATE_STRIDE;
    return {
      metric: e.metric,
      labels: e.labels,
      timestampMs: r[i] as number,
      value: r[i + 1] as number,
      score: r[i + 2] as number,
      isAnomaly: r[i + 3] === 1,
      expected: r[i + 4] as number,
      lower: r[i + 5] as number,
      upper: r[i + 6] as number,
      detector: e.detector,
    };
  }

  stats(): DetectionStats {
    return {
      trackedSeries: this.#ids.size,
      ...this.#threadStats,
      evictedSeries: this.#evicted,
      derivedWriteErrors: this.#writeErrors,
      samplesDropped: this.#dropped,
      queuedSamples: this.#queued,
    };
  }

  /** Packs one bus message and posts it to the thread (the bus subscriber); never waits. */
  handle(message: BusMessage): void {
    if (this.#closed) return;
    let total = 0;
    let count = 0;
    for (const s of message.batch) {
      if (s.values.length === 0 || isDerivedMetric(s.metric)) continue;
      total += s.values.length;
      count++;
    }
    if (total === 0) return;
    if (this.#failed || this.#queued + total > this.#options.maxQueuedSamples) {
      this.#drop(total);
      return;
    }
    const index = new Uint32Array(2 * count);
    const data = new Float64Array(2 * total);
    const added: [number, string, string, Labels][] = [];
    let j = 0;
    let off = 0;
    for (const s of message.batch) {
      const n = s.values.length;
      if (n === 0 || isDerivedMetric(s.metric)) continue;
      const key = seriesKey(s.metric, s.labels);
      let id = this.#ids.get(key);
      if (id === undefined) {
        id = this.#register(key, s.metric, s.labels);
        added.push([id, key, s.metric, s.labels]);
      } else {
        (this.#entries[id] as Entry).touched = ++this.#touch;
      }
      index[j++] = id;
      index[j++] = n;
      data.set(s.timestampsMs, off);
      data.set(s.values, off + n);
      off += 2 * n;
    }
    const dropped = this.#evictOverCap();
    this.#queued += total;
    this.#batchesSent++;
    if (dropped.length > 0) this.#freeAfter.push({ batch: this.#batchesSent, ids: dropped });
    this.#post(
      {
        type: 'batch',
        arrivalMs: this.#deps.clock.nowMs(),
        added,
        dropped,
        index,
        data,
        samples: total,
      },
      [index.buffer as ArrayBuffer, data.buffer as ArrayBuffer],
    );
  }

  /** Has the thread run the silence check now; resolves when its anomalies are out. */
  checkSilence(): Promise<void> {
    if (this.#closed || this.#failed) return Promise.resolve();
    return this.#request((req) => ({ type: 'check', req, nowMs: this.#deps.clock.nowMs() }));
  }

  /** Writes all detector state now (in the thread; no-op without a state dir). */
  snapshot(): Promise<void> {
    if (this.#options.stateDir === undefined || this.#failed) return Promise.resolve();
    return this.#request((req) => ({ type: 'snapshot', req, nowMs: this.#deps.clock.nowMs() }));
  }

  /** Resolves when everything posted so far is scored and its derived samples are stored. */
  async idle(): Promise<void> {
    if (!this.#failed && this.#thread !== undefined) {
      await this.#request((req) => ({ type: 'sync', req }));
    }
    let current: Promise<void>;
    do {
      current = this.#writes;
      await current;
    } while (current !== this.#writes);
  }

  /**
   * Stops listening, lets the thread skip what is still queued, snapshots the state in the
   * thread, stores the last derived samples and ends the thread. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    Atomics.store(this.#stop, 0, 1);
    try {
      if (!this.#failed && this.#thread !== undefined) {
        await this.#request((req) => ({ type: 'close', req, nowMs: this.#deps.clock.nowMs() }));
      }
    } catch (err) {
      this.#deps.logger?.error({ err }, 'detection: closing the thread failed');
    }
    this.#closed = true;
    await this.idle();
    await this.#thread?.terminate();
    this.#listeners.clear();
  }

  #register(key: string, metric: string, labels: Labels): number {
    const id = this.#free.pop() ?? this.#entries.length;
    this.#entries[id] = {
      key,
      metric,
      labels,
      touched: ++this.#touch,
      scored: false,
      detector: '',
    };
    if ((id + 1) * ESTIMATE_STRIDE > this.#est.length) {
      const grown = new Float64Array(this.#est.length * 2);
      grown.set(this.#est);
      this.#est = grown;
    }
    this.#ids.set(key, id);
    return id;
  }

  /** Evicts the least recently updated 1% (at least what is over) when above maxSeries. */
  #evictOverCap(): number[] {
    const max = this.#options.maxSeries;
    const over = this.#ids.size - max;
    if (over <= 0) return [];
    const n = Math.min(this.#ids.size, Math.max(over, Math.ceil(max / 100)));
    const live: number[] = [];
    this.#entries.forEach((e, id) => {
      if (e !== undefined) live.push(id);
    });
    live.sort((a, b) => (this.#entries[a] as Entry).touched - (this.#entries[b] as Entry).touched);
    const out = live.slice(0, n);
    for (const id of out) {
      this.#ids.delete((this.#entries[id] as Entry).key);
      this.#entries[id] = undefined;
    }
    this.#evicted += out.length;
    return out;
  }

  #drop(samples: number): void {
    this.#dropped += samples;
    const nowMs = this.#deps.clock.nowMs();
    if (nowMs - this.#lastDropWarnMs >= this.#options.dropWarnIntervalMs) {
      this.#lastDropWarnMs = nowMs;
      this.#deps.logger?.warn(
        {
          samplesDropped: this.#dropped,
          queuedSamples: this.#queued,
          maxQueuedSamples: this.#options.maxQueuedSamples,
        },
        'detection: queue full, some samples are stored but not scored',
      );
    }
  }

  #post(m: ToThread, transfer: ArrayBuffer[] = []): void {
    this.#thread?.postMessage(m, transfer);
  }

  #request(make: (req: number) => ToThread): Promise<void> {
    const req = ++this.#req;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(req, { resolve, reject });
      this.#post(make(req));
    });
  }

  #onMessage(m: FromThread): void {
    switch (m.type) {
      case 'scored':
        this.#onScored(m);
        return;
      case 'done': {
        const p = this.#pending.get(m.req);
        this.#pending.delete(m.req);
        if (m.error === undefined) p?.resolve();
        else p?.reject(new Error(m.error));
        return;
      }
      case 'log':
        this.#deps.logger?.[m.level](m.obj, m.msg);
        return;
      case 'ready':
        return;
    }
  }

  #onScored(m: Extract<FromThread, { type: 'scored' }>): void {
    this.#threadStats = m.stats;
    if (m.batch) {
      this.#queued -= m.samples;
      this.#batchesAnswered++;
      while (
        this.#freeAfter.length > 0 &&
        (this.#freeAfter[0]?.batch ?? 0) <= this.#batchesAnswered
      ) {
        this.#free.push(...(this.#freeAfter.shift()?.ids ?? []));
      }
    }
    for (let i = 0; i < m.estIds.length; i++) {
      const e = this.#entries[m.estIds[i] as number];
      if (e === undefined) continue;
      const id = m.estIds[i] as number;
      const at = i * ESTIMATE_STRIDE;
      this.#est.set(m.est.subarray(at, at + ESTIMATE_STRIDE), id * ESTIMATE_STRIDE);
      e.scored = true;
      e.detector = m.estDetectors[i] as string;
    }
    const derived = m.derived;
    if (derived !== undefined && derived.length > 0) {
      const limit = this.#options.maxDerivedSeriesPerMetric;
      this.#writes = this.#writes.then(async () => {
        try {
          await this.#deps.store.append(derived, { maxSeriesPerMetric: limit });
        } catch (err) {
          // Derived data is best effort: losing a band point must never hurt ingest.
          this.#writeErrors++;
          this.#deps.logger?.warn({ err }, 'detection: storing derived series failed');
        }
      });
    }
    if (m.anomalies.length > 0 && this.#listeners.size > 0) this.#fanOut(m.anomalies);
  }

  #fanOut(anomalies: readonly Anomaly[]): void {
    const listeners = [...this.#listeners];
    for (const a of anomalies) {
      for (const l of listeners) {
        try {
          l(a);
        } catch (err) {
          this.#deps.logger?.error({ err }, 'detection: anomaly listener failed');
        }
      }
    }
  }

  #fail(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#deps.logger?.error({ err }, 'detection: thread failed; ingest goes on unscored');
    for (const p of this.#pending.values()) p.reject(new Error('detection thread failed'));
    this.#pending.clear();
  }
}

/** Creates the detection thread, restores its state and starts it. */
export async function startDetectionThread(
  deps: DetectionDeps,
  options: Partial<DetectionThreadOptions> = {},
): Promise<DetectionThread> {
  const d = new DetectionThread(deps, options);
  await d.start();
  return d;
}
