/**
 * @module
 * SLOs: every SLO of every service with pass/fail, objective, SLI, error budget left (a bar),
 * the burn rate over each policy window, the page/ticket state, and a burn-rate chart over the
 * picked range with the 14.4×/6×/1× thresholds drawn (docs/slos.md). The statuses refresh after
 * every alerting evaluation (pushed on the alerts stream); nothing polls.
 */
import { useMemo } from 'react';
import {
  type BurnState,
  getSloBurn,
  getSlos,
  type SloStatus,
  useLiveAlerts,
  useRefetch,
} from '../api/alerting.ts';
import { useNow } from '../api/hooks.ts';
import type { InputSeries } from '../charts/align.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { formatAge, formatNumber, formatPercent } from '../format.ts';
import { onLinkClick, servicePath } from '../router.ts';
import {
  chooseStepMs,
  describeRange,
  formatDurationMs,
  rangeWindowMs,
  resolveRange,
  type TimeRange,
} from '../time/range.ts';
import { useRange } from './use-range.ts';

/** The default burn-rate thresholds (docs/slos.md): page fast, page slow, ticket. */
export const BURN_THRESHOLDS: readonly { readonly value: number; readonly label: string }[] = [
  { value: 14.4, label: 'page 14.4×' },
  { value: 6, label: 'page 6×' },
  { value: 1, label: 'ticket 1×' },
];

/** SLO buckets are a minute long (or a cycle): finer chart steps only repeat values. */
const MIN_BURN_STEP_MS = 60_000;

export function SlosPage(): React.JSX.Element {
  const [range, setRange] = useRange();
  const alerts = useLiveAlerts();
  const now = useNow(5_000);
  const slos = useRefetch(getSlos, alerts.tick);
  const list = slos.value?.slos ?? [];
  const failing = list.filter((s) => !s.passing).length;
  const services = useMemo(() => [...new Set(list.map((s) => s.service))].sort(), [list]);
  const notFound = slos.error?.startsWith('HTTP 404') || alerts.unavailable;

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>SLOs</h1>
          <p className="sub">
            {slos.value
              ? `${list.length} SLOs · ${failing} failing · evaluated ${formatAge(slos.value.generatedAtMs, now)} · burn charts ${describeRange(range)}`
              : 'Loading…'}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>
      {notFound ? (
        <div className="banner banner-error">This server runs without alerting: no SLOs.</div>
      ) : slos.error ? (
        <div className="banner banner-error">{slos.error}</div>
      ) : null}
      {slos.value && list.length === 0 ? (
        <div className="empty-note">
          No SLOs yet. Every service that reports requests gets an availability and a latency SLO
          (docs/slos.md).
        </div>
      ) : null}
      {services.map((service) => (
        <section key={service} aria-label={`SLOs of ${service}`} className="section-gap">
          <h2>
            <a href={servicePath(service)} onClick={onLinkClick}>
              {service}
            </a>
          </h2>
          <div className="slo-list">
            {list
              .filter((s) => s.service === service)
              .map((s) => (
                <SloCard key={s.name} slo={s} range={range} tick={alerts.tick} />
              ))}
          </div>
        </section>
      ))}
    </main>
  );
}

const STATE_PILL: Record<BurnState, string> = {
  firing: 'pill-bad',
  guarded: 'pill-warn',
  ok: 'pill-ok',
};
const STATE_TEXT: Record<BurnState, string> = {
  firing: 'firing',
  guarded: 'held (too few events)',
  ok: 'quiet',
};

function SloCard(props: {
  readonly slo: SloStatus;
  readonly range: TimeRange;
  readonly tick: number;
}): React.JSX.Element {
  const { slo } = props;
  const ev = slo.evaluation;
  const remaining = ev.budget.remainingFraction;
  const barPct = Math.max(0, Math.min(1, remaining)) * 100;
  return (
    <article
      className="card slo"
      data-slo={`${slo.name}@${slo.service}`}
      data-passing={String(slo.passing)}
    >
      <div className="slo-head">
        <span className="slo-name">{slo.name}</span>
        <span className={`pill ${slo.passing ? 'pill-ok' : 'pill-bad'}`} data-pass={slo.passing}>
          {slo.passing ? '✓ pass' : '✕ fail'}
        </span>
        <span className={`pill ${STATE_PILL[slo.page]}`} data-page={slo.page}>
          page: {STATE_TEXT[slo.page]}
        </span>
        <span className={`pill ${STATE_PILL[slo.ticket]}`} data-ticket={slo.ticket}>
          ticket: {STATE_TEXT[slo.ticket]}
        </span>
        <span className="sub">{sliText(slo)}</span>
      </div>
      <div className="slo-facts">
        <Fact label="Objective" value={`${formatPercent(slo.definition.objective * 100)}%`} />
        <Fact
          label={`SLI over ${formatDurationMs(ev.windowMs)}`}
          value={ev.sli === null ? 'no events' : `${formatPercent(ev.sli * 100)}%`}
        />
        <div data-budget={remaining}>
          <div className="fact-label">Error budget left</div>
          <div className="fact-value">{formatPercent(remaining * 100)}%</div>
          <div
            className={`budget-bar${remaining <= 0 ? ' is-spent' : remaining < 0.25 ? ' is-low' : ''}`}
            title={`${formatPercent(remaining * 100)}% of the error budget left`}
          >
            <span style={{ width: `${barPct}%` }} />
          </div>
        </div>
        <Fact
          label="Events (good / total)"
          value={`${formatNumber(ev.good)} / ${formatNumber(ev.total)}`}
        />
      </div>
      <BurnTable slo={slo} />
      <BurnChart slo={slo} range={props.range} tick={props.tick} />
    </article>
  );
}

