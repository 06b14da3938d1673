/**
 * @module
 * Service detail: the service's light with every reason, all its KPIs (live, over the KPI
 * window) and its four metrics charted per source over the picked range.
 */
import { useEffect, useMemo, useState } from 'react';
import type { KpiReport, Matcher } from '../../../src/contract/index.ts';
import { getHealthMap, type ServiceHealth, useRefetch } from '../api/alerting.ts';
import { getKpis } from '../api/client.ts';
import { errorText, useLiveOverview, useNow } from '../api/hooks.ts';
import { DEFAULT_EXPLORE, encodeExploreState } from '../api/url-state.ts';
import { formatClock } from '../charts/axis.ts';
import { KpiTile } from '../components/kpi-tile.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { TrafficLight } from '../components/traffic-light.tsx';
import { formatAge } from '../format.ts';
import { onLinkClick } from '../router.ts';
import { describeRange, formatWindow, type TimeRange } from '../time/range.ts';
import { kpiTargetLine, MetricChart, SERVICE_CHARTS } from './metric-chart.tsx';
import { KPI_WINDOW_MS, SIDE_REFRESH_MS, withHealth } from './overview.tsx';
import { rangeSearch, useRange } from './use-range.ts';

export function ServicePage(props: { readonly id: string }): React.JSX.Element {
  const { id } = props;
  const [range, setRange] = useRange();
  const { overview, error } = useLiveOverview(KPI_WINDOW_MS);
  const now = useNow(5_000);
  const slot = overview ? Math.floor(overview.generatedAtMs / SIDE_REFRESH_MS) : 0;
  const health = useRefetch(getHealthMap, slot).value?.get(id);
  const reported = overview?.services.find((s) => s.id === id);
  // The light follows the health score when there is one, as on the overview.
  const service = reported ? withHealth(reported, health) : undefined;
  const matchers = useMemo<Matcher[]>(() => [{ name: 'service', op: '=', value: id }], [id]);

  return (
    <main className="page">
      <nav className="crumbs">
        <a href={`/${rangeSearch(range)}`} onClick={onLinkClick}>
          Overview
        </a>
        <span aria-hidden="true">/</span>
        <span>{id}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 className="service-title">
            {id}
            {service ? (
              <TrafficLight light={service.light} reasons={service.reasons} size="large" />
            ) : null}
          </h1>
          <p className="sub">
            {service
              ? `Last seen ${formatAge(service.lastSeenMs, now)}`
              : overview
                ? 'This service has not reported in the KPI window.'
                : 'Waiting for the first update…'}
          </p>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>

      {error ? <div className="banner banner-error">{error}</div> : null}

      {service && service.reasons.length > 0 ? (
        <section className={`card reasons-card reasons-${service.light}`} aria-label="Why">
          <h2>Why {service.light === 'grey' ? 'no data' : service.light}</h2>
          <ul>
            {service.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>
      ) : null}

      {health && health.score !== null ? <HealthCard health={health} /> : null}

      {service ? (
        <h2>
          Last 15 min <span className="sub">live</span>
        </h2>
      ) : null}
      {service ? (
        <section className="kpi-row" aria-label="KPIs">
          {service.kpis.map((k) => (
            <KpiTile key={k.name} kpi={k} />
          ))}
        </section>
      ) : null}

      <RangeKpis id={id} range={range} />

      <section className="charts" aria-label="Charts">
        <h2>
          Per source <span className="sub">{describeRange(range)}</span>
        </h2>
        <div className="chart-grid chart-grid-2">
          {SERVICE_CHARTS.map((c) => (
            <div key={c.id} className="chart-with-link">
              <MetricChart
                spec={c}
                range={range}
                matchers={matchers}
                anomalies
                thresholds={
                  c.id === 'latency' ? kpiTargetLine(overview?.services, 'latency_p95') : undefined
                }
              />
              <a
                className="explore-link"
                href={`/explore?${encodeExploreState({
                  ...DEFAULT_EXPLORE,
                  metric: c.metric,
                  matchers,
                  agg: c.agg,
                  groupBy: c.groupBy,
                  range,
                })}`}
                onClick={onLinkClick}
              >
                Explore →
              </a>
            </div>
          ))}
        </div>
      </section>
    </main>
  );
}

/** Longest window /api/v1/kpis accepts (docs/api.md). */
const MAX_KPI_WINDOW_MS = 7 * 86_400_000;

/**
 * The KPIs over the picked trailing window when it differs from the live 15-minute one: "how did
 * the last 24 h go". Fetched when the range changes, stamped with the time it was computed.
 */
function RangeKpis(props: {
  readonly id: string;
  readonly range: TimeRange;
}): React.JSX.Element | null {
  const { id, range } = props;
  const windowMs = range.kind === 'relative' ? range.windowMs : undefined;
  const show =
    windowMs !== undefined && windowMs !== KPI_WINDOW_MS && windowMs <= MAX_KPI_WINDOW_MS;
  const [report, setReport] = useState<KpiReport | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    setReport(undefined);
    setError(undefined);
    if (!show || windowMs === undefined) return undefined;
    const ac = new AbortController();
    getKpis(id, windowMs, ac.signal).then(setReport, (err: unknown) => {
      if (!ac.signal.aborted) setError(errorText(err));
    });
    return () => ac.abort();
  }, [id, windowMs, show]);
  if (!show || windowMs === undefined) return null;
  return (
    <section
      aria-label={`KPIs over the last ${formatWindow(windowMs)}`}
      data-range-kpis={formatWindow(windowMs)}
    >
      <h2>
        Over the last {formatWindow(windowMs)}{' '}
        <span className="sub">
          {report ? `as of ${formatClock(report.toMs)}` : error ? '' : 'computing…'}
        </span>
      </h2>
      {error ? <div className="banner banner-error">{error}</div> : null}
      {report ? (
        <div className="kpi-row">
          {report.kpis.map((k) => (
            <KpiTile key={k.name} kpi={k} />
          ))}
        </div>
      ) : null}
    </section>
  );
}

/** The health score and the parts it is made of (docs/alerting.md, "Health score"). */
function HealthCard(props: { readonly health: ServiceHealth }): React.JSX.Element {
  const h = props.health;
  return (
    <section className="card health-card" aria-label="Health score" data-health={h.score}>
      <h2>
        Health {h.score === null ? '–' : Math.round(h.score)}
        <span className="sub">
          /100 · green ≥ 80, orange ≥ 50, red below or on a critical alert
        </span>
      </h2>
      <table className="data-table">
        <thead>
          <tr>
            <th>Part</th>
            <th>Score</th>
            <th>Weight</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {h.parts.map((p) => (
            <tr key={p.name} data-health-part={p.name}>
              <td>{p.name}</td>
              <td>{p.score === null ? 'no data' : Math.round(p.score)}</td>
              <td>{Math.round(p.weight * 100)}%</td>
              <td>{p.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
