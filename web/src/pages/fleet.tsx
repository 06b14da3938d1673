/**
 * @module
 * The fleet view (docs/dashboard.md, "Fleet"): every vehicle in one table (risk band, score, top
 * factor, latest coolant and vibration, cost at risk, data-quality issues), sortable by any column
 * and filterable by band and text with the state in the URL; the business impact panel (downtime
 * hours and cost at risk, by band, top vehicles, the assumptions); the demo controls. Pushed by
 * `/api/v1/live/fleet`.
 */

import {
  decodeFleetTable,
  defaultDir,
  encodeFleetTable,
  type FleetImpact,
  type FleetSort,
  type FleetTableState,
  fleetUnitPath,
  formatMoney,
  OVERHEAT_F,
  RISK_BANDS,
  type RiskBand,
  selectFleetRows,
  useLiveFleet,
  type VehicleSummary,
} from '../api/fleet.ts';
import { useNow } from '../api/hooks.ts';
import { formatAge, formatNumber } from '../format.ts';
import { navigate, onLinkClick, useLocation } from '../router.ts';
import { FleetDemoPanel } from './fleet-demo.tsx';
import '../ops.css';

export function BandBadge(props: { readonly band: RiskBand }): React.JSX.Element {
  return (
    <span className={`band band-${props.band}`} data-band={props.band}>
      {props.band}
    </span>
  );
}

const COLUMNS: readonly { sort: FleetSort; title: string; numeric: boolean }[] = [
  { sort: 'id', title: 'Vehicle', numeric: false },
  { sort: 'risk', title: 'Risk', numeric: true },
  { sort: 'factor', title: 'Top factor', numeric: false },
  { sort: 'coolant', title: 'Coolant °F', numeric: true },
  { sort: 'vibration', title: 'Vibration', numeric: true },
  { sort: 'cost', title: 'Cost at risk', numeric: true },
  { sort: 'quality', title: 'Data issues', numeric: true },
];

