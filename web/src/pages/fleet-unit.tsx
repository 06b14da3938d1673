/**
 * @module
 * One vehicle (docs/dashboard.md, "Vehicle"): a live chart per signal with its documented valid
 * range drawn as dashed lines, the learned baseline band and anomaly marks; the risk factors with
 * their points and the exposure per failure mode; data-quality counts per field and rule and the
 * vehicle's recent data-quality events with reasons; per-vehicle demo controls.
 *
 * One connection drives the page: the pushed `fleet` snapshot carries the vehicle, and each push
 * (at most one per CHART_REFRESH_MS) fetches the six signals again over the trailing window. Six
 * chart streams would take every connection a browser allows per host.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Matcher } from '../../../src/contract/index.ts';
import { useAnomalyOverlay } from '../api/anomalies.ts';
import {
  type ChartSeries,
  queryRange,
  type SeriesSelection,
  selectionParams,
} from '../api/client.ts';
import {
  FIELD_RANGES,
  FLEET_FIELDS,
  type FleetField,
  formatMoney,
  getQuality,
  OVERHEAT_F,
  type QualityIssue,
  useLiveFleet,
  type VehicleSummary,
} from '../api/fleet.ts';
import { type ChartData, errorText, useNow } from '../api/hooks.ts';
import { formatClock } from '../charts/axis.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { formatAge, formatNumber, formatPercent } from '../format.ts';
import { onLinkClick } from '../router.ts';
import {
  chooseStepMs,
  describeRange,
  rangeWindowMs,
  resolveRange,
  type TimeRange,
} from '../time/range.ts';
import { BandBadge } from './fleet.tsx';
import { FleetDemoPanel } from './fleet-demo.tsx';
import { OverlayLegend } from './metric-chart.tsx';
import { useRange } from './use-range.ts';
import '../ops.css';

/** Least time between two refetches of the charts while pushes arrive. */
const CHART_REFRESH_MS = 2_000;
/** Data-quality events fetched to find this vehicle's newest ones. */
const QUALITY_FETCH = 1_000;
const QUALITY_SHOWN = 50;
/** Room above the valid maximum for its label. */
const HEADROOM = 1.08;

export function FleetUnitPage(props: { readonly id: string }): React.JSX.Element {
  const { id } = props;
  const { snapshot, error } = useLiveFleet();
  const [range, setRange] = useRange();
  const now = useNow(5_000);
  const v = snapshot?.vehicles.find((x) => x.vehicleId === id);
  const tick = snapshot ? Math.floor(snapshot.generatedAtMs / CHART_REFRESH_MS) : 0;
  const currency = snapshot?.impact.assumptions.currency ?? 'USD';

  return (
    <main className="page ops-page">
      <nav className="crumbs">
        <a href="/fleet" onClick={onLinkClick}>
          Fleet
        </a>
        <span aria-hidden="true">/</span>
        <span>{id}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 className="ops-title">
            <span className="mono">{id}</span>
            {v ? <BandBadge band={v.band} /> : null}
            {v ? (
              <span className="health-score" data-risk-score={Math.round(v.score)}>
                risk {Math.round(v.score)}/100
              </span>
            ) : null}
          </h1>
          <p className="sub">
            {v
              ? `${v.model ? `${v.model} · ` : ''}last reading ${formatAge(v.lastSeenMs, now)} · ${formatNumber(v.readings)} readings · ${formatMoney(v.costAtRisk, currency)} and ${formatNumber(v.downtimeHoursAtRisk)} h downtime at risk`
              : snapshot === undefined
                ? 'Waiting for the first update…'
                : 'No readings from this vehicle yet.'}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>
      {error ? <div className="banner banner-error">{error}</div> : null}

      <section className="charts" aria-label="Signals">
        <h2>
          Signals <span className="sub">{describeRange(range)} · dashed: valid range</span>
        </h2>
        <div className="chart-grid chart-grid-2">
          {FLEET_FIELDS.map((f) => (
            <SignalChart key={f} vehicleId={id} field={f} range={range} tick={tick} />
          ))}
        </div>
      </section>

      {v ? (
        <div className="ops-row ops-row-wide">
          <RiskCard v={v} currency={currency} />
          <QualityCounts v={v} />
        </div>
      ) : null}
      <QualityEvents vehicleId={id} tick={Math.floor(tick / 5)} nowMs={now} />
      <FleetDemoPanel vehicleIds={[id]} fixed={id} />
    </main>
  );
}

