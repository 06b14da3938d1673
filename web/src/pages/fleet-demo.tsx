/**
 * @module
 * Demo controls of the fleet emulator: start an overheat, a vibration spike or a speed anomaly on
 * a chosen vehicle (or one the server picks), for a number of seconds (`POST /simulate_anomaly`).
 * They end on their own. Without an emulator the server answers 503 and the panel says so.
 */
import { useState } from 'react';
import { ApiError } from '../api/client.ts';
import {
  FLEET_ANOMALY_KINDS,
  type FleetAnomalyKind,
  fleetUnitPath,
  simulateAnomaly,
} from '../api/fleet.ts';
import { errorText } from '../api/hooks.ts';
import { onLinkClick } from '../router.ts';

const KIND_TEXT: Record<FleetAnomalyKind, string> = {
  coolant_overheat: 'Overheat',
  vibration_spike: 'Vibration',
  speed_anomaly: 'Speed',
};

const RANDOM = '';

export function FleetDemoPanel(props: {
  /** Vehicles to choose from; one fixed vehicle when `fixed` is set. */
  readonly vehicleIds: readonly string[];
  readonly fixed?: string;
}): React.JSX.Element {
  const [picked, setPicked] = useState(RANDOM);
  const [duration, setDuration] = useState('60');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ text: string; bad: boolean; vehicleId?: string } | undefined>(
    undefined,
  );
  const target = props.fixed ?? picked;
  const d = Number(duration);
  const ok = Number.isFinite(d) && d >= 1 && d <= 3_600;

  const run = (kind: FleetAnomalyKind): void => {
    setBusy(true);
    setNote(undefined);
    simulateAnomaly({
      ...(target === RANDOM ? {} : { vehicleId: target }),
      kind,
      durationS: d,
    }).then(
      (r) => {
        setBusy(false);
        setNote({
          text: `${KIND_TEXT[kind]} started on ${r?.vehicle_id ?? 'a vehicle'} for ${d} s.`,
          bad: false,
          ...(r?.vehicle_id ? { vehicleId: r.vehicle_id } : {}),
        });
      },
      (err: unknown) => {
        setBusy(false);
        setNote({
          text:
            err instanceof ApiError && err.status === 503
              ? 'No fleet emulator runs in this server (start it with the demo).'
              : errorText(err),
          bad: true,
        });
      },
    );
  };

  return (
    <section className="card ops-demo" aria-label="Fleet demo controls" data-fleet-demo>
      <h2>
        Demo <span className="sub">inject a predictable anomaly; it ends on its own</span>
      </h2>
      <div className="ops-demo-form">
        {props.fixed === undefined ? (
          <label className="field">
            <span>Vehicle</span>
            <select name="demo-vehicle" value={picked} onChange={(e) => setPicked(e.target.value)}>
              <option value={RANDOM}>random</option>
              {props.vehicleIds.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          <span>Seconds</span>
          <input
            name="demo-duration"
            inputMode="numeric"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
          />
        </label>
        {FLEET_ANOMALY_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            className="ghost"
            data-fleet-action={k}
            disabled={busy || !ok}
            onClick={() => run(k)}
          >
            {KIND_TEXT[k]}
          </button>
        ))}
      </div>
      {note ? (
        <div className={`banner ${note.bad ? 'banner-error' : 'ops-note'}`} data-demo-note>
          {note.text}{' '}
          {note.vehicleId && note.vehicleId !== props.fixed ? (
            <a href={fleetUnitPath(note.vehicleId)} onClick={onLinkClick}>
              Watch it →
            </a>
          ) : null}
        </div>
      ) : null}
      <p className="sub">
        Overheat takes coolant well above 230 °F within seconds; vibration and speed push those
        signals past their baselines.
      </p>
    </section>
  );
}
