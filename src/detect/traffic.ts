/**
 * @module
 * Traffic spike/drop: the ratio of a fast EWMA (the last few samples) to a slow baseline EWMA,
 * for non-negative rate and count series. With c = the baseline's sd (so noise near zero does
 * not make huge ratios), r = (fast + c) / (slow + c); the statistic is |ln r| against ln(ratio),
 * so a rise to `ratio`× or a fall to 1/`ratio` of the baseline scores 0.5. A series that goes
 * negative is not traffic: the detector stays at 0 for it.
 *
 * The baseline learns winsorized values (clamped to [slow/ratio, slow·ratio]), so it follows a
 * lasting change geometrically instead of absorbing a spike at once.
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { calibrate, clamp, fmt } from './calibrate.ts';
import { DEFAULT_RESOLUTION_QUANTA } from './resolution.ts';

export interface TrafficOptions {
  readonly fastAlpha: number;
  readonly slowAlpha: number;
  /** Fold change that scores 0.5 (both ways). */
  readonly ratio: number;
  readonly warmupSamples: number;
  /**
   * c is at least this many of the series' own quanta / (ratio − 1) (resolution.ts): from a
   * zero baseline, the recent level must rise by that many quanta to reach `ratio`×.
   */
  readonly resolutionQuanta: number;
}

export function defaultTrafficOptions(): TrafficOptions {
  return {
    fastAlpha: 0.5,
    slowAlpha: 0.02,
    ratio: 3,
    warmupSamples: 30,
    resolutionQuanta: DEFAULT_RESOLUTION_QUANTA,
  };
}

export class TrafficDetector extends BaseDetector {
  readonly name: string = 'traffic';
  readonly options: TrafficOptions;
  #fast = 0;
  #slow = 0;
  #slowVar = 0;
  #min = 0;
  #r = 1;
  readonly #logRatio: number;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('traffic', defaultTrafficOptions(), options);
    this.#logRatio = Math.log(Math.max(this.options.ratio, 1.000001));
  }

  step(_timestampMs: number, value: number, learn: boolean): number {
    const o = this.options;
    const n = this.n;
    if (n === 0) {
      this.expected = value;
      this.lower = value;
      this.upper = value;
      this.warm = false;
      if (learn) {
        this.#fast = value;
        this.#slow = value;
        this.#min = value;
        if (this.ownsResolution) this.resolution.observe(value);
      }
      return 0;
    }
    const slow = this.#slow;
    const c = Math.max(
      Math.sqrt(this.#slowVar),
      1e-9,
      (o.resolutionQuanta * this.resolution.quantum) / Math.max(o.ratio - 1, 1e-6),
    );
    const fast = this.#fast + o.fastAlpha * (value - this.#fast);
    const ratio = o.ratio;
    this.expected = slow;
    this.lower = Math.min(slow, (slow + c) / ratio - c);
    this.upper = Math.max(slow, (slow + c) * ratio - c);
    const min = Math.min(this.#min, value);
    this.warm = n >= o.warmupSamples && min >= 0 && slow >= 0;
    const den = slow + c;
    const q = den > 0 ? (fast + c) / den : 1;
    // Bounded so state stays finite (a ratio of 1e12 scores 1 anyway).
    const r = q > 1e12 ? 1e12 : q < 1e-12 ? 1e-12 : q;
    this.#r = r;
    if (learn) {
      if (this.ownsResolution) this.resolution.observe(value);
      this.#fast = fast;
      this.#min = min;
      const a = n >= o.warmupSamples ? o.slowAlpha : Math.max(o.slowAlpha, 1 / (n + 1));
      const x = n >= o.warmupSamples && slow > 0 ? clamp(value, slow / ratio, slow * ratio) : value;
      const d = x - slow;
      this.#slow = slow + a * d;
      this.#slowVar = (1 - a) * (this.#slowVar + a * d * d);
    }
    return this.warm && den > 0 ? calibrate(Math.log(r), this.#logRatio) : 0;
  }

  explain(value: number): string {
    const kind = this.#r >= 1 ? 'spike' : 'drop';
    return `traffic ${kind}: recent level ${fmt(this.#r)}× the baseline ${fmt(this.expected)} (now ${fmt(value)}; limit ${fmt(this.options.ratio)}×)`;
  }

  protected saveData(): number[] {
    return [this.#fast, this.#slow, this.#slowVar, this.#min, this.#r, ...this.resolution.save()];
  }

  protected loadData(d: readonly number[]): void {
    this.#fast = num(d, 0);
    this.#slow = num(d, 1);
    this.#slowVar = num(d, 2);
    this.#min = num(d, 3);
    this.#r = num(d, 4);
    this.resolution.load(d, 5);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}
