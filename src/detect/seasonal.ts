/**
 * @module
 * Seasonal baseline: each hour of the week (7 × 24 buckets) and each hour of the day (24
 * buckets) keeps its own EWMA mean and variance, so nights and business hours each have their
 * own normal. A sample is judged against the most specific bucket that has seen enough:
 * hour-of-week once it has `minBucketHours` hours of observation, else hour-of-day, else the
 * detector is still warming up and stays silent.
 *
 * Weights are in hours of observation, not samples: a 1-minute series adds 1/60 to its bucket
 * per sample, an hourly one adds 1. So "3 hours seen" means three different days for an
 * hour-of-day bucket whatever the cadence, and `alpha` is a per-hour (≈ per-day or per-week)
 * forgetting rate.
 *
 * Bucket variances are shrunk toward the series' pooled residual variance (a prior worth
 * `priorHours` hours), so a bucket seen three times cannot produce a razor-thin band.
 *
 * Unknown cadence: the cadence is learned (EWMA of intervals). When it is coarser than
 * `maxCadenceMs` (e.g. daily data) hour buckets mean nothing, and the detector scores against
 * one global EWMA instead (like `ewma`).
 *
 * Memory: 576 float32 (2,304 bytes) of tables plus ten numbers. Because the tables are float32,
 * values are clipped to ±1e18 and bucket means keep ~7 significant digits.
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { calibrate, clamp, fmt, sdFloor } from './calibrate.ts';
import { base64ToFloat32, float32ToBase64 } from './f32-codec.ts';
import { DEFAULT_RESOLUTION_QUANTA } from './resolution.ts';
import { type DetectorState, STATE_VERSION } from './types.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HOUR_BUCKETS = 24;
const WEEK_BUCKETS = 168;
/** Table layout: [mean, variance, weightHours] × (24 hour-of-day buckets, then 168 hour-of-week). */
const TABLE_LENGTH = 3 * (HOUR_BUCKETS + WEEK_BUCKETS);
const WEEK_BASE = 3 * HOUR_BUCKETS;
/** Values are clipped to ±this: bucket variances (up to (2e18)²) then fit in float32. */
const MAX_SEASONAL_VALUE = 1e18;
/** Bucket weights stop growing here (keeps the running-average phase finite). */
const MAX_WEIGHT = 1e6;

export interface SeasonalOptions {
  /** Forgetting per hour of observation in a bucket. */
  readonly alpha: number;
  readonly threshold: number;
  /** Hours of observation a bucket needs before it is trusted. */
  readonly minBucketHours: number;
  /** Weight (hours) of the pooled residual variance in each bucket's variance. */
  readonly priorHours: number;
  /** Samples before any score (also the warm-up of the non-seasonal fallback). */
  readonly warmupSamples: number;
  /** Coarser cadences than this are treated as non-seasonal. */
  readonly maxCadenceMs: number;
  /** Offset of local time from UTC, minutes (hour/day buckets follow local time). */
  readonly tzOffsetMinutes: number;
  readonly relativeSdFloor: number;
  /** Per-sample weight of the global (fallback) EWMA. */
  readonly globalAlpha: number;
  /**
   * A bucket's sd is at least this fraction of the series' overall sd. Bucket variances see
   * mostly within-hour noise (60 samples an hour at a 1-minute cadence) and too little of the
   * day-to-day variation; this keeps a quiet hour from claiming a razor-thin band.
   */
  readonly globalSdFloor: number;
  /** The band is at least this many of the series' own quanta wide on each side (resolution.ts). */
  readonly resolutionQuanta: number;
}

export function defaultSeasonalOptions(): SeasonalOptions {
  return {
    alpha: 0.1,
    threshold: 4,
    minBucketHours: 3,
    priorHours: 4,
    warmupSamples: 24,
    maxCadenceMs: 3 * HOUR_MS,
    tzOffsetMinutes: 0,
    relativeSdFloor: 0.01,
    globalAlpha: 0.03,
    globalSdFloor: 0.2,
    resolutionQuanta: DEFAULT_RESOLUTION_QUANTA,
  };
}

