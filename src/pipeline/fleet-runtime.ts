/**
 * @module
 * The fleet: readings in (POST /telemetry, MQTT, the demo emulator — one path for all), checked
 * by the validation layer, stored, scored for risk, and kept in a rolling window for GET
 * /telemetry and the debug viewer.
 *
 * - Every field that passes validation becomes a sample of the metric of the same name
 *   (`coolant_temp_f{vehicle_id="truck-01"}` …), appended durably to the store and then published
 *   on the bus, so detectors, alerts and charts see fleet signals like any metric.
 * - Nothing is dropped silently: each issue is stored as a data-quality event (state log
 *   `fleet-quality`, and a `fleet_quality_issues{vehicle_id,field,rule}` sample), counted per
 *   vehicle and field, and returned to the sender; a partly bad reading keeps its valid fields
 *   and is marked with the invalid ones (`fleet_invalid_fields` and `invalid_fields` in the window).
 * - Per vehicle the risk model scores factors and the cost at risk (analytics/fleet-risk.ts).
 */
import {
  type CheckedReading,
  FLEET_FIELDS,
  type FleetImpact,
  FleetQuality,
  type FleetQualityOptions,
  FleetRisk,
  type FleetRiskOptions,
  type QualityIssue,
  type VehicleRisk,
} from '../analytics/index.ts';
import { type Clock, OpsError, type SampleBatch, type SeriesSamples } from '../contract/index.ts';
import type { VehicleProfile } from '../simulate/index.ts';
import type { AppendLog, StateStore, Store } from '../store/index.ts';
import type { Bus } from './bus.ts';
import { Listeners } from './listeners.ts';

export const FLEET_QUALITY_LOG = 'fleet-quality';
export const FLEET_VEHICLE_LABEL = 'vehicle_id';
export const FLEET_QUALITY_METRIC = 'fleet_quality_issues';
export const FLEET_INVALID_FIELDS_METRIC = 'fleet_invalid_fields';

export interface FleetLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FleetRuntimeDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: FleetLogger;
  readonly state?: StateStore;
}

export interface FleetRuntimeOptions {
  /** How far back GET /telemetry can look, and most readings kept for it. */
  readonly recentWindowMs: number;
  readonly maxRecent: number;
  /** Data-quality events kept in memory for the dashboard (all are in the state log). */
  readonly maxIssuesKept: number;
  /** Readings one request may carry. */
  readonly maxReadingsPerRequest: number;
  /** Issues echoed back per request (all are counted and stored). */
  readonly maxIssuesReturned: number;
  readonly maxSeriesPerMetric: number;
  readonly quality: Partial<FleetQualityOptions>;
  readonly risk: Partial<FleetRiskOptions>;
}

export function defaultFleetRuntimeOptions(): FleetRuntimeOptions {
  return {
    recentWindowMs: 15 * 60_000,
    maxRecent: 200_000,
    maxIssuesKept: 5_000,
    maxReadingsPerRequest: 10_000,
    maxIssuesReturned: 100,
    maxSeriesPerMetric: 10_000,
    quality: {},
    risk: {},
  };
}

/** One reading as kept in the rolling window (the lab's shape plus what validation said). */
export interface RecentReading {
  readonly ts: string;
  readonly vehicle_id: string;
  readonly coolant_temp_f?: number;
  readonly intake_air_temp_f?: number;
  readonly engine_rpm?: number;
  readonly speed_mph?: number;
  readonly vibration_score?: number;
  readonly engine_hours?: number;
  /** Fields sent but rejected by validation (their values are left out above). */
  readonly invalid_fields: readonly string[];
  readonly received_at: string;
}

export interface FleetIngestResult {
  readonly received: number;
  /** Readings stored with every field valid. */
  readonly accepted: number;
  /** Readings stored with some fields rejected. */
  readonly partial: number;
  /** Readings with nothing usable (recorded as data-quality events only). */
  readonly rejected: number;
  readonly samples: number;
  readonly issueCount: number;
  /** The first issues, each naming item, vehicle, field, rule and reason. */
  readonly issues: readonly QualityIssue[];
}

export interface VehicleSummary extends VehicleRisk {
  readonly model?: string;
  readonly quality: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly qualityIssues: number;
}

export type FleetReadingListener = (
  reading: CheckedReading,
  issues: readonly QualityIssue[],
) => void;

interface Recent {
  readonly atMs: number;
  readonly row: RecentReading;
}

