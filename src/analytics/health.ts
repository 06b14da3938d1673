/**
 * @module
 * The traffic light of a service: pure rules over its judged KPIs, when it last reported and its
 * usual reporting cadence. The rules are the table in docs/kpis.md ("Traffic light"); change
 * both together. Rules are checked from the most to the least severe colour and every rule that
 * fires adds a reason, so the dashboard can say why a light is red.
 */
import type { Kpi, Light, Point } from '../contract/index.ts';

export interface HealthOptions {
  /** Red when silent for more than this many usual cadences. Default 2. */
  readonly silentCadences: number;
  /** Cadence assumed when it cannot be measured (fewer than 2 samples in a series). Default 60 s. */
  readonly defaultCadenceMs: number;
  /** Silence shorter than this never counts, whatever the cadence (absorbs delivery jitter). Default 5 s. */
  readonly minSilenceMs: number;
  /** Orange when mean CPU over the last `cpuWindowMs` is at or above this. Default 90 %. */
  readonly cpuWarnPercent: number;
  /** Default 5 minutes. */
  readonly cpuWindowMs: number;
}

export function defaultHealthOptions(): HealthOptions {
  return {
    silentCadences: 2,
    defaultCadenceMs: 60_000,
    minSilenceMs: 5_000,
    cpuWarnPercent: 90,
    cpuWindowMs: 5 * 60_000,
  };
}

export interface HealthInput {
  readonly nowMs: number;
  readonly kpis: readonly Kpi[];
  /** Newest sample of the subject in the window, or null when it reported nothing there. */
  readonly lastSeenMs: number | null;
  /** True when the subject has ever reported (in the window or before it). */
  readonly everSeen: boolean;
  /** Usual gap between samples (see usualCadenceMs); null when unknown. */
  readonly cadenceMs: number | null;
  /** Mean CPU percent over the last `cpuWindowMs`, or null without CPU samples. */
  readonly cpuPercent: number | null;
}

export interface HealthVerdict {
  readonly light: Light;
  readonly reasons: string[];
}

/** KPIs whose breach turns the light red; a breach of any other KPI turns it orange. */
export const RED_ON_BREACH: readonly Kpi['name'][] = ['uptime', 'error_rate', 'latency_p95'];

function fmt(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit === '%' ? '%' : ` ${unit}`}`;
}

function kpiReason(k: Kpi): string {
  const verb = k.status === 'breach' ? 'breaches' : 'misses';
  return `${k.label} ${fmt(k.value, k.unit)} ${verb} its target ${k.comparator} ${fmt(k.target, k.unit)}`;
}

/** Applies the traffic-light rules of docs/kpis.md. */
export function judgeHealth(
  input: HealthInput,
  options: HealthOptions = defaultHealthOptions(),
): HealthVerdict {
  if (!input.everSeen) return { light: 'grey', reasons: ['never reported'] };

  const red: string[] = [];
  const orange: string[] = [];
  if (input.lastSeenMs === null) {
    red.push('no data in the window');
  } else {
    const cadence = input.cadenceMs ?? options.defaultCadenceMs;
    const allowedMs = Math.max(options.silentCadences * cadence, options.minSilenceMs);
    const silentMs = input.nowMs - input.lastSeenMs;
    if (silentMs > allowedMs) {
      red.push(
        `no data for ${Math.round(silentMs / 1000)} s (usual cadence ${Math.round(cadence / 1000)} s)`,
      );
    }
  }
  for (const k of input.kpis) {
    if (k.status === 'breach' && RED_ON_BREACH.includes(k.name)) red.push(kpiReason(k));
    else if (k.status === 'breach' || k.status === 'warn') orange.push(kpiReason(k));
  }
  if (input.cpuPercent !== null && input.cpuPercent >= options.cpuWarnPercent) {
    orange.push(`CPU ${fmt(input.cpuPercent, '%')} at or above ${options.cpuWarnPercent}%`);
  }
  if (red.length > 0) return { light: 'red', reasons: [...red, ...orange] };
  if (orange.length > 0) return { light: 'orange', reasons: orange };
  return { light: 'green', reasons: [] };
}

/**
 * The usual cadence of a subject: the median, over its series with at least two samples, of each
 * series's median gap between consecutive distinct timestamps. Null when no series has two.
 *
 * @example usualCadenceMs([[[0, 1], [10_000, 1], [20_000, 1]]]) === 10_000
 */
export function usualCadenceMs(series: readonly (readonly Point[])[]): number | null {
  const medians: number[] = [];
  for (const points of series) {
    const ts = points.map((p) => p[0]).sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 1; i < ts.length; i++) {
      const gap = (ts[i] as number) - (ts[i - 1] as number);
      if (gap > 0) gaps.push(gap);
    }
    if (gaps.length > 0) medians.push(median(gaps));
  }
  return medians.length > 0 ? median(medians) : null;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
