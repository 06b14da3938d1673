/**
 * @module
 * The incident runtime: the I/O around the pure incident engine (src/incidents).
 * - On open it loads every persisted incident (state collection `incidents`) and restores the
 *   engine, so incidents, their timelines and ids survive restarts and kill -9.
 * - Anomalies (detection's `onAnomaly`) and firing alerts (alerting's `onAlerts`) become signals
 *   (`signalFromAnomaly` / `signalFromAlert`) handed to the engine.
 * - Every closed trace bucket steps the engine once, at the bucket's end, with the endpoint
 *   statistics and service map of the closed buckets before it and a span reader over the
 *   recent spans (so one big replayed batch and many small live ones step alike). Time is
 *   EVENT time throughout: the wall clock only stamps manual acknowledgements made before any
 *   data arrived. Signals from later in event time than the watermark wait for it, so replaying
 *   recorded telemetry at any speed yields the same incidents.
 * - Each change is made durable first (the incident document, then one record in the
 *   append-only `incident-timeline` log), then announced: notifications (opened, escalated,
 *   resolved, reopened) through the alerting runtime's channels, dispatcher and delivery log,
 *   and `onChange` listeners (the live stream).
 * All engine mutations run one at a time, in arrival order (a promise queue), so the stored
 * document of an incident is always its latest state.
 */
import type {
  Anomaly,
  Clock,
  EndpointStats,
  Incident,
  IncidentQuery,
  IncidentSeverity,
  ServiceMap,
  Signal,
  Span,
} from '../contract/index.ts';
import { OpsError, WELL_KNOWN_METRICS } from '../contract/index.ts';
import {
  type AnomalyContext,
  type EndpointDetectorState,
  type IncidentChange,
  signalFromAlert,
  signalFromAnomaly,
} from '../incidents/index.ts';
import type { Notification } from '../notify/index.ts';
import type { StateStore } from '../store/index.ts';
import type { AlertView } from './alerting-runtime.ts';
import type { DetectionRuntime } from './detection-worker.ts';
import { notificationFromIncidentChange } from './incident-notifications.ts';
import { Listeners } from './listeners.ts';

export type { IncidentChange };

export const INCIDENTS_COLLECTION = 'incidents';
export const INCIDENT_TIMELINE_LOG = 'incident-timeline';
/** Runtime state beside the incidents: the engine's endpoint detector (baselines). */
export const INCIDENT_RUNTIME_COLLECTION = 'incident-runtime';
const DETECTOR_DOC = 'detector';

/** What one engine step is given (incidents' `advance` input). */
export interface IncidentAdvanceInput {
  readonly watermarkMs: number;
  readonly stats: readonly EndpointStats[];
  readonly map: ServiceMap;
  /** Spans that started in [fromMs, toMs] (inclusive) at any of `services` (all when empty). */
  readonly spans: (fromMs: number, toMs: number, services: readonly string[]) => readonly Span[];
}

/** The pure engine's surface this runtime drives (src/incidents `IncidentEngine`). */
export interface IncidentEnginePort {
  restore(incidents: readonly Incident[], detectorState?: EndpointDetectorState): void;
  /** The endpoint detector's learned state, persisted beside the incidents. */
  detectorState?(): EndpointDetectorState;
  addSignals(signals: readonly Signal[]): void;
  advance(input: IncidentAdvanceInput): readonly IncidentChange[];
  acknowledge(id: string, by: string, note: string | undefined, atMs: number): IncidentChange;
  resolve(id: string, by: string, note: string | undefined, atMs: number): IncidentChange;
  /** Undefined for an unknown id (and for resolved ones it dropped from memory). */
  get(id: string): Incident | undefined;
  list(query: IncidentQuery): readonly Incident[];
}

/** One advance of trace analytics that closed buckets (`TraceAnalytics.onWindow`). */
export interface TraceWindow {
  readonly watermarkMs: number;
  /** The buckets this advance closed: their `toMs` are the bucket ends the engine steps at. */
  readonly closed?: readonly EndpointStats[];
  readonly stats: readonly EndpointStats[];
  readonly map: ServiceMap;
}

