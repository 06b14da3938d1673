/**
 * @module
 * Health score 0–100 of a service or source from documented parts (docs/alerting.md, "Health
 * score"): error rate, latency against its learned baseline, saturation (CPU), error budget
 * left, and open alerts. Each part scores 0–100 by a linear ramp between a "fine" and a "bad"
 * point; the score is their weighted mean over the parts that have data, minus a penalty per
 * open warning alert. Any open critical alert, or a subject that stopped reporting, makes the
 * light red whatever the score. Pure: the caller gathers the inputs.
 */
import type { Light } from '../contract/index.ts';

/** A linear ramp: 100 at or better than `fine`, 0 at or worse than `bad`. */
export interface Ramp {
  readonly fine: number;
  readonly bad: number;
}

export interface HealthScoreOptions {
  /** Error ratio (errors / requests): fine 0.1 %, bad 5 % (the error_rate KPI's breach). */
  readonly errorRatio: Ramp;
  /** Observed / expected latency: fine 1.2×, bad 3× the learned baseline. */
  readonly latencyRatio: Ramp;
  /** CPU percent: fine 70 %, bad 95 %. */
  readonly cpuPercent: Ramp;
  /** Error budget remaining (fraction): fine 50 %, bad 0 % (spent). */
  readonly budgetRemaining: Ramp;
  readonly weights: {
    readonly errors: number;
    readonly latency: number;
    readonly saturation: number;
    readonly budget: number;
  };
  /** Points off per open warning alert, at most `maxWarningPenalty`. */
  readonly warningPenalty: number;
  readonly maxWarningPenalty: number;
  /** Light thresholds: green at or above `green`, orange at or above `orange`, else red. */
  readonly green: number;
  readonly orange: number;
}

export function defaultHealthScoreOptions(): HealthScoreOptions {
  return {
    errorRatio: { fine: 0.001, bad: 0.05 },
    latencyRatio: { fine: 1.2, bad: 3 },
    cpuPercent: { fine: 70, bad: 95 },
    budgetRemaining: { fine: 0.5, bad: 0 },
    weights: { errors: 0.35, latency: 0.25, saturation: 0.15, budget: 0.25 },
    warningPenalty: 10,
    maxWarningPenalty: 30,
    green: 80,
    orange: 50,
  };
}

export interface HealthScoreInput {
  /** False when the subject never reported: the light is grey and the score null. */
  readonly everSeen: boolean;
  /** True when it stopped reporting (silent beyond its cadence, or an absence alert fires). */
  readonly silent: boolean;
  /** errors / requests over the window; null without request data. */
  readonly errorRatio: number | null;
  /** Observed latency (e.g. p95) and the detector's expected value for it; null when unknown. */
  readonly latency: { readonly observedMs: number; readonly expectedMs: number } | null;
  readonly cpuPercent: number | null;
  /** Smallest error budget remaining over the subject's SLOs; null without SLO data. */
  readonly budgetRemaining: number | null;
  /** Open (firing, unmuted) alerts of the subject by severity. */
  readonly openAlerts: { readonly critical: number; readonly warning: number };
}

export type HealthPartName = 'errors' | 'latency' | 'saturation' | 'budget';

export interface HealthPart {
  readonly name: HealthPartName;
  /** 0–100, null when the part has no data (then its weight is spread over the others). */
  readonly score: number | null;
  readonly weight: number;
  readonly detail: string;
}

export interface HealthScore {
  /** 0–100, null when never seen. */
  readonly score: number | null;
  readonly light: Light;
  readonly parts: readonly HealthPart[];
  /** Why the light is not green, worst first (empty when green). */
  readonly reasons: readonly string[];
}

/**
 * 100 at `fine` or better, 0 at `bad` or worse, linear between; works for either direction.
 *
 * @example rampScore(0.0255, { fine: 0.001, bad: 0.05 }) === 50
 */
export function rampScore(value: number, ramp: Ramp): number {
  if (ramp.fine === ramp.bad) return value === ramp.fine ? 100 : 0;
  const t = (value - ramp.fine) / (ramp.bad - ramp.fine);
  if (!(t > 0)) return Number.isNaN(t) ? 0 : 100;
  if (t >= 1) return 0;
  return 100 * (1 - t);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
}

/** Scores a subject; see the module comment and docs/alerting.md for the rules. */
export function healthScore(
  input: HealthScoreInput,
  options: HealthScoreOptions = defaultHealthScoreOptions(),
): HealthScore {
  const w = options.weights;
  const latencyRatio =
    input.latency !== null && input.latency.expectedMs > 0
      ? input.latency.observedMs / input.latency.expectedMs
      : null;
  const parts: HealthPart[] = [
    {
      name: 'errors',
      weight: w.errors,
      score: input.errorRatio === null ? null : rampScore(input.errorRatio, options.errorRatio),
      detail: input.errorRatio === null ? 'no request data' : `error rate ${pct(input.errorRatio)}`,
    },
    {
      name: 'latency',
      weight: w.latency,
      score: latencyRatio === null ? null : rampScore(latencyRatio, options.latencyRatio),
      detail:
        latencyRatio === null || input.latency === null
          ? 'no latency baseline'
          : `latency ${Math.round(input.latency.observedMs)} ms is ${latencyRatio.toFixed(1)}× its expected ${Math.round(input.latency.expectedMs)} ms`,
    },
    {
      name: 'saturation',
      weight: w.saturation,
      score: input.cpuPercent === null ? null : rampScore(input.cpuPercent, options.cpuPercent),
      detail: input.cpuPercent === null ? 'no CPU data' : `CPU ${input.cpuPercent.toFixed(0)}%`,
    },
    {
      name: 'budget',
      weight: w.budget,
      score:
        input.budgetRemaining === null
          ? null
          : rampScore(input.budgetRemaining, options.budgetRemaining),
      detail:
        input.budgetRemaining === null
          ? 'no SLO data'
          : `error budget ${pct(Math.max(0, input.budgetRemaining))} left`,
    },
  ];
  if (!input.everSeen) return { score: null, light: 'grey', parts, reasons: ['never reported'] };

  let weighted = 0;
  let weights = 0;
  for (const p of parts) {
    if (p.score !== null && p.weight > 0) {
      weighted += p.score * p.weight;
      weights += p.weight;
    }
  }
  const base = weights > 0 ? weighted / weights : 100;
  const penalty = Math.min(
    options.maxWarningPenalty,
    options.warningPenalty * Math.max(0, input.openAlerts.warning),
  );
  let score = Math.max(0, base - penalty);

  const hard: string[] = [];
  if (input.silent) {
    hard.push('stopped reporting');
    score = 0;
  }
  if (input.openAlerts.critical > 0) {
    hard.push(`${input.openAlerts.critical} critical alert(s) firing`);
    score = Math.min(score, options.orange - 1);
  }
  score = Math.round(score);

  const soft = parts
    .filter((p) => p.score !== null && p.score < options.green)
    .sort((a, b) => (a.score as number) - (b.score as number))
    .map((p) => p.detail);
  if (penalty > 0) soft.push(`${input.openAlerts.warning} warning alert(s) firing`);

  const light: Light =
    hard.length > 0 || score < options.orange ? 'red' : score < options.green ? 'orange' : 'green';
  return { score, light, parts, reasons: light === 'green' ? [] : [...hard, ...soft] };
}
