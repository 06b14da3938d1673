/**
 * @module
 * The detector contract: one streaming detector per series, fed samples in time order, each
 * answer explaining itself (expected value, band, which detector, why).
 */

/** What a detector says about one sample (or, for `check`, about a moment with no sample). */
export interface DetectorOutput {
  /** Anomaly score in [0, 1]; 0.5 is each detector's own threshold. */
  readonly score: number;
  /** `score >= ANOMALY_THRESHOLD` and the detector is past its warm-up. */
  readonly isAnomaly: boolean;
  /** The value the detector expected here (finite). */
  readonly expected: number;
  /** Lower edge of the normal band (finite, <= expected). */
  readonly lower: number;
  /** Upper edge of the normal band (finite, >= expected). */
  readonly upper: number;
  /** The detector that produced the score (for the ensemble: the part that won). */
  readonly detector: string;
  /** Human-readable explanation; names the deviation when `isAnomaly`. */
  readonly reason: string;
}

/**
 * Serialized detector state: plain JSON (numbers, strings, arrays), no NaN or Infinity, so
 * `JSON.parse(JSON.stringify(state))` restores exactly. Large bucket tables travel as base64
 * float32 (`tables`), the "compact typed-array form".
 */
export interface DetectorState {
  readonly detector: string;
  readonly version: number;
  readonly options: Readonly<Record<string, number>>;
  readonly data: readonly number[];
  readonly tables?: string;
  readonly parts?: readonly DetectorState[];
}

/** A streaming per-series detector. Not thread-safe; one instance per series. */
export interface Detector {
  readonly name: string;
  /**
   * Scores one sample against what was learned so far, then learns from it. A sample whose
   * timestamp is not after the last learned one (duplicate or out of order) is scored but not
   * learned. A non-finite timestamp or value is skipped: score 0, state untouched.
   */
  update(timestampMs: number, value: number): DetectorOutput;
  /**
   * "Is anything overdue at `timestampMs`?" without a new sample. Only `silence` (and the
   * ensemble through it) can answer with a non-zero score; it never changes state.
   */
  check(timestampMs: number): DetectorOutput;
  /** Plain-JSON state; `restoreDetector(serialize())` continues exactly where this left off. */
  serialize(): DetectorState;
}

/** Scores at or above this are anomalies. */
export const ANOMALY_THRESHOLD = 0.5;
export const STATE_VERSION = 1;
