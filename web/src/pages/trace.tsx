/**
 * @module
 * One trace as a waterfall: a row per span, indented under its parent, its bar placed by start
 * and width by duration on the trace's time axis, coloured by service, failed spans marked red.
 * Clicking a row opens the span: identity, timing, every attribute, and its events, exceptions
 * with their stack traces first.
 */
import { useMemo, useState } from 'react';
import type { Span } from '../../../src/contract/index.ts';
import { useRefetch } from '../api/alerting.ts';
import { getTrace } from '../api/traces.ts';
import { formatClock, formatDay } from '../charts/axis.ts';
import { formatMs } from '../format.ts';
import { onLinkClick, servicePath } from '../router.ts';
import { axisTicks, buildWaterfall, exceptionsOf, serviceColour } from '../traces/waterfall.ts';

const INDENT_PX = 14;

export function TracePage(props: { readonly traceId: string }): React.JSX.Element {
  const spans = useRefetch((signal) => getTrace(props.traceId, signal), props.traceId);
  const w = useMemo(() => buildWaterfall(spans.value ?? []), [spans.value]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const colourOf = (service: string): string => serviceColour(w.services.indexOf(service));
  const chosen = w.rows.find((r) => r.span.spanId === selected)?.span;
  const errors = w.rows.filter((r) => r.failed).length;

  return (
    <main className="page">
      <div className="crumbs">
        <a href="/traces" onClick={onLinkClick}>
          Traces
        </a>
        <span>/</span>
        <span className="mono">{props.traceId}</span>
      </div>
      <div className="page-head">
        <div>
          <h1>{w.rows[0] ? `${w.rows[0].span.service}: ${w.rows[0].span.name}` : 'Trace'}</h1>
          <p className="sub">
            {spans.value
              ? `${w.rows.length} spans · ${w.services.length} services · ${formatMs(w.totalMs)} · ${errors} failed · started ${formatDay(w.startMs)} ${formatClock(w.startMs, true)}`
              : 'Loading…'}
          </p>
        </div>
        <div className="labels trace-legend">
          {w.services.map((s) => (
            <span key={s} className="legend-service" data-service-colour={s}>
              <span className="swatch-box" style={{ background: colourOf(s) }} />
              {s}
            </span>
          ))}
        </div>
      </div>
      {spans.error ? <div className="banner banner-error">{spans.error}</div> : null}
      {spans.value && w.rows.length === 0 ? (
        <div className="card empty-note">No spans stored for this trace.</div>
      ) : null}
      {w.rows.length > 0 ? (
        <div className="card waterfall" data-waterfall data-spans={w.rows.length}>
          <div className="wf-row wf-axis" aria-hidden="true">
            <div className="wf-label">Service · operation</div>
            <div className="wf-track">
              {axisTicks(w.totalMs).map((t) => (
                <span key={t} className="wf-tick" style={{ left: `${(100 * t) / w.totalMs}%` }}>
                  {formatMs(t)}
                </span>
              ))}
            </div>
          </div>
          {w.rows.map((r) => {
            const left = (100 * r.offsetMs) / w.totalMs;
            const width = Math.max(0.3, (100 * r.span.durationMs) / w.totalMs);
            const isSel = r.span.spanId === selected;
            return (
              <button
                type="button"
                key={r.span.spanId}
                className={`wf-row wf-span${r.failed ? ' wf-failed' : ''}${isSel ? ' is-selected' : ''}`}
                data-span={r.span.spanId}
                data-depth={r.depth}
                data-service={r.span.service}
                data-failed={r.failed}
                aria-expanded={isSel}
                onClick={() => setSelected(isSel ? undefined : r.span.spanId)}
              >
                <span className="wf-label" style={{ paddingLeft: 8 + r.depth * INDENT_PX }}>
                  <span className="swatch-box" style={{ background: colourOf(r.span.service) }} />
                  <span className="wf-service">{r.span.service}</span>
                  <span className="wf-name">{r.span.name}</span>
                  {r.failed ? (
                    <span className="wf-err" title="failed">
                      !
                    </span>
                  ) : null}
                </span>
                <span className="wf-track">
                  <span
                    className="wf-bar"
                    data-left={left.toFixed(2)}
                    data-width={width.toFixed(2)}
                    style={{
                      left: `${left}%`,
                      width: `${width}%`,
                      background: colourOf(r.span.service),
                    }}
                  />
                  <span
                    className={`wf-dur${durationLabelAt(left, width) === 'inside' ? ' wf-dur-inside' : ''}`}
                    style={durationLabelStyle(left, width)}
                  >
                    {formatMs(r.span.durationMs)}
                  </span>
                </span>
              </button>
            );
          })}
        </div>
      ) : null}
      {chosen ? <SpanDetail span={chosen} traceStartMs={w.startMs} /> : null}
    </main>
  );
}

/** Where a bar's duration goes: after it, inside its right end, or before it (near the edge). */
function durationLabelAt(leftPct: number, widthPct: number): 'after' | 'inside' | 'before' {
  if (leftPct + widthPct <= 88) return 'after';
  return widthPct > 12 ? 'inside' : 'before';
}

function durationLabelStyle(leftPct: number, widthPct: number): React.CSSProperties {
  const at = durationLabelAt(leftPct, widthPct);
  if (at === 'after') return { left: `${leftPct + widthPct + 0.5}%` };
  if (at === 'inside') return { right: `${100 - leftPct - widthPct + 0.5}%` };
  return { right: `${100 - leftPct + 0.5}%` };
}

function SpanDetail(props: { readonly span: Span; readonly traceStartMs: number }) {
  const { span: s } = props;
  const exceptions = exceptionsOf(s);
  const otherEvents = (s.events ?? []).filter((e) => e.name !== 'exception');
  const attrs = Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="card span-detail section-gap" aria-label="Span" data-span-detail={s.spanId}>
      <h2>
        <a href={servicePath(s.service)} onClick={onLinkClick}>
          {s.service}
        </a>{' '}
        {s.name}
      </h2>
      <dl className="span-facts">
        <dt>Span</dt>
        <dd className="mono">{s.spanId}</dd>
        <dt>Parent</dt>
        <dd className="mono">{s.parentSpanId ?? '– (root)'}</dd>
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Endpoint</dt>
        <dd className="mono">{s.endpoint}</dd>
        <dt>Start</dt>
        <dd>+{formatMs(s.startMs - props.traceStartMs)}</dd>
        <dt>Duration</dt>
        <dd>{formatMs(s.durationMs)}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`pill ${s.status === 'error' ? 'pill-bad' : ''}`}>{s.status}</span>
          {s.httpStatus !== undefined ? (
            <span className={`pill ${s.httpStatus >= 500 ? 'pill-bad' : ''}`}>
              HTTP {s.httpStatus}
            </span>
          ) : null}
          {s.errorMessage ? <span className="span-error"> {s.errorMessage}</span> : null}
        </dd>
      </dl>
      {exceptions.length > 0 ? (
        <>
          <h3>Exceptions</h3>
          {exceptions.map((e, n) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a span's events are fixed; they may repeat.
            <div key={`${e.type}-${n}`} className="exception" data-exception={e.type}>
              <div>
                <strong>{e.type || 'exception'}</strong> {e.message}
              </div>
              {e.stack ? <pre className="stack">{e.stack}</pre> : null}
            </div>
          ))}
        </>
      ) : null}
      {otherEvents.length > 0 ? (
        <>
          <h3>Events</h3>
          <ul className="notes">
            {otherEvents.map((e, n) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a span's events are fixed; they may repeat.
              <li key={`${e.name}-${n}`}>
                +{formatMs(e.timeMs - props.traceStartMs)} <strong>{e.name}</strong>{' '}
                <span className="mono sub">
                  {Object.entries(e.attributes)
                    .map(([k, v]) => `${k}=${String(v)}`)
                    .join(' ')}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Attributes</h3>
      <table className="data-table attrs">
        <tbody>
          {attrs.map(([k, v]) => (
            <tr key={k} data-attr={k}>
              <th className="mono">{k}</th>
              <td className="mono">{String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