function Fact(props: { readonly label: string; readonly value: string }): React.JSX.Element {
  return (
    <div>
      <div className="fact-label">{props.label}</div>
      <div className="fact-value">{props.value}</div>
    </div>
  );
}

function sliText(slo: SloStatus): string {
  const sli = slo.definition.sli;
  if (sli.kind === 'ratio') {
    return sli.badMetric !== undefined
      ? `good = ${sli.totalMetric} − ${sli.badMetric}`
      : `good = ${sli.goodMetric ?? '?'} of ${sli.totalMetric}`;
  }
  return `${sli.aggregation}(${sli.metric}) ${sli.op} ${formatNumber(sli.value)} per ${formatDurationMs(sli.intervalMs)}`;
}

/** Burn rate of each policy: long and short window against the threshold. */
function BurnTable(props: { readonly slo: SloStatus }): React.JSX.Element {
  const alerts = props.slo.evaluation.burnAlerts;
  return (
    <table className="burn-table" aria-label="Burn rates">
      <thead>
        <tr>
          <th>policy</th>
          <th>threshold</th>
          <th>long window</th>
          <th>short window</th>
          <th>state</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={`${a.severity}-${a.threshold}`} data-burn={`${a.severity}-${a.threshold}`}>
            <td>{a.severity}</td>
            <td>{formatNumber(a.threshold)}×</td>
            <BurnCell windowMs={a.long.windowMs} rate={a.long.burnRate} threshold={a.threshold} />
            <BurnCell windowMs={a.short.windowMs} rate={a.short.burnRate} threshold={a.threshold} />
            <td className={a.firing ? 'burn-hot' : ''}>
              {a.firing ? 'firing' : a.guarded ? 'held' : 'quiet'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BurnCell(props: {
  readonly windowMs: number;
  readonly rate: number;
  readonly threshold: number;
}): React.JSX.Element {
  return (
    <td className={props.rate >= props.threshold ? 'burn-hot' : ''}>
      {formatDurationMs(props.windowMs)}: {formatNumber(props.rate)}×
    </td>
  );
}

/** Burn rate over time, one line per policy window, with the thresholds as dashed lines. */
function BurnChart(props: {
  readonly slo: SloStatus;
  readonly range: TimeRange;
  readonly tick: number;
}): React.JSX.Element {
  const { slo, range } = props;
  const stepMs = Math.max(MIN_BURN_STEP_MS, chooseStepMs(rangeWindowMs(range)));
  // A trailing window follows the evaluations (one refetch per pushed alerts update).
  const trigger = `${JSON.stringify(range)}|${range.kind === 'relative' ? props.tick : 0}`;
  const burn = useRefetch((signal) => {
    const { fromMs, toMs } = resolveRange(range, Date.now());
    return getSloBurn(slo.name, slo.service, fromMs, toMs, stepMs, signal).then((b) => ({
      b,
      fromMs,
      toMs,
    }));
  }, trigger);
  const series = useMemo<InputSeries[] | undefined>(
    () =>
      burn.value?.b?.windows.map((w) => ({
        labels: { window: formatDurationMs(w.windowMs) },
        points: w.points,
      })) ?? (burn.value ? [] : undefined),
    [burn.value],
  );
  return (
    <figure className="chart-card" data-chart={`burn-${slo.name}-${slo.service}`}>
      <figcaption>
        <span className="chart-title">Burn rate</span>
        <span className="chart-meta">
          × budget pace, per window · step {formatDurationMs(stepMs)}
        </span>
      </figcaption>
      <TimeChart
        series={series}
        stepMs={stepMs}
        unit="×"
        fallbackName="burn"
        xRange={burn.value ? { fromMs: burn.value.fromMs, toMs: burn.value.toMs } : undefined}
        height={160}
        ariaLabel={`Burn rate of ${slo.name} for ${slo.service}`}
        error={burn.error}
        thresholds={BURN_THRESHOLDS}
        minYMax={15}
      />
    </figure>
  );
}
