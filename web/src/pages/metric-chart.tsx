/**
 * @module
 * A titled chart card for one well-known metric: builds the query (step from the window), binds
 * it to live push or a fetch, and draws it with TimeChart.
 */
import { useMemo } from 'react';
import type { Aggregation, Matcher } from '../../../src/contract/index.ts';
import { useChartData } from '../api/hooks.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { chooseStepMs, formatDurationMs, rangeWindowMs, type TimeRange } from '../time/range.ts';

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly metric: string;
  readonly agg: Aggregation;
  readonly groupBy: readonly string[];
  readonly unit: string;
}

/** Overview: one line per service. */
export const OVERVIEW_CHARTS: readonly ChartSpec[] = [
  {
    id: 'requests',
    title: 'Request rate',
    metric: 'requests_per_second',
    agg: 'avg',
    groupBy: ['service'],
    unit: 'req/s',
  },
  {
    id: 'latency',
    title: 'Latency p95',
    metric: 'latency_ms',
    agg: 'p95',
    groupBy: ['service'],
    unit: 'ms',
  },
  {
    id: 'errors',
    title: 'Errors',
    metric: 'errors_per_second',
    agg: 'avg',
    groupBy: ['service'],
    unit: 'err/s',
  },
];

/** Service detail: its four metrics, one line per source. */
export const SERVICE_CHARTS: readonly ChartSpec[] = [
  { ...(OVERVIEW_CHARTS[0] as ChartSpec), groupBy: ['source_id'] },
  { ...(OVERVIEW_CHARTS[1] as ChartSpec), groupBy: ['source_id'] },
  { ...(OVERVIEW_CHARTS[2] as ChartSpec), groupBy: ['source_id'] },
  {
    id: 'cpu',
    title: 'CPU usage',
    metric: 'cpu_usage_percent',
    agg: 'avg',
    groupBy: ['source_id'],
    unit: '%',
  },
];

export function MetricChart(props: {
  readonly spec: ChartSpec;
  readonly range: TimeRange;
  readonly matchers: readonly Matcher[];
}): React.JSX.Element {
  const { spec, range, matchers } = props;
  const stepMs = chooseStepMs(rangeWindowMs(range));
  const sel = useMemo(
    () => ({ metric: spec.metric, matchers, agg: spec.agg, groupBy: spec.groupBy, stepMs }),
    [spec, matchers, stepMs],
  );
  const data = useChartData(sel, range);
  return (
    <figure className="card chart-card" data-chart={spec.id}>
      <figcaption>
        <span className="chart-title">{spec.title}</span>
        <span className="chart-meta">
          {spec.agg} · {spec.unit} · step {formatDurationMs(stepMs)}
        </span>
      </figcaption>
      <TimeChart
        series={data.series}
        stepMs={stepMs}
        unit={spec.unit}
        fallbackName={spec.metric}
        xRange={data.xRange}
        ariaLabel={`${spec.title} per ${spec.groupBy.join(', ')}`}
        error={data.error}
      />
    </figure>
  );
}
