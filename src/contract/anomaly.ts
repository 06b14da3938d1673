/**
 * @module
 * An anomaly: one moment where a series departed from what its detectors learned, with the
 * explanation (observed, expected, band, deviation, which detector, why). The detection
 * runtime (pipeline/) emits them live and stores them as derived series, from which the query
 * API rebuilds exactly the same records (docs/decisions/0006-anomaly-storage.md).
 */
import type { Labels } from './series.ts';

export interface Anomaly {
  /** The metric of the series that was scored (never a derived `a:b` metric). */
  readonly metric: string;
  /** The series' own labels (no `detector` label). */
  readonly labels: Labels;
  /** Event time of the anomalous sample (for `silence`: the moment it was found overdue). */
  readonly timestampMs: number;
  /** The observed value (for `silence`: the last value the series reported). */
  readonly value: number;
  /** Anomaly score in [0, 1]; anomalies have score >= 0.5. */
  readonly score: number;
  /** What the detector expected, and the normal band around it (lower <= expected <= upper). */
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  /** `value - expected`, in the metric's unit (0 for `silence`). */
  readonly deviation: number;
  /** The detector that fired: ewma, mad, seasonal, cusum, traffic or silence. */
  readonly detector: string;
  /** One sentence built from the fields above (the same live and when read back). */
  readonly reason: string;
}

/** The latest thing the detectors said about one series (for alerting and health scores). */
export interface SeriesEstimate {
  readonly metric: string;
  readonly labels: Labels;
  /** Event time of the last sample scored. */
  readonly timestampMs: number;
  readonly value: number;
  readonly score: number;
  readonly isAnomaly: boolean;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  readonly detector: string;
}

/** `[timestampMs, expected, lower, upper]`: one bucket of a learned baseline band. */
export type BandPoint = [number, number, number, number];

/** The learned band of one series, as GET /api/v1/baseline answers it. */
export interface BaselineSeries {
  readonly labels: Labels;
  readonly points: BandPoint[];
}
