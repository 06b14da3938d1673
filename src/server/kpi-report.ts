/**
 * @module
 * Reads what the KPI and traffic-light math needs from the store and hands it to the pure
 * functions of analytics/. A service is identified by the label `service`, falling back to
 * `source_id` for series without a `service` label (contract/well-known.ts); a source by
 * `source_id` alone.
 */
import {
  computeKpis,
  type HealthOptions,
  judgeHealth,
  type KpiInput,
  type KpiOptions,
  usualCadenceMs,
} from '../analytics/index.ts';
import {
  type KpiReport,
  type Matcher,
  type Overview,
  type Point,
  SERVICE_LABEL,
  type ServiceStatus,
  SOURCE_LABEL,
  WELL_KNOWN_METRICS,
} from '../contract/index.ts';
import type { Store } from '../store/index.ts';

export interface Subject {
  readonly kind: 'service' | 'source';
  readonly id: string;
}

const METRICS = [
  WELL_KNOWN_METRICS.requestRate,
  WELL_KNOWN_METRICS.errorRate,
  WELL_KNOWN_METRICS.latency,
  WELL_KNOWN_METRICS.cpu,
] as const;

/** The selectors (ORed) whose matchers (ANDed) find a subject's series. */
export function subjectSelectors(subject: Subject): Matcher[][] {
  if (subject.kind === 'source') return [[{ name: SOURCE_LABEL, op: '=', value: subject.id }]];
  return [
    [{ name: SERVICE_LABEL, op: '=', value: subject.id }],
    // A missing label matches "" (contract/series.ts), so this finds series without `service`.
    [
      { name: SERVICE_LABEL, op: '=', value: '' },
      { name: SOURCE_LABEL, op: '=', value: subject.id },
    ],
  ];
}

interface SubjectData {
  readonly input: KpiInput;
  readonly cpu: readonly Point[][];
  readonly lastSeenMs: number | null;
  readonly everSeen: boolean;
  readonly cadenceMs: number | null;
}

/**
 * Loads the subject's samples in [fromMs, toMs) (select is inclusive, so toMs - 1 is asked).
 * Whether the subject existed before the window is asked only when it matters: when it has no
 * data in the window or its first sample there is a minute or more after the window starts.
 */
export async function loadSubject(
  store: Store,
  subject: Subject,
  fromMs: number,
  toMs: number,
): Promise<SubjectData> {
  const selectors = subjectSelectors(subject);
  const byMetric = await Promise.all(
    METRICS.map(async (metric) => {
      const parts = await Promise.all(
        selectors.map((matchers) => store.select({ metric, matchers, fromMs, toMs: toMs - 1 })),
      );
      return parts.flat().map((s) => s.points);
    }),
  );
  const [requests = [], errors = [], latency = [], cpu = []] = byMetric;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const series of byMetric.flat()) {
    for (const [ts] of series) {
      if (ts < first) first = ts;
      if (ts > last) last = ts;
    }
  }
  const hasData = Number.isFinite(last);
  let seenBeforeWindow = false;
  if (!hasData || first - fromMs >= 60_000) {
    seenBeforeWindow = await existedBefore(store, selectors, fromMs);
  }
  return {
    input: { fromMs, toMs, requests, errors, latency, other: cpu, seenBeforeWindow },
    cpu,
    lastSeenMs: hasData ? last : null,
    everSeen: hasData || seenBeforeWindow,
    cadenceMs: usualCadenceMs(byMetric.flat()),
  };
}

async function existedBefore(
  store: Store,
  selectors: readonly Matcher[][],
  beforeMs: number,
): Promise<boolean> {
  for (const metric of METRICS) {
    for (const matchers of selectors) {
      const found = await store.series({
        metric,
        matchers,
        fromMs: 0,
        toMs: beforeMs - 1,
        limit: 1,
      });
      if (found.length > 0) return true;
    }
  }
  return false;
}

