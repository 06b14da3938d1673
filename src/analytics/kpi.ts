/**
 * @module
 * KPI math: pure functions from raw samples of the well-known metrics (contract/well-known.ts)
 * to judged KPIs. A KPI is more than a metric: it has a target, a comparator and a judgment
 * (ok / warn / breach / unknown). Every formula here is stated in docs/kpis.md; change both
 * together.
 *
 * Time windows are half-open, [fromMs, toMs), in milliseconds since the epoch.
 */
import type { Kpi, KpiStatus, Point } from '../contract/index.ts';

export const MINUTE_MS = 60_000;

/** Target and breach threshold of one KPI. */
export interface KpiThreshold {
  /** The value the KPI should meet (`comparator` says in which direction). */
  readonly target: number;
  /**
   * Where "warn" ends and "breach" begins. For `>=` KPIs a value strictly below it breaches; for
   * `<=` KPIs a value at or above it breaches. Between the target and this is "warn".
   */
  readonly breach: number;
}

export interface KpiOptions {
  /** Uptime, percent of counted minutes that were up. Default target 99, breach below 95. */
  readonly uptime: KpiThreshold;
  /** A minute with errors/requests at or above this ratio is down. Default 0.05 (5 %). */
  readonly uptimeMaxErrorRatio: number;
  /** Error rate in percent. Default target <= 1, breach >= 5. */
  readonly errorRate: KpiThreshold;
  /** Latency quantiles in ms. Defaults: p50 <= 200 (breach >= 400), p95 <= 500 (>= 1000), p99 <= 1000 (>= 2000). */
  readonly latencyP50: KpiThreshold;
  readonly latencyP95: KpiThreshold;
  readonly latencyP99: KpiThreshold;
  /** Mean requests per second. Default target >= 0.1, breach below 0.001 (no traffic). */
  readonly throughput: KpiThreshold;
}

export function defaultKpiOptions(): KpiOptions {
  return {
    uptime: { target: 99, breach: 95 },
    uptimeMaxErrorRatio: 0.05,
    errorRate: { target: 1, breach: 5 },
    latencyP50: { target: 200, breach: 400 },
    latencyP95: { target: 500, breach: 1000 },
    latencyP99: { target: 1000, breach: 2000 },
    throughput: { target: 0.1, breach: 0.001 },
  };
}

/**
 * Raw samples of one subject (a service or a source) in the window, one array per series.
 * Points outside [fromMs, toMs) are ignored.
 */
export interface KpiInput {
  readonly fromMs: number;
  readonly toMs: number;
  readonly requests: readonly (readonly Point[])[];
  readonly errors: readonly (readonly Point[])[];
  readonly latency: readonly (readonly Point[])[];
  /** Other series of the subject (e.g. cpu_usage_percent): they only prove it reported. */
  readonly other: readonly (readonly Point[])[];
  /** True when the subject has samples before `fromMs` (it existed for the whole window). */
  readonly seenBeforeWindow: boolean;
}

/**
 * Judges a value against a threshold.
 *
 * @example judge(0.5, '<=', { target: 1, breach: 5 }) === 'ok'
 * @example judge(5, '<=', { target: 1, breach: 5 }) === 'breach'
 * @example judge(97, '>=', { target: 99, breach: 95 }) === 'warn'
 */
export function judge(value: number | null, comparator: '>=' | '<=', t: KpiThreshold): KpiStatus {
  if (value === null || !Number.isFinite(value)) return 'unknown';
  if (comparator === '>=') {
    if (value >= t.target) return 'ok';
    return value < t.breach ? 'breach' : 'warn';
  }
  if (value <= t.target) return 'ok';
  return value >= t.breach ? 'breach' : 'warn';
}

/**
 * Quantile of sorted values with linear interpolation between closest ranks (Hyndman & Fan
 * type 7, numpy's default): h = (n - 1) q, result = x[floor h] + (h - floor h)(x[ceil h] - x[floor h]).
 *
 * @example quantileSorted([10, 20, 30, 40], 0.5) === 25   // h = 1.5
 * @example quantileSorted([10, 20, 30, 40], 0.95) === 38.5 // h = 2.85
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/** Minute start (epoch-aligned) of a timestamp. */
export function minuteOf(timestampMs: number): number {
  return Math.floor(timestampMs / MINUTE_MS) * MINUTE_MS;
}

interface MinuteAcc {
  requests: number;
  errors: number;
  /** Sum over series of each series's mean request rate in the minute. */
  throughput: number;
  hasRequests: boolean;
}

function inWindow(input: KpiInput, ts: number): boolean {
  return ts >= input.fromMs && ts < input.toMs;
}

