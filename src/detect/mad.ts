/**
 * @module
 * Robust median/MAD detector in O(1) memory: the median and the median absolute deviation are
 * tracked by stochastic approximation ("frugal" streaming quantiles), two numbers per series.
 *
 * - median: `m += eta · scale · sign(x − m)` with `scale = 1.4826·MAD`; its fixed point is where
 *   as many samples fall above as below, i.e. the median, jittering by ±eta·scale.
 * - MAD: `d *= (1 + eta)` when `|x − m| > d`, else `d *= (1 − eta)`; the fixed point is where
 *   half the absolute deviations exceed d, i.e. the MAD.
 *
 * During warm-up both start from the running mean and mean absolute deviation. Unlike an
 * EWMA, neither estimate moves more than eta·scale per sample however wild the sample, which
 * is what makes them robust. Robust z = (x − m) / (1.4826·MAD).
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { calibrate, fmt, sdFloor } from './calibrate.ts';
import { DEFAULT_RESOLUTION_QUANTA } from './resolution.ts';

/** MAD → standard deviation for normal data. */
const MAD_TO_SD = 1.4826;

export interface MadOptions {
  /** Step size of the stochastic approximation (fraction of the scale per sample). */
  readonly eta: number;
  /** Band half-width in robust standard deviations. */
  readonly threshold: number;
  readonly warmupSamples: number;
  readonly relativeSdFloor: number;
  /** The band is at least this many of the series' own quanta wide on each side (resolution.ts). */
  readonly resolutionQuanta: number;
}

export function defaultMadOptions(): MadOptions {
  return {
    eta: 0.02,
    threshold: 5,
    warmupSamples: 24,
    relativeSdFloor: 0.01,
    resolutionQuanta: DEFAULT_RESOLUTION_QUANTA,
  };
}

export class MadDetector extends BaseDetector {
  readonly name: string = 'mad';
  readonly options: MadOptions;
  #median = 0;
  #mad = 0;
  #z = 0;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('mad', defaultMadOptions(), options);
  }

  step(_timestampMs: number, value: number, learn: boolean): number {
    const { eta, threshold, warmupSamples, relativeSdFloor, resolutionQuanta } = this.options;
    const n = this.n;
    const m = this.#median;
    const sd = Math.max(
      MAD_TO_SD * this.#mad,
      sdFloor(m, relativeSdFloor),
      (resolutionQuanta * this.resolution.quantum) / threshold,
    );
    const half = threshold * sd;
    this.expected = n === 0 ? value : m;
    this.lower = this.expected - (n === 0 ? 0 : half);
    this.upper = this.expected + (n === 0 ? 0 : half);
    this.warm = n >= warmupSamples;
    const z = n === 0 ? 0 : (value - m) / sd;
    this.#z = z;
    if (learn) {
      if (n === 0) {
        this.#median = value;
        this.#mad = 0;
      } else if (!this.warm) {
        const a = 1 / (n + 1);
        this.#median = m + a * (value - m);
        this.#mad = this.#mad + a * (Math.abs(value - m) - this.#mad);
      } else {
        this.#median = m + (value > m ? eta * sd : value < m ? -eta * sd : 0);
        const dev = Math.abs(value - m);
        const d = Math.max(this.#mad, sdFloor(m, relativeSdFloor) / MAD_TO_SD);
        this.#mad = dev > d ? d * (1 + eta) : d * (1 - eta);
      }
      if (this.ownsResolution) this.resolution.observe(value);
    }
    return calibrate(z, threshold);
  }

  explain(value: number): string {
    const dir = this.#z > 0 ? 'above' : 'below';
    return `mad: ${fmt(value)} is ${fmt(Math.abs(this.#z))} robust σ ${dir} the running median ${fmt(this.expected)} (band ${fmt(this.lower)}..${fmt(this.upper)})`;
  }

  protected saveData(): number[] {
    return [this.#median, this.#mad, this.#z, ...this.resolution.save()];
  }

  protected loadData(d: readonly number[]): void {
    this.#median = num(d, 0);
    this.#mad = num(d, 1);
    this.#z = num(d, 2);
    this.resolution.load(d, 3);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}
