/**
 * @module
 * EWMA baseline with variance: the level and spread of a series as exponentially weighted
 * moving averages; a sample is anomalous when it leaves `mean ± threshold·sd`.
 *
 * Learning is winsorized: once warm, a sample is clamped to the band before it updates the
 * mean and variance, so one spike cannot widen the band it is judged against, while a lasting
 * level change still pulls the baseline along (by at most `alpha·threshold·sd` per sample).
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { calibrate, clamp, fmt, sdFloor } from './calibrate.ts';
import { DEFAULT_RESOLUTION_QUANTA } from './resolution.ts';

export interface EwmaOptions {
  /** Weight of each new sample in the mean (memory ≈ 1/alpha samples). */
  readonly alpha: number;
  /** Weight in the variance: smaller than alpha, as a variance needs more samples to settle. */
  readonly varianceAlpha: number;
  /** Band half-width in standard deviations; score 0.5 at the edge. */
  readonly threshold: number;
  /** Samples learned before the detector may fire. */
  readonly warmupSamples: number;
  /** The sd never drops below this fraction of |mean| (constant series stay quiet on noise). */
  readonly relativeSdFloor: number;
  /** The band is at least this many of the series' own quanta wide on each side (resolution.ts). */
  readonly resolutionQuanta: number;
}

export function defaultEwmaOptions(): EwmaOptions {
  return {
    alpha: 0.03,
    varianceAlpha: 0.01,
    threshold: 4,
    warmupSamples: 24,
    relativeSdFloor: 0.01,
    resolutionQuanta: DEFAULT_RESOLUTION_QUANTA,
  };
}

export class EwmaDetector extends BaseDetector {
  readonly name: string = 'ewma';
  readonly options: EwmaOptions;
  #mean = 0;
  #variance = 0;
  #z = 0;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('ewma', defaultEwmaOptions(), options);
  }

  get mean(): number {
    return this.#mean;
  }

  /** The current sd used for scoring (with its floors: relative to the level, and resolution). */
  get sd(): number {
    const o = this.options;
    return Math.max(
      Math.sqrt(this.#variance),
      sdFloor(this.#mean, o.relativeSdFloor),
      (o.resolutionQuanta * this.resolution.quantum) / o.threshold,
    );
  }

  step(_timestampMs: number, value: number, learn: boolean): number {
    const { alpha, varianceAlpha, threshold, warmupSamples } = this.options;
    const n = this.n;
    if (n === 0) {
      this.expected = value;
      this.lower = value;
      this.upper = value;
      this.warm = false;
      this.#z = 0;
      if (learn) {
        this.#mean = value;
        if (this.ownsResolution) this.resolution.observe(value);
      }
      return 0;
    }
    const mean = this.#mean;
    const sd = this.sd;
    const half = threshold * sd;
    this.expected = mean;
    this.lower = mean - half;
    this.upper = mean + half;
    this.warm = n >= warmupSamples;
    const z = (value - mean) / sd;
    this.#z = z;
    if (learn) {
      // Running mean during warm-up (alpha = 1/(n+1)), then the fixed alpha.
      const a = this.warm ? alpha : Math.max(alpha, 1 / (n + 1));
      const av = this.warm ? varianceAlpha : Math.max(varianceAlpha, 1 / (n + 1));
      const x = this.warm ? clamp(value, mean - half, mean + half) : value;
      const delta = x - mean;
      this.#mean = mean + a * delta;
      this.#variance = (1 - av) * (this.#variance + av * delta * delta);
      if (this.ownsResolution) this.resolution.observe(value);
    }
    return calibrate(z, threshold);
  }

  explain(value: number): string {
    const dir = this.#z > 0 ? 'above' : 'below';
    return `ewma: ${fmt(value)} is ${fmt(Math.abs(this.#z))}σ ${dir} the learned baseline ${fmt(this.expected)} (band ${fmt(this.lower)}..${fmt(this.upper)})`;
  }

  protected saveData(): number[] {
    return [this.#mean, this.#variance, this.#z, ...this.resolution.save()];
  }

  protected loadData(d: readonly number[]): void {
    this.#mean = num(d, 0);
    this.#variance = num(d, 1);
    this.#z = num(d, 2);
    this.resolution.load(d, 3);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}
