/**
 * @module
 * Explore: chart any metric with any matchers, aggregation, grouping, range and step. The whole
 * query lives in the URL (api/url-state.ts), so the address bar is the share button.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Aggregation, Matcher } from '../../../src/contract/index.ts';
import { useAnomalyOverlay } from '../api/anomalies.ts';
import { type ChartSeries, getMetricNames, getSeries, type SeriesEntry } from '../api/client.ts';
import { errorText, useChartData } from '../api/hooks.ts';
import {
  AGGREGATION_NAMES,
  decodeExploreState,
  type ExploreState,
  encodeExploreState,
} from '../api/url-state.ts';
import { assignColors, labelsKey, seriesName, seriesStats } from '../charts/align.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { formatValue } from '../format.ts';
import { navigate, useLocation } from '../router.ts';
import {
  chooseStepMs,
  describeRange,
  formatDurationMs,
  NICE_STEPS_MS,
  rangeWindowMs,
} from '../time/range.ts';
import { OverlayLegend } from './metric-chart.tsx';

const AGG_HINT: Record<Aggregation, string> = {
  avg: 'mean of the samples in each step',
  min: 'smallest sample in each step',
  max: 'largest sample in each step',
  sum: 'sum of the samples in each step',
  count: 'number of samples in each step',
  rate: 'per-second increase of a counter',
  p50: 'median of the samples in each step',
  p90: '90th percentile of the samples in each step',
  p95: '95th percentile of the samples in each step',
  p99: '99th percentile of the samples in each step',
};

/** Aggregations whose values are in the samples' own unit (so a band of samples fits them). */
const SAME_UNIT_AGGS: ReadonlySet<Aggregation> = new Set<Aggregation>([
  'avg',
  'min',
  'max',
  'p50',
  'p90',
  'p95',
  'p99',
]);

/** Points per series above which a chosen step is refused (the browser would crawl). */
const MAX_POINTS = 11_000;

