/**
 * @module
 * Read paths of the embedded engine: series selection, raw selects, label values and range
 * queries. Range queries feed slots (from raw samples, and from 1-minute rollups where they
 * cover whole minutes) into the engine-neutral executor in ../range-query.ts.
 */
import {
  compileMatchers,
  type Labels,
  type Matcher,
  type Point,
  type SelectQuery,
  type SeriesInfo,
  type SeriesPoints,
  type SeriesQuery,
} from '../../contract/index.ts';
import type { MemSeries, SeriesRegistry } from './series.ts';

/** Sorted, de-duplicated samples of one series in a time range. */
export interface RawRange {
  readonly ts: Float64Array;
  readonly vals: Float64Array;
  readonly n: number;
}

export type RawReader = (s: MemSeries, fromMs: number, toMs: number) => RawRange;

export function matchSeries(
  registry: SeriesRegistry,
  metric: string | undefined,
  matchers: readonly Matcher[],
): MemSeries[] {
  const test = compileMatchers(matchers);
  const pool = metric === undefined ? [...registry.all()] : (registry.byMetric.get(metric) ?? []);
  const out: MemSeries[] = [];
  for (const s of pool) if (test(s.metric, s.labels)) out.push(s);
  return out;
}

export function hasSamplesIn(read: RawReader, s: MemSeries, fromMs: number, toMs: number): boolean {
  if (s.maxTs < fromMs || s.minTs > toMs) return false;
  return read(s, fromMs, toMs).n > 0;
}

export function querySeries(
  registry: SeriesRegistry,
  read: RawReader,
  q: SeriesQuery,
): SeriesInfo[] {
  const out: SeriesInfo[] = [];
  const matched = matchSeries(registry, q.metric, q.matchers);
  matched.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const bounded = q.fromMs !== undefined || q.toMs !== undefined;
  const from = q.fromMs ?? Number.NEGATIVE_INFINITY;
  const to = q.toMs ?? Number.POSITIVE_INFINITY;
  for (const s of matched) {
    if (q.limit !== undefined && out.length >= q.limit) break;
    if (bounded && !hasSamplesIn(read, s, from, to)) continue;
    if (!bounded && s.minTs > s.maxTs) continue;
    out.push({ metric: s.metric, labels: s.labels });
  }
  return out;
}

export function selectPoints(
  registry: SeriesRegistry,
  read: RawReader,
  q: SelectQuery,
): SeriesPoints[] {
  const out: SeriesPoints[] = [];
  const matched = matchSeries(registry, q.metric, q.matchers);
  matched.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const s of matched) {
    if (s.maxTs < q.fromMs || s.minTs > q.toMs) continue;
    const r = read(s, q.fromMs, q.toMs);
    if (r.n === 0) continue;
    const points: Point[] = new Array(r.n);
    for (let i = 0; i < r.n; i++) points[i] = [r.ts[i] as number, r.vals[i] as number];
    out.push({ metric: s.metric, labels: s.labels, points });
  }
  return out;
}

export function labelValues(
  registry: SeriesRegistry,
  label: string,
  metric: string | undefined,
): string[] {
  const values = new Set<string>();
  const pool = metric === undefined ? registry.all() : (registry.byMetric.get(metric) ?? []);
  for (const s of pool) {
    if (s.minTs > s.maxTs) continue;
    if (label === '__name__') values.add(s.metric);
    else {
      const v = (s.labels as Labels)[label];
      if (v !== undefined) values.add(v);
    }
  }
  return [...values].sort();
}
