/**
 * @module
 * The overview: one card per service (traffic light, why, the four headline KPIs) and live
 * charts of request rate, p95 latency and errors per service over the picked range.
 */
import { useMemo } from 'react';
import type { Light, Matcher, ServiceStatus } from '../../../src/contract/index.ts';
import { getHealthMap, type ServiceHealth, useRefetch } from '../api/alerting.ts';
import { getAnomalies } from '../api/anomalies.ts';
import { useLiveOverview, useNow } from '../api/hooks.ts';
import { ratioSeries } from '../charts/align.ts';
import { ActiveIncidentsStrip } from '../components/active-incidents.tsx';
import { headlineKpis, KpiTile } from '../components/kpi-tile.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { LIGHT_TEXT, TrafficLight } from '../components/traffic-light.tsx';
import { formatAge, formatNumber } from '../format.ts';
import { onLinkClick, servicePath } from '../router.ts';
import { describeRange } from '../time/range.ts';
import {
  ChartView,
  ERROR_RATIO_BY_SERVICE,
  ERRORS_BY_SERVICE,
  kpiTargetLine,
  LATENCY_BY_SERVICE,
  MetricChart,
  REQUESTS_BY_SERVICE,
  useSpecData,
} from './metric-chart.tsx';
import { OpsStrip } from './ops-strip.tsx';
import { rangeSearch, useRange } from './use-range.ts';

/** KPIs and lights are judged over this trailing window (docs/kpis.md). */
export const KPI_WINDOW_MS = 15 * 60_000;

const LIGHT_ORDER: readonly Light[] = ['red', 'orange', 'grey', 'green'];
const ALL_SERVICES: readonly Matcher[] = [];

/** Health scores and anomaly counts are fetched again when pushed time enters a new slot. */
export const SIDE_REFRESH_MS = 15_000;
/** Most anomalies counted per refresh (the counts say "N+" beyond). */
const MAX_COUNTED_ANOMALIES = 1_000;

/** Anomalies per service over the KPI window. */
async function loadAnomalyCounts(signal: AbortSignal): Promise<Map<string, number>> {
  const list = await getAnomalies(
    {
      metric: '',
      matchers: [],
      fromMs: Date.now() - KPI_WINDOW_MS,
      toMs: Date.now(),
      limit: MAX_COUNTED_ANOMALIES,
    },
    signal,
  );
  const counts = new Map<string, number>();
  for (const a of list) {
    const svc = a.labels.service;
    if (svc !== undefined) counts.set(svc, (counts.get(svc) ?? 0) + 1);
  }
  return counts;
}