/** The trace-analytics surface this runtime reads (src/pipeline `TraceAnalytics`). */
export interface TraceAnalyticsPort {
  onWindow(listener: (window: TraceWindow) => void): () => void;
  /** Closed buckets entirely inside [fromMs, toMs] merged per endpoint; default the latest. */
  endpointStats(fromMs?: number, toMs?: number): readonly EndpointStats[];
  /** The service map of closed buckets in [fromMs, toMs]; default the latest. */
  serviceMap(fromMs?: number, toMs?: number): ServiceMap;
  /** Bucket width and the stats and map windows (TraceAnalyticsOptions). */
  readonly options: {
    readonly bucketMs: number;
    readonly statsWindowMs: number;
    readonly mapWindowMs: number;
  };
  recentSpans(
    fromMs: number,
    toMs: number,
    options: { readonly services?: readonly string[]; readonly limit?: number },
  ): readonly Span[];
  /** Event time up to which spans have been seen; undefined (or not finite) before any. */
  watermarkMs(): number | undefined;
  /** Closes the open window now (its listeners run). */
  flush(): unknown;
}

/** Where notifications go: the alerting runtime (its channels, dispatcher and delivery log). */
export interface IncidentNotifier {
  notify(notification: Notification): Promise<unknown>;
}

/** Alerting's live feed of active alerts. */
export interface AlertFeed {
  onAlerts(listener: (alerts: readonly AlertView[]) => void): () => void;
}

/** The subset of a pino logger the runtime uses. */
export interface IncidentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

/** Anomaly / alert → signal (incidents' `signalFromAnomaly` and `signalFromAlert`). */
export interface SignalMappers {
  /** `context`: the service's current request rate, for error anomalies (tiny-rate rule). */
  fromAnomaly(anomaly: Anomaly, context?: AnomalyContext): Signal | undefined;
  fromAlert(alert: AlertView): Signal | undefined;
}

export interface IncidentRuntimeDeps {
  readonly state: StateStore;
  /** Wall clock: only for acknowledgements made before any telemetry set a watermark. */
  readonly clock: Clock;
  readonly logger?: IncidentLogger;
  readonly engine: IncidentEnginePort;
  readonly traceAnalytics: TraceAnalyticsPort;
  /** Default: incidents' `signalFromAnomaly` and `signalFromAlert`. */
  readonly signals?: SignalMappers;
  /** `latest`, when given, supplies the request rate next to an error anomaly. */
  readonly detection?: Pick<DetectionRuntime, 'onAnomaly'> &
    Partial<Pick<DetectionRuntime, 'latest'>>;
  readonly alerting?: AlertFeed;
  readonly notifier?: IncidentNotifier;
}

export interface IncidentRuntimeOptions {
  /** Most spans handed to one root-cause analysis. Default 5,000. */
  readonly maxSpans: number;
  /**
   * A signal later than the watermark by more than this is passed on at once instead of
   * waiting (its source's clock is not the traces' clock, e.g. alerts on metrics only).
   * Default 10 min.
   */
  readonly maxSignalLeadMs: number;
  /**
   * When no trace window closed for this long (wall time) but signals wait, the engine advances
   * at the latest signal time (metrics-only deployments). 0: never. Default 30 s.
   */
  readonly idleAdvanceMs: number;
  /** Prefix of the `/incidents/<id>` link in notifications (e.g. the public URL). */
  readonly linkBase: string;
  /** The endpoint detector's state is saved at most this often (event time). Default 60 s. */
  readonly detectorSaveEveryMs: number;
}

export function defaultIncidentRuntimeOptions(): IncidentRuntimeOptions {
  return {
    maxSpans: 5_000,
    maxSignalLeadMs: 10 * 60_000,
    idleAdvanceMs: 30_000,
    linkBase: '',
    detectorSaveEveryMs: 60_000,
  };
}

/** One record of the `incident-timeline` log: what changed, when (event time). */
export interface IncidentTimelineRecord {
  readonly incidentId: string;
  readonly kind: IncidentChange['kind'];
  readonly status: Incident['status'];
  readonly severity: IncidentSeverity;
  readonly previousSeverity?: IncidentSeverity;
  readonly atMs: number;
}

