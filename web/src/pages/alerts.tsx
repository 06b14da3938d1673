/**
 * @module
 * Alerts: the active alerts (pending and firing, pushed after every evaluation) with severity,
 * labels, since when and whether a silence or an inhibition mutes them; the recent history of
 * state changes; and silences: the list with expiry, a form to create one (prefilled from an
 * alert's labels) and a button to expire one early. Everything goes through the API
 * (docs/api.md, "Alerting, SLOs and health").
 */
import { useState } from 'react';
import type { AlertTransition, Labels, Matcher } from '../../../src/contract/index.ts';
import {
  type AlertView,
  createSilence,
  expireSilence,
  getAlertHistory,
  getSilences,
  matchersForAlert,
  parseMatcherLines,
  type SilenceView,
  useLiveAlerts,
  useRefetch,
} from '../api/alerting.ts';
import { errorText, useNow } from '../api/hooks.ts';
import { formatMatcher } from '../api/url-state.ts';
import { formatClock } from '../charts/axis.ts';
import { formatAge, formatNumber } from '../format.ts';
import { formatDurationMs } from '../time/range.ts';

const HISTORY_WINDOW_MS = 24 * 3_600_000;
const HISTORY_LIMIT = 200;
const DURATIONS_MS: readonly number[] = [
  15 * 60_000,
  3_600_000,
  2 * 3_600_000,
  4 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
];
const CREATED_BY_KEY = 'opsight.silence.createdBy';

