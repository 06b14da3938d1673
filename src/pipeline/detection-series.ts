/**
 * @module
 * How anomalies and baselines live in the ordinary Store, as derived series (like Prometheus
 * recording rules), and how the query API reads them back. One module owns the naming so that
 * the writer (detection-worker.ts) and the readers (routes-anomalies.ts) cannot drift apart.
 *
 * For a scored series `m{labels}` (docs/decisions/0006-anomaly-storage.md):
 * - `m:anomaly_score{labels, detector}` and `m:anomaly_value{labels, detector}`: one point per
 *   anomaly (sparse), the score and the observed value;
 * - `m:expected{labels}`, `m:lower{labels}`, `m:upper{labels}`: the baseline band, at most one
 *   point per series per band step of event time, plus one at every anomaly.
 * An anomaly record is the join of the five at one timestamp; its `deviation` and `reason` are
 * computed from those numbers (`explainAnomaly`), live and on read alike.
 */
import {
  type Anomaly,
  type BandPoint,
  type BaselineSeries,
  type Labels,
  type Matcher,
  METRIC_NAME_LABEL,
  seriesKey,
} from '../contract/index.ts';
import type { Store } from '../store/index.ts';

export const DERIVED_SUFFIX = {
  score: 'anomaly_score',
  value: 'anomaly_value',
  expected: 'expected',
  lower: 'lower',
  upper: 'upper',
} as const;
export type DerivedKind = keyof typeof DERIVED_SUFFIX;

/** Label that names the firing detector on the anomaly series. */
export const DETECTOR_LABEL = 'detector';

/** `m:suffix`. */
export function derivedMetric(metric: string, kind: DerivedKind): string {
  return `${metric}:${DERIVED_SUFFIX[kind]}`;
}

/**
 * Derived (recording-rule style) metrics contain ':'; they are never scored themselves, which
 * also keeps detection from recursing on its own output.
 */
export function isDerivedMetric(metric: string): boolean {
  return metric.includes(':');
}

/** Compact number for explanations: at most 4 significant digits, no exponent for ordinary sizes. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e15) return String(Number(x.toPrecision(4)));
  return x.toPrecision(4);
}

/** The explanation of an anomaly from its numbers alone (so a stored one reads the same). */
export function explainAnomaly(a: {
  readonly value: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  readonly detector: string;
}): { deviation: number; reason: string } {
  if (a.detector === 'silence') {
    return {
      deviation: 0,
      reason: `silence: no new sample when one was due (last value ${formatNumber(a.value)})`,
    };
  }
  const deviation = a.value - a.expected;
  const side = deviation >= 0 ? 'above' : 'below';
  // cusum and traffic flag a lasting change, not this sample alone: the sample may be inside
  // the band, so they are explained in their own terms (the ensemble reports them only when
  // neither ewma nor mad flagged the sample itself).
  if (a.detector === 'cusum') {
    return {
      deviation,
      reason:
        `cusum: lasting shift ${side} the baseline ${formatNumber(a.expected)}: observed ${formatNumber(a.value)}, ` +
        `a run of samples ${side} it accumulated past the limit (single-sample band ${formatNumber(a.lower)} to ${formatNumber(a.upper)})`,
    };
  }
  if (a.detector === 'traffic') {
    const rose = deviation >= 0;
    return {
      deviation,
      reason:
        `traffic: the recent average (not this sample alone) ${rose ? 'rose above' : 'fell below'} ` +
        `${formatNumber(rose ? a.upper : a.lower)}, around the baseline ${formatNumber(a.expected)} (observed ${formatNumber(a.value)})`,
    };
  }
  const halfWidth = deviation >= 0 ? a.upper - a.expected : a.expected - a.lower;
  const widths =
    halfWidth > 0
      ? `; ${formatNumber(Math.abs(deviation) / halfWidth)}× the band's half-width`
      : '';
  return {
    deviation,
    reason:
      `${a.detector}: observed ${formatNumber(a.value)} is ${formatNumber(Math.abs(deviation))} ${side} ` +
      `expected ${formatNumber(a.expected)} (normal ${formatNumber(a.lower)} to ${formatNumber(a.upper)}${widths})`,
  };
}

/** Builds the full record (deviation and reason included) from the stored numbers. */
export function makeAnomaly(a: Omit<Anomaly, 'deviation' | 'reason'>): Anomaly {
  const { deviation, reason } = explainAnomaly(a);
  return { ...a, deviation, reason };
}

export interface AnomalyQuery {
  /** Metric of the scored series; omit for every metric (then matchers narrow it). */
  readonly metric?: string;
  /** Matchers on the scored series' labels (and `detector`). */
  readonly matchers: readonly Matcher[];
  readonly fromMs: number;
  readonly toMs: number;
  /** Only anomalies with score >= this. */
  readonly minScore: number;
  readonly limit: number;
}

function withoutDetector(labels: Labels): Labels {
  if (!(DETECTOR_LABEL in labels)) return labels;
  const { [DETECTOR_LABEL]: _d, ...rest } = labels;
  return rest;
}

interface Candidate {
  readonly metric: string;
  readonly labels: Labels;
  readonly detector: string;
  readonly timestampMs: number;
  readonly score: number;
}

