/**
 * @module
 * The pipeline view (docs/dashboard.md, "Pipeline"): the stages as a flow (ingest → validate →
 * enrich → store) with a light per stage and each stage's input queue drawn on the arrow into it
 * (depth against capacity), the overall light and why, both SLOs with pass/fail and burn,
 * throughput and tail latency (numbers and live charts), the signal breakdown, incidents with
 * their summaries, and the demo controls (spike, slowdown). Everything is pushed: the health by
 * `/api/v1/live/pipelines`, the charts by their live queries.
 */
import { useMemo, useState } from 'react';
import type { Matcher } from '../../../src/contract/index.ts';
import { ApiError } from '../api/client.ts';
import { errorText, useNow } from '../api/hooks.ts';
import {
  PIPELINE_METRIC_NAMES,
  PIPELINE_SIGNALS,
  type PipelineDisturbanceKind,
  type PipelineHealth,
  type PipelineIncident,
  type PipelineSloStatus,
  type StageHealth,
  simulatePipeline,
  useLivePipelines,
} from '../api/pipelines.ts';
import { formatClock } from '../charts/axis.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { TrafficLight } from '../components/traffic-light.tsx';
import { formatAge, formatNumber, formatPercent } from '../format.ts';
import { navigate, useLocation } from '../router.ts';
import { describeRange, formatDurationMs, type TimeRange } from '../time/range.ts';
import { type ChartSpec, MetricChart, useSpecData } from './metric-chart.tsx';
import { useRange } from './use-range.ts';
import '../ops.css';

const QUEUE_CHART: ChartSpec = {
  id: 'pipeline-queue',
  title: 'Queue depth per stage',
  metric: PIPELINE_METRIC_NAMES.queueDepth,
  agg: 'max',
  groupBy: ['stage'],
  unit: 'events',
};
const THROUGHPUT_CHART: ChartSpec = {
  id: 'pipeline-throughput',
  title: 'Throughput',
  metric: PIPELINE_METRIC_NAMES.throughput,
  agg: 'avg',
  groupBy: [],
  unit: 'ev/cycle',
};
const P99_CHART: ChartSpec = {
  id: 'pipeline-latency',
  title: 'End-to-end latency p99',
  metric: PIPELINE_METRIC_NAMES.latencyP99,
  agg: 'max',
  groupBy: [],
  unit: 'cycles',
};

/** The SLO targets the lines on the charts show (docs/pipeline.md). */
const THROUGHPUT_TARGET = [{ value: 35, label: 'SLO ≥ 35 / cycle' }];
const LATENCY_TARGET = [{ value: 10, label: 'SLO ≤ 10 cycles' }];

export function PipelinePage(): React.JSX.Element {
  const { pipelines, error } = useLivePipelines();
  const [range, setRange] = useRange();
  const { pathname, search } = useLocation();
  const params = new URLSearchParams(search);
  const wanted = params.get('pipeline');
  const list = pipelines ?? [];
  const p = list.find((x) => x.pipeline === wanted) ?? list[0];
  const now = useNow(5_000);
  const name = p?.pipeline;
  const matchers = useMemo<Matcher[]>(
    () => (name === undefined ? [] : [{ name: 'pipeline', op: '=', value: name }]),
    [name],
  );

  return (
    <main className="page ops-page">
      <div className="page-head">
        <div>
          <h1 className="ops-title">
            Pipeline{p ? ` ${p.pipeline}` : ''}
            {p ? <TrafficLight light={p.light} reasons={[p.reason]} size="large" /> : null}
          </h1>
          <p className="sub" data-pipeline-reason>
            {p
              ? `${p.reason} · ${formatNumber(p.cycles)} cycles judged · updated ${formatAge(p.atMs, now)}`
              : pipelines === null
                ? 'This server watches no pipelines.'
                : pipelines !== undefined
                  ? 'No pipeline has reported yet: start with the demo, or send pipeline_* telemetry.'
                  : 'Waiting for the first update…'}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>
      {error ? <div className="banner banner-error">{error}</div> : null}
      {list.length > 1 ? (
        <fieldset className="seg" aria-label="Pipeline">
          {list.map((x) => (
            <button
              type="button"
              key={x.pipeline}
              className={x.pipeline === p?.pipeline ? 'is-active' : ''}
              aria-pressed={x.pipeline === p?.pipeline}
              onClick={() => {
                params.set('pipeline', x.pipeline);
                navigate(`${pathname}?${params.toString()}`);
              }}
            >
              {x.pipeline}
            </button>
          ))}
        </fieldset>
      ) : null}

      {p ? (
        <>
          <StageFlow stages={p.stages} />
          <section className="ops-row" aria-label="Service levels">
            {p.slos.map((s) => (
              <SloCard key={s.name} slo={s} />
            ))}
            <Numbers p={p} />
          </section>
          <Signals signals={p.signals} />
          <section className="charts" aria-label="Charts">
            <h2>
              Over time <span className="sub">{describeRange(range)}</span>
            </h2>
            <div className="chart-grid">
              <MetricChart spec={QUEUE_CHART} range={range} matchers={matchers} />
              <PipelineChart
                spec={THROUGHPUT_CHART}
                range={range}
                matchers={matchers}
                thresholds={THROUGHPUT_TARGET}
              />
              <PipelineChart
                spec={P99_CHART}
                range={range}
                matchers={matchers}
                thresholds={LATENCY_TARGET}
              />
            </div>
          </section>
          <div className="ops-row ops-row-wide">
            <Incidents incidents={p.incidents} nowMs={now} />
            <PipelineDemo name={p.pipeline} />
          </div>
        </>
      ) : null}
    </main>
  );
}

