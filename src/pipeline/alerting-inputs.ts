/**
 * @module
 * Builds the input of each alert rule kind from the store and the detection runtime:
 * - threshold: raw samples of the rule's window, folded per series or `by` group with the
 *   rule's aggregation (exact: quantiles over the raw values);
 * - absence: every series/group seen within `knownForMs` and its newest sample time;
 * - anomaly: the latest detector score of each series scored recently (estimates and live
 *   anomaly events, whichever is newer).
 */
import { quantileSorted } from '../analytics/index.ts';
import {
  type Aggregation,
  type Labels,
  type Point,
  type SeriesPoints,
  seriesKey,
} from '../contract/index.ts';
import type { Store } from '../store/index.ts';

/** The part of the detection runtime's anomaly that alerting reads (structural). */
export interface AnomalySignal {
  readonly metric: string;
  readonly labels: Labels;
  readonly timestampMs: number;
  readonly score: number;
  readonly detector?: string;
  readonly expected?: number;
  readonly value?: number;
}

/** The part of the detection runtime alerting uses (pipeline/detection-worker.ts fits it). */
export interface AnomalySource {
  onAnomaly(listener: (a: AnomalySignal) => void): () => void;
  /** Latest estimate of every tracked series (optional: scores of series not anomalous now). */
  estimates?(): Iterable<AnomalySignal>;
}

type GroupBy = readonly string[] | undefined;

function groupLabels(labels: Labels, by: GroupBy): Labels {
  if (by === undefined) return labels;
  const out: Record<string, string> = {};
  for (const k of by) out[k] = labels[k] ?? '';
  return out;
}

/** Folds the points of one group's series with `agg`. null when there is nothing to fold. */
export function aggregatePoints(series: readonly Point[][], agg: Aggregation): number | null {
  if (agg === 'rate') {
    let sum = 0;
    let any = false;
    for (const points of series) {
      if (points.length < 2) continue;
      let inc = 0;
      for (let i = 1; i < points.length; i++) {
        const prev = (points[i - 1] as Point)[1];
        const cur = (points[i] as Point)[1];
        inc += cur >= prev ? cur - prev : cur;
      }
      const secs = ((points.at(-1) as Point)[0] - (points[0] as Point)[0]) / 1000;
      if (secs > 0) {
        sum += inc / secs;
        any = true;
      }
    }
    return any ? sum : null;
  }
  const values: number[] = [];
  for (const points of series) for (const [, v] of points) if (Number.isFinite(v)) values.push(v);
  if (values.length === 0) return agg === 'count' ? 0 : null;
  switch (agg) {
    case 'count':
      return values.length;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    default: {
      const q = Number(agg.slice(1)) / 100;
      values.sort((a, b) => a - b);
      return quantileSorted(values, q);
    }
  }
}

function groupSeries(
  series: readonly SeriesPoints[],
  by: GroupBy,
): Map<string, { labels: Labels; series: Point[][] }> {
  const out = new Map<string, { labels: Labels; series: Point[][] }>();
  for (const s of series) {
    const labels = groupLabels(s.labels, by);
    if (by !== undefined && by.length > 0 && by.every((k) => (labels[k] ?? '') === '')) continue;
    const key = seriesKey('', labels);
    let g = out.get(key);
    if (g === undefined) {
      g = { labels, series: [] };
      out.set(key, g);
    }
    g.series.push(s.points);
  }
  return out;
}

export interface QuerySpec {
  readonly metric: string;
  readonly matchers: readonly import('../contract/index.ts').Matcher[];
  readonly aggregation: Aggregation;
  readonly windowMs: number;
  readonly groupBy?: readonly string[];
}

/** One value per series/group over (nowMs − windowMs, nowMs]. */
export async function thresholdValues(
  store: Store,
  q: QuerySpec,
  nowMs: number,
): Promise<{ labels: Labels; value: number }[]> {
  const series = await store.select({
    metric: q.metric,
    matchers: q.matchers,
    // Left-open, as Prometheus range selectors: (nowMs − window, nowMs].
    fromMs: nowMs - q.windowMs + 1,
    toMs: nowMs,
  });
  const out: { labels: Labels; value: number }[] = [];
  for (const g of groupSeries(series, q.groupBy).values()) {
    const value = aggregatePoints(g.series, q.aggregation);
    if (value !== null) out.push({ labels: g.labels, value });
  }
  return out;
}

/**
 * Newest sample time per series/group known within [nowMs − knownForMs, nowMs]; `remembered`
 * keeps times seen in earlier evaluations, so a long-silent group keeps its real last time.
 */
export async function lastSeenTimes(
  store: Store,
  q: QuerySpec,
  nowMs: number,
  lookbackMs: number,
  knownForMs: number,
  remembered: Map<string, number>,
): Promise<{ labels: Labels; lastSeenMs: number | null }[]> {
  const [known, recent] = await Promise.all([
    store.series({
      metric: q.metric,
      matchers: q.matchers,
      fromMs: nowMs - knownForMs,
      toMs: nowMs,
    }),
    store.select({
      metric: q.metric,
      matchers: q.matchers,
      fromMs: nowMs - lookbackMs,
      toMs: nowMs,
    }),
  ]);
  const groups = groupSeries(
    known.map((s) => ({ metric: s.metric, labels: s.labels, points: [] })),
    q.groupBy,
  );
  for (const [key, g] of groupSeries(recent, q.groupBy)) {
    let last = Number.NEGATIVE_INFINITY;
    for (const points of g.series) {
      const p = points.at(-1);
      if (p !== undefined && p[0] > last) last = p[0];
    }
    if (Number.isFinite(last)) remembered.set(`${q.metric}\u0000${key}`, last);
    if (!groups.has(key)) groups.set(key, { labels: g.labels, series: [] });
  }
  return [...groups].map(([key, g]) => ({
    labels: g.labels,
    lastSeenMs: remembered.get(`${q.metric}\u0000${key}`) ?? null,
  }));
}

/**
 * Latest anomaly score per series: live events and (when the source has them) estimates. A
 * series whose newest score is older than `holdMs` (event time) drops out: it holds no more.
 */
export class AnomalyTracker {
  readonly #latest = new Map<string, AnomalySignal>();
  readonly #source: AnomalySource | undefined;
  readonly #off: () => void;

  constructor(source: AnomalySource | undefined) {
    this.#source = source;
    this.#off = source?.onAnomaly((a) => this.#note(a)) ?? (() => undefined);
  }

  #note(a: AnomalySignal): void {
    const key = seriesKey(a.metric, a.labels);
    const prev = this.#latest.get(key);
    if (prev === undefined || a.timestampMs >= prev.timestampMs) this.#latest.set(key, a);
  }

  /** Scores at or above `minScore` newer than nowMs − holdMs. */
  current(nowMs: number, holdMs: number, minScore: number): AnomalySignal[] {
    for (const e of this.#source?.estimates?.() ?? []) {
      this.#note(e);
    }
    const out: AnomalySignal[] = [];
    for (const [key, a] of this.#latest) {
      if (a.timestampMs < nowMs - holdMs) this.#latest.delete(key);
      else if (a.score >= minScore) out.push(a);
    }
    return out;
  }

  close(): void {
    this.#off();
  }
}
