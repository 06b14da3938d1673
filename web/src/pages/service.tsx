/**
 * @module
 * Service detail: the service's light with every reason, all its KPIs (live, over the KPI
 * window) and its four metrics charted per source over the picked range.
 */
import { useMemo } from 'react';
import type { Matcher } from '../../../src/contract/index.ts';
import { useLiveOverview, useNow } from '../api/hooks.ts';
import { DEFAULT_EXPLORE, encodeExploreState } from '../api/url-state.ts';
import { KpiTile } from '../components/kpi-tile.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { TrafficLight } from '../components/traffic-light.tsx';
import { formatAge } from '../format.ts';
import { onLinkClick } from '../router.ts';
import { describeRange } from '../time/range.ts';
import { kpiTargetLine, MetricChart, SERVICE_CHARTS } from './metric-chart.tsx';
import { KPI_WINDOW_MS } from './overview.tsx';
import { rangeSearch, useRange } from './use-range.ts';

export function ServicePage(props: { readonly id: string }): React.JSX.Element {
  const { id } = props;
  const [range, setRange] = useRange();
  const { overview, error } = useLiveOverview(KPI_WINDOW_MS);
  const now = useNow(5_000);
  const service = overview?.services.find((s) => s.id === id);
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
              ? `Last seen ${formatAge(service.lastSeenMs, now)} · KPIs over the last 15 min`
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

      {service ? (
        <section className="kpi-row" aria-label="KPIs">
          {service.kpis.map((k) => (
            <KpiTile key={k.name} kpi={k} />
          ))}
        </section>
      ) : null}

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