export type IncidentChangeListener = (change: IncidentChange) => void;

const ACTIVE: IncidentQuery = { status: ['active', 'acknowledged'] };

/**
 * The request rate of the series next to an error-rate anomaly (same labels), from the
 * detection runtime's latest estimates; empty when unknown.
 */
export function anomalyContext(
  detection: Partial<Pick<DetectionRuntime, 'latest'>>,
  a: Anomaly,
): AnomalyContext {
  if (a.metric !== WELL_KNOWN_METRICS.errorRate || detection.latest === undefined) return {};
  const requests = detection.latest(WELL_KNOWN_METRICS.requestRate, a.labels);
  return requests !== undefined && Number.isFinite(requests.value)
    ? { requestsPerSecond: requests.value }
    : {};
}

function finite(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

export class IncidentRuntime {
  readonly #deps: IncidentRuntimeDeps;
  readonly #options: IncidentRuntimeOptions;
  readonly #listeners: Listeners<[IncidentChange]>;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #notifying = new Set<Promise<unknown>>();
  /** Signals later in event time than the watermark, waiting for it. */
  #held: Signal[] = [];
  /** Highest watermark the engine advanced to. */
  #watermarkMs: number | undefined;
  /** Latest event time of any signal seen (the idle advance's watermark). */
  #signalMs: number | undefined;
  #windowSeen = false;
  /** The last bucket end the engine stepped at. */
  #lastBucketMs = Number.NEGATIVE_INFINITY;
  /** Watermark at which the detector state was last saved. */
  #detectorSavedMs = Number.NEGATIVE_INFINITY;
  readonly #signals: SignalMappers;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(deps: IncidentRuntimeDeps, options: IncidentRuntimeOptions) {
    this.#deps = deps;
    this.#listeners = new Listeners((err) =>
      deps.logger?.warn({ err }, 'incident listener failed'),
    );
    this.#options = options;
    this.#signals = deps.signals ?? {
      fromAnomaly: signalFromAnomaly,
      fromAlert: signalFromAlert,
    };
  }

  /** Loads persisted incidents into the engine and subscribes to signals and windows. */
  static async open(
    deps: IncidentRuntimeDeps,
    options: Partial<IncidentRuntimeOptions> = {},
  ): Promise<IncidentRuntime> {
    const rt = new IncidentRuntime(deps, { ...defaultIncidentRuntimeOptions(), ...options });
    const stored = await deps.state.collection<Incident>(INCIDENTS_COLLECTION).list();
    const incidents = stored.map((d) => d.doc);
    const detector = await deps.state
      .collection<EndpointDetectorState>(INCIDENT_RUNTIME_COLLECTION)
      .get(DETECTOR_DOC);
    deps.engine.restore(incidents, detector);
    for (const inc of incidents) {
      rt.#watermarkMs = Math.max(rt.#watermarkMs ?? Number.NEGATIVE_INFINITY, inc.updatedAtMs);
    }
    deps.logger?.info({ incidents: incidents.length }, 'incidents restored');
    rt.#subscribe();
    return rt;
  }

  #subscribe(): void {
    const { detection, alerting, traceAnalytics, logger } = this.#deps;
    const signals = this.#signals;
    if (detection !== undefined) {
      this.#unsubscribe.push(
        detection.onAnomaly((a) => {
          try {
            const s = signals.fromAnomaly(a, anomalyContext(detection, a));
            if (s !== undefined) this.#addSignals([s]);
          } catch (err) {
            logger?.warn({ err }, 'anomaly → signal failed');
          }
        }),
      );
    }
    if (alerting !== undefined) {
      this.#unsubscribe.push(
        alerting.onAlerts((alerts) => {
          const out: Signal[] = [];
          for (const a of alerts) {
            // Pending alerts have not held long enough; muted ones were muted by people.
            if (a.state !== 'firing' || a.silenced || a.inhibited) continue;
            try {
              const s = signals.fromAlert(a);
              if (s !== undefined) out.push(s);
            } catch (err) {
              logger?.warn({ err, alert: a.id }, 'alert → signal failed');
            }
          }
          if (out.length > 0) this.#addSignals(out);
        }),
      );
    }
    this.#unsubscribe.push(
      traceAnalytics.onWindow((w) => {
        this.#windowSeen = true;
        this.#onWindow(w);
      }),
    );
  }

  /**
   * One engine step per closed bucket end E, at watermark E, with the stats of the
   * `statsWindowMs` before E and the map of the `mapWindowMs` before E − bucketMs (map buckets
   * close `matchWaitMs` ≤ bucketMs behind). Closed buckets never change, so the steps are the
   * same whether an advance closed one bucket (live) or fifty (a fast replay).
   */
  #onWindow(w: TraceWindow): void {
    const ta = this.#deps.traceAnalytics;
    const ends = [...new Set((w.closed ?? []).map((c) => c.toMs))]
      .filter((e) => Number.isFinite(e))
      .sort((a, b) => a - b);
    if (ends.length === 0) {
      void this.#advance(w.watermarkMs, w.stats, w.map).catch(() => undefined);
      return;
    }
    const { bucketMs, statsWindowMs, mapWindowMs } = ta.options;
    for (const endMs of ends) {
      void this.#advance(
        endMs,
        () => ta.endpointStats(endMs - statsWindowMs, endMs),
        () => ta.serviceMap(endMs - bucketMs - mapWindowMs, endMs - bucketMs),
        true,
      ).catch(() => undefined);
    }
  }

  /** Starts the idle-advance timer (metrics-only deployments); windows drive everything else. */
  start(): void {
    const every = this.#options.idleAdvanceMs;
    if (this.#timer !== undefined || every <= 0 || this.#closed) return;
    this.#timer = setInterval(() => {
      void this.idleTick().catch(() => undefined);
    }, every);
    this.#timer.unref?.();
  }

  /**
   * One idle check: when no trace window closed since the last check and signals are waiting
   * (or incidents are open), advance at the latest signal time. Called by the timer; tests call
   * it directly.
   */
  async idleTick(): Promise<void> {
    const sawWindow = this.#windowSeen;
    this.#windowSeen = false;
    if (sawWindow || this.#closed) return;
    const signalMs = this.#signalMs;
    if (signalMs === undefined) return;
    if (this.#watermarkMs !== undefined && signalMs <= this.#watermarkMs && this.#held.length === 0)
      return;
    const ta = this.#deps.traceAnalytics;
    await this.#advance(signalMs, ta.endpointStats(), ta.serviceMap());
  }

  #addSignals(signals: readonly Signal[]): void {
    if (this.#closed) return;
    const now: Signal[] = [];
    const w = this.#watermarkMs;
    for (const s of signals) {
      this.#signalMs = Math.max(this.#signalMs ?? Number.NEGATIVE_INFINITY, s.lastAtMs, s.atMs);
      if (w === undefined || s.atMs <= w || s.atMs - w > this.#options.maxSignalLeadMs) {
        now.push(s);
      } else {
        this.#held.push(s);
      }
    }
    if (now.length > 0) this.#deps.engine.addSignals(now);
  }

  /** Runs `fn` after every mutation queued before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One engine step at `watermarkMs` (never behind the last one). `stats` and `map` may be
   * functions, read when the step runs. A `bucketStep` at or before the last bucket step is
   * skipped: the engine must see each closed bucket once.
   */
  #advance(
    watermarkMs: number,
    stats: readonly EndpointStats[] | (() => readonly EndpointStats[]),
    map: ServiceMap | (() => ServiceMap),
    bucketStep = false,
  ): Promise<readonly IncidentChange[]> {
    return this.#serial(async () => {
      if (this.#closed || !Number.isFinite(watermarkMs)) return [];
      if (bucketStep) {
        if (watermarkMs <= this.#lastBucketMs) return [];
        this.#lastBucketMs = watermarkMs;
      }
      const w = Math.max(this.#watermarkMs ?? Number.NEGATIVE_INFINITY, watermarkMs);
      this.#watermarkMs = w;
      const due = this.#held.filter((s) => s.atMs <= w);
      if (due.length > 0) {
        this.#held = this.#held.filter((s) => s.atMs > w);
        this.#deps.engine.addSignals(due);
      }
      const { traceAnalytics } = this.#deps;
      const maxSpans = this.#options.maxSpans;
      let changes: readonly IncidentChange[];
      try {
        changes = this.#deps.engine.advance({
          watermarkMs: w,
          stats: typeof stats === 'function' ? stats() : stats,
          map: typeof map === 'function' ? map() : map,
          spans: (fromMs, toMs, services) =>
            traceAnalytics.recentSpans(fromMs, toMs, {
              ...(services.length > 0 ? { services } : {}),
              limit: maxSpans,
            }),
        });
      } catch (err) {
        this.#deps.logger?.error({ err, watermarkMs: w }, 'incident engine step failed');
        throw err;
      }
      await this.#commit(changes, w);
      if (w - this.#detectorSavedMs >= this.#options.detectorSaveEveryMs) {
        await this.#saveDetector(w);
      }
      return changes;
    });
  }

  /** Persists (durably), then notifies and tells listeners. */
  async #commit(changes: readonly IncidentChange[], atMs: number): Promise<void> {
    if (changes.length === 0) return;
    const { state, logger } = this.#deps;
    // The latest version of each incident, in case one step reports one incident twice.
    const latest = new Map<string, Incident>();
    for (const c of changes) latest.set(c.incident.id, c.incident);
    const docs = state.collection<Incident>(INCIDENTS_COLLECTION);
    try {
      await Promise.all([...latest].map(([id, inc]) => docs.put(id, inc)));
      await state.log<IncidentTimelineRecord>(INCIDENT_TIMELINE_LOG).append(
        changes.map((c) => {
          const record: IncidentTimelineRecord = {
            incidentId: c.incident.id,
            kind: c.kind,
            status: c.incident.status,
            severity: c.incident.severity,
            ...(c.previousSeverity === undefined ? {} : { previousSeverity: c.previousSeverity }),
            atMs: Number.isFinite(c.incident.updatedAtMs) ? c.incident.updatedAtMs : atMs,
          };
          return { atMs: record.atMs, record };
        }),
      );
    } catch (err) {
      // Not durable, so not announced; the engine holds the change and the next step that
      // touches the incident stores it again.
      logger?.error({ err, incidents: [...latest.keys()] }, 'incident persistence failed');
      throw err;
    }
    for (const c of changes) {
      if (c.kind !== 'updated') {
        logger?.info(
          { incident: c.incident.id, change: c.kind, severity: c.incident.severity },
          `incident ${c.kind}`,
        );
      }
      this.#notify(c);
      this.#listeners.emit(c);
    }
  }

  async #saveDetector(watermarkMs: number): Promise<void> {
    const state = this.#deps.engine.detectorState?.();
    if (state === undefined) return;
    try {
      await this.#deps.state
        .collection<EndpointDetectorState>(INCIDENT_RUNTIME_COLLECTION)
        .put(DETECTOR_DOC, state);
      this.#detectorSavedMs = watermarkMs;
    } catch (err) {
      // Baselines are relearned after a restart without it; incidents do not depend on it.
      this.#deps.logger?.warn({ err }, 'incident detector state not saved');
    }
  }

  #notify(change: IncidentChange): void {
    const notifier = this.#deps.notifier;
    if (notifier === undefined) return;
    const n = notificationFromIncidentChange(change, { linkBase: this.#options.linkBase });
    if (n === undefined) return;
    const p = notifier.notify(n).catch((err: unknown) => {
      this.#deps.logger?.error({ err, notification: n.id }, 'incident notification failed');
    });
    this.#notifying.add(p);
    void p.finally(() => this.#notifying.delete(p));
  }

  // -------------------------------------------------------------------------------------------
  // API

  /** Called with every change after it was stored; returns the unsubscribe function. */
  onChange(listener: IncidentChangeListener): () => void {
    return this.#listeners.add(listener);
  }

  /** Event time the engine last advanced to (undefined before any data). */
  watermarkMs(): number | undefined {
    return this.#watermarkMs;
  }

  /**
   * Closes the open trace window and advances the engine at the current watermark; returns the
   * open (active and acknowledged) incidents.
   */
  async analyzeNow(): Promise<Incident[]> {
    const ta = this.#deps.traceAnalytics;
    // Closes what the watermark allows; the windows it emits step the engine.
    await ta.flush();
    await this.#serial(async () => undefined);
    // Then one step at the current watermark (past the last closed bucket), or at the latest
    // signal when no spans came (metrics only), so pending signals are taken in and RCA runs.
    // (The engine's endpoint detector takes each stats window once, so this counts nothing
    // twice.)
    const w = finite(ta.watermarkMs()) ?? this.#signalMs;
    if (w !== undefined && (this.#watermarkMs === undefined || w > this.#watermarkMs)) {
      await this.#advance(w, ta.endpointStats(), ta.serviceMap());
    }
    return this.list(ACTIVE);
  }

  list(query: IncidentQuery = {}): Incident[] {
    return [...this.#deps.engine.list(query)];
  }

  /**
   * One incident; NOT_FOUND naming the id when there is none. Resolved incidents the engine
   * dropped from memory are read from the state store.
   */
  async get(id: string): Promise<Incident> {
    const inc =
      this.#deps.engine.get(id) ??
      (await this.#deps.state.collection<Incident>(INCIDENTS_COLLECTION).get(id));
    if (inc === undefined) {
      throw new OpsError('NOT_FOUND', `no incident with id ${JSON.stringify(id)}`, {
        items: [{ field: 'id', reason: `no incident ${JSON.stringify(id)}` }],
      });
    }
    return inc;
  }

  /** The current event time (manual actions are stamped with it): the watermark, else the clock. */
  eventTimeMs(): number {
    return (
      finite(this.#deps.traceAnalytics.watermarkMs()) ??
      this.#watermarkMs ??
      this.#deps.clock.nowMs()
    );
  }

  /**
   * Acknowledges an open incident (a note on an acknowledged one is added to its timeline);
   * INCIDENT_CONFLICT when it is resolved.
   */
  acknowledge(id: string, by: string, note?: string): Promise<Incident> {
    return this.#serial(async () => {
      const before = await this.get(id);
      if (before.status === 'resolved') {
        throw new OpsError(
          'INCIDENT_CONFLICT',
          `incident ${JSON.stringify(id)} is resolved; only open incidents can be acknowledged`,
          { items: [{ field: 'id', reason: 'the incident is resolved' }] },
        );
      }
      const change = this.#deps.engine.acknowledge(id, by, note, this.eventTimeMs());
      if (change.incident.updatedAtMs !== before.updatedAtMs || before.status !== 'acknowledged') {
        await this.#commit([change], change.incident.updatedAtMs);
      }
      return change.incident;
    });
  }

  /** Resolves an incident; resolving a resolved one answers it unchanged. */
  resolve(id: string, by: string, note?: string): Promise<Incident> {
    return this.#serial(async () => {
      const before = await this.get(id);
      if (before.status === 'resolved') return before;
      const change = this.#deps.engine.resolve(id, by, note, this.eventTimeMs());
      await this.#commit([change], change.incident.updatedAtMs);
      return change.incident;
    });
  }

  /** Resolves when queued steps and notifications handed out so far have settled. */
  async idle(): Promise<void> {
    await this.#queue;
    while (this.#notifying.size > 0) await Promise.allSettled([...this.#notifying]);
  }

  /**
   * Unsubscribes, stops the timer, waits for queued steps and saves the detector state (the
   * state store stays open). Call before closing the notifier.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const off of this.#unsubscribe.splice(0)) off();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#queue;
    if (this.#watermarkMs !== undefined) await this.#saveDetector(this.#watermarkMs);
    this.#closed = true;
    this.#listeners.clear();
    // Notifications still retrying are not awaited: the notifier (alerting's dispatcher) ends
    // them when it closes, recording each attempt; a dead webhook must not hold up shutdown.
  }
}
