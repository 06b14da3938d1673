/**
 * @module
 * Incidents: every incident matching the status and severity filters (kept in the URL), worst
 * and newest first, with its root cause, affected services, when it was first detected and how
 * old it is. Live: each change is pushed (`/api/v1/live/incidents`) and the list is fetched again
 * whenever the stream reconnects.
 */
import type { Incident, IncidentSeverity, IncidentStatus } from '../../../src/contract/index.ts';
import { useNow } from '../api/hooks.ts';
import {
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  parseIncidentFilters,
  useLiveIncidents,
} from '../api/incidents.ts';
import { formatClock, formatDay } from '../charts/axis.ts';
import { SeverityBadge, StatusPill } from '../components/severity-badge.tsx';
import { formatAge } from '../format.ts';
import { incidentPath, navigate, onLinkClick, servicePath, useLocation } from '../router.ts';

const LIST_LIMIT = 200;

export function IncidentsPage(): React.JSX.Element {
  const { pathname, search } = useLocation();
  const filters = parseIncidentFilters(search);
  const live = useLiveIncidents({ ...filters, limit: LIST_LIMIT });
  const now = useNow(5_000);

  const toggle = (name: 'status' | 'severity', value: string): void => {
    const p = new URLSearchParams(search);
    const current: string[] = name === 'status' ? filters.status : filters.severity;
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    if (next.length === 0) p.delete(name);
    else p.set(name, next.join(','));
    const qs = p.toString();
    navigate(`${pathname}${qs ? `?${qs}` : ''}`, { replace: true });
  };

  if (live.unavailable) {
    return (
      <main className="page">
        <h1>Incidents</h1>
        <div className="banner banner-error">This server runs without the incident engine.</div>
      </main>
    );
  }
  const list = live.list ?? [];
  const open = list.filter((i) => i.status !== 'resolved').length;
  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Incidents</h1>
          <p className="sub">{live.list ? `${list.length} shown · ${open} open` : 'Loading…'}</p>
        </div>
        <div className="filters">
          <FilterGroup
            label="Status"
            name="status"
            values={INCIDENT_STATUSES}
            selected={filters.status}
            onToggle={(v) => toggle('status', v)}
          />
          <FilterGroup
            label="Severity"
            name="severity"
            values={[...INCIDENT_SEVERITIES].reverse()}
            selected={filters.severity}
            onToggle={(v) => toggle('severity', v)}
          />
        </div>
      </div>
      {live.error ? <div className="banner banner-error">{live.error}</div> : null}
      {live.list && list.length === 0 ? (
        <div className="card empty-note">
          No incident{filters.status.length + filters.severity.length > 0 ? ' matches' : ' yet'}.
        </div>
      ) : (
        <table className="card data-table" data-table="incidents">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Status</th>
              <th>Incident</th>
              <th>Root cause</th>
              <th>Affected</th>
              <th>First detected</th>
              <th>Age</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <IncidentRow key={i.id} incident={i} nowMs={now} />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function FilterGroup<T extends IncidentStatus | IncidentSeverity>(props: {
  readonly label: string;
  readonly name: string;
  readonly values: readonly T[];
  readonly selected: readonly T[];
  readonly onToggle: (v: T) => void;
}): React.JSX.Element {
  return (
    <fieldset className="seg" aria-label={props.label}>
      {props.values.map((v) => {
        const on = props.selected.includes(v);
        return (
          <button
            type="button"
            key={v}
            className={on ? 'is-active' : ''}
            aria-pressed={on}
            data-filter={`${props.name}-${v}`}
            onClick={() => props.onToggle(v)}
          >
            {v}
          </button>
        );
      })}
    </fieldset>
  );
}

function IncidentRow(props: { readonly incident: Incident; readonly nowMs: number }) {
  const { incident: i, nowMs } = props;
  const href = incidentPath(i.id);
  const rc = i.rootCause;
  return (
    <tr data-incident={i.id} data-status={i.status} data-severity={i.severity}>
      <td>
        <SeverityBadge severity={i.severity} />
      </td>
      <td>
        <StatusPill status={i.status} />
      </td>
      <td>
        <a href={href} onClick={onLinkClick} className="incident-title">
          {i.title}
        </a>
        <div className="sub mono">{i.id}</div>
      </td>
      <td data-root-cause={rc?.service ?? ''}>
        {rc ? (
          <>
            <strong>{rc.service}</strong>
            {rc.endpoint ? <span className="mono"> {rc.endpoint}</span> : null}
            <div className="sub">
              {rc.kind} · {Math.round(rc.confidence * 100)}% confidence
            </div>
          </>
        ) : (
          <span className="sub">analysing…</span>
        )}
      </td>
      <td>
        <span className="labels">
          {i.affectedServices.map((s) => (
            <a key={s} className="label-chip" href={servicePath(s)} onClick={onLinkClick}>
              {s}
            </a>
          ))}
        </span>
      </td>
      <td title={new Date(i.firstDetectedMs).toISOString()}>
        {formatDay(i.firstDetectedMs)} {formatClock(i.firstDetectedMs, true)}
      </td>
      <td className="nowrap">{formatAge(i.firstDetectedMs, nowMs).replace(' ago', '')}</td>
    </tr>
  );
}