export function FleetPage(): React.JSX.Element {
  const { snapshot, error } = useLiveFleet();
  const { pathname, search } = useLocation();
  const state = decodeFleetTable(search);
  const now = useNow(5_000);
  const setState = (s: FleetTableState, replace = false): void => {
    const q = encodeFleetTable(s);
    navigate(`${pathname}${q === '' ? '' : `?${q}`}`, { replace });
  };
  const vehicles = snapshot?.vehicles ?? [];
  const rows = selectFleetRows(vehicles, state);
  const currency = snapshot?.impact.assumptions.currency ?? 'USD';

  return (
    <main className="page ops-page">
      <div className="page-head">
        <div>
          <h1>Fleet</h1>
          <p className="sub">
            {snapshot
              ? `${vehicles.length} vehicles · updated ${formatAge(snapshot.generatedAtMs, now)} · `
              : snapshot === null
                ? 'This server has no fleet (no fleet runtime). '
                : 'Waiting for the first update… '}
            <a href="/fleet/debug" onClick={onLinkClick}>
              Raw readings →
            </a>
          </p>
        </div>
      </div>
      {error ? <div className="banner banner-error">{error}</div> : null}

      {snapshot ? <ImpactPanel impact={snapshot.impact} /> : null}

      <section className="card" aria-label="Vehicles">
        <div className="fleet-filters">
          <fieldset className="seg" aria-label="Risk band">
            {RISK_BANDS.map((b) => {
              const on = state.bands.includes(b);
              return (
                <button
                  key={b}
                  type="button"
                  className={on ? 'is-active' : ''}
                  aria-pressed={on}
                  data-band-filter={b}
                  onClick={() =>
                    setState({
                      ...state,
                      bands: on ? state.bands.filter((x) => x !== b) : [...state.bands, b],
                    })
                  }
                >
                  {b} <span className="sub">{snapshot?.impact.byBand[b] ?? 0}</span>
                </button>
              );
            })}
          </fieldset>
          <input
            type="search"
            name="fleet-search"
            placeholder="Filter by vehicle or model"
            value={state.text}
            onChange={(e) => setState({ ...state, text: e.target.value }, true)}
          />
          <span className="sub" data-fleet-shown={rows.length}>
            {rows.length} of {vehicles.length} shown
          </span>
        </div>
        <table className="data-table fleet-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => {
                const active = state.sort === c.sort;
                return (
                  <th
                    key={c.sort}
                    className={c.numeric ? 'num' : ''}
                    aria-sort={active ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button
                      type="button"
                      className="th-sort"
                      data-sort={c.sort}
                      onClick={() =>
                        setState({
                          ...state,
                          sort: c.sort,
                          dir: active ? (state.dir === 'asc' ? 'desc' : 'asc') : defaultDir(c.sort),
                        })
                      }
                    >
                      {c.title}
                      <span className="th-arrow" aria-hidden="true">
                        {active ? (state.dir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((v) => (
              <VehicleRow key={v.vehicleId} v={v} currency={currency} />
            ))}
          </tbody>
        </table>
        {snapshot && rows.length === 0 ? (
          <p className="empty-note">
            {vehicles.length === 0
              ? 'No readings yet: POST /telemetry, publish on MQTT, or start the demo.'
              : 'No vehicle matches the filter.'}
          </p>
        ) : null}
      </section>

      {snapshot ? <FleetDemoPanel vehicleIds={vehicles.map((v) => v.vehicleId).sort()} /> : null}
    </main>
  );
}

function VehicleRow(props: {
  readonly v: VehicleSummary;
  readonly currency: string;
}): React.JSX.Element {
  const { v } = props;
  const top = v.factors[0];
  const coolant = v.latest.coolant_temp_f;
  return (
    <tr data-vehicle={v.vehicleId} data-row-band={v.band} data-score={v.score}>
      <td>
        <a className="mono" href={fleetUnitPath(v.vehicleId)} onClick={onLinkClick}>
          {v.vehicleId}
        </a>
        {v.model ? <span className="sub"> {v.model}</span> : null}
      </td>
      <td className="num">
        <BandBadge band={v.band} /> <span className="mono">{Math.round(v.score)}</span>
      </td>
      <td className="fleet-factor" title={top?.detail}>
        {top ? (
          <>
            {top.name} <span className="sub">+{Math.round(top.points)}</span>
          </>
        ) : (
          <span className="sub">none</span>
        )}
      </td>
      <td
        className={`num mono${coolant !== undefined && coolant > OVERHEAT_F ? ' text-bad' : ''}`}
        data-coolant={coolant}
      >
        {coolant === undefined ? '–' : formatNumber(coolant)}
      </td>
      <td className="num mono">
        {v.latest.vibration_score === undefined ? '–' : formatNumber(v.latest.vibration_score)}
      </td>
      <td className="num mono">{formatMoney(v.costAtRisk, props.currency)}</td>
      <td className={`num mono${v.qualityIssues > 0 ? ' text-warn' : ''}`}>
        {formatNumber(v.qualityIssues)}
      </td>
    </tr>
  );
}

function ImpactPanel(props: { readonly impact: FleetImpact }): React.JSX.Element {
  const i = props.impact;
  const a = i.assumptions;
  const money = (v: number): string => formatMoney(v, a.currency);
  return (
    <section className="card impact" aria-label="Business impact" data-impact>
      <h2>
        Business impact <span className="sub">expected over the next {a.horizonDays} days</span>
      </h2>
      <div className="impact-grid">
        <div className="ops-big">
          <div data-number="downtime">
            <span className="ops-big-value">{formatNumber(i.downtimeHoursAtRisk)} h</span>
            <span className="sub">downtime at risk</span>
          </div>
          <div data-number="cost">
            <span className="ops-big-value">{money(i.costAtRisk)}</span>
            <span className="sub">cost at risk</span>
          </div>
          <div data-number="vehicles">
            <span className="ops-big-value">{i.vehicles}</span>
            <span className="sub">vehicles</span>
          </div>
        </div>
        <div className="impact-bands" title="Vehicles by band">
          {RISK_BANDS.map((b) => (
            <div key={b} className="impact-band" data-band-count={b}>
              <BandBadge band={b} /> <strong>{i.byBand[b]}</strong>
            </div>
          ))}
        </div>
        <div>
          <h3>Top vehicles by cost</h3>
          <ol className="impact-top">
            {i.topVehicles.slice(0, 5).map((t) => (
              <li key={t.vehicleId}>
                <a className="mono" href={fleetUnitPath(t.vehicleId)} onClick={onLinkClick}>
                  {t.vehicleId}
                </a>{' '}
                <BandBadge band={t.band} /> <span className="mono">{money(t.costAtRisk)}</span>
              </li>
            ))}
          </ol>
        </div>
        <details className="impact-assumptions" open>
          <summary>Assumptions</summary>
          <ul data-assumptions>
            <li>
              Downtime costs {money(a.costPerDowntimeHour)} per hour; horizon {a.horizonDays} days.
            </li>
            <li>
              A failure mode with {a.pointsForCertainFailure} risk points is a certain failure
              (chance = points / {a.pointsForCertainFailure}, at most{' '}
              {Math.round(a.maxFailureChance * 100)}%).
            </li>
            <li>Service every {formatNumber(a.serviceIntervalHours)} engine hours.</li>
            {Object.entries(a.modes).map(([mode, m]) => (
              <li key={mode}>
                {mode}: {m.downtimeHours} h off the road, repair {money(m.repairCost)}
              </li>
            ))}
          </ul>
        </details>
      </div>
    </section>
  );
}
