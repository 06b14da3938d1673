/**
 * @module
 * The review queue (docs/dashboard.md, "Review"): the queue's stats (pending, reviewed, rejection
 * rate, median time to review), then the sampled items newest first, each saying what data point
 * it is, why it needs a look and the data itself in brief, with claim / approve / reject (a
 * rejection asks for a reason). Filters by stream and status live in the URL. Live: every change
 * pushed on `/api/v1/live/review` refreshes the list and stats.
 */
import { useState } from 'react';
import { errorText, useNow } from '../api/hooks.ts';
import {
  decodeReviewFilter,
  encodeReviewFilter,
  getReviewer,
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewAction,
  type ReviewFilter,
  type ReviewItem,
  type ReviewStats,
  reviewAction,
  reviewItemPath,
  setReviewer,
  useLiveReview,
} from '../api/review.ts';
import { formatClock } from '../charts/axis.ts';
import { formatAge, formatMs, formatNumber, formatPercent } from '../format.ts';
import { navigate, onLinkClick, useLocation } from '../router.ts';
import '../ops.css';

export function ReviewPage(): React.JSX.Element {
  const { pathname, search } = useLocation();
  const filter = decodeReviewFilter(search);
  const { items, stats, error, reload } = useLiveReview(filter);
  const [by, setBy] = useState(getReviewer);
  const now = useNow(5_000);
  const setFilter = (f: ReviewFilter): void => {
    const q = encodeReviewFilter(f);
    navigate(`${pathname}${q === '' ? '' : `?${q}`}`);
  };
  const toggle = <T extends string>(list: readonly T[], v: T): T[] =>
    list.includes(v) ? list.filter((x) => x !== v) : [...list, v];

  return (
    <main className="page ops-page">
      <div className="page-head">
        <div>
          <h1>Review</h1>
          <p className="sub">
            {stats
              ? `A ${formatPercent(stats.rate * 100)}% sample of ${formatNumber(stats.seen)} events seen goes to people: automation is not 100%.`
              : items === null
                ? 'This server has no review queue.'
                : 'Waiting for the first update…'}
          </p>
        </div>
        <label className="field reviewer">
          <span>Reviewing as</span>
          <input
            name="reviewer"
            value={by}
            onChange={(e) => {
              setBy(e.target.value);
              setReviewer(e.target.value);
            }}
          />
        </label>
      </div>
      {error ? <div className="banner banner-error">{error}</div> : null}
      {stats ? <StatsRow stats={stats} /> : null}

      <section className="card" aria-label="Review items">
        <div className="fleet-filters">
          <fieldset className="seg" aria-label="Stream">
            {REVIEW_STREAMS.map((s) => {
              const on = filter.streams.includes(s);
              return (
                <button
                  key={s}
                  type="button"
                  className={on ? 'is-active' : ''}
                  aria-pressed={on}
                  data-stream-filter={s}
                  onClick={() => setFilter({ ...filter, streams: toggle(filter.streams, s) })}
                >
                  {s}{' '}
                  {stats?.byStream ? (
                    <span className="sub" title="pending">
                      {stats.byStream[s]?.pending ?? 0}
                    </span>
                  ) : null}
                </button>
              );
            })}
          </fieldset>
          <fieldset className="seg" aria-label="Status">
            {REVIEW_STATUSES.map((s) => {
              const on = filter.statuses.includes(s);
              return (
                <button
                  key={s}
                  type="button"
                  className={on ? 'is-active' : ''}
                  aria-pressed={on}
                  data-status-filter={s}
                  onClick={() => setFilter({ ...filter, statuses: toggle(filter.statuses, s) })}
                >
                  {s}
                </button>
              );
            })}
          </fieldset>
          <span className="sub" data-review-shown={items?.length ?? 0}>
            {items ? `${items.length} shown` : ''}
          </span>
        </div>
        {items && items.length === 0 ? (
          <p className="empty-note">
            Nothing sampled here yet. Items arrive as events flow (pipeline events, fleet readings,
            anomalies).
          </p>
        ) : null}
        <ul className="review-list">
          {(items ?? []).map((i) => (
            <ReviewRow key={i.id} item={i} by={by} nowMs={now} onDone={reload} />
          ))}
        </ul>
      </section>
    </main>
  );
}

