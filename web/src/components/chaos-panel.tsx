/**
 * @module
 * Chaos controls for the demo shop (`/simulate/*`): pick an endpoint, add delay, make it fail at
 * a rate, make it time out, or clear every fault; the active faults are listed. Without a demo
 * shop the server answers 503 and the panel says so.
 */
import { useState } from 'react';
import { useRefetch } from '../api/alerting.ts';
import { type ChaosAction, getChaosStatus, runChaosAction } from '../api/chaos.ts';
import { errorText, useNow } from '../api/hooks.ts';
import { formatAge, formatMs, formatPercent } from '../format.ts';

export function ChaosPanel(props: { readonly refreshKey: unknown }): React.JSX.Element {
  const [bump, setBump] = useState(0);
  const status = useRefetch(getChaosStatus, `${String(props.refreshKey)}|${bump}`);
  const [endpoint, setEndpoint] = useState('');
  const [delayMs, setDelayMs] = useState('1500');
  const [rate, setRate] = useState('0.5');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const now = useNow(5_000);

  const loaded = status.value !== undefined || status.error !== undefined;
  const endpoints = status.value?.endpoints ?? [];
  const target = endpoint !== '' && endpoints.includes(endpoint) ? endpoint : (endpoints[0] ?? '');
  const delay = Number(delayMs);
  const errRate = Number(rate);
  const delayOk = Number.isFinite(delay) && delay > 0;
  const rateOk = Number.isFinite(errRate) && errRate > 0 && errRate <= 1;

  const run = (a: ChaosAction): void => {
    setBusy(true);
    setError(undefined);
    runChaosAction(a).then(
      () => {
        setBusy(false);
        setBump((b) => b + 1);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
        setBump((b) => b + 1);
      },
    );
  };

  return (
    <section className="card chaos" aria-label="Chaos controls" data-chaos>
      <h2>
        Chaos <span className="sub">fault injection in the demo shop</span>
      </h2>
      {!loaded ? <p className="sub">Loading…</p> : null}
      {status.value === null ? (
        <div className="banner chaos-off" data-chaos-unavailable>
          Demo shop not running: start opsight with the demo shop to inject faults.
        </div>
      ) : null}
      {status.error ? <div className="banner banner-error">{status.error}</div> : null}
      {status.value ? (
        <>
          <div className="chaos-form">
            <label className="field">
              <span>Endpoint</span>
              <select
                name="chaos-endpoint"
                value={target}
                onChange={(e) => setEndpoint(e.target.value)}
              >
                {endpoints.map((e) => (
                  <option key={e} value={e}>
                    {e}
                  </option>
                ))}
              </select>
            </label>
            <div className="chaos-action">
              <label className="field">
                <span>Delay (ms)</span>
                <input
                  name="chaos-delay"
                  inputMode="numeric"
                  value={delayMs}
                  onChange={(e) => setDelayMs(e.target.value)}
                />
              </label>
              <button
                type="button"
                className="ghost"
                data-chaos-action="delay"
                disabled={busy || target === '' || !delayOk}
                onClick={() => run({ kind: 'delay', endpoint: target, durationMs: delay })}
              >
                Add delay
              </button>
            </div>
            <div className="chaos-action">
              <label className="field">
                <span>Error rate (0–1)</span>
                <input
                  name="chaos-rate"
                  inputMode="decimal"
                  value={rate}
                  onChange={(e) => setRate(e.target.value)}
                />
              </label>
              <button
                type="button"
                className="ghost"
                data-chaos-action="error"
                disabled={busy || target === '' || !rateOk}
                onClick={() => run({ kind: 'error', endpoint: target, rate: errRate })}
              >
                Inject errors
              </button>
            </div>
            <div className="chaos-action">
              <button
                type="button"
                className="ghost"
                data-chaos-action="timeout"
                disabled={busy || target === ''}
                onClick={() => run({ kind: 'timeout', endpoint: target })}
              >
                Time out
              </button>
              <button
                type="button"
                className="primary"
                data-chaos-action="clear"
                disabled={busy}
                onClick={() => run({ kind: 'clear' })}
              >
                Clear all
              </button>
            </div>
          </div>
          {error ? <div className="banner banner-error">{error}</div> : null}
          <h3>Active faults</h3>
          {status.value.faults.length === 0 ? (
            <p className="sub" data-chaos-faults="0">
              None: the shop runs normally.
            </p>
          ) : (
            <table className="data-table" data-chaos-faults={status.value.faults.length}>
              <tbody>
                {status.value.faults.map((f) => (
                  <tr key={`${f.endpoint}-${f.kind}`} data-fault={`${f.kind} ${f.endpoint}`}>
                    <td className="mono">{f.endpoint}</td>
                    <td>
                      <span className="pill pill-warn">{f.kind}</span>
                    </td>
                    <td className="mono">
                      {f.kind === 'delay'
                        ? `+${formatMs(f.value)}`
                        : f.kind === 'error'
                          ? `${formatPercent(f.value * 100)}% fail`
                          : 'no answer'}
                    </td>
                    <td className="sub nowrap" title={new Date(f.sinceMs).toISOString()}>
                      {formatAge(f.sinceMs, now)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