export class SeasonalDetector extends BaseDetector {
  readonly name: string = 'seasonal';
  readonly options: SeasonalOptions;
  #table = new Float32Array(TABLE_LENGTH);
  #cadenceMs = 0;
  #residVar = 0;
  #globalMean = 0;
  #globalVar = 0;
  #z = 0;
  /** Cache of the bucket indices for the hour starting at #hourStartMs (local time); not state. */
  #hourStartMs = Number.NaN;
  #hi = 0;
  #wi = 0;
  /** 0 = global fallback, 1 = hour-of-day, 2 = hour-of-week (for the explanation). */
  #level = 0;
  /** Whether the last score came from a seasonal bucket (the ensemble's choice of baseline). */
  seasonalWarm = false;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('seasonal', defaultSeasonalOptions(), options);
  }

  step(timestampMs: number, rawValue: number, learn: boolean): number {
    const o = this.options;
    // Float32 tables: keep values (and so squared deviations) within float32 range.
    const value =
      rawValue > MAX_SEASONAL_VALUE
        ? MAX_SEASONAL_VALUE
        : rawValue < -MAX_SEASONAL_VALUE
          ? -MAX_SEASONAL_VALUE
          : rawValue;
    const n = this.n;
    const t = this.#table;
    if (learn && n > 0) {
      const interval = timestampMs - this.lastTs;
      this.#cadenceMs =
        this.#cadenceMs === 0 ? interval : this.#cadenceMs + 0.1 * (interval - this.#cadenceMs);
    }
    const cadence = this.#cadenceMs;
    const seasonal = cadence > 0 && cadence <= o.maxCadenceMs;
    const local = timestampMs + o.tzOffsetMinutes * 60_000;
    if (!(local >= this.#hourStartMs && local < this.#hourStartMs + HOUR_MS)) {
      // A new hour: recompute the bucket indices (cached, as most samples share an hour).
      const day = Math.floor(local / DAY_MS);
      const hour = Math.floor((local - day * DAY_MS) / HOUR_MS);
      const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (dow 4, Sunday = 0)
      this.#hourStartMs = day * DAY_MS + hour * HOUR_MS;
      this.#hi = 3 * hour;
      this.#wi = WEEK_BASE + 3 * (dow * 24 + hour);
    }
    const hi = this.#hi;
    const wi = this.#wi;

    let mean: number;
    let variance: number;
    let level = 0;
    if (seasonal && (t[wi + 2] ?? 0) >= o.minBucketHours) level = 2;
    else if (seasonal && (t[hi + 2] ?? 0) >= o.minBucketHours) level = 1;
    if (level > 0) {
      const b = level === 2 ? wi : hi;
      const w = t[b + 2] ?? 0;
      mean = t[b] ?? 0;
      variance = (w * (t[b + 1] ?? 0) + o.priorHours * this.#residVar) / (w + o.priorHours);
    } else {
      mean = n === 0 ? value : this.#globalMean;
      variance = this.#globalVar;
    }
    const floor = level > 0 ? o.globalSdFloor * Math.sqrt(this.#globalVar) : 0;
    const sd = Math.max(
      Math.sqrt(variance),
      floor,
      sdFloor(mean, o.relativeSdFloor),
      (o.resolutionQuanta * this.resolution.quantum) / o.threshold,
    );
    const half = o.threshold * sd;
    this.expected = mean;
    this.lower = mean - half;
    this.upper = mean + half;
    this.#level = level;
    this.seasonalWarm = level > 0 && n >= o.warmupSamples;
    this.warm = n >= o.warmupSamples && (level > 0 || !seasonal);
    const z = n === 0 ? 0 : (value - mean) / sd;
    this.#z = z;

    if (learn) {
      if (this.ownsResolution) this.resolution.observe(value);
      // Global EWMA (the fallback), winsorized once warm.
      const ga = n >= o.warmupSamples ? o.globalAlpha : Math.max(o.globalAlpha, 1 / (n + 1));
      const gsd = Math.max(
        Math.sqrt(this.#globalVar),
        sdFloor(this.#globalMean, o.relativeSdFloor),
      );
      const gx =
        n === 0
          ? value
          : n >= o.warmupSamples
            ? clamp(
                value,
                this.#globalMean - o.threshold * gsd,
                this.#globalMean + o.threshold * gsd,
              )
            : value;
      const gd = gx - (n === 0 ? gx : this.#globalMean);
      this.#globalMean = n === 0 ? gx : this.#globalMean + ga * gd;
      this.#globalVar = (1 - ga) * (this.#globalVar + ga * gd * gd);

      if (seasonal || n === 0) {
        const wHours = Math.min(cadence > 0 ? cadence : HOUR_MS, HOUR_MS) / HOUR_MS;
        // Winsorize against the band just used, so an anomaly does not teach its bucket.
        const x = this.warm ? clamp(value, mean - half, mean + half) : value;
        // Pooled residual variance against the model actually used (the hour-of-day bucket
        // before any bucket is trusted).
        const hw = t[hi + 2] ?? 0;
        if (level > 0 || hw > 0) {
          const r = x - (level > 0 ? mean : (t[hi] ?? 0));
          this.#residVar += Math.min(1, 0.05 * wHours) * (r * r - this.#residVar);
        }
        this.#learnBucket(hi, x, wHours);
        this.#learnBucket(wi, x, wHours);
      }
    }
    return calibrate(z, o.threshold);
  }

  #learnBucket(b: number, x: number, wHours: number): void {
    const t = this.#table;
    const w = t[b + 2] ?? 0;
    if (w === 0) {
      t[b] = x;
      t[b + 1] = 0;
      t[b + 2] = wHours;
      return;
    }
    const a = Math.max(this.options.alpha * wHours, wHours / (w + wHours));
    const m = t[b] ?? 0;
    const d = x - m;
    t[b] = m + a * d;
    t[b + 1] = (1 - a) * ((t[b + 1] ?? 0) + a * d * d);
    t[b + 2] = Math.min(w + wHours, MAX_WEIGHT);
  }

  explain(value: number): string {
    const dir = this.#z > 0 ? 'above' : 'below';
    const what =
      this.#level === 2
        ? 'this hour of the week'
        : this.#level === 1
          ? 'this hour of the day'
          : 'the series';
    return `seasonal: ${fmt(value)} is ${fmt(Math.abs(this.#z))}σ ${dir} the usual ${fmt(this.expected)} for ${what} (band ${fmt(this.lower)}..${fmt(this.upper)})`;
  }

  protected saveData(): number[] {
    return [
      this.#cadenceMs,
      this.#residVar,
      this.#globalMean,
      this.#globalVar,
      this.#z,
      this.#level,
      this.seasonalWarm ? 1 : 0,
      ...this.resolution.save(),
    ];
  }

  protected loadData(d: readonly number[]): void {
    this.#cadenceMs = num(d, 0);
    this.#residVar = num(d, 1);
    this.#globalMean = num(d, 2);
    this.#globalVar = num(d, 3);
    this.#z = num(d, 4);
    this.#level = num(d, 5);
    this.seasonalWarm = num(d, 6) === 1;
    this.resolution.load(d, 7);
  }

  override serialize(): DetectorState {
    return { ...super.serialize(), tables: float32ToBase64(this.#table) };
  }

  override load(state: DetectorState): void {
    super.load(state);
    if (state.version !== STATE_VERSION || typeof state.tables !== 'string') {
      throw new RangeError('seasonal state: missing tables');
    }
    this.#table = base64ToFloat32(state.tables, TABLE_LENGTH);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}