export class FleetRuntime {
  readonly options: FleetRuntimeOptions;
  readonly quality: FleetQuality;
  readonly risk: FleetRisk;
  readonly #deps: FleetRuntimeDeps;
  readonly #log: AppendLog<QualityIssue> | undefined;
  readonly #recent: Recent[] = [];
  #recentHead = 0;
  readonly #issues: QualityIssue[] = [];
  readonly #profiles = new Map<string, VehicleProfile>();
  readonly #listeners: Listeners<[CheckedReading, readonly QualityIssue[]]>;
  /** Serialises ingests so the stuck/jump rules see readings in arrival order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: FleetRuntimeDeps, options: Partial<FleetRuntimeOptions> = {}) {
    this.#deps = deps;
    this.#listeners = new Listeners((err) =>
      deps.logger.error({ err }, 'fleet reading listener failed'),
    );
    this.options = { ...defaultFleetRuntimeOptions(), ...options };
    this.quality = new FleetQuality(this.options.quality);
    this.risk = new FleetRisk(this.options.risk);
    this.#log = deps.state?.log<QualityIssue>(FLEET_QUALITY_LOG);
  }

  /** Reloads recent data-quality events from the state log (after a restart). */
  async open(): Promise<this> {
    if (this.#log !== undefined) {
      const since = this.#deps.clock.nowMs() - 24 * 3_600_000;
      const entries = await this.#log.read({ fromMs: since, limit: this.options.maxIssuesKept });
      for (const e of entries) this.#issues.push(e.record);
    }
    return this;
  }

  /** Baselines and service history from a fleet profile (the demo's, or a user's). */
  setProfiles(profiles: readonly VehicleProfile[]): void {
    for (const p of profiles) {
      this.#profiles.set(p.vehicle_id, p);
      this.risk.setBaseline(p.vehicle_id, {
        coolant_temp_f: p.baselines.coolant_temp_f,
        vibration_score: p.baselines.vibration_score,
        hoursSinceService: p.hours_since_service,
        engineHoursAt: p.baselines.engine_hours,
      });
    }
  }