/**
 * A chart whose y axis always reaches its SLO line (a healthy p99 of 4 cycles would otherwise
 * hide the 10-cycle target above the plot).
 */
function PipelineChart(props: {
  readonly spec: ChartSpec;
  readonly range: TimeRange;
  readonly matchers: readonly Matcher[];
  readonly thresholds: readonly { readonly value: number; readonly label: string }[];
}): React.JSX.Element {
  const { spec } = props;
  const data = useSpecData(spec, props.range, props.matchers);
  const top = Math.max(...props.thresholds.map((t) => t.value));
  return (
    <figure className="card chart-card" data-chart={spec.id}>
      <figcaption>
        <span className="chart-title">{spec.title}</span>
        <span className="chart-meta">
          {spec.agg} · {spec.unit} · step {formatDurationMs(data.stepMs)}
        </span>
      </figcaption>
      <TimeChart
        series={data.series}
        stepMs={data.stepMs}
        unit={spec.unit}
        fallbackName={spec.metric}
        xRange={data.xRange}
        ariaLabel={spec.title}
        error={data.error}
        thresholds={props.thresholds}
        minYMax={top * 1.15}
      />
    </figure>
  );
}

/** Stages left to right; each stage's input queue sits on the arrow into it. */
function StageFlow(props: { readonly stages: readonly StageHealth[] }): React.JSX.Element {
  return (
    <section className="card flow" aria-label="Stages">
      <h2>
        Flow <span className="sub">queue depth / capacity on each arrow · lights per stage</span>
      </h2>
      <div className="flow-row">
        <div className="flow-source">sources</div>
        {props.stages.map((s) => (
          <div key={s.stage} className="flow-step">
            <QueueArrow stage={s} />
            <StageBox stage={s} />
          </div>
        ))}
      </div>
    </section>
  );
}

function queueLevel(share: number): 'ok' | 'warn' | 'bad' {
  // The stage-light thresholds (docs/pipeline.md): orange from half full, red from 90 %.
  return share >= 0.9 ? 'bad' : share >= 0.5 ? 'warn' : 'ok';
}

function QueueArrow(props: { readonly stage: StageHealth }): React.JSX.Element {
  const s = props.stage;
  const share = s.queueCapacity > 0 ? Math.min(1, s.queueDepth / s.queueCapacity) : 0;
  return (
    <div
      className="flow-arrow"
      data-queue={s.stage}
      data-depth={s.queueDepth}
      data-capacity={s.queueCapacity}
      title={`Queue into ${s.stage}: ${s.queueDepth} of ${s.queueCapacity} (${formatPercent(share * 100)}%)`}
    >
      <div className={`queue-bar queue-${queueLevel(share)}`}>
        <div className="queue-fill" style={{ width: `${share * 100}%` }} />
      </div>
      <div className="queue-text mono">
        {formatNumber(s.queueDepth)}/{formatNumber(s.queueCapacity)}
      </div>
      <div className="flow-arrowhead" aria-hidden="true">
        →
      </div>
    </div>
  );
}