export function ExplorePage(): React.JSX.Element {
  const { search } = useLocation();
  const state = useMemo(() => decodeExploreState(search), [search]);
  const update = (patch: Partial<ExploreState>): void =>
    navigate(`/explore?${encodeExploreState({ ...state, ...patch })}`);

  const [names, setNames] = useState<string[] | undefined>(undefined);
  const [namesError, setNamesError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    getMetricNames(ac.signal).then(
      (n) => setNames([...n].sort()),
      (err: unknown) => {
        if (!ac.signal.aborted) setNamesError(errorText(err));
      },
    );
    return () => ac.abort();
  }, []);

  const [seriesList, setSeriesList] = useState<SeriesEntry[]>([]);
  useEffect(() => {
    setSeriesList([]);
    if (state.metric === '') return undefined;
    const ac = new AbortController();
    getSeries(state.metric, ac.signal).then(setSeriesList, () => {
      // Suggestions only: the chart still works without them.
    });
    return () => ac.abort();
  }, [state.metric]);
  const labelValues = useMemo(() => {
    const m = new Map<string, Set<string>>();
    for (const s of seriesList) {
      for (const [k, v] of Object.entries(s.labels)) {
        if (!m.has(k)) m.set(k, new Set());
        m.get(k)?.add(v);
      }
    }
    return m;
  }, [seriesList]);
  const labelNames = [...labelValues.keys()].sort();

  const windowMs = rangeWindowMs(state.range);
  const autoStepMs = chooseStepMs(windowMs);
  const stepMs =
    state.stepMs !== undefined && windowMs / state.stepMs <= MAX_POINTS ? state.stepMs : autoStepMs;
  const sel = useMemo(
    () => ({
      metric: state.metric,
      matchers: state.matchers,
      agg: state.agg,
      groupBy: state.groupBy,
      stepMs,
    }),
    [state.metric, state.matchers, state.agg, state.groupBy, stepMs],
  );
  const data = useChartData(sel, state.range);
  // The band and marks are in the raw samples' unit: only aggregations that keep it get them.
  const overlaySel = useMemo(
    () => (SAME_UNIT_AGGS.has(sel.agg) ? sel : { ...sel, metric: '' }),
    [sel],
  );
  const overlay = useAnomalyOverlay(overlaySel, state.range, data.xRange);
  const stepChoices = NICE_STEPS_MS.filter((s) => windowMs / s <= MAX_POINTS && windowMs / s >= 10);

  const groupValue =
    state.groupBy === undefined
      ? '*each'
      : state.groupBy.length === 0
        ? '*total'
        : state.groupBy.join(',');
  const groupOptions = new Set(labelNames);
  if (state.groupBy && state.groupBy.length > 0) groupOptions.add(state.groupBy.join(','));

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Explore</h1>
          <p className="sub">
            Chart any series. The address bar holds the query: copy it to share.
          </p>
        </div>
        <RangePicker value={state.range} onChange={(range) => update({ range })} />
      </div>

      <form className="card explore-form" onSubmit={(e) => e.preventDefault()}>
        <label className="field field-metric">
          <span>Metric</span>
          <select
            name="metric"
            value={state.metric}
            onChange={(e) => update({ metric: e.target.value, matchers: [], groupBy: undefined })}
          >
            <option value="">{names === undefined ? 'loading…' : 'choose a metric'}</option>
            {(names ?? []).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
            {state.metric !== '' && !(names ?? []).includes(state.metric) ? (
              <option value={state.metric}>{state.metric}</option>
            ) : null}
          </select>
        </label>
        <label className="field">
          <span>Aggregation</span>
          <select
            name="agg"
            value={state.agg}
            title={AGG_HINT[state.agg]}
            onChange={(e) => update({ agg: e.target.value as Aggregation })}
          >
            {AGGREGATION_NAMES.map((a) => (
              <option key={a} value={a} title={AGG_HINT[a]}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Group by</span>
          <select
            name="group_by"
            value={groupValue}
            onChange={(e) => {
              const v = e.target.value;
              update({
                groupBy: v === '*each' ? undefined : v === '*total' ? [] : v.split(','),
              });
            }}
          >
            <option value="*each">each series</option>
            <option value="*total">one total</option>
            {[...groupOptions].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Step</span>
          <select
            name="step"
            value={state.stepMs === undefined ? 'auto' : String(state.stepMs)}
            onChange={(e) =>
              update({ stepMs: e.target.value === 'auto' ? undefined : Number(e.target.value) })
            }
          >
            <option value="auto">auto ({formatDurationMs(autoStepMs)})</option>
            {stepChoices.map((s) => (
              <option key={s} value={String(s)}>
                {formatDurationMs(s)}
              </option>
            ))}
          </select>
        </label>
        <MatcherEditor
          key={search}
          matchers={state.matchers}
          labelValues={labelValues}
          onApply={(matchers) => update({ matchers })}
        />
      </form>

      {namesError ? <div className="banner banner-error">{namesError}</div> : null}

      <figure className="card chart-card explore-chart" data-chart="explore">
        <figcaption>
          <span className="chart-title">
            {state.metric === '' ? 'No metric chosen' : `${state.agg}(${state.metric})`}
          </span>
          <span className="chart-meta">
            {describeRange(state.range)} · step {formatDurationMs(stepMs)} ·{' '}
            {data.series ? `${data.series.length} series` : '…'}
            {state.range.kind === 'relative' ? ' · live' : ''}
          </span>
        </figcaption>
        {state.metric === '' ? (
          <div className="empty-note">Pick a metric above to chart it.</div>
        ) : (
          <TimeChart
            series={data.series}
            stepMs={stepMs}
            unit={unitOf(state.metric, state.agg)}
            fallbackName={`${state.agg}(${state.metric})`}
            xRange={data.xRange}
            height={360}
            ariaLabel={`${state.agg} of ${state.metric}`}
            onZoom={(fromMs, toMs) => update({ range: { kind: 'absolute', fromMs, toMs } })}
            error={data.error}
            overlay={overlay}
          />
        )}
        {state.metric !== '' &&
        overlay &&
        (overlay.baselines.length > 0 || overlay.anomalies.length > 0) ? (
          <OverlayLegend overlay={overlay} />
        ) : null}
        {state.metric !== '' ? (
          <p className="hint">Drag across the chart to zoom into a fixed range.</p>
        ) : null}
      </figure>
      {data.series && data.series.length > 0 ? (
        <StatsTable
          series={data.series}
          unit={unitOf(state.metric, state.agg)}
          fallbackName={`${state.agg}(${state.metric})`}
        />
      ) : null}
    </main>
  );
}

/** Per-series numbers over the range, sorted like the legend, with the same colours. */
function StatsTable(props: {
  readonly series: readonly ChartSeries[];
  readonly unit: string;
  readonly fallbackName: string;
}): React.JSX.Element {
  const rows = [...props.series]
    .map((s) => ({ s, key: labelsKey(s.labels) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const colors = assignColors(rows.map((r) => r.key));
  return (
    <table className="card stats" aria-label="Series statistics">
      <thead>
        <tr>
          <th>Series</th>
          <th>Last</th>
          <th>Min</th>
          <th>Mean</th>
          <th>Max</th>
          <th>Points</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ s, key }, i) => {
          const st = seriesStats(s.points);
          return (
            <tr key={key}>
              <td>
                <span className="swatch" style={{ background: colors[i] }} />
                {seriesName(s.labels, props.fallbackName)}
              </td>
              <td>{formatValue(st.last, props.unit)}</td>
              <td>{formatValue(st.min, props.unit)}</td>
              <td>{formatValue(st.mean, props.unit)}</td>
              <td>{formatValue(st.max, props.unit)}</td>
              <td>{st.points}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Units the well-known metrics carry; plain numbers otherwise. */
export function unitOf(metric: string, agg: Aggregation): string {
  if (agg === 'count') return '';
  if (agg === 'rate') return '/s';
  if (metric.endsWith('_ms')) return 'ms';
  if (metric.endsWith('_percent')) return '%';
  if (metric === 'requests_per_second') return 'req/s';
  if (metric === 'errors_per_second') return 'err/s';
  if (metric.endsWith('_per_second')) return '/s';
  return '';
}

interface DraftMatcher {
  readonly name: string;
  readonly op: Matcher['op'];
  readonly value: string;
}

/**
 * Label filters as editable rows. Edits stay local until applied (Enter, leaving the field, or a
 * select change) so typing does not fire a query per keystroke.
 */
function MatcherEditor(props: {
  readonly matchers: readonly Matcher[];
  readonly labelValues: ReadonlyMap<string, ReadonlySet<string>>;
  readonly onApply: (m: Matcher[]) => void;
}): React.JSX.Element {
  const { matchers, labelValues, onApply } = props;
  const [rows, setRows] = useState<DraftMatcher[]>(() => [...matchers]);
  const apply = (next: DraftMatcher[]): void => {
    const clean = next.filter((r) => r.name !== '' && r.value !== '');
    if (JSON.stringify(clean) !== JSON.stringify(matchers)) onApply(clean);
  };
  const edit = (i: number, patch: Partial<DraftMatcher>, now: boolean): void => {
    const next = rows.map((r, j) => (j === i ? { ...r, ...patch } : r));
    setRows(next);
    if (now) apply(next);
  };
  const names = [...labelValues.keys()].sort();

  return (
    <fieldset className="matchers">
      <legend>Label filters</legend>
      {rows.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
        <div className="matcher" key={i} data-matcher={i}>
          <input
            aria-label="Label name"
            list="explore-label-names"
            value={r.name}
            placeholder="label"
            onChange={(e) => edit(i, { name: e.target.value }, false)}
            onBlur={() => apply(rows)}
            onKeyDown={(e) => e.key === 'Enter' && apply(rows)}
          />
          <select
            aria-label="Operator"
            value={r.op}
            onChange={(e) => edit(i, { op: e.target.value as Matcher['op'] }, true)}
          >
            <option value="=">=</option>
            <option value="!=">!=</option>
            <option value="=~">=~</option>
            <option value="!~">!~</option>
          </select>
          <input
            aria-label="Label value"
            list={`explore-values-${i}`}
            value={r.value}
            placeholder={r.op.includes('~') ? 'regex' : 'value'}
            onChange={(e) => edit(i, { value: e.target.value }, false)}
            onBlur={() => apply(rows)}
            onKeyDown={(e) => e.key === 'Enter' && apply(rows)}
          />
          <datalist id={`explore-values-${i}`}>
            {[...(labelValues.get(r.name) ?? [])].sort().map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
          <button
            type="button"
            className="icon"
            aria-label="Remove filter"
            onClick={() => {
              const next = rows.filter((_, j) => j !== i);
              setRows(next);
              apply(next);
            }}
          >
            ×
          </button>
        </div>
      ))}
      <datalist id="explore-label-names">
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <button
        type="button"
        className="ghost"
        onClick={() => setRows([...rows, { name: names[0] ?? '', op: '=', value: '' }])}
      >
        + Add filter
      </button>
    </fieldset>
  );
}
