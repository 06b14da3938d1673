/**
 * @module
 * SLO math over pre-aggregated counts: error budgets, burn rates and the multi-window,
 * multi-burn-rate alert policy of the Google SRE workbook (chapter "Alerting on SLOs"). The
 * runtime feeds it buckets of (good, total) from store queries; nothing here reads a clock.
 * Formulas and worked examples: docs/slos.md.
 */
import type {
  BurnAlertResult,
  BurnWindowResult,
  ErrorBudget,
  Labels,
  SliBucket,
  SloDefinition,
  SloEvaluation,
  SloWindow,
  ThresholdSli,
} from '../contract/index.ts';
import { WELL_KNOWN_METRICS } from '../contract/index.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** One alert condition: burn above `threshold` over both the long and the short window. */
export interface BurnRateWindowPair {
  readonly severity: 'page' | 'ticket';
  readonly longMs: number;
  readonly shortMs: number;
  readonly threshold: number;
}

export interface BurnRatePolicy {
  readonly pairs: readonly BurnRateWindowPair[];
  /**
   * `absolute`: windows as written (1 h, 5 m, …) whatever the SLO window. `proportional`:
   * windows scaled by sloWindow / 30 d, so a 100-cycle SLO keeps the same budget-share
   * semantics (the default for cycle windows, where 1 h may be longer than the whole window).
   */
  readonly scale: 'absolute' | 'proportional';
}

/**
 * The workbook's defaults for a 30-day window: page on 2 % of the budget in 1 h (14.4×) or 5 %
 * in 6 h (6×); ticket on 10 % in 3 d (1×). The short windows are 1/12 of the long ones.
 */
export function defaultBurnRatePolicy(): BurnRatePolicy {
  return {
    scale: 'absolute',
    pairs: [
      { severity: 'page', longMs: HOUR_MS, shortMs: 5 * 60_000, threshold: 14.4 },
      { severity: 'page', longMs: 6 * HOUR_MS, shortMs: 30 * 60_000, threshold: 6 },
      { severity: 'ticket', longMs: 3 * DAY_MS, shortMs: 6 * HOUR_MS, threshold: 1 },
    ],
  };
}

/** The reference SLO window the default policy was written for. */
export const REFERENCE_WINDOW_MS = 30 * DAY_MS;

/** Length of an SLO window in milliseconds. */
export function sloWindowMs(window: SloWindow): number {
  return window.kind === 'rolling' ? window.durationMs : window.cycles * window.cycleMs;
}

/**
 * Error budget over `total` events of which `good` were good.
 *
 * @example errorBudget(0.999, 999_500, 1_000_000) // allowedBad 1000, bad 500, remaining 0.5
 */
export function errorBudget(objective: number, good: number, total: number): ErrorBudget {
  const bad = Math.max(0, total - good);
  const allowedBad = (1 - objective) * total;
  const remainingFraction = total <= 0 ? 1 : 1 - bad / allowedBad;
  return { allowedBad, bad, remainingFraction };
}

/**
 * Burn rate: how fast the budget is spent, relative to spending exactly all of it by the end of
 * the window. 1 = on budget; 14.4 over 1 h of a 30 d window = 2 % of the budget in that hour.
 *
 * @example burnRate(0.999, 98_560, 100_000) ≈ 14.4 (error ratio 1.44 % / 0.1 %)
 */
export function burnRate(objective: number, good: number, total: number): number {
  if (total <= 0) return 0;
  const errorRatio = Math.max(0, total - good) / total;
  return errorRatio / (1 - objective);
}

/** Share of the whole window's budget spent by burning at `rate` for `windowMs`. */
export function budgetConsumed(rate: number, windowMs: number, sloWindow: number): number {
  return (rate * windowMs) / sloWindow;
}

/**
 * The burn rate that spends `fraction` of the budget in `windowMs`.
 *
 * @example burnRateForBudgetShare(0.02, HOUR_MS, 30 * DAY_MS) === 14.4
 */
export function burnRateForBudgetShare(
  fraction: number,
  windowMs: number,
  sloWindow: number,
): number {
  return (fraction * sloWindow) / windowMs;
}

/** Sums the buckets that start in [fromMs, toMs). */
export function sumBuckets(
  buckets: readonly SliBucket[],
  fromMs: number,
  toMs: number,
): { good: number; total: number } {
  let good = 0;
  let total = 0;
  for (const b of buckets) {
    if (b.startMs >= fromMs && b.startMs < toMs) {
      good += b.good;
      total += b.total;
    }
  }
  return { good, total };
}

/**
 * Buckets sorted once with prefix sums of total and bad events, so each window sum is two
 * binary searches: evaluating an SLO over 30 days of 1-minute buckets costs one pass, not one
 * per window. Sums of bad (not good) keep a window with no bad events at exactly 0.
 */