function StageBox(props: { readonly stage: StageHealth }): React.JSX.Element {
  const s = props.stage;
  return (
    <article className={`flow-stage flow-stage-${s.light}`} data-stage={s.stage}>
      <div className="flow-stage-head">
        <strong>{s.stage}</strong>
        <TrafficLight light={s.light} reasons={[s.reason]} />
      </div>
      <dl className="flow-facts">
        <dt>Throughput</dt>
        <dd>{formatNumber(s.throughputPerCycle)}/cycle</dd>
        <dt>Busy</dt>
        <dd>{formatPercent(s.utilisation * 100)}%</dd>
        <dt>Processing</dt>
        <dd>
          {formatNumber(s.processingMs)} ms{' '}
          <span className="sub">(normal {formatNumber(s.normalProcessingMs)})</span>
        </dd>
        <dt>Drops</dt>
        <dd className={s.dropsInWindow > 0 ? 'text-bad' : ''}>{formatNumber(s.dropsInWindow)}</dd>
      </dl>
      <p className="flow-reason">{s.reason}</p>
    </article>
  );
}

function SloCard(props: { readonly slo: PipelineSloStatus }): React.JSX.Element {
  const s = props.slo;
  const budget = Math.max(0, Math.min(1, s.budgetRemaining));
  return (
    <section
      className={`card ops-slo ops-slo-${s.pass ? 'pass' : 'fail'}`}
      data-slo={s.name}
      data-pass={s.pass ? 'pass' : 'fail'}
      aria-label={`SLO ${s.name}`}
    >
      <div className="ops-slo-head">
        <h2>{s.name === 'latency' ? 'Latency SLO' : 'Throughput SLO'}</h2>
        <span className={`pill ${s.pass ? 'pill-ok' : 'pill-bad'}`}>
          {s.pass ? 'pass' : 'fail'}
        </span>
      </div>
      <p className="sub">{s.description}</p>
      <dl className="ops-facts">
        <dt>SLI</dt>
        <dd>
          {formatPercent(s.sli * 100)}%{' '}
          <span className="sub">objective {formatPercent(s.objective * 100)}%</span>
        </dd>
        <dt>Good / total</dt>
        <dd>
          {formatNumber(s.good)} / {formatNumber(s.total)}
        </dd>
        <dt>Burn</dt>
        <dd data-burn-short={s.burnShort}>
          <span className={s.burnShort > 1 ? 'text-bad' : ''}>{formatNumber(s.burnShort)}×</span>{' '}
          short · {formatNumber(s.burnLong)}× long
        </dd>
        <dt>Budget left</dt>
        <dd>
          <span className="budget-bar" title={`${formatPercent(s.budgetRemaining * 100)}%`}>
            <span style={{ width: `${budget * 100}%` }} />
          </span>{' '}
          {s.budgetRemaining >= 0
            ? `${formatPercent(s.budgetRemaining * 100)}%`
            : `overspent: ${formatNumber(1 - s.budgetRemaining)}× the budget used`}
        </dd>
      </dl>
    </section>
  );
}

function Numbers(props: { readonly p: PipelineHealth }): React.JSX.Element {
  const { p } = props;
  return (
    <section className="card ops-numbers" aria-label="Throughput and latency">
      <h2>Now</h2>
      <div className="ops-big">
        <div data-number="throughput">
          <span className="ops-big-value">{formatNumber(p.throughputPerCycle)}</span>
          <span className="sub">events / cycle</span>
        </div>
        <div data-number="p95">
          <span className="ops-big-value">{formatNumber(p.latencyP95)}</span>
          <span className="sub">p95 cycles</span>
        </div>
        <div data-number="p99">
          <span className="ops-big-value">{formatNumber(p.latencyP99)}</span>
          <span className="sub">p99 cycles</span>
        </div>
      </div>
      <p className="sub">
        Means over the light window; SLOs: ≥ 35 events/cycle, ≤ 10 cycles end to end.
      </p>
    </section>
  );
}

