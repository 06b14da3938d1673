/**
 * @module
 * Data shaping for the anomaly overlay a TimeChart draws over its lines: the learned baseline
 * band (`GET /api/v1/baseline`, `[ts, expected, lower, upper]` per raw series) and the anomaly
 * marks (`GET /api/v1/anomalies` and the `anomaly` live event).
 *
 * Both come per raw series (all its labels); a chart may show the series grouped (`group_by`).
 * Each band and mark is matched to the chart line it belongs to by projecting its labels onto
 * the grouping, exactly as the query folded them; several raw bands that fold into one line are
 * merged (expected: mean, lower: min, upper: max), so the band covers every member's normal.
 */
import type { Anomaly, Labels } from '../../../src/contract/index.ts';
import { labelsKey } from './align.ts';

/** One series of `GET /api/v1/baseline`. */
export interface BaselineSeries {
  readonly labels: Labels;
  readonly points: readonly (readonly [number, number, number, number])[];
}

/** The band of one chart line, ascending by time. */
export interface BandLine {
  /** The chart line's key (labelsKey of the projected labels). */
  readonly key: string;
  readonly points: readonly (readonly [number, number, number, number])[];
}

/** An anomaly placed on a chart line. */
export interface AnomalyMark extends Anomaly {
  readonly key: string;
}

/**
 * The key of the chart line a raw series folds into: every label when the chart shows each
 * series, none for one total, else only the grouped labels.
 *
 * @example lineKey({service:'a', source_id:'a-1'}, ['service']) === 'service="a"'
 */
export function lineKey(labels: Labels, groupBy: readonly string[] | undefined): string {
  if (groupBy === undefined) return labelsKey(labels);
  const picked: Record<string, string> = {};
  for (const name of groupBy) {
    const v = labels[name];
    if (v !== undefined) picked[name] = v;
  }
  return labelsKey(picked);
}

/**
 * Bands per chart line, only for lines the chart has (`lineKeys`). Raw bands of one line are
 * merged per timestamp; points with a non-finite number are dropped.
 */
export function shapeBands(
  baselines: readonly BaselineSeries[],
  groupBy: readonly string[] | undefined,
  lineKeys: readonly string[],
): BandLine[] {
  const wanted = new Set(lineKeys);
  const byLine = new Map<string, Map<number, { sum: number; n: number; lo: number; hi: number }>>();
  for (const s of baselines) {
    const key = lineKey(s.labels, groupBy);
    if (!wanted.has(key)) continue;
    let m = byLine.get(key);
    if (!m) {
      m = new Map();
      byLine.set(key, m);
    }
    for (const [ts, expected, lower, upper] of s.points) {
      if (![ts, expected, lower, upper].every(Number.isFinite)) continue;
      const acc = m.get(ts);
      if (acc) {
        acc.sum += expected;
        acc.n++;
        acc.lo = Math.min(acc.lo, lower);
        acc.hi = Math.max(acc.hi, upper);
      } else {
        m.set(ts, { sum: expected, n: 1, lo: lower, hi: upper });
      }
    }
  }
  const out: BandLine[] = [];
  for (const key of lineKeys) {
    const m = byLine.get(key);
    if (!m || m.size === 0) continue;
    const points = [...m.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ts, a]) => [ts, a.sum / a.n, a.lo, a.hi] as const);
    out.push({ key, points });
  }
  return out;
}

/** Identity of one anomaly: series, time and detector (live and stored copies are equal). */
export function anomalyId(a: Anomaly): string {
  return `${a.metric}|${labelsKey(a.labels)}|${a.timestampMs}|${a.detector}`;
}

/**
 * Adds live anomalies to the known ones: de-duplicated by anomalyId (a pushed anomaly may also
 * arrive in a later fetch), newest first, at most `limit`.
 */
export function mergeAnomalies(
  known: readonly Anomaly[],
  incoming: readonly Anomaly[],
  limit: number,
): Anomaly[] {
  const byId = new Map<string, Anomaly>();
  for (const a of [...known, ...incoming]) byId.set(anomalyId(a), a);
  return [...byId.values()].sort((a, b) => b.timestampMs - a.timestampMs).slice(0, limit);
}

/**
 * Marks for the lines the chart has, inside [fromMs, toMs]. Several detectors firing on one
 * sample make one mark: the highest score, oldest first (so newer marks paint on top).
 */
export function shapeMarks(
  anomalies: readonly Anomaly[],
  groupBy: readonly string[] | undefined,
  lineKeys: readonly string[],
  fromMs: number,
  toMs: number,
): AnomalyMark[] {
  const wanted = new Set(lineKeys);
  const best = new Map<string, AnomalyMark>();
  for (const a of anomalies) {
    if (a.timestampMs < fromMs || a.timestampMs > toMs) continue;
    if (!Number.isFinite(a.value)) continue;
    const key = lineKey(a.labels, groupBy);
    if (!wanted.has(key)) continue;
    const id = `${key}|${labelsKey(a.labels)}|${a.timestampMs}`;
    const prev = best.get(id);
    if (!prev || a.score > prev.score) best.set(id, { ...a, key });
  }
  return [...best.values()].sort((a, b) => a.timestampMs - b.timestampMs || a.score - b.score);
}

/**
 * Colour of a mark by score: amber at 0.5 (the least an anomaly has), red at 1.
 * @example scoreColor(1) === 'hsl(0 85% 55%)'
 */
export function scoreColor(score: number): string {
  const t = Math.min(1, Math.max(0, (score - 0.5) / 0.5));
  const hue = Math.round(45 * (1 - t));
  return `hsl(${hue} 85% 55%)`;
}

/** Words for the score, for the explanation. */
export function scoreWord(score: number): string {
  if (score >= 0.9) return 'severe';
  if (score >= 0.7) return 'strong';
  return 'mild';
}

/**
 * The y extent the overlay needs, so a band or mark above the lines is not clipped away:
 * [min, max] over band bounds and mark values, or undefined when there is nothing.
 */
export function overlayExtent(
  bands: readonly BandLine[],
  marks: readonly AnomalyMark[],
): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const b of bands) {
    for (const [, , lower, upper] of b.points) {
      if (lower < lo) lo = lower;
      if (upper > hi) hi = upper;
    }
  }
  for (const m of marks) {
    if (m.value < lo) lo = m.value;
    if (m.value > hi) hi = m.value;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * The mark nearest to a cursor position (canvas CSS pixels) within `radiusPx`, or -1.
 * `positions` are the marks' pixel positions in the same order.
 */
export function nearestMark(
  positions: readonly { readonly x: number; readonly y: number }[],
  x: number,
  y: number,
  radiusPx: number,
): number {
  let best = -1;
  let bestD = radiusPx * radiusPx;
  for (const [i, p] of positions.entries()) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
