/**
 * @module
 * Shapes API series (`[{labels, points: [[ts_ms, v], …]}]`) into uPlot's columnar AlignedData
 * (`[xs, ys1, ys2, …]`, x ascending, one y column per series, equal lengths).
 *
 * Two kinds of holes are kept apart, as uPlot does: `undefined` where a series simply has no
 * sample at another series's timestamp (an alignment artifact: the line spans it) and `null`
 * where the series itself went quiet for more than `gapFactor` steps (a real gap: the line
 * breaks, so a silent source is visible).
 */
import type { Labels } from '../../../src/contract/index.ts';

export interface InputSeries {
  readonly labels: Labels;
  readonly points: readonly (readonly [number, number])[];
}

export type YValue = number | null | undefined;

export interface ShapedData {
  /** Timestamps in ms, ascending, de-duplicated. */
  readonly xs: number[];
  /** One column per series, same length as xs. */
  readonly ys: YValue[][];
  /** Stable identity of each series (sorted label pairs), in column order. */
  readonly keys: string[];
  readonly labels: Labels[];
}

export interface AlignOptions {
  /** Bucket width of the query; gaps are judged in steps. */
  readonly stepMs: number;
  /** A series missing for more than this many steps shows a break. */
  readonly gapFactor: number;
}

export function defaultAlignOptions(stepMs: number): AlignOptions {
  return { stepMs, gapFactor: 3 };
}

/** `a="1",b="2"` with names sorted; `{}` for no labels. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '{}';
  return names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',');
}

/**
 * Series are ordered by key so the legend and colours do not shuffle between updates.
 * @example alignSeries([{labels:{s:'a'},points:[[0,1],[10,2]]},{labels:{s:'b'},points:[[10,5]]}],
 *   {stepMs:10,gapFactor:3}) // xs [0,10]; ys [[1,2],[undefined,5]]
 */
