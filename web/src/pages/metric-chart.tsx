/**
 * @module
 * A titled chart card for one well-known metric: builds the query (step from the window), binds
 * it to live push or a fetch, and draws it with TimeChart.
 */
import { useMemo } from 'react';
import type { Aggregation, Kpi, Matcher } from '../../../src/contract/index.ts';
import { useAnomalyOverlay } from '../api/anomalies.ts';
import { type ChartData, useChartData } from '../api/hooks.ts';
import { type ChartOverlay, TimeChart } from '../charts/time-chart.tsx';
import { formatValue } from '../format.ts';
import { chooseStepMs, formatDurationMs, rangeWindowMs, type TimeRange } from '../time/range.ts';

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly metric: string;
  readonly agg: Aggregation;
  readonly groupBy: readonly string[];
  readonly unit: string;
}

export const REQUESTS_BY_SERVICE: ChartSpec = {
  id: 'requests',
  title: 'Request rate',
  metric: 'requests_per_second',
  agg: 'avg',
  groupBy: ['service'],
  unit: 'req/s',
};
export const LATENCY_BY_SERVICE: ChartSpec = {
  id: 'latency',
  title: 'Latency p95',
  metric: 'latency_ms',
  agg: 'p95',
  groupBy: ['service'],
  unit: 'ms',
};
export const ERRORS_BY_SERVICE: ChartSpec = {
  id: 'errors',
  title: 'Errors',
  metric: 'errors_per_second',
  agg: 'avg',
  groupBy: ['service'],
  unit: 'err/s',
};
/** Derived on the page from the two streams above (no extra connection). */
export const ERROR_RATIO_BY_SERVICE: ChartSpec = {
  id: 'error-ratio',
  title: 'Error rate',
  metric: 'errors_per_second / requests_per_second',
  agg: 'avg',
  groupBy: ['service'],
  unit: '%',
};

/** Service detail: its four metrics, one line per source. */
export const SERVICE_CHARTS: readonly ChartSpec[] = [
  { ...REQUESTS_BY_SERVICE, groupBy: ['source_id'] },
  { ...LATENCY_BY_SERVICE, groupBy: ['source_id'] },
  { ...ERRORS_BY_SERVICE, groupBy: ['source_id'] },
  {
    id: 'cpu',
    title: 'CPU usage',
    metric: 'cpu_usage_percent',
    agg: 'avg',
    groupBy: ['source_id'],
    unit: '%',
  },
];

/** Series for a spec over a range (pushed for trailing windows), with the step it used. */
export function useSpecData(
  spec: ChartSpec,
  range: TimeRange,
  matchers: readonly Matcher[],
): ChartData & { readonly stepMs: number } {
  const stepMs = chooseStepMs(rangeWindowMs(range));
  const sel = useMemo(
    () => ({ metric: spec.metric, matchers, agg: spec.agg, groupBy: spec.groupBy, stepMs }),
    [spec, matchers, stepMs],
  );
  const data = useChartData(sel, range);
  // Stable identity between pushes, so derived series recompute only when data changes.
  return useMemo(() => ({ ...data, stepMs }), [data, stepMs]);
}

export function MetricChart(props: {
  readonly spec: ChartSpec;
  readonly range: TimeRange;
  readonly matchers: readonly Matcher[];
  readonly thresholds?: readonly { readonly value: number; readonly label: string }[] | undefined;
  /**
   * Draw the learned baseline band and anomaly marks. Fetched along the pushed window (no extra
   * stream: a page of several charts has no connection to spare; api/anomalies.ts).
   */
  readonly anomalies?: boolean;
}): React.JSX.Element {
  const data = useSpecData(props.spec, props.range, props.matchers);
  const sel = useMemo(
    () => ({
      metric: props.anomalies ? props.spec.metric : '',
      matchers: props.matchers,
      groupBy: props.spec.groupBy,
    }),
    [props.anomalies, props.spec, props.matchers],
  );
  const overlay = useAnomalyOverlay(sel, props.range, data.xRange, {
    stream: false,
    refreshMs: OVERLAY_REFRESH_MS,
  });
  return (
    <ChartView
      spec={props.spec}
      data={data}
      thresholds={props.thresholds}
      overlay={props.anomalies ? overlay : undefined}
    />
  );
}

/** Without a stream, anomalies on a multi-chart page are fetched every 15 s of pushed time. */
const OVERLAY_REFRESH_MS = 15_000;

/**
 * The target of a KPI as a chart line (`target ≤ 500 ms`), from the first service that has it;
 * undefined while no overview has arrived. Targets are per KPI, the same for every service today.
 */
export function kpiTargetLine(
  services: readonly { readonly kpis: readonly Kpi[] }[] | undefined,
  name: Kpi['name'],
): { value: number; label: string }[] | undefined {
  for (const s of services ?? []) {
    const k = s.kpis.find((x) => x.name === name);
    if (k) {
      return [
        {
          value: k.target,
          label: `target ${k.comparator === '>=' ? '≥' : '≤'} ${formatValue(k.target, k.unit)}`,
        },
      ];
    }
  }
  return undefined;
}

/** A chart card for data obtained elsewhere (shared or derived series). */
export function ChartView(props: {
  readonly spec: ChartSpec;
  readonly data: ChartData & { readonly stepMs: number };
  /** Replaces `agg · unit` in the caption (for derived series). */
  readonly formula?: string;
  readonly thresholds?: readonly { readonly value: number; readonly label: string }[] | undefined;
  readonly overlay?: ChartOverlay | undefined;
}): React.JSX.Element {
  const { spec, data } = props;
  return (
    <figure className="card chart-card" data-chart={spec.id}>
      <figcaption>
        <span className="chart-title">{spec.title}</span>
        <span className="chart-meta">
          {props.formula ?? `${spec.agg} · ${spec.unit}`} · step {formatDurationMs(data.stepMs)}
        </span>
      </figcaption>
      <TimeChart
        series={data.series}
        stepMs={data.stepMs}
        unit={spec.unit}
        fallbackName={spec.metric}
        xRange={data.xRange}
        ariaLabel={`${spec.title} per ${spec.groupBy.join(', ')}`}
        error={data.error}
        thresholds={props.thresholds}
        overlay={props.overlay}
      />
      {props.overlay &&
      (props.overlay.baselines.length > 0 || props.overlay.anomalies.length > 0) ? (
        <OverlayLegend overlay={props.overlay} />
      ) : null}
    </figure>
  );
}

/** What the overlay adds, in words (the canvas cannot say it). */
export function OverlayLegend(props: { readonly overlay: ChartOverlay }): React.JSX.Element {
  const n = props.overlay.anomalies.length;
  return (
    <p className="overlay-legend">
      <span className="overlay-band-swatch" aria-hidden="true" /> learned normal band ·{' '}
      <span className="overlay-expected-swatch" aria-hidden="true" /> expected ·{' '}
      <span className="anomaly-dot" aria-hidden="true" /> anomaly ({n} in range; hover or click a
      mark to see why)
    </p>
  );
}
