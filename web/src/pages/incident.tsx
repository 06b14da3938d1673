/**
 * @module
 * One incident: status and severity with acknowledge/resolve (an optional note and name), the
 * root cause, the ranked candidates with their evidence (score per method, baseline against
 * observed, the dependency path, notes, sample traces), the impact, and the timeline of every
 * change with who, when and why. Kept current by the incident stream.
 */
import { useState } from 'react';
import type { Incident, RcaCandidate, Signal, TimelineEntry } from '../../../src/contract/index.ts';
import { errorText, useNow } from '../api/hooks.ts';
import { transitionIncident, useLiveIncident } from '../api/incidents.ts';
import { formatClock, formatDay } from '../charts/axis.ts';
import { SeverityBadge, StatusPill } from '../components/severity-badge.tsx';
import { formatAge, formatMs, formatNumber, formatPercent } from '../format.ts';
import { onLinkClick, servicePath, tracePath } from '../router.ts';

const BY_KEY = 'opsight.incident.by';

export function IncidentPage(props: { readonly id: string }): React.JSX.Element {
  const live = useLiveIncident(props.id);
  const now = useNow(5_000);
  const i = live.incident;

  return (
    <main className="page incident-page">
      <div className="crumbs">
        <a href="/incidents" onClick={onLinkClick}>
          Incidents
        </a>
        <span>/</span>
        <span className="mono">{props.id}</span>
      </div>
      {live.notFound ? (
        <div className="banner banner-error">No incident has the id {props.id}.</div>
      ) : null}
      {live.error ? <div className="banner banner-error">{live.error}</div> : null}
      {i ? (
        <>
          <div className="page-head">
            <div>
              <h1 data-incident-title>{i.title}</h1>
              <p className="sub incident-badges">
                <SeverityBadge severity={i.severity} /> <StatusPill status={i.status} /> first
                detected {formatAge(i.firstDetectedMs, now)} ({formatDay(i.firstDetectedMs)}{' '}
                {formatClock(i.firstDetectedMs, true)}) · {i.signalCount} signal
                {i.signalCount === 1 ? '' : 's'}
                {i.reopenCount > 0 ? ` · reopened ${i.reopenCount}×` : ''}
              </p>
            </div>
            <LifecycleForm incident={i} onDone={live.set} />
          </div>
          <div className="incident-grid">
            <div className="incident-main">
              <RootCauseBox incident={i} />
              <section aria-label="Candidates" className="section-gap">
                <h2>
                  Candidates <span className="sub">ranked by combined score</span>
                </h2>
                {i.candidates.length === 0 ? (
                  <div className="card empty-note">No candidate yet.</div>
                ) : (
                  <ol className="candidates">
                    {i.candidates.map((c, n) => (
                      <CandidateCard
                        key={`${c.service} ${c.endpoint ?? ''} ${c.kind}`}
                        c={c}
                        rank={n + 1}
                      />
                    ))}
                  </ol>
                )}
              </section>
            </div>
            <aside className="incident-side">
              <ImpactBox incident={i} />
              <section className="card side-card" aria-label="Sample traces">
                <h2>
                  Sample traces <span className="sub">{formatNumber(i.totalTraces)} in window</span>
                </h2>
                {i.sampleTraces.length === 0 ? (
                  <p className="sub">None kept.</p>
                ) : (
                  <ul className="trace-links" data-sample-traces>
                    {i.sampleTraces.map((t) => (
                      <li key={t}>
                        <a className="mono" href={tracePath(t)} onClick={onLinkClick}>
                          {t}
                        </a>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <Timeline entries={i.timeline} />
            </aside>
          </div>
        </>
      ) : !live.notFound && !live.error ? (
        <p className="sub">Loading…</p>
      ) : null}
    </main>
  );
}

function readBy(): string {
  try {
    return localStorage.getItem(BY_KEY) ?? '';
  } catch {
    return '';
  }
}

function LifecycleForm(props: {
  readonly incident: Incident;
  readonly onDone: (i: Incident) => void;
}): React.JSX.Element {
  const { incident: i } = props;
  const [by, setBy] = useState(readBy);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const act = (action: 'acknowledge' | 'resolve'): void => {
    setBusy(true);
    setError(undefined);
    try {
      if (by.trim() !== '') localStorage.setItem(BY_KEY, by.trim());
    } catch {
      // Not remembered; the action still goes through.
    }
    transitionIncident(i.id, action, { by: by.trim(), note: note.trim() }).then(
      (updated) => {
        setBusy(false);
        setNote('');
        if (updated) props.onDone(updated);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
      },
    );
  };
  return (
    <form
      className="card lifecycle-form"
      aria-label="Acknowledge or resolve"
      onSubmit={(e) => e.preventDefault()}
    >
      <input
        name="by"
        placeholder="your name (optional)"
        value={by}
        onChange={(e) => setBy(e.target.value)}
      />
      <input
        name="note"
        placeholder="note (optional)"
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <button
        type="button"
        className="ghost"
        data-action="acknowledge"
        disabled={busy || i.status !== 'active'}
        onClick={() => act('acknowledge')}
      >
        Acknowledge
      </button>
      <button
        type="button"
        className="primary"
        data-action="resolve"
        disabled={busy || i.status === 'resolved'}
        onClick={() => act('resolve')}
      >
        Resolve
      </button>
      {error ? <div className="banner banner-error lifecycle-error">{error}</div> : null}
    </form>
  );
}

function RootCauseBox(props: { readonly incident: Incident }): React.JSX.Element {
  const rc = props.incident.rootCause;
  if (!rc) {
    return (
      <section className="card root-cause root-cause-none" aria-label="Root cause">
        <h2>Root cause</h2>
        <p className="sub">Nothing stands out yet; the candidates below are what is known.</p>
      </section>
    );
  }
  return (
    <section className="card root-cause" aria-label="Root cause" data-root-cause={rc.service}>
      <div className="root-cause-head">
        <h2>Root cause</h2>
        <span className="confidence" data-confidence={rc.confidence}>
          {Math.round(rc.confidence * 100)}% confidence
        </span>
      </div>
      <div className="root-cause-what">
        <a className="root-cause-service" href={servicePath(rc.service)} onClick={onLinkClick}>
          {rc.service}
        </a>
        {rc.endpoint ? <code className="root-cause-endpoint">{rc.endpoint}</code> : null}
        <span className="pill pill-bad">{rc.kind}</span>
      </div>
      <ScoreBar value={rc.confidence} label="confidence" />
      <p className="root-cause-desc">{rc.description}</p>
    </section>
  );
}

function ScoreBar(props: { readonly value: number; readonly label: string }): React.JSX.Element {
  const pct = Math.max(0, Math.min(1, props.value)) * 100;
  return (
    <span className="score-bar" title={`${props.label}: ${pct.toFixed(0)}%`}>
      <span style={{ width: `${pct}%` }} />
    </span>
  );
}

function CandidateCard(props: { readonly c: RcaCandidate; readonly rank: number }) {
  const { c, rank } = props;
  const ev = c.evidence;
  const methods = Object.entries(ev.methods).sort(([a], [b]) => a.localeCompare(b));
  return (
    <li className="card candidate" data-candidate={c.service} data-rank={rank}>
      <div className="candidate-head">
        <span className="candidate-rank">#{rank}</span>
        <a href={servicePath(c.service)} onClick={onLinkClick} className="candidate-service">
          {c.service}
        </a>
        {c.endpoint ? <code>{c.endpoint}</code> : null}
        <span className="pill">{c.kind}</span>
        <span className="candidate-score" data-score={c.score}>
          score {c.score.toFixed(2)}
        </span>
      </div>
      <div className="candidate-body">
        <div>
          <h3>Methods</h3>
          <table className="methods" data-methods>
            <tbody>
              {methods.map(([name, v]) => (
                <tr key={name} data-method={name}>
                  <th>{name}</th>
                  <td>
                    <ScoreBar value={v} label={name} />
                  </td>
                  <td className="mono">{v.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {ev.path.length > 0 ? (
            <>
              <h3>Dependency path</h3>
              <div className="dep-path" data-path={ev.path.join('>')}>
                {ev.path.map((s, n) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a path may pass a service twice.
                  <span key={`${s}-${n}`} className="dep-step">
                    {n > 0 ? (
                      <span className="dep-arrow" aria-hidden="true">
                        →
                      </span>
                    ) : null}
                    <span className={`label-chip${s === c.service ? ' dep-chip-end' : ''}`}>
                      {s}
                    </span>
                  </span>
                ))}
              </div>
            </>
          ) : null}
          {ev.firstAnomalousMs !== undefined ? (
            <p className="sub">first anomalous {formatClock(ev.firstAnomalousMs, true)}</p>
          ) : null}
        </div>
        <div>
          {ev.signals.length > 0 ? (
            <>
              <h3>Signals: baseline vs observed</h3>
              <table className="data-table signals">
                <tbody>
                  {ev.signals.map((s) => (
                    <SignalRow key={s.id} s={s} />
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
          {ev.notes.length > 0 ? (
            <ul className="notes">
              {ev.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
          {ev.traceIds.length > 0 ? (
            <div className="labels">
              {ev.traceIds.map((t) => (
                <a
                  key={t}
                  className="label-chip"
                  href={tracePath(t)}
                  onClick={onLinkClick}
                  title={t}
                >
                  trace {t.slice(0, 8)}
                </a>
              ))}
            </div>
          ) : null}
        </div>
      </div>
    </li>
  );
}

/** A value in a signal's unit. */
export function formatSignalValue(v: number, unit: Signal['unit']): string {
  if (unit === 'ms') return formatMs(v);
  if (unit === 'ratio') return `${formatPercent(v * 100)}%`;
  if (unit === 'per_s') return `${formatNumber(v)}/s`;
  return formatNumber(v);
}

function SignalRow(props: { readonly s: Signal }): React.JSX.Element {
  const { s } = props;
  return (
    <tr data-signal={s.id}>
      <td>
        <span className="pill">{s.kind}</span>
        <div className="sub">{s.source}</div>
      </td>
      <td className="mono">
        {s.service}
        {s.endpoint ? ` ${s.endpoint}` : ''}
        {s.metric ? <div className="sub">{s.metric}</div> : null}
      </td>
      <td className="signal-values">
        <span className="sub">baseline</span> {formatSignalValue(s.baseline, s.unit)}
        <span className="dep-arrow">→</span>
        <strong className="observed">{formatSignalValue(s.observed, s.unit)}</strong>
      </td>
    </tr>
  );
}

function ImpactBox(props: { readonly incident: Incident }): React.JSX.Element {
  const im = props.incident.impact;
  const failedPct = im.requests > 0 ? (100 * im.failedRequests) / im.requests : 0;
  return (
    <section className="card side-card" aria-label="Impact" data-impact>
      <h2>Impact</h2>
      <div className="impact-facts">
        <div>
          <div className="fact-label">Requests</div>
          <div className="fact-value">{formatNumber(im.requests)}</div>
        </div>
        <div>
          <div className="fact-label">Failed</div>
          <div className="fact-value">
            {formatNumber(im.failedRequests)}{' '}
            <span className="sub">({formatPercent(failedPct)}%)</span>
          </div>
        </div>
      </div>
      <div className="fact-label">Services</div>
      <div className="labels">
        {im.services.map((s) => (
          <a key={s} className="label-chip" href={servicePath(s)} onClick={onLinkClick}>
            {s}
          </a>
        ))}
      </div>
      <div className="fact-label section-gap-small">Endpoints</div>
      <div className="labels">
        {im.endpoints.map((e) => (
          <span key={e} className="label-chip">
            {e}
          </span>
        ))}
      </div>
    </section>
  );
}

const ACTION_TEXT: Record<TimelineEntry['action'], string> = {
  opened: 'opened',
  signal: 'signal',
  severity: 'severity',
  root_cause: 'root cause',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  auto_resolved: 'auto-resolved',
  reopened: 'reopened',
  note: 'note',
};

function Timeline(props: { readonly entries: readonly TimelineEntry[] }): React.JSX.Element {
  // Newest first; entries of the same instant keep their recorded order, reversed.
  const entries = props.entries
    .map((e, n) => ({ e, n }))
    .sort((a, b) => b.e.atMs - a.e.atMs || b.n - a.n)
    .map(({ e }) => e);
  return (
    <section className="card side-card" aria-label="Timeline">
      <h2>
        Timeline <span className="sub">newest first</span>
      </h2>
      <ol className="timeline" data-timeline>
        {entries.map((e, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: two entries may share time and action.
          <li key={`${e.atMs}-${e.action}-${n}`} data-action={e.action}>
            <span className="timeline-time" title={new Date(e.atMs).toISOString()}>
              {formatClock(e.atMs, true)}
            </span>
            <span className="timeline-what">
              <strong>{ACTION_TEXT[e.action]}</strong>
              {e.from !== undefined || e.to !== undefined ? (
                <span className="mono">
                  {' '}
                  {e.from ?? '–'} → {e.to ?? '–'}
                </span>
              ) : null}{' '}
              <span className="sub">by {e.by}</span>
              {e.note ? <div className="timeline-note">{e.note}</div> : null}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
