/**
 * @module
 * React hooks that bind pages to the API: pushed overviews, pushed or fetched chart series. A
 * relative range ("last 1h") is kept current by server push (one EventSource per chart); an
 * absolute range is fetched once. Nothing here polls the server.
 */
import { useEffect, useState } from 'react';
import type { LiveQueryUpdate, Overview } from '../../../src/contract/index.ts';
import { resolveRange, type TimeRange } from '../time/range.ts';
import {
  type ChartSeries,
  getOverview,
  liveQueryUrl,
  queryRange,
  type SeriesSelection,
  selectionParams,
} from './client.ts';
import { LIVE_EVENTS, LiveStream } from './live.ts';

export interface LiveOverview {
  readonly overview: Overview | undefined;
  readonly error: string | undefined;
}

/** The overview, fetched once for a fast first paint and then replaced by every pushed event. */
export function useLiveOverview(windowMs: number): LiveOverview {
  const [overview, setOverview] = useState<Overview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    let pushed = false;
    getOverview(windowMs, ac.signal).then(
      (o) => {
        if (!pushed) setOverview(o);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    const stream = new LiveStream<Overview>({
      url: `/api/v1/live/overview?window=${Math.round(windowMs / 1_000)}s`,
      event: LIVE_EVENTS.overview,
      onData: (o) => {
        pushed = true;
        setOverview(o);
        setError(undefined);
      },
      onProblem: setError,
    });
    return () => {
      ac.abort();
      stream.close();
    };
  }, [windowMs]);
  return { overview, error };
}

export interface ChartData {
  readonly series: ChartSeries[] | undefined;
  /** The window the series cover, to pin the x axis. */
  readonly xRange: { fromMs: number; toMs: number } | undefined;
  readonly error: string | undefined;
}

/**
 * Series for one chart. The effect re-runs only when the query really changes (its URL
 * parameters), not on every render of a parent that rebuilt an equal selection object.
 */
export function useChartData(sel: SeriesSelection, range: TimeRange): ChartData {
  const [data, setData] = useState<ChartData>({
    series: undefined,
    xRange: undefined,
    error: undefined,
  });
  const queryKey = `${selectionParams(sel).toString()}|${JSON.stringify(range)}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: queryKey encodes sel and range.
  useEffect(() => {
    setData({ series: undefined, xRange: undefined, error: undefined });
    if (sel.metric === '') return undefined;
    if (range.kind === 'relative') {
      const stream = new LiveStream<LiveQueryUpdate>({
        url: liveQueryUrl(sel, range.windowMs),
        event: LIVE_EVENTS.query,
        onData: (u) =>
          setData({
            series: [...u.series],
            xRange: { fromMs: u.fromMs, toMs: u.toMs },
            error: undefined,
          }),
        onProblem: (message) => setData((d) => ({ ...d, error: message })),
      });
      return () => stream.close();
    }
    const ac = new AbortController();
    const { fromMs, toMs } = resolveRange(range, Date.now());
    queryRange(sel, fromMs, toMs, ac.signal).then(
      (series) => setData({ series, xRange: { fromMs, toMs }, error: undefined }),
      (err: unknown) => {
        if (!ac.signal.aborted) {
          setData({ series: undefined, xRange: undefined, error: errorText(err) });
        }
      },
    );
    return () => ac.abort();
  }, [queryKey]);
  return data;
}

/** Re-renders every `intervalMs` (for "last seen 12 s ago" text; no network). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