function StatsRow(props: { readonly stats: ReviewStats }): React.JSX.Element {
  const s = props.stats;
  const tiles: { key: string; label: string; value: string; foot: string }[] = [
    {
      key: 'pending',
      label: 'Pending',
      value: formatNumber(s.pending),
      foot: `${formatNumber(s.claimed)} claimed`,
    },
    {
      key: 'reviewed',
      label: 'Reviewed',
      value: formatNumber(s.reviewed),
      foot: `${formatNumber(s.approved)} approved · ${formatNumber(s.rejected)} rejected`,
    },
    {
      key: 'rejection-rate',
      label: 'Rejection rate',
      value: `${formatPercent(s.rejectionRate * 100)}%`,
      foot: 'of reviewed items',
    },
    {
      key: 'time-to-review',
      label: 'Median time to review',
      value: s.medianTimeToReviewMs === undefined ? '–' : formatMs(s.medianTimeToReviewMs),
      foot:
        s.p90TimeToReviewMs === undefined
          ? 'sampled → verdict'
          : `p90 ${formatMs(s.p90TimeToReviewMs)}`,
    },
  ];
  return (
    <section className="kpi-row" aria-label="Review stats">
      {tiles.map((t) => (
        <div key={t.key} className="kpi" data-review-stat={t.key} data-value={t.value}>
          <div className="kpi-label">{t.label}</div>
          <div className="kpi-value">{t.value}</div>
          <div className="kpi-foot">
            <span>{t.foot}</span>
          </div>
        </div>
      ))}
    </section>
  );
}

const STATUS_PILL: Record<ReviewItem['status'], string> = {
  pending: 'pill pill-warn',
  claimed: 'pill',
  approved: 'pill pill-ok',
  rejected: 'pill pill-bad',
};

/** The data point in one line: `key=value` pairs, long values cut. */
export function compactData(data: Readonly<Record<string, unknown>>, maxChars = 160): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    parts.push(`${k}=${text !== undefined && text.length > 40 ? `${text.slice(0, 39)}…` : text}`);
  }
  const line = parts.join(' ');
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

function ReviewRow(props: {
  readonly item: ReviewItem;
  readonly by: string;
  readonly nowMs: number;
  readonly onDone: () => void;
}): React.JSX.Element {
  const { item: i, by } = props;
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const open = i.status === 'pending' || i.status === 'claimed';
  const path = reviewItemPath(i);
  const act = (action: ReviewAction, why?: string): void => {
    setBusy(true);
    setError(undefined);
    reviewAction(i.id, action, by.trim() || 'dashboard', why).then(
      () => {
        setBusy(false);
        setRejecting(false);
        props.onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
      },
    );
  };
  return (
    <li
      className={`review-item review-${i.status}`}
      data-review-item={i.id}
      data-status={i.status}
      data-stream={i.stream}
    >
      <div className="review-head">
        <span className={STATUS_PILL[i.status]}>{i.status}</span>
        <span className="pill">{i.stream}</span>
        <strong className="review-subject">{i.subject}</strong>
        <span className="sub" title={new Date(i.atMs).toISOString()}>
          at {formatClock(i.atMs, true)} · sampled {formatAge(i.sampledAtMs, props.nowMs)}
        </span>
        {path ? (
          <a className="review-open" href={path} onClick={onLinkClick}>
            open →
          </a>
        ) : null}
      </div>
      <div className="review-why" data-review-reason>
        <span className="sub">Why: </span>
        {i.reason}
      </div>
      <div className="review-data mono" title={JSON.stringify(i.data, null, 2)}>
        {compactData(i.data)}
      </div>
      {i.claimedBy && i.status === 'claimed' ? (
        <div className="sub">claimed by {i.claimedBy}</div>
      ) : null}
      {i.reviewedBy ? (
        <div className="sub" data-verdict>
          {i.status} by {i.reviewedBy}
          {i.verdictReason ? `: ${i.verdictReason}` : ''}
        </div>
      ) : null}
      {open ? (
        <div className="review-actions">
          {i.status === 'pending' ? (
            <button
              type="button"
              className="ghost"
              data-review-action="claim"
              disabled={busy}
              onClick={() => act('claim')}
            >
              Claim
            </button>
          ) : null}
          <button
            type="button"
            className="ghost"
            data-review-action="approve"
            disabled={busy}
            onClick={() => act('approve')}
          >
            Approve
          </button>
          {rejecting ? (
            <form
              className="review-reject"
              onSubmit={(e) => {
                e.preventDefault();
                if (reason.trim() !== '') act('reject', reason.trim());
              }}
            >
              <input
                name="reject-reason"
                placeholder="Why is it wrong? (required)"
                value={reason}
                // biome-ignore lint/a11y/noAutofocus: the reviewer just asked to type a reason.
                autoFocus
                onChange={(e) => setReason(e.target.value)}
              />
              <button
                type="submit"
                className="primary"
                data-review-action="reject-confirm"
                disabled={busy || reason.trim() === ''}
              >
                Reject
              </button>
              <button type="button" className="ghost" onClick={() => setRejecting(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <button
              type="button"
              className="ghost"
              data-review-action="reject"
              disabled={busy}
              onClick={() => setRejecting(true)}
            >
              Reject…
            </button>
          )}
        </div>
      ) : null}
      {error ? <div className="banner banner-error">{error}</div> : null}
    </li>
  );
}
