/**
 * @module
 * The overview's "active incidents" strip: how many incidents are open (active or acknowledged)
 * and the three worst, each linking to its page. Live through the incident stream; hidden when
 * the server runs without the incident engine.
 */
import type { IncidentStatus } from '../../../src/contract/index.ts';
import { useLiveIncidents } from '../api/incidents.ts';
import { incidentPath, onLinkClick } from '../router.ts';
import { SeverityBadge } from './severity-badge.tsx';

const OPEN: readonly IncidentStatus[] = ['active', 'acknowledged'];
const SHOWN = 3;

export function ActiveIncidentsStrip(): React.JSX.Element | null {
  const live = useLiveIncidents({ status: OPEN, limit: 50 });
  if (live.unavailable || live.list === undefined) return null;
  const list = live.list;
  return (
    <section
      className={`card incident-strip${list.length > 0 ? ' incident-strip-open' : ''}`}
      aria-label="Active incidents"
      data-active-incidents={list.length}
    >
      <a
        className="incident-strip-count"
        href="/incidents?status=active,acknowledged"
        onClick={onLinkClick}
      >
        <strong>{list.length}</strong> active incident{list.length === 1 ? '' : 's'}
      </a>
      {list.length === 0 ? <span className="sub">Nothing is on fire.</span> : null}
      {list.slice(0, SHOWN).map((i) => (
        <a
          key={i.id}
          className="incident-strip-item"
          href={incidentPath(i.id)}
          onClick={onLinkClick}
          data-incident={i.id}
        >
          <SeverityBadge severity={i.severity} />
          <span className="incident-strip-title">{i.title}</span>
          {i.status === 'acknowledged' ? <span className="pill pill-warn">ack</span> : null}
        </a>
      ))}
      {list.length > SHOWN ? (
        <a href="/incidents?status=active,acknowledged" onClick={onLinkClick} className="sub">
          +{list.length - SHOWN} more
        </a>
      ) : null}
    </section>
  );
}
