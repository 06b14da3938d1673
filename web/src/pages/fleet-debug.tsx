/**
 * @module
 * The debug viewer (docs/dashboard.md, "Raw readings"): the newest raw readings from
 * `GET /telemetry` in a slim table, fields rejected by validation highlighted, filterable by
 * vehicle (`/fleet/debug?vehicle=truck-01`). Refreshed by push: every pushed `fleet` snapshot
 * (at most one a second, only while readings arrive) fetches the readings again.
 */
import { useEffect, useState } from 'react';
import {
  FLEET_FIELDS,
  type FleetField,
  fleetUnitPath,
  getTelemetry,
  type RecentReading,
  useLiveFleet,
} from '../api/fleet.ts';
import { errorText } from '../api/hooks.ts';
import { formatNumber } from '../format.ts';
import { navigate, onLinkClick, useLocation } from '../router.ts';
import '../ops.css';

const SHOWN = 100;

const SHORT: Record<FleetField, string> = {
  coolant_temp_f: 'coolant °F',
  intake_air_temp_f: 'intake °F',
  engine_rpm: 'rpm',
  speed_mph: 'mph',
  vibration_score: 'vibration',
  engine_hours: 'engine h',
};

export function FleetDebugPage(): React.JSX.Element {
  const { snapshot, error: fleetError } = useLiveFleet();
  const { pathname, search } = useLocation();
  const vehicle = new URLSearchParams(search).get('vehicle') ?? '';
  const [paused, setPaused] = useState(false);
  const [readings, setReadings] = useState<RecentReading[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const generatedAtMs = snapshot?.generatedAtMs ?? 0;
  const trigger = paused ? 'paused' : generatedAtMs;

  // biome-ignore lint/correctness/useExhaustiveDependencies: each push (trigger) refetches.
  useEffect(() => {
    if (paused && readings !== undefined) return undefined;
    const ac = new AbortController();
    getTelemetry(
      { ...(vehicle === '' ? {} : { vehicleId: vehicle }), limit: SHOWN },
      ac.signal,
    ).then(
      (r) => {
        setReadings(r);
        setError(undefined);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    return () => ac.abort();
  }, [vehicle, trigger]);

  const ids = (snapshot?.vehicles ?? []).map((v) => v.vehicleId).sort();
  // Newest first reads best in a debug view; GET /telemetry answers oldest first.
  const rows = [...(readings ?? [])].reverse();
  const invalid = rows.filter((r) => r.invalid_fields.length > 0).length;

  return (
    <main className="page ops-page">
      <nav className="crumbs">
        <a href="/fleet" onClick={onLinkClick}>
          Fleet
        </a>
        <span aria-hidden="true">/</span>
        <span>Raw readings</span>
      </nav>
      <div className="page-head">
        <div>
          <h1>Raw readings</h1>
          <p className="sub">
            The newest {SHOWN} readings from GET /telemetry, refreshed on every fleet push ·{' '}
            <span className="text-bad">rejected fields</span> are highlighted (their values are not
            stored)
          </p>
        </div>
      </div>
      {fleetError || error ? (
        <div className="banner banner-error">{error ?? fleetError}</div>
      ) : null}
      <section className="card">
        <div className="fleet-filters">
          <label className="field">
            <span>Vehicle</span>
            <select
              name="debug-vehicle"
              value={vehicle}
              onChange={(e) => {
                const p = new URLSearchParams(search);
                if (e.target.value === '') p.delete('vehicle');
                else p.set('vehicle', e.target.value);
                const q = p.toString();
                navigate(`${pathname}${q === '' ? '' : `?${q}`}`, { replace: true });
              }}
            >
              <option value="">all</option>
              {vehicle !== '' && !ids.includes(vehicle) ? (
                <option value={vehicle}>{vehicle}</option>
              ) : null}
              {ids.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="ghost"
            aria-pressed={paused}
            data-debug-pause
            onClick={() => setPaused(!paused)}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
          <span className="sub" data-debug-rows={rows.length} data-debug-invalid={invalid}>
            {rows.length} readings · {invalid} with rejected fields
          </span>
        </div>
        <table className="data-table debug-table">
          <thead>
            <tr>
              <th>ts</th>
              <th>vehicle</th>
              {FLEET_FIELDS.map((f) => (
                <th key={f} className="num">
                  {SHORT[f]}
                </th>
              ))}
              <th>invalid</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr
                // biome-ignore lint/suspicious/noArrayIndexKey: a sensor may resend the same reading; the list is replaced whole.
                key={`${r.vehicle_id}-${r.ts}-${r.received_at}-${i}`}
                data-reading={r.vehicle_id}
                className={r.invalid_fields.length > 0 ? 'row-invalid' : ''}
              >
                <td className="mono nowrap">{r.ts.replace('T', ' ').replace('Z', '')}</td>
                <td>
                  <a className="mono" href={fleetUnitPath(r.vehicle_id)} onClick={onLinkClick}>
                    {r.vehicle_id}
                  </a>
                </td>
                {FLEET_FIELDS.map((f) => {
                  const bad = r.invalid_fields.includes(f);
                  const v = r[f];
                  return (
                    <td
                      key={f}
                      className={`num mono${bad ? ' cell-invalid' : ''}`}
                      data-invalid={bad ? f : undefined}
                    >
                      {bad ? 'rejected' : v === undefined ? '–' : formatNumber(v)}
                    </td>
                  );
                })}
                <td className="mono">{r.invalid_fields.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {readings !== undefined && rows.length === 0 ? (
          <p className="empty-note">No readings in the rolling window.</p>
        ) : null}
      </section>
    </main>
  );
}
