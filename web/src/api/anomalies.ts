/**
 * @module
 * Anomalies and baseline bands for charts (docs/api.md, "Anomalies and baselines"):
 * `GET /api/v1/anomalies`, `GET /api/v1/baseline` and the `anomaly` live stream.
 *
 * useAnomalyOverlay binds one chart to them. Over a fixed range it fetches once. Over a trailing
 * window it follows the chart's own pushed window: it fetches again whenever the window's end
 * crosses into a new `refreshMs` slot (the band is stored once a minute per series, so that is
 * all a band needs), and, with `stream`, it also takes new anomalies from the live stream the
 * moment they are found. A page with several charts passes `stream: false`: a browser keeps
 * about six connections per host over HTTP/1.1 and its charts already hold most of them.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Anomaly, Matcher } from '../../../src/contract/index.ts';
import { type BaselineSeries, mergeAnomalies } from '../charts/anomaly-overlay.ts';
import type { ChartOverlay } from '../charts/time-chart.tsx';
import { resolveRange, type TimeRange } from '../time/range.ts';
import { getJson, unwrapList } from './client.ts';
import { LiveStream } from './live.ts';
import { formatMatcher } from './url-state.ts';

/** Most anomalies a chart asks for and keeps. */
export const MAX_CHART_ANOMALIES = 500;

function selectorParams(metric: string, matchers: readonly Matcher[]): URLSearchParams {
  const p = new URLSearchParams();
  // No metric: every metric (the overview counts anomalies of all series).
  if (metric !== '') p.set('metric', metric);
  for (const m of matchers) p.append('match[]', formatMatcher(m));
  return p;
}

export async function getAnomalies(
  q: {
    readonly metric: string;
    readonly matchers: readonly Matcher[];
    readonly fromMs: number;
    readonly toMs: number;
    readonly minScore?: number;
    readonly limit?: number;
  },
  signal?: AbortSignal,
): Promise<Anomaly[]> {
  const p = selectorParams(q.metric, q.matchers);
  p.set('from', String(Math.floor(q.fromMs)));
  p.set('to', String(Math.ceil(q.toMs)));
  if (q.minScore !== undefined) p.set('min_score', String(q.minScore));
  p.set('limit', String(q.limit ?? MAX_CHART_ANOMALIES));
  const body = await getJson<unknown>(`/api/v1/anomalies?${p.toString()}`, signal);
  return unwrapList(body) as Anomaly[];
}

export async function getBaseline(
  q: {
    readonly metric: string;
    readonly matchers: readonly Matcher[];
    readonly fromMs: number;
    readonly toMs: number;
  },
  signal?: AbortSignal,
): Promise<BaselineSeries[]> {
  const p = selectorParams(q.metric, q.matchers);
  p.set('from', String(Math.floor(q.fromMs)));
  p.set('to', String(Math.ceil(q.toMs)));
  const body = await getJson<unknown>(`/api/v1/baseline?${p.toString()}`, signal);
  return unwrapList(body) as BaselineSeries[];
}

export interface OverlaySelection {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly groupBy: readonly string[] | undefined;
}

export interface OverlayOptions {
  /** Take new anomalies from the live stream (one more connection). */
  readonly stream: boolean;
  /** Re-fetch when the pushed window's end enters a new slot of this length. */
  readonly refreshMs: number;
}

export function defaultOverlayOptions(): OverlayOptions {
  return { stream: true, refreshMs: 60_000 };
}

/**
 * The overlay of one chart, or undefined until the first answer. Failures leave the chart as it
 * is (the overlay is an addition; the chart's own errors are shown by the chart).
 */
export function useAnomalyOverlay(
  sel: OverlaySelection,
  range: TimeRange,
  /** The window the chart's data covers (pushed for trailing ranges). */
  xRange: { readonly fromMs: number; readonly toMs: number } | undefined,
  options: Partial<OverlayOptions> = {},
): ChartOverlay | undefined {
  const o = { ...defaultOverlayOptions(), ...options };
  const [baselines, setBaselines] = useState<BaselineSeries[] | undefined>(undefined);
  const [anomalies, setAnomalies] = useState<Anomaly[]>([]);
  const selKey = `${selectorParams(sel.metric, sel.matchers).toString()}|${JSON.stringify(range)}`;
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const xRef = useRef(xRange);
  xRef.current = xRange;

  // A relative range follows the pushed window; the slot changes at most once per refreshMs.
  const slot =
    range.kind === 'relative' && xRange !== undefined ? Math.floor(xRange.toMs / o.refreshMs) : 0;

  // biome-ignore lint/correctness/useExhaustiveDependencies: selKey encodes sel and range.
  useEffect(() => {
    setBaselines(undefined);
    setAnomalies([]);
  }, [selKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: selKey and slot are the triggers.
  useEffect(() => {
    if (sel.metric === '') return undefined;
    const r = rangeRef.current;
    const { fromMs, toMs } =
      r.kind === 'relative' && xRef.current !== undefined
        ? xRef.current
        : resolveRange(r, Date.now());
    const ac = new AbortController();
    const q = { metric: sel.metric, matchers: sel.matchers, fromMs, toMs };
    getBaseline(q, ac.signal).then(setBaselines, () => {
      // No band (no detection, or an old server): marks alone, if any.
      if (!ac.signal.aborted) setBaselines((b) => b ?? []);
    });
    getAnomalies(q, ac.signal).then(
      (list) => setAnomalies((known) => mergeAnomalies(known, list, MAX_CHART_ANOMALIES)),
      () => {
        // As above.
      },
    );
    return () => ac.abort();
  }, [selKey, slot]);

  const live = o.stream && range.kind === 'relative' && sel.metric !== '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: selKey encodes sel.
  useEffect(() => {
    if (!live) return undefined;
    const p = selectorParams(sel.metric, sel.matchers);
    const stream = new LiveStream<Anomaly>({
      url: `/api/v1/live/anomalies?${p.toString()}`,
      event: 'anomaly',
      onData: (a) => setAnomalies((known) => mergeAnomalies(known, [a], MAX_CHART_ANOMALIES)),
    });
    return () => stream.close();
  }, [selKey, live]);

  const groupKey = JSON.stringify(sel.groupBy ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: groupKey encodes sel.groupBy.
  return useMemo(
    () => (baselines === undefined ? undefined : { baselines, anomalies, groupBy: sel.groupBy }),
    [baselines, anomalies, groupKey],
  );
}