/** Computes the six KPIs of docs/kpis.md for one subject. */
export function computeKpis(input: KpiInput, options: KpiOptions = defaultKpiOptions()): Kpi[] {
  const minutes = new Map<number, MinuteAcc>();
  const minuteAcc = (m: number): MinuteAcc => {
    let acc = minutes.get(m);
    if (acc === undefined) {
      acc = { requests: 0, errors: 0, throughput: 0, hasRequests: false };
      minutes.set(m, acc);
    }
    return acc;
  };
  let firstSeenMs = Number.POSITIVE_INFINITY;
  const seen = (ts: number): void => {
    if (ts < firstSeenMs) firstSeenMs = ts;
    minuteAcc(minuteOf(ts));
  };

  let sumRequests = 0;
  let sumErrors = 0;
  let requestSamples = 0;
  for (const series of input.requests) {
    // Per-series mean in each minute, so that an instance reporting every 5 s and another every
    // 30 s add up to the service's rate instead of being weighted by their sample counts.
    const perMinute = new Map<number, { sum: number; n: number }>();
    for (const [ts, v] of series) {
      if (!inWindow(input, ts)) continue;
      seen(ts);
      sumRequests += v;
      requestSamples++;
      const m = minuteOf(ts);
      const acc = minuteAcc(m);
      acc.requests += v;
      acc.hasRequests = true;
      const pm = perMinute.get(m) ?? { sum: 0, n: 0 };
      pm.sum += v;
      pm.n++;
      perMinute.set(m, pm);
    }
    for (const [m, pm] of perMinute) minuteAcc(m).throughput += pm.sum / pm.n;
  }
  for (const series of input.errors) {
    for (const [ts, v] of series) {
      if (!inWindow(input, ts)) continue;
      seen(ts);
      sumErrors += v;
      minuteAcc(minuteOf(ts)).errors += v;
    }
  }
  const latencies: number[] = [];
  for (const series of input.latency) {
    for (const [ts, v] of series) {
      if (!inWindow(input, ts)) continue;
      seen(ts);
      latencies.push(v);
    }
  }
  for (const series of input.other) {
    for (const [ts] of series) if (inWindow(input, ts)) seen(ts);
  }
  latencies.sort((a, b) => a - b);

  // Uptime: complete epoch minutes inside the window; before the subject's first sample a
  // minute is not counted unless the subject existed before the window.
  const firstMinute = Math.ceil(input.fromMs / MINUTE_MS) * MINUTE_MS;
  const start = input.seenBeforeWindow
    ? firstMinute
    : Number.isFinite(firstSeenMs)
      ? Math.max(firstMinute, minuteOf(firstSeenMs))
      : Number.POSITIVE_INFINITY;
  let counted = 0;
  let up = 0;
  for (let m = start; m + MINUTE_MS <= input.toMs; m += MINUTE_MS) {
    counted++;
    const acc = minutes.get(m);
    if (acc === undefined) continue;
    const ratio =
      acc.requests > 0 ? acc.errors / acc.requests : acc.errors > 0 ? Number.POSITIVE_INFINITY : 0;
    if (ratio < options.uptimeMaxErrorRatio) up++;
  }
  const uptime = counted > 0 ? (100 * up) / counted : null;

  const errorRate = requestSamples > 0 && sumRequests > 0 ? (100 * sumErrors) / sumRequests : null;

  let throughputSum = 0;
  let throughputMinutes = 0;
  for (const acc of minutes.values()) {
    if (!acc.hasRequests) continue;
    throughputSum += acc.throughput;
    throughputMinutes++;
  }
  const throughput = throughputMinutes > 0 ? throughputSum / throughputMinutes : null;

  const kpi = (
    name: Kpi['name'],
    label: string,
    value: number | null,
    unit: string,
    comparator: '>=' | '<=',
    t: KpiThreshold,
  ): Kpi => ({
    name,
    label,
    value,
    unit,
    target: t.target,
    comparator,
    status: judge(value, comparator, t),
  });

  return [
    kpi('uptime', 'Uptime', uptime, '%', '>=', options.uptime),
    kpi('error_rate', 'Error rate', errorRate, '%', '<=', options.errorRate),
    kpi(
      'latency_p50',
      'Latency p50',
      quantileSorted(latencies, 0.5),
      'ms',
      '<=',
      options.latencyP50,
    ),
    kpi(
      'latency_p95',
      'Latency p95',
      quantileSorted(latencies, 0.95),
      'ms',
      '<=',
      options.latencyP95,
    ),
    kpi(
      'latency_p99',
      'Latency p99',
      quantileSorted(latencies, 0.99),
      'ms',
      '<=',
      options.latencyP99,
    ),
    kpi('throughput', 'Throughput', throughput, 'req/s', '>=', options.throughput),
  ];
}