  onReading(listener: FleetReadingListener): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Takes one reading (an object) or many (an array). Throws OpsError for a body that is neither
   * or is too large; otherwise every reading is judged on its own.
   */
  ingest(body: unknown): Promise<FleetIngestResult> {
    const run = this.#queue.then(() => this.#ingest(body));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #ingest(body: unknown): Promise<FleetIngestResult> {
    const readings = Array.isArray(body) ? body : [body];
    if (!Array.isArray(body) && (typeof body !== 'object' || body === null)) {
      throw new OpsError('BAD_REQUEST', 'send one reading as a JSON object, or an array of them', {
        items: [
          {
            field: 'body',
            reason: `expected an object or an array, got ${body === null ? 'null' : typeof body}`,
          },
        ],
      });
    }
    if (readings.length > this.options.maxReadingsPerRequest) {
      throw new OpsError(
        'INGEST_BATCH_TOO_LARGE',
        `${readings.length} readings in one request; at most ${this.options.maxReadingsPerRequest}`,
        {
          items: [
            { field: 'body', reason: `more than ${this.options.maxReadingsPerRequest} readings` },
          ],
        },
      );
    }
    const nowMs = this.#deps.clock.nowMs();
    const checked: { reading: CheckedReading; issues: QualityIssue[] }[] = [];
    const allIssues: QualityIssue[] = [];
    let accepted = 0;
    let partial = 0;
    let rejected = 0;
    readings.forEach((raw, i) => {
      const res = this.quality.check(raw, nowMs, Array.isArray(body) ? i : undefined);
      allIssues.push(...res.issues);
      if (res.reading === undefined) {
        rejected++;
        return;
      }
      if (res.reading.invalidFields.length > 0) partial++;
      else accepted++;
      checked.push({ reading: res.reading, issues: [...res.issues] });
    });
    const batch = this.#batchOf(checked, allIssues);
    const samples = batch.reduce((s, x) => s + x.values.length, 0);
    if (batch.length > 0) {
      await this.#deps.store.append(batch, { maxSeriesPerMetric: this.options.maxSeriesPerMetric });
    }
    if (allIssues.length > 0 && this.#log !== undefined) {
      await this.#log.append(allIssues.map((record) => ({ atMs: record.atMs, record })));
    }
    // Durable from here on: remember, score, tell listeners, publish.
    // Issues of readings that were kept are counted by risk.observe below; the rest here.
    const kept = new Set(checked.map((c) => c.reading.vehicleId));
    for (const issue of allIssues) {
      this.#issues.push(issue);
      if (issue.vehicleId !== 'unknown' && !kept.has(issue.vehicleId)) {
        this.risk.observeIssuesOnly(issue.vehicleId, issue.atMs, 1);
      }
    }
    const over = this.#issues.length - this.options.maxIssuesKept;
    if (over > 0) this.#issues.splice(0, over);
    for (const { reading, issues } of checked) {
      this.risk.observe(reading, issues.length);
      this.#remember(reading, nowMs);
      this.#listeners.emit(reading, issues);
    }
    if (batch.length > 0) {
      this.#deps.bus.publish(batch).catch((err: unknown) => {
        this.#deps.logger.error({ err }, 'bus publish failed');
      });
    }
    return {
      received: readings.length,
      accepted,
      partial,
      rejected,
      samples,
      issueCount: allIssues.length,
      issues: allIssues.slice(0, this.options.maxIssuesReturned),
    };
  }

  #batchOf(
    checked: readonly { reading: CheckedReading; issues: QualityIssue[] }[],
    issues: readonly QualityIssue[],
  ): SampleBatch {
    const series = new Map<
      string,
      { metric: string; labels: Record<string, string>; ts: number[]; vs: number[] }
    >();
    const push = (
      metric: string,
      labels: Record<string, string>,
      atMs: number,
      v: number,
    ): void => {
      const key = `${metric}\u0000${Object.entries(labels)
        .map(([k, x]) => `${k}=${x}`)
        .join(',')}`;
      let s = series.get(key);
      if (s === undefined) {
        s = { metric, labels, ts: [], vs: [] };
        series.set(key, s);
      }
      s.ts.push(atMs);
      s.vs.push(v);
    };
    for (const { reading } of checked) {
      const labels = { [FLEET_VEHICLE_LABEL]: reading.vehicleId };
      for (const f of FLEET_FIELDS) {
        const v = reading.values[f];
        if (v !== undefined) push(f, labels, reading.timestampMs, v);
      }
      if (reading.invalidFields.length > 0) {
        push(
          FLEET_INVALID_FIELDS_METRIC,
          labels,
          reading.timestampMs,
          reading.invalidFields.length,
        );
      }
    }
    for (const i of issues) {
      if (i.vehicleId === 'unknown') continue;
      push(
        FLEET_QUALITY_METRIC,
        { [FLEET_VEHICLE_LABEL]: i.vehicleId, field: i.field, rule: i.rule },
        i.atMs,
        1,
      );
    }
    const out: SeriesSamples[] = [];
    for (const s of series.values()) {
      out.push({ metric: s.metric, labels: s.labels, timestampsMs: s.ts, values: s.vs });
    }
    return out;
  }

  #remember(r: CheckedReading, nowMs: number): void {
    const row: RecentReading = {
      ts: new Date(r.timestampMs).toISOString(),
      vehicle_id: r.vehicleId,
      ...r.values,
      invalid_fields: r.invalidFields,
      received_at: new Date(nowMs).toISOString(),
    };
    this.#recent.push({ atMs: r.timestampMs, row });
    // Trim by count and age; the head index keeps trimming O(1) amortised.
    const oldest = nowMs - this.options.recentWindowMs;
    while (
      this.#recentHead < this.#recent.length &&
      (this.#recent.length - this.#recentHead > this.options.maxRecent ||
        (this.#recent[this.#recentHead] as Recent).atMs < oldest)
    ) {
      this.#recentHead++;
    }
    if (this.#recentHead > 4096 && this.#recentHead * 2 > this.#recent.length) {
      this.#recent.splice(0, this.#recentHead);
      this.#recentHead = 0;
    }
  }

  /** Recent readings, oldest first, at or after `sinceMs`; the newest `limit` are kept. */
  recent(q: { vehicleId?: string; sinceMs?: number; limit?: number } = {}): RecentReading[] {
    const out: RecentReading[] = [];
    const limit = q.limit ?? 100;
    for (let i = this.#recent.length - 1; i >= this.#recentHead && out.length < limit; i--) {
      const r = this.#recent[i] as Recent;
      if (q.sinceMs !== undefined && r.atMs < q.sinceMs) continue;
      if (q.vehicleId !== undefined && r.row.vehicle_id !== q.vehicleId) continue;
      out.push(r.row);
    }
    return out.reverse();
  }

  vehicles(): VehicleSummary[] {
    const counts = this.quality.counts();
    return this.risk.assessAll().map((r) => this.#summary(r, counts[r.vehicleId] ?? {}));
  }

  vehicle(id: string): VehicleSummary | undefined {
    const r = this.risk.assess(id);
    return r === undefined ? undefined : this.#summary(r, this.quality.counts(id)[id] ?? {});
  }

  #summary(
    r: VehicleRisk,
    quality: Readonly<Record<string, Readonly<Record<string, number>>>>,
  ): VehicleSummary {
    const model = this.#profiles.get(r.vehicleId)?.model;
    let n = 0;
    for (const byRule of Object.values(quality)) for (const c of Object.values(byRule)) n += c;
    return { ...r, ...(model === undefined ? {} : { model }), quality, qualityIssues: n };
  }

  impact(): FleetImpact {
    return this.risk.impact();
  }

  /** Totals, counts per vehicle and field, and the newest data-quality events. */
  qualityReport(limit = 100): {
    totals: { checked: number; withIssues: number };
    counts: ReturnType<FleetQuality['counts']>;
    recent: QualityIssue[];
  } {
    return {
      totals: this.quality.totals(),
      counts: this.quality.counts(),
      recent: this.#issues.slice(-limit).reverse(),
    };
  }

  /** Waits for ingests in flight. */
  async idle(): Promise<void> {
    await this.#queue;
  }
}