export async function buildKpiReport(
  store: Store,
  subject: Subject,
  fromMs: number,
  toMs: number,
  options: KpiOptions,
): Promise<{ report: KpiReport; everSeen: boolean }> {
  const data = await loadSubject(store, subject, fromMs, toMs);
  return {
    // Reported as inclusive bounds, as everywhere else in the API ([fromMs, toMs - 1]).
    report: { subject, fromMs, toMs: toMs - 1, kpis: computeKpis(data.input, options) },
    everSeen: data.everSeen,
  };
}

/** Mean of the values with timestamps in [fromMs, ∞), or null when there are none. */
function meanSince(series: readonly Point[][], fromMs: number): number | null {
  let sum = 0;
  let n = 0;
  for (const points of series) {
    for (const [ts, v] of points) {
      if (ts >= fromMs) {
        sum += v;
        n++;
      }
    }
  }
  return n > 0 ? sum / n : null;
}

/** Every service that reported any well-known metric, sorted, at most `max`. */
export async function listServices(store: Store, max: number): Promise<string[]> {
  const ids = new Set<string>();
  await Promise.all(
    METRICS.map(async (metric) => {
      for (const v of await store.labelValues(SERVICE_LABEL, metric)) if (v !== '') ids.add(v);
      const bare = await store.series({
        metric,
        matchers: [{ name: SERVICE_LABEL, op: '=', value: '' }],
        limit: max,
      });
      for (const s of bare) {
        const source = s.labels[SOURCE_LABEL];
        if (source !== undefined && source !== '') ids.add(source);
      }
    }),
  );
  return [...ids].sort().slice(0, max);
}

/** A service's light from the health score (alerting runtime); undefined: use judgeHealth. */
export type HealthScoreLookup = (
  service: string,
) => { readonly light: ServiceStatus['light']; readonly reasons: readonly string[] } | undefined;

export async function buildServiceStatus(
  store: Store,
  id: string,
  nowMs: number,
  windowMs: number,
  kpiOptions: KpiOptions,
  healthOptions: HealthOptions,
  healthScoreOf?: HealthScoreLookup,
): Promise<ServiceStatus> {
  // The window ends just after now, so a sample stamped exactly now counts.
  const data = await loadSubject(store, { kind: 'service', id }, nowMs - windowMs, nowMs + 1);
  const kpis = computeKpis(data.input, kpiOptions);
  const verdict = judgeHealth(
    {
      nowMs,
      kpis,
      lastSeenMs: data.lastSeenMs,
      everSeen: data.everSeen,
      cadenceMs: data.cadenceMs,
      cpuPercent: meanSince(data.cpu, nowMs - healthOptions.cpuWindowMs),
    },
    healthOptions,
  );
  // The health score wins when the alerting runtime has scored this service; the KPI rules
  // (judgeHealth) remain the fallback (docs/kpis.md, "Lights").
  const scored = healthScoreOf?.(id);
  const { light, reasons } = scored ?? verdict;
  return { id, light, reasons: [...reasons], kpis, lastSeenMs: data.lastSeenMs };
}

export interface OverviewInputs {
  readonly store: Store;
  readonly nowMs: number;
  readonly windowMs: number;
  readonly maxServices: number;
  readonly ingestRate: number;
  readonly kpi: KpiOptions;
  readonly health: HealthOptions;
  readonly healthScoreOf?: HealthScoreLookup;
}

export async function buildOverview(o: OverviewInputs): Promise<Overview> {
  const [ids, stats] = await Promise.all([listServices(o.store, o.maxServices), o.store.stats()]);
  const services = await Promise.all(
    ids.map((id) =>
      buildServiceStatus(o.store, id, o.nowMs, o.windowMs, o.kpi, o.health, o.healthScoreOf),
    ),
  );
  return {
    generatedAtMs: o.nowMs,
    windowMs: o.windowMs,
    services,
    totals: { series: stats.series, samples: stats.samples, ingestRate: o.ingestRate },
  };
}
