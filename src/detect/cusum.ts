/**
 * @module
 * Level shift / change point by a two-sided CUSUM (Page, 1954) on standardized residuals.
 *
 * With baseline mean μ and sd σ (slow EWMAs), z = (x − μ)/σ clipped to ±zClip so one wild
 * spike cannot trip it alone; S⁺ = max(0, S⁺ + z − k), S⁻ = max(0, S⁻ − z − k). A shift of δσ
 * lasting L samples builds S ≈ L(δ − k); the detector fires when S ≥ h. After firing it
 * re-anchors μ on a fast EWMA of the recent samples and resets S, so a lasting shift is
 * reported once, at the point it is confirmed, and then becomes the new normal (a cooldown of
 * warmupSamples/2 samples re-learns the level before accumulating again). The baseline
 * learns only while S is below h/2, so the shift being accumulated does not leak into it.
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { calibrate, clamp, fmt, sdFloor } from './calibrate.ts';
import { DEFAULT_RESOLUTION_QUANTA } from './resolution.ts';

export interface CusumOptions {
  /** Allowance k in σ: drifts smaller than this are ignored. */
  readonly k: number;
  /** Decision threshold h in σ·samples. */
  readonly h: number;
  /** Per-sample contribution clip in σ. */
  readonly zClip: number;
  /** Baseline EWMA weight. */
  readonly alpha: number;
  /** EWMA weight of the post-change level used to re-anchor. */
  readonly fastAlpha: number;
  readonly warmupSamples: number;
  readonly relativeSdFloor: number;
  /**
   * The sd is at least this many of the series' own quanta / 3 (resolution.ts): the ±3σ band
   * is then at least that many quanta wide, and a lasting one-quantum shift (z = 1 = k) does not
   * accumulate.
   */
  readonly resolutionQuanta: number;
}

export function defaultCusumOptions(): CusumOptions {
  return {
    k: 1,
    h: 12,
    zClip: 4,
    alpha: 0.02,
    fastAlpha: 0.2,
    warmupSamples: 30,
    relativeSdFloor: 0.01,
    resolutionQuanta: DEFAULT_RESOLUTION_QUANTA,
  };
}

export class CusumDetector extends BaseDetector {
  readonly name: string = 'cusum';
  readonly options: CusumOptions;
  #mean = 0;
  #variance = 0;
  #fast = 0;
  #sPos = 0;
  #sNeg = 0;
  #last = 0;
  #from = 0;
  /** Samples left before accumulating again after an alarm (the new level is being learned). */
  #cooldown = 0;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('cusum', defaultCusumOptions(), options);
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
        this.#mean = value;
        this.#fast = value;
        if (this.ownsResolution) this.resolution.observe(value);
      }
      return 0;
    }
    const mean = this.#mean;
    const sd = Math.max(
      Math.sqrt(this.#variance),
      sdFloor(mean, o.relativeSdFloor),
      (o.resolutionQuanta * this.resolution.quantum) / 3,
    );
    this.expected = mean;
    this.lower = mean - 3 * sd;
    this.upper = mean + 3 * sd;
    this.warm = n >= o.warmupSamples && this.#cooldown === 0;
    const z = clamp((value - mean) / sd, -o.zClip, o.zClip);
    const sPos = this.warm ? Math.max(0, this.#sPos + z - o.k) : 0;
    const sNeg = this.warm ? Math.max(0, this.#sNeg - z - o.k) : 0;
    const s = Math.max(sPos, sNeg);
    this.#last = sPos >= sNeg ? s : -s;
    this.#from = mean;
    if (learn) {
      if (this.ownsResolution) this.resolution.observe(value);
      this.#fast += o.fastAlpha * (value - this.#fast);
      if (this.#cooldown > 0) this.#cooldown--;
      if (this.warm && s >= o.h) {
        this.#mean = this.#fast;
        this.#sPos = 0;
        this.#sNeg = 0;
        this.#cooldown = Math.ceil(o.warmupSamples / 2);
      } else {
        this.#sPos = sPos;
        this.#sNeg = sNeg;
        if (s < o.h / 2) {
          const a = this.warm ? o.alpha : Math.max(o.alpha, 1 / (Math.min(n, o.warmupSamples) + 1));
          const x = this.warm ? clamp(value, mean - 3 * sd, mean + 3 * sd) : value;
          const d = x - mean;
          this.#mean = mean + a * d;
          this.#variance = (1 - a) * (this.#variance + a * d * d);
        }
      }
    }
    return calibrate(s, o.h);
  }

  explain(value: number): string {
    const dir = this.#last > 0 ? 'up' : 'down';
    return `cusum: level shift ${dir}: cumulative deviation ${fmt(Math.abs(this.#last))}σ (limit ${fmt(this.options.h)}) from baseline ${fmt(this.#from)}, now ${fmt(value)}`;
  }

  protected saveData(): number[] {
    return [
      this.#mean,
      this.#variance,
      this.#fast,
      this.#sPos,
      this.#sNeg,
      this.#last,
      this.#from,
      this.#cooldown,
      ...this.resolution.save(),
    ];
  }

  protected loadData(d: readonly number[]): void {
    this.#mean = num(d, 0);
    this.#variance = num(d, 1);
    this.#fast = num(d, 2);
    this.#sPos = num(d, 3);
    this.#sNeg = num(d, 4);
    this.#last = num(d, 5);
    this.#from = num(d, 6);
    this.#cooldown = num(d, 7);
    this.resolution.load(d, 8);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}