export function alignSeries(series: readonly InputSeries[], options: AlignOptions): ShapedData {
  const sorted = [...series]
    .map((s) => ({ s, key: labelsKey(s.labels) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const pointsOf = sorted.map(({ s }) => [...s.points].sort((a, b) => a[0] - b[0]));
  // Data sampled less often than the step (10 s samples in 2 s buckets) is not "missing" between
  // samples: judge gaps against the series's own typical spacing when that is wider.
  const maxGapsMs = pointsOf.map(
    (pts) => Math.max(options.stepMs, medianSpacingMs(pts)) * options.gapFactor,
  );
  const xSet = new Set<number>();
  for (const [k, pts] of pointsOf.entries()) {
    const maxGapMs = maxGapsMs[k] as number;
    for (let i = 0; i < pts.length; i++) {
      const ts = (pts[i] as readonly [number, number])[0];
      xSet.add(ts);
      const prev = pts[i - 1];
      // A quiet stretch needs at least one slot to hold its null, even in a lone series.
      if (prev !== undefined && ts - prev[0] > maxGapMs) xSet.add(prev[0] + options.stepMs);
    }
  }
  const xs = [...xSet].sort((a, b) => a - b);
  const index = new Map<number, number>();
  for (const [i, x] of xs.entries()) index.set(x, i);

  const ys = pointsOf.map((pts, k) => {
    const maxGapMs = maxGapsMs[k] as number;
    const col: YValue[] = new Array<YValue>(xs.length).fill(undefined);
    let prevTs: number | undefined;
    for (const [ts, v] of pts) {
      const i = index.get(ts) as number;
      col[i] = Number.isFinite(v) ? v : null;
      if (prevTs !== undefined && ts - prevTs > maxGapMs) {
        // uPlot clips a gap from the point before the first null to the point after the last
        // one, so every slot of the quiet stretch must be null for the break to cover it all.
        for (let j = (index.get(prevTs) as number) + 1; j < i; j++) col[j] = null;
      }
      prevTs = ts;
    }
    return col;
  });

  return {
    xs,
    ys,
    keys: sorted.map((x) => x.key),
    labels: sorted.map((x) => x.s.labels),
  };
}

/** (Lower) median distance between consecutive timestamps; 0 for fewer than two points. */
export function medianSpacingMs(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const d: number[] = [];
  for (let i = 1; i < points.length; i++) {
    d.push(
      (points[i] as readonly [number, number])[0] - (points[i - 1] as readonly [number, number])[0],
    );
  }
  d.sort((a, b) => a - b);
  // The lower median: with few samples one long silence must not pass for the interval.
  return d[Math.floor((d.length - 1) / 2)] as number;
}

/**
 * A short legend name: the values alone when few labels vary (`checkout`), `name=value` pairs
 * otherwise; `fallback` for a series without labels (the folded total).
 */
export function seriesName(labels: Labels, fallback: string): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return fallback;
  if (names.length === 1) return labels[names[0] as string] as string;
  return names.map((n) => `${n}=${labels[n]}`).join(', ');
}

/** The last finite value of a column, for the legend when the cursor is away. */
export function lastValue(col: readonly YValue[]): number | undefined {
  for (let i = col.length - 1; i >= 0; i--) {
    const v = col[i];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * Colours that stay readable on dark and light backgrounds, assigned by a hash of the series key
 * so a series keeps its colour as others come and go.
 */
export const PALETTE: readonly string[] = [
  '#4e9af1', // blue
  '#e6c229', // yellow
  '#3fbf7f', // green
  '#e5534b', // red
  '#a371f7', // purple
  '#2bb5c8', // cyan
  '#e86fb0', // pink
  '#9ccc3c', // lime
  '#ff9e64', // orange
  '#b08968', // brown
];

export function colorFor(key: string, taken: ReadonlySet<string> = new Set()): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  const start = (h >>> 0) % PALETTE.length;
  // Probe for a colour not yet used in this chart; fall back to the hashed one.
  for (let k = 0; k < PALETTE.length; k++) {
    const c = PALETTE[(start + k) % PALETTE.length] as string;
    if (!taken.has(c)) return c;
  }
  return PALETTE[start] as string;
}

/** Colours for a chart's series in order, distinct while the palette lasts. */
export function assignColors(keys: readonly string[]): string[] {
  const taken = new Set<string>();
  return keys.map((k) => {
    const c = colorFor(k, taken);
    taken.add(c);
    return c;
  });
}

/**
 * Divides series by series, matched by labels and timestamp: `scale × num / den` per bucket, as in
 * the error ratio `100 × errors_per_second / requests_per_second`. Buckets where the denominator
 * is missing or zero are left out (no ratio of nothing); a numerator without a denominator series
 * gives no series.
 *
 * @example ratioSeries([{labels:{s:'a'},points:[[0,1]]}], [{labels:{s:'a'},points:[[0,50]]}], 100)
 *   // [{labels:{s:'a'}, points:[[0,2]]}]
 */
export function ratioSeries(
  num: readonly InputSeries[],
  den: readonly InputSeries[],
  scale: number,
): InputSeries[] {
  const byKey = new Map<string, Map<number, number>>();
  for (const s of den) {
    const m = new Map<number, number>();
    for (const [ts, v] of s.points) m.set(ts, v);
    byKey.set(labelsKey(s.labels), m);
  }
  const out: InputSeries[] = [];
  for (const s of num) {
    const d = byKey.get(labelsKey(s.labels));
    if (!d) continue;
    const points: [number, number][] = [];
    for (const [ts, v] of s.points) {
      const q = d.get(ts);
      if (q !== undefined && q !== 0 && Number.isFinite(q)) points.push([ts, (scale * v) / q]);
    }
    out.push({ labels: s.labels, points });
  }
  return out;
}

export interface SeriesStats {
  readonly last: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly mean: number | undefined;
  readonly points: number;
}

/** Summary of one series's finite values (the explore table); undefined fields when empty. */
export function seriesStats(points: readonly (readonly [number, number])[]): SeriesStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let n = 0;
  let last: number | undefined;
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const [ts, v] of points) {
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (ts >= lastTs) {
      lastTs = ts;
      last = v;
    }
  }
  return n === 0
    ? { last: undefined, min: undefined, max: undefined, mean: undefined, points: 0 }
    : { last, min, max, mean: sum / n, points: n };
}