/** Anomalies in [fromMs, toMs], newest first (ties: by series), at most `limit`. */
export async function queryAnomalies(store: Store, q: AnomalyQuery): Promise<Anomaly[]> {
  const scoreSuffix = `:${DERIVED_SUFFIX.score}`;
  let metrics: string[];
  if (q.metric !== undefined) {
    metrics = [q.metric];
  } else {
    const found = await store.series({
      matchers: [{ name: METRIC_NAME_LABEL, op: '=~', value: `.+${scoreSuffix}` }, ...q.matchers],
      fromMs: q.fromMs,
      toMs: q.toMs,
    });
    metrics = [...new Set(found.map((s) => s.metric.slice(0, -scoreSuffix.length)))].sort();
  }

  const candidates: Candidate[] = [];
  for (const metric of metrics) {
    const scores = await store.select({
      metric: derivedMetric(metric, 'score'),
      matchers: q.matchers,
      fromMs: q.fromMs,
      toMs: q.toMs,
    });
    for (const s of scores) {
      const labels = withoutDetector(s.labels);
      const detector = s.labels[DETECTOR_LABEL] ?? 'unknown';
      for (const [timestampMs, score] of s.points) {
        if (score >= q.minScore) candidates.push({ metric, labels, detector, timestampMs, score });
      }
    }
  }
  candidates.sort(
    (a, b) =>
      b.timestampMs - a.timestampMs ||
      (seriesKey(a.metric, a.labels) < seriesKey(b.metric, b.labels) ? -1 : 1),
  );
  const chosen = candidates.slice(0, q.limit);

  // Join the value and the band at each chosen timestamp, one select per metric and kind over
  // the span the chosen anomalies cover.
  const byMetric = new Map<string, Candidate[]>();
  for (const c of chosen) {
    const list = byMetric.get(c.metric);
    if (list === undefined) byMetric.set(c.metric, [c]);
    else list.push(c);
  }
  const lookups = new Map<string, Map<number, number>>();
  for (const [metric, list] of byMetric) {
    let fromMs = Number.POSITIVE_INFINITY;
    let toMs = Number.NEGATIVE_INFINITY;
    for (const c of list) {
      fromMs = Math.min(fromMs, c.timestampMs);
      toMs = Math.max(toMs, c.timestampMs);
    }
    const wanted = new Set(list.map((c) => c.timestampMs));
    for (const kind of ['value', 'expected', 'lower', 'upper'] as const) {
      const rows = await store.select({
        metric: derivedMetric(metric, kind),
        matchers: q.matchers.filter((m) => kind === 'value' || m.name !== DETECTOR_LABEL),
        fromMs,
        toMs,
      });
      for (const r of rows) {
        const byTs = new Map<number, number>();
        for (const [t, v] of r.points) if (wanted.has(t)) byTs.set(t, v);
        lookups.set(`${kind}|${seriesKey(metric, r.labels)}`, byTs);
      }
    }
  }
  const at = (kind: DerivedKind, metric: string, labels: Labels, t: number): number | undefined =>
    lookups.get(`${kind}|${seriesKey(metric, labels)}`)?.get(t);

  const out: Anomaly[] = [];
  for (const c of chosen) {
    const value = at(
      'value',
      c.metric,
      { ...c.labels, [DETECTOR_LABEL]: c.detector },
      c.timestampMs,
    );
    const expected = at('expected', c.metric, c.labels, c.timestampMs);
    const lower = at('lower', c.metric, c.labels, c.timestampMs);
    const upper = at('upper', c.metric, c.labels, c.timestampMs);
    // All five are written by one atomic append; a missing part means the record is unusable
    // (e.g. retention cut between the selects), so it is left out rather than invented.
    if (value === undefined || expected === undefined || lower === undefined) continue;
    if (upper === undefined) continue;
    out.push(
      makeAnomaly({
        metric: c.metric,
        labels: c.labels,
        timestampMs: c.timestampMs,
        value,
        score: c.score,
        expected,
        lower,
        upper,
        detector: c.detector,
      }),
    );
  }
  return out;
}

export interface BaselineQuery {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

/**
 * The learned band of every matching series, bucketed by `stepMs` (bucket start times): the
 * mean expected value, the lowest lower edge and the highest upper edge in each bucket.
 */
export async function queryBaseline(store: Store, q: BaselineQuery): Promise<BaselineSeries[]> {
  const range = (kind: DerivedKind, agg: 'avg' | 'min' | 'max') =>
    store.queryRange({
      metric: derivedMetric(q.metric, kind),
      matchers: q.matchers,
      fromMs: q.fromMs,
      toMs: q.toMs,
      stepMs: q.stepMs,
      agg,
    });
  const [expected, lower, upper] = await Promise.all([
    range('expected', 'avg'),
    range('lower', 'min'),
    range('upper', 'max'),
  ]);
  const index = (rows: typeof lower): Map<string, Map<number, number>> => {
    const m = new Map<string, Map<number, number>>();
    for (const r of rows) m.set(seriesKey('', r.labels), new Map(r.points));
    return m;
  };
  const lo = index(lower);
  const hi = index(upper);
  const out: BaselineSeries[] = [];
  for (const e of expected) {
    const key = seriesKey('', e.labels);
    const l = lo.get(key);
    const u = hi.get(key);
    if (l === undefined || u === undefined) continue;
    const points: BandPoint[] = [];
    for (const [t, v] of e.points) {
      const a = l.get(t);
      const b = u.get(t);
      if (a !== undefined && b !== undefined) points.push([t, v, a, b]);
    }
    out.push({ labels: e.labels, points });
  }
  out.sort((a, b) => (seriesKey('', a.labels) < seriesKey('', b.labels) ? -1 : 1));
  return out;
}
