/**
 * @module
 * Trace search: service, operation, status, minimum duration and the time range, all in the URL
 * (`/traces?service=checkout&status=error&min_duration=200ms&range=1h`), answered by
 * `GET /api/v1/traces`; each row links to the trace's waterfall. The search runs when the URL
 * changes (submitting the form, the range picker, a shared link), not on every keystroke.
 */
import { useState } from 'react';
import type { TraceQuery, TraceSummary } from '../../../src/contract/index.ts';
import { useRefetch } from '../api/alerting.ts';
import { searchTraces } from '../api/traces.ts';
import { formatClock, formatDay } from '../charts/axis.ts';
import { RangePicker } from '../components/range-picker.tsx';
import { formatMs } from '../format.ts';
import { navigate, onLinkClick, tracePath, useLocation } from '../router.ts';
import { describeRange, parseDurationMs, resolveRange } from '../time/range.ts';
import { useRange } from './use-range.ts';

const RESULT_LIMIT = 50;

interface TraceForm {
  readonly service: string;
  readonly operation: string;
  readonly status: '' | 'error' | 'ok';
  readonly minDuration: string;
}

function formFromSearch(search: string): TraceForm {
  const p = new URLSearchParams(search);
  const status = p.get('status');
  return {
    service: p.get('service') ?? '',
    operation: p.get('operation') ?? '',
    status: status === 'error' || status === 'ok' ? status : '',
    minDuration: p.get('min_duration') ?? '',
  };
}

export function TracesPage(): React.JSX.Element {
  const { pathname, search } = useLocation();
  const [range, setRange] = useRange();
  const applied = formFromSearch(search);
  const [form, setForm] = useState<TraceForm>(applied);
  const minMs = applied.minDuration === '' ? undefined : parseDurationMs(applied.minDuration);
  const results = useRefetch((signal) => {
    const { fromMs, toMs } = resolveRange(range, Date.now());
    const q: TraceQuery = {
      fromMs,
      toMs,
      limit: RESULT_LIMIT,
      ...(applied.service ? { service: applied.service } : {}),
      ...(applied.operation ? { operation: applied.operation } : {}),
      ...(applied.status ? { status: applied.status } : {}),
      ...(minMs !== undefined ? { minDurationMs: minMs } : {}),
    };
    return searchTraces(q, signal);
  }, search);
  const badDuration = form.minDuration !== '' && parseDurationMs(form.minDuration) === undefined;

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Traces</h1>
          <p className="sub">
            {describeRange(range)}
            {results.value ? ` · ${results.value.length} found (newest first)` : ''}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>
      <form
        className="card explore-form trace-form"
        aria-label="Trace search"
        onSubmit={(e) => {
          e.preventDefault();
          if (badDuration) return;
          const p = new URLSearchParams(search);
          const set = (k: string, v: string): void => {
            if (v.trim() === '') p.delete(k);
            else p.set(k, v.trim());
          };
          set('service', form.service);
          set('operation', form.operation);
          set('status', form.status);
          set('min_duration', form.minDuration);
          navigate(`${pathname}?${p.toString()}`);
          // Same URL (searching again): ask anyway.
          if (`?${p.toString()}` === search) results.reload();
        }}
      >
        <label className="field">
          <span>Service</span>
          <input
            name="service"
            value={form.service}
            placeholder="any"
            onChange={(e) => setForm({ ...form, service: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Operation or endpoint</span>
          <input
            name="operation"
            value={form.operation}
            placeholder="any"
            onChange={(e) => setForm({ ...form, operation: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Status</span>
          <select
            name="status"
            value={form.status}
            onChange={(e) => setForm({ ...form, status: e.target.value as TraceForm['status'] })}
          >
            <option value="">any</option>
            <option value="error">with errors</option>
            <option value="ok">without errors</option>
          </select>
        </label>
        <label className="field">
          <span>Min duration</span>
          <input
            name="min_duration"
            value={form.minDuration}
            placeholder="e.g. 250ms, 1s"
            aria-invalid={badDuration}
            onChange={(e) => setForm({ ...form, minDuration: e.target.value })}
          />
          {badDuration ? <span className="hint">a duration like 250ms or 2s</span> : null}
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <button type="submit" className="primary" disabled={badDuration}>
            Search
          </button>
        </div>
      </form>
      {results.error ? <div className="banner banner-error">{results.error}</div> : null}
      {results.value && results.value.length === 0 ? (
        <div className="card empty-note">No trace matches in this range.</div>
      ) : null}
      {results.value && results.value.length > 0 ? <TraceTable traces={results.value} /> : null}
    </main>
  );
}

function TraceTable(props: { readonly traces: readonly TraceSummary[] }): React.JSX.Element {
  const longest = Math.max(1, ...props.traces.map((t) => t.durationMs));
  return (
    <table className="card data-table" data-table="traces">
      <thead>
        <tr>
          <th>Started</th>
          <th>Root</th>
          <th>Duration</th>
          <th>Spans</th>
          <th>Errors</th>
          <th>Services</th>
        </tr>
      </thead>
      <tbody>
        {props.traces.map((t) => (
          <tr key={t.traceId} data-trace={t.traceId} data-errors={t.errorCount}>
            <td title={new Date(t.startMs).toISOString()}>
              {formatDay(t.startMs)} {formatClock(t.startMs, true)}
            </td>
            <td>
              <a href={tracePath(t.traceId)} onClick={onLinkClick}>
                <strong>{t.rootService}</strong> {t.rootName}
              </a>
              <div className="sub mono">{t.traceId}</div>
            </td>
            <td className="trace-duration">
              <span className="mono">{formatMs(t.durationMs)}</span>
              <span className="duration-bar">
                <span style={{ width: `${(100 * t.durationMs) / longest}%` }} />
              </span>
            </td>
            <td className="mono">{t.spanCount}</td>
            <td>
              {t.errorCount > 0 ? (
                <span className="pill pill-bad">{t.errorCount}</span>
              ) : (
                <span className="sub">0</span>
              )}
            </td>
            <td>
              <span className="labels">
                {t.services.map((s) => (
                  <span key={s} className="label-chip">
                    {s}
                  </span>
                ))}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