export function AlertsPage(): React.JSX.Element {
  const alerts = useLiveAlerts();
  const now = useNow(5_000);
  const [silenceTick, setSilenceTick] = useState(0);
  const silences = useRefetch(getSilences, `${alerts.tick}|${silenceTick}`);
  const history = useRefetch(
    (signal) => getAlertHistory(Date.now() - HISTORY_WINDOW_MS, Date.now(), HISTORY_LIMIT, signal),
    alerts.tick,
  );
  const [draft, setDraft] = useState<{ matchers: readonly Matcher[]; n: number } | undefined>(
    undefined,
  );
  const list = [...(alerts.list?.alerts ?? [])].sort(
    (a, b) =>
      stateRank(a) - stateRank(b) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      b.activeAtMs - a.activeAtMs,
  );
  const firing = list.filter((a) => a.state === 'firing' && !a.silenced && !a.inhibited).length;
  const silenced = () => setSilenceTick((t) => t + 1);

  if (alerts.unavailable) {
    return (
      <main className="page">
        <h1>Alerts</h1>
        <div className="banner banner-error">This server runs without alerting.</div>
      </main>
    );
  }

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Alerts</h1>
          <p className="sub">
            {alerts.list
              ? `${list.length} active · ${firing} firing unmuted · updated ${formatAge(alerts.list.generatedAtMs, now)}`
              : 'Waiting for the first update…'}
          </p>
        </div>
      </div>
      {alerts.error ? <div className="banner banner-error">{alerts.error}</div> : null}

      <section aria-label="Active alerts">
        <h2>Active</h2>
        {alerts.list && list.length === 0 ? (
          <div className="card empty-note">No alert is pending or firing.</div>
        ) : (
          <table className="card data-table" data-table="active-alerts">
            <thead>
              <tr>
                <th>State</th>
                <th>Severity</th>
                <th>Alert</th>
                <th>Labels</th>
                <th>Since</th>
                <th>Value</th>
                <th>Muted</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <AlertRow
                  key={a.id}
                  alert={a}
                  nowMs={now}
                  onSilence={() =>
                    setDraft({ matchers: matchersForAlert(a.labels), n: (draft?.n ?? 0) + 1 })
                  }
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-label="Silences" className="section-gap">
        <h2>Silences</h2>
        <SilenceForm key={draft?.n ?? 0} initial={draft?.matchers} onCreated={silenced} />
        {silences.error ? <div className="banner banner-error">{silences.error}</div> : null}
        <SilenceTable
          silences={(silences.value ?? []).filter((s) => s.status !== 'expired')}
          nowMs={now}
          onExpired={silenced}
        />
        {(silences.value ?? []).some((s) => s.status === 'expired') ? (
          <details className="section-gap">
            <summary>
              Expired recently (
              {(silences.value ?? []).filter((s) => s.status === 'expired').length})
            </summary>
            <SilenceTable
              silences={(silences.value ?? []).filter((s) => s.status === 'expired')}
              nowMs={now}
              onExpired={silenced}
              expired
            />
          </details>
        ) : null}
      </section>

      <section aria-label="History" className="section-gap">
        <h2>
          History <span className="sub">last 24 h, newest first</span>
        </h2>
        {history.error ? <div className="banner banner-error">{history.error}</div> : null}
        <HistoryTable transitions={history.value} />
      </section>
    </main>
  );
}

function stateRank(a: AlertView): number {
  return a.state === 'firing' ? (a.silenced || a.inhibited ? 1 : 0) : 2;
}

function severityRank(s: string): number {
  return s === 'critical' ? 0 : s === 'warning' ? 1 : 2;
}

function severityPill(s: string): string {
  return s === 'critical' ? 'pill-bad' : s === 'warning' ? 'pill-warn' : '';
}

function LabelChips(props: { readonly labels: Labels; readonly skip?: readonly string[] }) {
  const skip = new Set(props.skip ?? []);
  return (
    <span className="labels">
      {Object.entries(props.labels)
        .filter(([k]) => !skip.has(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => (
          <span key={k} className="label-chip">
            {k}={v}
          </span>
        ))}
    </span>
  );
}

function AlertRow(props: {
  readonly alert: AlertView;
  readonly nowMs: number;
  readonly onSilence: () => void;
}): React.JSX.Element {
  const { alert: a, nowMs } = props;
  const summary = a.annotations.summary ?? a.annotations.description;
  const since = a.state === 'firing' ? (a.firedAtMs ?? a.activeAtMs) : a.activeAtMs;
  return (
    <tr data-alert={a.ruleName} data-state={a.state}>
      <td>
        <span className={`pill ${a.state === 'firing' ? 'pill-bad' : 'pill-warn'}`}>{a.state}</span>
      </td>
      <td>
        <span className={`pill ${severityPill(a.severity)}`}>{a.severity}</span>
      </td>
      <td>
        <strong>{a.ruleName}</strong>
        {summary ? <div className="sub">{summary}</div> : null}
      </td>
      <td>
        <LabelChips labels={a.labels} skip={['alertname', 'severity']} />
      </td>
      <td title={new Date(since).toISOString()}>
        {a.state} {formatAge(since, nowMs)}
        <div className="sub">since {formatClock(since)}</div>
      </td>
      <td>{a.value === undefined ? '–' : formatNumber(a.value)}</td>
      <td data-muted={a.silenced ? 'silenced' : a.inhibited ? 'inhibited' : 'no'}>
        {a.silenced ? (
          <span className="pill" title={`by ${a.silencedBy.join(', ')}`}>
            silenced
          </span>
        ) : null}
        {a.inhibited ? (
          <span className="pill" title={`by ${a.inhibitedBy.join(', ')}`}>
            inhibited
          </span>
        ) : null}
        {!a.silenced && !a.inhibited ? '–' : null}
      </td>
      <td>
        <button type="button" className="ghost" onClick={props.onSilence}>
          Silence…
        </button>
      </td>
    </tr>
  );
}

function readCreatedBy(): string {
  try {
    return localStorage.getItem(CREATED_BY_KEY) ?? '';
  } catch {
    return '';
  }
}

function SilenceForm(props: {
  readonly initial: readonly Matcher[] | undefined;
  readonly onCreated: () => void;
}): React.JSX.Element {
  const [matchers, setMatchers] = useState((props.initial ?? []).map(formatMatcher).join('\n'));
  const [durationMs, setDurationMs] = useState(2 * 3_600_000);
  const [createdBy, setCreatedBy] = useState(readCreatedBy);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(props.initial !== undefined);

  if (!open) {
    return (
      <button type="button" className="ghost" onClick={() => setOpen(true)}>
        + New silence
      </button>
    );
  }
  return (
    <form
      className="card silence-form"
      aria-label="New silence"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = parseMatcherLines(matchers);
        if (typeof parsed === 'string') {
          setError(parsed);
          return;
        }
        if (createdBy.trim() === '' || comment.trim() === '') {
          setError('say who you are and why (both are kept with the silence)');
          return;
        }
        setBusy(true);
        setError(undefined);
        try {
          localStorage.setItem(CREATED_BY_KEY, createdBy.trim());
        } catch {
          // Not remembered; the silence is still made.
        }
        createSilence({
          matchers: parsed,
          durationMs,
          createdBy: createdBy.trim(),
          comment: comment.trim(),
        }).then(
          () => {
            setBusy(false);
            setComment('');
            setOpen(false);
            props.onCreated();
          },
          (err: unknown) => {
            setBusy(false);
            setError(errorText(err));
          },
        );
      }}
    >
      <label className="field field-wide">
        <span>Matchers (one per line; all must match)</span>
        <textarea
          name="matchers"
          rows={3}
          value={matchers}
          placeholder={'alertname="HighLatency"\nservice="checkout"'}
          onChange={(e) => setMatchers(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Duration</span>
        <select
          name="duration"
          value={String(durationMs)}
          onChange={(e) => setDurationMs(Number(e.target.value))}
        >
          {DURATIONS_MS.map((d) => (
            <option key={d} value={String(d)}>
              {formatDurationMs(d)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Created by</span>
        <input
          name="created_by"
          value={createdBy}
          onChange={(e) => setCreatedBy(e.target.value)}
          placeholder="your name"
        />
      </label>
      <label className="field">
        <span>Comment</span>
        <input
          name="comment"
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder="why (a deploy, a known issue…)"
        />
      </label>
      <div className="field">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create silence'}
        </button>{' '}
        <button type="button" className="ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {error ? <div className="banner banner-error field-wide">{error}</div> : null}
    </form>
  );
}

function SilenceTable(props: {
  readonly silences: readonly SilenceView[];
  readonly nowMs: number;
  readonly onExpired: () => void;
  readonly expired?: boolean;
}): React.JSX.Element {
  const [error, setError] = useState<string | undefined>(undefined);
  if (props.silences.length === 0) {
    return <p className="sub">{props.expired ? 'None.' : 'No silence is active or pending.'}</p>;
  }
  return (
    <>
      {error ? <div className="banner banner-error">{error}</div> : null}
      <table
        className="card data-table section-gap"
        data-table={props.expired ? 'expired-silences' : 'silences'}
      >
        <thead>
          <tr>
            <th>Status</th>
            <th>Matchers</th>
            <th>{props.expired ? 'Ended' : 'Expires'}</th>
            <th>Created by</th>
            <th>Comment</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.silences.map((s) => (
            <tr key={s.id} data-silence={s.id} data-status={s.status}>
              <td>
                <span className={`pill ${s.status === 'active' ? 'pill-ok' : ''}`}>{s.status}</span>
              </td>
              <td>
                <span className="labels">
                  {s.matchers.map((m) => (
                    <span key={formatMatcher(m)} className="label-chip">
                      {formatMatcher(m)}
                    </span>
                  ))}
                </span>
              </td>
              <td title={new Date(s.endsAtMs).toISOString()}>
                {props.expired
                  ? formatAge(s.endsAtMs, props.nowMs)
                  : `in ${formatDurationMs(Math.max(0, Math.round((s.endsAtMs - props.nowMs) / 60_000) * 60_000)) || 'under a minute'}`}
                <div className="sub">{formatClock(s.endsAtMs)}</div>
              </td>
              <td>{s.createdBy}</td>
              <td>{s.comment}</td>
              <td>
                {!props.expired && s.source === 'api' ? (
                  <button
                    type="button"
                    className="ghost"
                    onClick={() =>
                      expireSilence(s.id).then(props.onExpired, (err: unknown) =>
                        setError(errorText(err)),
                      )
                    }
                  >
                    Expire
                  </button>
                ) : s.source === 'config' ? (
                  <span className="sub">opsight.yaml</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function HistoryTable(props: {
  readonly transitions: readonly AlertTransition[] | undefined;
}): React.JSX.Element {
  if (props.transitions === undefined) return <p className="sub">Loading…</p>;
  if (props.transitions.length === 0) {
    return <p className="sub">No alert changed state in the last 24 hours.</p>;
  }
  const rows = [...props.transitions].reverse();
  return (
    <table className="card data-table" data-table="alert-history">
      <thead>
        <tr>
          <th>Time</th>
          <th>Alert</th>
          <th>Change</th>
          <th>Severity</th>
          <th>Labels</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((t) => (
          <tr key={`${t.alertId}-${t.atMs}-${t.to}`}>
            <td title={new Date(t.atMs).toISOString()}>{formatClock(t.atMs, true)}</td>
            <td>{t.ruleName}</td>
            <td>
              {t.from} → <strong>{t.to}</strong>
            </td>
            <td>{t.severity}</td>
            <td>
              <LabelChips labels={t.labels} skip={['alertname', 'severity']} />
            </td>
            <td>{t.value === undefined ? '–' : formatNumber(t.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