export class BucketSums {
  readonly #starts: Float64Array;
  readonly #total: Float64Array;
  readonly #bad: Float64Array;

  constructor(buckets: readonly SliBucket[]) {
    let sorted = true;
    for (let i = 1; i < buckets.length; i++) {
      if ((buckets[i] as SliBucket).startMs < (buckets[i - 1] as SliBucket).startMs) {
        sorted = false;
        break;
      }
    }
    const list = sorted ? buckets : [...buckets].sort((a, b) => a.startMs - b.startMs);
    const n = list.length;
    this.#starts = new Float64Array(n);
    this.#total = new Float64Array(n + 1);
    this.#bad = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const b = list[i] as SliBucket;
      this.#starts[i] = b.startMs;
      this.#total[i + 1] = (this.#total[i] as number) + b.total;
      this.#bad[i + 1] = (this.#bad[i] as number) + Math.max(0, b.total - b.good);
    }
  }

  /** Good and total of the buckets that start in [fromMs, toMs). */
  sum(fromMs: number, toMs: number): { good: number; total: number } {
    const i = this.#lowerBound(fromMs);
    const j = this.#lowerBound(toMs);
    if (j <= i) return { good: 0, total: 0 };
    const total = (this.#total[j] as number) - (this.#total[i] as number);
    const bad = (this.#bad[j] as number) - (this.#bad[i] as number);
    return { good: total - bad, total };
  }

  /** First index whose start is ≥ ms. */
  #lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.#starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#starts[mid] as number) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Burn over the trailing window [nowMs − windowMs, nowMs). */
export function burnOverWindow(
  buckets: readonly SliBucket[] | BucketSums,
  objective: number,
  nowMs: number,
  windowMs: number,
): BurnWindowResult {
  const { good, total } =
    buckets instanceof BucketSums
      ? buckets.sum(nowMs - windowMs, nowMs)
      : sumBuckets(buckets, nowMs - windowMs, nowMs);
  return { windowMs, good, total, burnRate: burnRate(objective, good, total) };
}

/**
 * The policy's windows for an SLO window (scaled when the policy is proportional). With
 * `cycleMs`, scaled windows are rounded up to whole cycles, at least one: a window shorter
 * than a cycle would hold no bucket and never fire.
 */
export function policyPairsFor(
  policy: BurnRatePolicy,
  sloWindow: number,
  cycleMs?: number,
): readonly BurnRateWindowPair[] {
  if (policy.scale === 'absolute') return policy.pairs;
  const f = sloWindow / REFERENCE_WINDOW_MS;
  const toWindow = (ms: number): number => {
    const scaled = Math.max(1, Math.round(ms * f));
    return cycleMs === undefined || cycleMs <= 0
      ? scaled
      : Math.max(1, Math.ceil(scaled / cycleMs)) * cycleMs;
  };
  return policy.pairs.map((p) => ({
    ...p,
    longMs: toWindow(p.longMs),
    shortMs: toWindow(p.shortMs),
  }));
}

/**
 * Multi-window, multi-burn-rate check: each pair fires when the burn over its long window AND
 * over its short window exceed its threshold, and the long window saw at least `minEvents`.
 */
export function evaluateBurnAlerts(
  buckets: readonly SliBucket[] | BucketSums,
  objective: number,
  nowMs: number,
  pairs: readonly BurnRateWindowPair[],
  minEvents: number,
): BurnAlertResult[] {
  const sums = buckets instanceof BucketSums ? buckets : new BucketSums(buckets);
  return pairs.map((p) => {
    const long = burnOverWindow(sums, objective, nowMs, p.longMs);
    const short = burnOverWindow(sums, objective, nowMs, p.shortMs);
    const hot = long.burnRate > p.threshold && short.burnRate > p.threshold;
    const enough = long.total >= minEvents;
    return {
      severity: p.severity,
      threshold: p.threshold,
      long,
      short,
      firing: hot && enough,
      guarded: hot && !enough,
    };
  });
}

/**
 * Evaluates one SLO for one service at `nowMs` from its buckets (any order; buckets outside the
 * window are ignored). Policy windows longer than the SLO window are still evaluated.
 */
export function evaluateSlo(
  slo: SloDefinition,
  service: string,
  buckets: readonly SliBucket[],
  nowMs: number,
  policy: BurnRatePolicy = policyFor(slo.window),
): SloEvaluation {
  const windowMs = sloWindowMs(slo.window);
  const sums = new BucketSums(buckets);
  const { good, total } = sums.sum(nowMs - windowMs, nowMs);
  const sli = total > 0 ? good / total : null;
  const labels: Labels = { ...slo.labels, slo: slo.name, service };
  return {
    name: slo.name,
    service,
    objective: slo.objective,
    windowMs,
    atMs: nowMs,
    good,
    total,
    sli,
    met: sli === null || sli >= slo.objective,
    budget: errorBudget(slo.objective, good, total),
    burnAlerts: evaluateBurnAlerts(
      sums,
      slo.objective,
      nowMs,
      policyPairsFor(
        policy,
        windowMs,
        slo.window.kind === 'cycles' ? slo.window.cycleMs : undefined,
      ),
      slo.minEvents,
    ),
    labels,
  };
}

/** Absolute windows for wall-time SLOs, proportional ones for cycle SLOs. */
export function policyFor(window: SloWindow): BurnRatePolicy {
  const p = defaultBurnRatePolicy();
  return window.kind === 'cycles' ? { ...p, scale: 'proportional' } : p;
}

// ---------------------------------------------------------------------------------------------
// Turning query results into buckets

/**
 * A ratio bucket from per-second rate gauges averaged over the bucket: count = rate × seconds.
 * Bad is clamped to [0, total]; negative or non-finite inputs count as 0.
 */
export function ratioBucketFromRates(
  startMs: number,
  bucketMs: number,
  totalPerSec: number,
  badPerSec: number,
): SliBucket {
  const secs = bucketMs / 1000;
  const total = finiteNonNeg(totalPerSec) * secs;
  const bad = Math.min(total, finiteNonNeg(badPerSec) * secs);
  return { startMs, good: total - bad, total };
}

/** A ratio bucket from counts (good given directly, or total − bad). */
export function ratioBucketFromCounts(
  startMs: number,
  total: number,
  counts: { readonly bad: number } | { readonly good: number },
): SliBucket {
  const t = finiteNonNeg(total);
  const good =
    'good' in counts
      ? Math.min(t, finiteNonNeg(counts.good))
      : t - Math.min(t, finiteNonNeg(counts.bad));
  return { startMs, good, total: t };
}

/**
 * A threshold bucket: one interval, good when `value op threshold`. A null value (no data in
 * the interval) counts as no event at all, so silence neither spends nor earns budget; the
 * absence rules catch silence.
 */
export function thresholdBucket(
  startMs: number,
  sli: ThresholdSli,
  value: number | null,
): SliBucket {
  if (value === null || !Number.isFinite(value)) return { startMs, good: 0, total: 0 };
  return { startMs, good: compare(value, sli.op, sli.value) ? 1 : 0, total: 1 };
}

function compare(a: number, op: ThresholdSli['op'], b: number): boolean {
  switch (op) {
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '>':
      return a > b;
  }
}

function finiteNonNeg(x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0;
}

// ---------------------------------------------------------------------------------------------
// Default SLOs

export const DEFAULT_AVAILABILITY_SLO = 'availability';
export const DEFAULT_LATENCY_SLO = 'latency';

/**
 * The SLOs every service gets with no configuration: availability 99.9 % (good = requests −
 * errors) and p95 latency ≤ 300 ms in 99 % of 1-minute intervals, both over 30 days.
 */
export function defaultSlos(): SloDefinition[] {
  const window: SloWindow = { kind: 'rolling', durationMs: 30 * DAY_MS };
  return [
    {
      name: DEFAULT_AVAILABILITY_SLO,
      sli: {
        kind: 'ratio',
        totalMetric: WELL_KNOWN_METRICS.requestRate,
        badMetric: WELL_KNOWN_METRICS.errorRate,
        unit: 'rate',
      },
      objective: 0.999,
      window,
      minEvents: 100,
      labels: {},
      description: '99.9 % of requests succeed',
    },
    {
      name: DEFAULT_LATENCY_SLO,
      sli: {
        kind: 'threshold',
        metric: WELL_KNOWN_METRICS.latency,
        aggregation: 'p95',
        op: '<=',
        value: 300,
        intervalMs: 60_000,
      },
      objective: 0.99,
      window,
      minEvents: 30,
      labels: {},
      description: 'p95 latency ≤ 300 ms in 99 % of minutes',
    },
  ];
}

/**
 * The SLOs that apply to `service`: configured ones for this service win over configured ones
 * for every service (no `service`), which win over the defaults, by name. An entry named like a
 * default with `disabled` set in `disabledNames` removes it.
 */
export function slosForService(
  service: string,
  configured: readonly SloDefinition[],
  options: { readonly includeDefaults?: boolean; readonly disabledNames?: readonly string[] } = {},
): SloDefinition[] {
  const byName = new Map<string, SloDefinition>();
  if (options.includeDefaults ?? true) for (const s of defaultSlos()) byName.set(s.name, s);
  for (const s of configured) if (s.service === undefined) byName.set(s.name, s);
  for (const s of configured) if (s.service === service) byName.set(s.name, s);
  for (const n of options.disabledNames ?? []) byName.delete(n);
  return [...byName.values()].map((s) => ({ ...s, service }));
}