function Signals(props: { readonly signals: Readonly<Record<string, number>> }): React.JSX.Element {
  const names = [
    ...PIPELINE_SIGNALS,
    ...Object.keys(props.signals).filter(
      (k) => !(PIPELINE_SIGNALS as readonly string[]).includes(k),
    ),
  ];
  let total = 0;
  for (const n of names) total += props.signals[n] ?? 0;
  return (
    <section className="card" aria-label="Signal breakdown">
      <h2>
        Signals <span className="sub">completed events per type over the light window</span>
      </h2>
      <div className="signal-bars">
        {names.map((n, i) => {
          const v = props.signals[n] ?? 0;
          const share = total > 0 ? v / total : 0;
          return (
            <div key={n} className="signal-row" data-signal={n} data-count={v}>
              <span className="signal-name mono">{n}</span>
              <span className="signal-bar">
                <span
                  className={`signal-fill signal-fill-${i % 3}`}
                  style={{ width: `${share * 100}%` }}
                />
              </span>
              <span className="signal-value mono">
                {formatNumber(v)} <span className="sub">({formatPercent(share * 100)}%)</span>
              </span>
            </div>
          );
        })}
      </div>
    </section>
  );
}

const KIND_TEXT: Record<PipelineIncident['kind'], string> = {
  queue_overflow: 'queue overflow',
  latency_slo: 'latency SLO',
  throughput_slo: 'throughput SLO',
};

function Incidents(props: {
  readonly incidents: readonly PipelineIncident[];
  readonly nowMs: number;
}): React.JSX.Element {
  const list = [...props.incidents].sort((a, b) =>
    a.status === b.status ? b.startedMs - a.startedMs : a.status === 'active' ? -1 : 1,
  );
  return (
    <section className="card ops-incidents" aria-label="Pipeline incidents">
      <h2>
        Incidents <span className="sub">queue overflow and SLO misses</span>
      </h2>
      {list.length === 0 ? (
        <p className="sub" data-incidents="0">
          None: no queue overflowed and both SLOs held.
        </p>
      ) : (
        <ul className="ops-incident-list" data-incidents={list.length}>
          {list.map((i) => (
            <li key={i.id} data-incident={i.kind} data-status={i.status}>
              <div className="ops-incident-head">
                <span className={`pill ${i.status === 'active' ? 'pill-bad' : 'pill-ok'}`}>
                  {i.status}
                </span>
                <strong>{KIND_TEXT[i.kind]}</strong>
                {i.stage ? <span className="mono">{i.stage}</span> : null}
                <span className="sub" title={new Date(i.startedMs).toISOString()}>
                  since {formatClock(i.startedMs)} ({formatAge(i.startedMs, props.nowMs)})
                </span>
              </div>
              <p>{i.summary}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PipelineDemo(props: { readonly name: string }): React.JSX.Element {
  const [duration, setDuration] = useState('60');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ text: string; bad: boolean } | undefined>(undefined);
  const d = Number(duration);
  const ok = Number.isInteger(d) && d >= 1 && d <= 3_600;
  const run = (kind: PipelineDisturbanceKind): void => {
    setBusy(true);
    setNote(undefined);
    simulatePipeline(props.name, kind, d).then(
      () => {
        setBusy(false);
        setNote({
          text: `${kind === 'spike' ? 'Traffic spike' : 'Enrichment slowdown'} started for ${d} cycles.`,
          bad: false,
        });
      },
      (err: unknown) => {
        setBusy(false);
        setNote({
          text:
            err instanceof ApiError && err.status === 503
              ? 'No simulated pipeline runs in this server (start it with the demo).'
              : errorText(err),
          bad: true,
        });
      },
    );
  };
  return (
    <section className="card ops-demo" aria-label="Pipeline demo controls" data-pipeline-demo>
      <h2>
        Demo <span className="sub">disturb the simulated pipeline</span>
      </h2>
      <div className="ops-demo-form">
        <label className="field">
          <span>Cycles</span>
          <input
            name="pipeline-duration"
            inputMode="numeric"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
          />
        </label>
        <button
          type="button"
          className="ghost"
          data-pipeline-action="spike"
          disabled={busy || !ok}
          onClick={() => run('spike')}
        >
          Traffic spike
        </button>
        <button
          type="button"
          className="ghost"
          data-pipeline-action="degradation"
          disabled={busy || !ok}
          onClick={() => run('degradation')}
        >
          Slow enrichment
        </button>
      </div>
      {note ? (
        <div className={`banner ${note.bad ? 'banner-error' : 'ops-note'}`} data-demo-note>
          {note.text}
        </div>
      ) : null}
      <p className="sub">
        A spike sends more traffic than enrich can take; a slowdown makes enrich sluggish. Both end
        on their own and the pipeline recovers.
      </p>
    </section>
  );
}