export function OverviewPage(): React.JSX.Element {
  const [range, setRange] = useRange();
  const { overview, error } = useLiveOverview(KPI_WINDOW_MS);
  const slot = overview ? Math.floor(overview.generatedAtMs / SIDE_REFRESH_MS) : 0;
  const health = useRefetch(getHealthMap, slot);
  const anomalyCounts = useRefetch(loadAnomalyCounts, slot);
  const now = useNow(5_000);
  const requests = useSpecData(REQUESTS_BY_SERVICE, range, ALL_SERVICES);
  const errors = useSpecData(ERRORS_BY_SERVICE, range, ALL_SERVICES);
  const errorRatio = useMemo(
    () => ({
      stepMs: requests.stepMs,
      series:
        requests.series && errors.series
          ? ratioSeries(errors.series, requests.series, 100)
          : undefined,
      xRange: requests.xRange,
      error: requests.error ?? errors.error,
    }),
    [requests, errors],
  );
  const services = [...(overview?.services ?? [])]
    .map((s) => withHealth(s, health.value?.get(s.id)))
    .sort(
      (a, b) =>
        LIGHT_ORDER.indexOf(a.light) - LIGHT_ORDER.indexOf(b.light) || a.id.localeCompare(b.id),
    );
  const counts = new Map<Light, number>();
  for (const s of services) counts.set(s.light, (counts.get(s.light) ?? 0) + 1);

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <p className="sub">
            {overview
              ? `${services.length} services · KPIs over the last 15 min · updated ${formatAge(overview.generatedAtMs, now)}`
              : 'Waiting for the first update…'}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>

      {error ? <div className="banner banner-error">{error}</div> : null}

      <ActiveIncidentsStrip />

      <OpsStrip refreshKey={slot} />

      {overview ? (
        <section className="summary" aria-label="Summary">
          {LIGHT_ORDER.filter((l) => counts.has(l)).map((l) => (
            <span key={l} className={`summary-item summary-${l}`}>
              <strong>{counts.get(l)}</strong> {LIGHT_TEXT[l].toLowerCase()}
            </span>
          ))}
          <span className="summary-item">
            <strong>{formatNumber(overview.totals.ingestRate)}</strong> samples/s ingested
          </span>
          <span className="summary-item">
            <strong>{formatNumber(overview.totals.series)}</strong> series
          </span>
          <span className="summary-item">
            <strong>{formatNumber(overview.totals.samples)}</strong> samples stored
          </span>
        </section>
      ) : null}

      <section className="services" aria-label="Services">
        {services.map((s) => (
          <ServiceCard
            key={s.id}
            service={s}
            nowMs={now}
            search={rangeSearch(range)}
            score={health.value?.get(s.id)?.score}
            anomalies={anomalyCounts.value?.get(s.id)}
          />
        ))}
        {overview && services.length === 0 ? (
          <div className="empty-note">
            No services yet. Push telemetry with a <code>service</code> label
            (docs/data-contract.md) or start with the demo.
          </div>
        ) : null}
      </section>

      <section className="charts" aria-label="Charts">
        <h2>
          Per service <span className="sub">{describeRange(range)}</span>
        </h2>
        <div className="chart-grid">
          <ChartView spec={REQUESTS_BY_SERVICE} data={requests} />
          <MetricChart
            spec={LATENCY_BY_SERVICE}
            range={range}
            matchers={ALL_SERVICES}
            thresholds={kpiTargetLine(overview?.services, 'latency_p95')}
          />
          <ChartView
            spec={ERROR_RATIO_BY_SERVICE}
            data={errorRatio}
            formula="100 × errors / requests"
            thresholds={kpiTargetLine(overview?.services, 'error_rate')}
          />
        </div>
      </section>
    </main>
  );
}

/**
 * The service with the health score's light and reasons when there is a score (the KPI rules'
 * reasons follow, so nothing they found is lost).
 */
export function withHealth(s: ServiceStatus, h: ServiceHealth | undefined): ServiceStatus {
  if (!h || h.score === null) return s;
  const reasons = [...h.reasons, ...s.reasons.filter((r) => !h.reasons.includes(r))];
  return { ...s, light: h.light, reasons: h.light === 'green' ? [] : reasons };
}

function ServiceCard(props: {
  readonly service: ServiceStatus;
  readonly nowMs: number;
  readonly search: string;
  readonly score: number | null | undefined;
  readonly anomalies: number | undefined;
}): React.JSX.Element {
  const { service: s, nowMs, search, score, anomalies } = props;
  const href = `${servicePath(s.id)}${search}`;
  return (
    <article className={`card service service-${s.light}`} data-service={s.id}>
      <div className="service-head">
        <a className="service-name" href={href} onClick={onLinkClick}>
          {s.id}
        </a>
        <TrafficLight light={s.light} reasons={s.reasons} />
        {score !== undefined && score !== null ? (
          <span
            className="health-score"
            data-health-score={Math.round(score)}
            title="Health score 0–100 (docs/alerting.md): green ≥ 80, orange ≥ 50"
          >
            {Math.round(score)}/100
          </span>
        ) : null}
        {anomalies ? (
          <a
            className="anomaly-count"
            href={href}
            onClick={onLinkClick}
            data-anomaly-count={anomalies}
            title="Anomalies found in the last 15 min"
          >
            {anomalies >= MAX_COUNTED_ANOMALIES ? `${anomalies}+` : anomalies} anomal
            {anomalies === 1 ? 'y' : 'ies'}
          </a>
        ) : null}
        <span className="last-seen">seen {formatAge(s.lastSeenMs, nowMs)}</span>
      </div>
      {headlineKpis(s.kpis).map((k) => (
        <KpiTile key={k.name} kpi={k} compact />
      ))}
      <div className="service-why">
        {s.reasons.length > 1 ? (
          <details className="reasons">
            <summary>
              {s.reasons[0]} (+{s.reasons.length - 1} more)
            </summary>
            <ul>
              {s.reasons.slice(1).map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </details>
        ) : s.reasons.length === 1 ? (
          <span className="reason">{s.reasons[0]}</span>
        ) : (
          <span className="reasons-none">All KPIs on target</span>
        )}
      </div>
    </article>
  );
}
