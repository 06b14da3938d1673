/**
 * @module
 * The engine-neutral query model. The HTTP layer parses requests into these; every store engine
 * answers them identically (one contract suite checks that).
 */
import type { Point } from './sample.ts';
import type { Labels, Matcher } from './series.ts';

export const AGGREGATIONS = [
  'avg',
  'min',
  'max',
  'sum',
  'count',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Series lookup. Time bounds, when given, keep only series with samples in [fromMs, toMs]. */
export interface SeriesQuery {
  /** Metric name; omit to match every metric (then matchers must narrow it). */
  readonly metric?: string;
  readonly matchers: readonly Matcher[];
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly limit?: number;
}

export interface SeriesInfo {
  readonly metric: string;
  readonly labels: Labels;
}

/** Raw samples of matching series in [fromMs, toMs] (both inclusive), time-ordered. */
export interface SelectQuery {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly fromMs: number;
  readonly toMs: number;
}

export interface SeriesPoints {
  readonly metric: string;
  readonly labels: Labels;
  readonly points: Point[];
}

/**
 * A bucketed aggregate. Buckets are aligned to multiples of `stepMs` since the epoch; bucket `t`
 * covers [t, t + stepMs). Buckets with no samples are omitted (no interpolation).
 *
 * Grouping: `groupBy` undefined keeps every series separate (labels = the series's labels);
 * `groupBy: []` folds all matching series into one group (labels = {}); otherwise one group per
 * distinct combination of those label values (labels = just those labels).
 *
 * Semantics of `agg` over the samples of a group inside a bucket:
 * avg/min/max/sum/count of the sample values; p50..p99 the quantile of the sample values
 * (exact on raw data, within the sketch's 1% relative error on rollups); `rate` the per-second
 * increase of a counter (resets handled as in Prometheus), summed over the group's series.
 */
export interface RangeQuery {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly agg: Aggregation;
  readonly groupBy?: readonly string[];
}

export interface RangeSeries {
  readonly labels: Labels;
  readonly points: Point[];
}
