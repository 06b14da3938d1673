/**
 * @module
 * Silence: a source that stops reporting. Learns the series' cadence (EWMA of the intervals
 * between samples) and a slowly decaying maximum interval; a gap is overdue past
 *
 *   limit = max(gapFactor × cadence, sparseFactor × decayingMaxInterval)
 *
 * The second term tells a naturally sparse or bursty series (which has shown long gaps before)
 * apart from a steady one that went quiet. Score = q⁴/(q⁴ + 1) with q = gap/limit: 0.5 at the
 * limit, ~0 for ordinary gaps. `check(t)` answers "overdue at t?" with no new sample; `update`
 * scores the gap that a late sample just closed. The value itself is ignored (expected and the
 * band are the last value seen).
 */
import { BaseDetector, mergeOptions, num } from './base.ts';
import { fmt } from './calibrate.ts';

export interface SilenceOptions {
  /** Overdue after this many usual intervals. */
  readonly gapFactor: number;
  /** ... and after this many times the longest recent interval. */
  readonly sparseFactor: number;
  /** Per-interval decay of the remembered longest interval. */
  readonly maxDecay: number;
  /** EWMA weight of the cadence. */
  readonly alpha: number;
  /** Intervals seen before it may fire. */
  readonly warmupIntervals: number;
}

export function defaultSilenceOptions(): SilenceOptions {
  return { gapFactor: 5, sparseFactor: 1.5, maxDecay: 0.005, alpha: 0.1, warmupIntervals: 8 };
}

export class SilenceDetector extends BaseDetector {
  readonly name: string = 'silence';
  readonly options: SilenceOptions;
  #cadenceMs = 0;
  #maxIntervalMs = 0;
  #intervals = 0;
  #lastValue = 0;
  #gapMs = 0;
  #limitMs = 0;

  constructor(options?: Readonly<Record<string, number>>) {
    super();
    this.options = mergeOptions('silence', defaultSilenceOptions(), options);
  }

  /** Score of a gap of `gapMs` (sets the explanation fields). */
  #score(gapMs: number): number {
    const o = this.options;
    const limit = Math.max(o.gapFactor * this.#cadenceMs, o.sparseFactor * this.#maxIntervalMs);
    this.#gapMs = gapMs;
    this.#limitMs = limit;
    this.warm = this.#intervals >= o.warmupIntervals && limit > 0;
    if (!this.warm || gapMs <= 0) return 0;
    const q = gapMs / limit;
    const q2 = q * q;
    const q4 = q2 * q2;
    return Number.isFinite(q4) ? q4 / (q4 + 1) : 1;
  }

  step(timestampMs: number, value: number, learn: boolean): number {
    const o = this.options;
    this.expected = this.n === 0 ? value : this.#lastValue;
    this.lower = this.expected;
    this.upper = this.expected;
    if (this.n === 0) {
      this.warm = false;
      if (learn) this.#lastValue = value;
      return 0;
    }
    const gap = learn ? timestampMs - this.lastTs : 0;
    const score = this.#score(gap);
    if (learn) {
      const warm = this.warm;
      const x = warm ? Math.min(gap, this.#limitMs) : gap;
      const a = warm ? o.alpha : Math.max(o.alpha, 1 / (this.#intervals + 1));
      this.#cadenceMs = this.#intervals === 0 ? x : this.#cadenceMs + a * (x - this.#cadenceMs);
      // The longest interval learns the true gap: a source that has been quiet this long before
      // may be naturally sparse; the cadence learns the clipped one, so one outage does not
      // stretch it.
      this.#maxIntervalMs = Math.max(gap, this.#maxIntervalMs * (1 - o.maxDecay));
      this.#intervals++;
      this.#lastValue = value;
    }
    return score;
  }

  override overdue(timestampMs: number): number {
    if (this.n === 0) return 0;
    this.expected = this.#lastValue;
    this.lower = this.expected;
    this.upper = this.expected;
    return this.#score(timestampMs - this.lastTs);
  }

  /** Learned cadence in ms (0 until two samples). */
  get cadenceMs(): number {
    return this.#cadenceMs;
  }

  explain(): string {
    return `silence: no sample for ${duration(this.#gapMs)}; usual interval ${duration(this.#cadenceMs)}, overdue after ${duration(this.#limitMs)}`;
  }

  protected saveData(): number[] {
    return [
      this.#cadenceMs,
      this.#maxIntervalMs,
      this.#intervals,
      this.#lastValue,
      this.#gapMs,
      this.#limitMs,
    ];
  }

  protected loadData(d: readonly number[]): void {
    this.#cadenceMs = num(d, 0);
    this.#maxIntervalMs = num(d, 1);
    this.#intervals = num(d, 2);
    this.#lastValue = num(d, 3);
    this.#gapMs = num(d, 4);
    this.#limitMs = num(d, 5);
  }

  protected optionsRecord(): Readonly<Record<string, number>> {
    return { ...this.options };
  }
}

function duration(ms: number): string {
  if (ms >= 86_400_000) return `${fmt(ms / 86_400_000)}d`;
  if (ms >= 3_600_000) return `${fmt(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${fmt(ms / 60_000)}m`;
  if (ms >= 1000) return `${fmt(ms / 1000)}s`;
  return `${fmt(ms)}ms`;
}