/**
 * Series of one selection over the range, fetched again whenever `tick` changes (a trailing
 * window); a fixed range is fetched once.
 */
function useTickedSeries(sel: SeriesSelection, range: TimeRange, tick: number): ChartData {
  const [data, setData] = useState<ChartData>({
    series: undefined,
    xRange: undefined,
    error: undefined,
  });
  const key = `${selectionParams(sel).toString()}|${JSON.stringify(range)}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: key encodes sel and range.
  useEffect(() => {
    setData({ series: undefined, xRange: undefined, error: undefined });
  }, [key]);
  const effectiveTick = range.kind === 'relative' ? tick : 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: key and the tick are the triggers.
  useEffect(() => {
    const ac = new AbortController();
    const { fromMs, toMs } = resolveRange(range, Date.now());
    queryRange(sel, fromMs, toMs, ac.signal).then(
      (series: ChartSeries[]) => setData({ series, xRange: { fromMs, toMs }, error: undefined }),
      (err: unknown) => {
        if (!ac.signal.aborted) setData((d) => ({ ...d, error: errorText(err) }));
      },
    );
    return () => ac.abort();
  }, [key, effectiveTick]);
  return data;
}

function SignalChart(props: {
  readonly vehicleId: string;
  readonly field: FleetField;
  readonly range: TimeRange;
  readonly tick: number;
}): React.JSX.Element {
  const { vehicleId, field, range } = props;
  const spec = FIELD_RANGES[field];
  const stepMs = chooseStepMs(rangeWindowMs(range));
  const matchers = useMemo<Matcher[]>(
    () => [{ name: 'vehicle_id', op: '=', value: vehicleId }],
    [vehicleId],
  );
  const sel = useMemo<SeriesSelection>(
    () => ({ metric: field, matchers, agg: 'avg', groupBy: [], stepMs }),
    [field, matchers, stepMs],
  );
  const data = useTickedSeries(sel, range, props.tick);
  const overlaySel = useMemo(() => ({ metric: field, matchers, groupBy: [] }), [field, matchers]);
  const overlay = useAnomalyOverlay(overlaySel, range, data.xRange, {
    stream: false,
    refreshMs: 15_000,
  });
  // Engine hours' range (0 .. 1,000,000) would flatten the line: it is stated, not drawn.
  const drawRange = field !== 'engine_hours';
  const thresholds = useMemo(() => {
    if (!drawRange) return undefined;
    // The minimum is the axis floor (0) or below it (-30 °F): stated in the caption.
    const lines = [{ value: spec.max, label: `valid max ${formatNumber(spec.max)}` }];
    if (field === 'coolant_temp_f')
      lines.push({ value: OVERHEAT_F, label: `overheat ${OVERHEAT_F}` });
    return lines;
  }, [drawRange, spec, field]);
  return (
    <figure className="card chart-card" data-chart={`signal-${field}`}>
      <figcaption>
        <span className="chart-title">{spec.label}</span>
        <span className="chart-meta">
          {spec.unit} · valid {formatNumber(spec.min)} – {formatNumber(spec.max)}
          {field === 'engine_hours' ? ', only grows' : ''}
        </span>
      </figcaption>
      <TimeChart
        series={data.series}
        stepMs={stepMs}
        unit={spec.unit === 'score' ? '' : spec.unit}
        fallbackName={field}
        xRange={data.xRange}
        ariaLabel={`${spec.label} of ${vehicleId}`}
        error={data.error}
        thresholds={thresholds}
        overlay={overlay}
        minYMax={drawRange ? spec.max * HEADROOM : undefined}
        height={180}
      />
      {overlay && (overlay.baselines.length > 0 || overlay.anomalies.length > 0) ? (
        <OverlayLegend overlay={overlay} />
      ) : null}
    </figure>
  );
}

function RiskCard(props: {
  readonly v: VehicleSummary;
  readonly currency: string;
}): React.JSX.Element {
  const { v, currency } = props;
  return (
    <section className="card" aria-label="Risk factors" data-risk-factors={v.factors.length}>
      <h2>
        Risk factors <span className="sub">points add up to the 0–100 score</span>
      </h2>
      {v.factors.length === 0 ? (
        <p className="sub">No factor adds risk: readings are near this vehicle's baseline.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Factor</th>
              <th>Mode</th>
              <th className="num">Points</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {v.factors.map((f) => (
              <tr key={f.name} data-factor={f.name}>
                <td>{f.name}</td>
                <td>{f.mode}</td>
                <td className="num mono">+{formatNumber(f.points)}</td>
                <td>{f.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {v.exposure.length > 0 ? (
        <>
          <h3>Exposure per failure mode</h3>
          <table className="data-table">
            <thead>
              <tr>
                <th>Mode</th>
                <th className="num">Chance</th>
                <th className="num">Downtime h</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {v.exposure.map((e) => (
                <tr key={e.mode}>
                  <td>{e.mode}</td>
                  <td className="num mono">{formatPercent(e.failureChance * 100)}%</td>
                  <td className="num mono">{formatNumber(e.downtimeHours)}</td>
                  <td className="num mono">{formatMoney(e.cost, currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

function QualityCounts(props: { readonly v: VehicleSummary }): React.JSX.Element {
  const entries = Object.entries(props.v.quality);
  return (
    <section className="card" aria-label="Data quality" data-quality-total={props.v.qualityIssues}>
      <h2>
        Data quality <span className="sub">{formatNumber(props.v.qualityIssues)} issues</span>
      </h2>
      {entries.length === 0 ? (
        <p className="sub">Every reading so far passed validation.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Field</th>
              <th>Rule</th>
              <th className="num">Count</th>
            </tr>
          </thead>
          <tbody>
            {entries.flatMap(([field, rules]) =>
              Object.entries(rules).map(([rule, n]) => (
                <tr key={`${field}/${rule}`} data-quality={`${field}/${rule}`}>
                  <td className="mono">{field}</td>
                  <td>{rule}</td>
                  <td className="num mono">{formatNumber(n)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function QualityEvents(props: {
  readonly vehicleId: string;
  readonly tick: number;
  readonly nowMs: number;
}): React.JSX.Element {
  const [events, setEvents] = useState<QualityIssue[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    void props.tick;
    getQuality(QUALITY_FETCH, ac.signal).then(
      (r) => {
        setEvents(r.recent.filter((i) => i.vehicleId === props.vehicleId).slice(0, QUALITY_SHOWN));
        setError(undefined);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    return () => ac.abort();
  }, [props.vehicleId, props.tick]);
  return (
    <section className="card" aria-label="Recent data-quality events">
      <h2>
        Recent data-quality events <span className="sub">newest first</span>
      </h2>
      {error ? <div className="banner banner-error">{error}</div> : null}
      {events === undefined ? (
        <p className="sub">Loading…</p>
      ) : events.length === 0 ? (
        <p className="sub" data-quality-events="0">
          None among the fleet's latest {QUALITY_FETCH} events.
        </p>
      ) : (
        <table className="data-table" data-quality-events={events.length}>
          <thead>
            <tr>
              <th>When</th>
              <th>Field</th>
              <th>Rule</th>
              <th>Value</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the same issue may repeat at one instant; the list is replaced whole.
              <tr key={`${e.atMs}-${e.field}-${e.rule}-${i}`}>
                <td className="nowrap" title={new Date(e.atMs).toISOString()}>
                  {formatClock(e.atMs, true)}{' '}
                  <span className="sub">{formatAge(e.atMs, props.nowMs)}</span>
                </td>
                <td className="mono">{e.field}</td>
                <td>{e.rule}</td>
                <td className="mono">{e.value === undefined ? '–' : JSON.stringify(e.value)}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
