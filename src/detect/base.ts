/**
 * @module
 * Shared bookkeeping for every detector: skipping non-finite input, scoring duplicates and
 * out-of-order samples without learning them, building explained outputs lazily (the reason
 * string is formatted only for anomalies, which keeps the hot path allocation-light), and the
 * numeric serialization frame.
 */
import { Resolution } from './resolution.ts';
import {
  ANOMALY_THRESHOLD,
  type Detector,
  type DetectorOutput,
  type DetectorState,
  STATE_VERSION,
} from './types.ts';

/** Inputs are clipped to ±this (squares and sums of squares stay far from overflow). */
export const MAX_ABS_VALUE = 1e100;

export abstract class BaseDetector implements Detector {
  abstract readonly name: string;
  /** Samples learned so far. */
  protected n = 0;
  /** Timestamp of the last learned sample (meaningful when n > 0). */
  protected lastTs = 0;
  /** The prediction made for the last scored sample. */
  expected = 0;
  lower = 0;
  upper = 0;
  /** Whether the last scored sample was past warm-up (a cold detector never fires). */
  warm = false;
  /** The series' resolution (resolution.ts); an ensemble shares one among its parts. */
  resolution = new Resolution();
  /** Whether `step` learns `resolution` itself (false for an ensemble's parts: it does, once). */
  ownsResolution = true;

  /**
   * Scores `value` at `timestampMs` against the current state (setting expected/lower/upper
   * and `warm`), then learns from it when `learn`. Inputs are finite.
   */
  abstract step(timestampMs: number, value: number, learn: boolean): number;
  /** Why the last scored sample got its score (called only for anomalies). */
  abstract explain(value: number, timestampMs: number): string;
  /** The detector's numeric state after n and lastTs. */
  protected abstract saveData(): number[];
  protected abstract loadData(data: readonly number[]): void;
  protected abstract optionsRecord(): Readonly<Record<string, number>>;

  /** Score and learn one finite sample; returns the score. Used by `update` and the ensemble. */
  advance(timestampMs: number, value: number): number {
    const learn = this.n === 0 || timestampMs > this.lastTs;
    const score = this.step(timestampMs, value, learn);
    if (learn) {
      this.n++;
      this.lastTs = timestampMs;
    }
    return this.warm ? score : 0;
  }

  /**
   * Bookkeeping after `step` for a learned sample. The ensemble calls `step` and `commit` on its
   * parts directly (monomorphic call sites; going through `advance` would make its `step` call
   * megamorphic and cost a third of the throughput).
   */
  commit(timestampMs: number): void {
    this.n++;
    this.lastTs = timestampMs;
  }

  /** Whether a sample at `timestampMs` would be learned (not a duplicate or out of order). */
  learns(timestampMs: number): boolean {
    return this.n === 0 || timestampMs > this.lastTs;
  }

  /** Score for "nothing arrived up to `timestampMs`"; 0 except for silence. */
  overdue(_timestampMs: number): number {
    return 0;
  }

  update(timestampMs: number, value: number): DetectorOutput {
    if (!Number.isFinite(timestampMs) || !Number.isFinite(value)) {
      return this.quiet('skipped: no finite value');
    }
    // Values beyond ±1e100 are clipped so squared deviations stay finite.
    const v =
      value > MAX_ABS_VALUE ? MAX_ABS_VALUE : value < -MAX_ABS_VALUE ? -MAX_ABS_VALUE : value;
    const score = this.advance(timestampMs, v);
    return this.output(score, v, timestampMs);
  }

  check(timestampMs: number): DetectorOutput {
    if (!Number.isFinite(timestampMs)) return this.quiet('skipped: no finite timestamp');
    const score = this.overdue(timestampMs);
    return this.output(score, Number.NaN, timestampMs);
  }

  protected output(score: number, value: number, timestampMs: number): DetectorOutput {
    const isAnomaly = score >= ANOMALY_THRESHOLD;
    return {
      score,
      isAnomaly,
      expected: this.expected,
      lower: this.lower,
      upper: this.upper,
      detector: this.name,
      reason: isAnomaly
        ? this.explain(value, timestampMs)
        : this.warm
          ? 'within band'
          : 'warming up',
    };
  }

  protected quiet(reason: string): DetectorOutput {
    return {
      score: 0,
      isAnomaly: false,
      expected: this.expected,
      lower: this.lower,
      upper: this.upper,
      detector: this.name,
      reason,
    };
  }

  serialize(): DetectorState {
    return {
      detector: this.name,
      version: STATE_VERSION,
      options: { ...this.optionsRecord() },
      data: [
        this.n,
        this.lastTs,
        this.expected,
        this.lower,
        this.upper,
        this.warm ? 1 : 0,
        ...this.saveData(),
      ],
    };
  }

  /** Loads what `serialize` wrote (the registry checks name and version first). */
  load(state: DetectorState): void {
    const d = state.data;
    this.n = num(d, 0);
    this.lastTs = num(d, 1);
    this.expected = num(d, 2);
    this.lower = num(d, 3);
    this.upper = num(d, 4);
    this.warm = num(d, 5) === 1;
    this.loadData(d.slice(6));
  }
}

/** `data[i]`, which must be a finite number (corrupt state throws). */
export function num(data: readonly number[], i: number): number {
  const v = data[i];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RangeError(`detector state: data[${i}] is not a finite number`);
  }
  return v;
}

/** Options merged over defaults; unknown keys and non-finite values are rejected. */
export function mergeOptions<T extends object>(
  name: string,
  defaults: T,
  given: Readonly<Record<string, number>> | undefined,
): T {
  const out = { ...defaults } as Record<string, number>;
  if (given !== undefined) {
    for (const [k, v] of Object.entries(given)) {
      if (!(k in defaults)) throw new RangeError(`${name}: unknown option "${k}"`);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`${name}: option "${k}" must be a finite number`);
      }
      out[k] = v;
    }
  }
  return out as T;
}
