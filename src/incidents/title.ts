/**
 * @module
 * The one-line title of an incident: where (the root cause, else the earliest signal), what
 * (the fault with its number) and who else is affected, e.g.
 * `payment /payment: latency 5.2× baseline (checkout, frontend affected)`.
 */
import type { FaultKind, RootCause, Signal } from '../contract/index.ts';

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return String(
    a >= 100 ? Math.round(x) : a >= 10 ? Math.round(x * 10) / 10 : Math.round(x * 100) / 100,
  );
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** What a fault is, with its number when the signal has one. */
export function faultPhrase(kind: FaultKind, s: Signal | undefined): string {
  switch (kind) {
    case 'latency':
      if (s !== undefined && s.unit === 'ms' && s.baseline > 0) {
        return `latency ${(s.observed / s.baseline).toFixed(1)}× baseline`;
      }
      if (s !== undefined && s.unit === 'ms') return `latency ${num(s.observed)} ms`;
      return 'high latency';
    case 'errors':
      if (s?.unit === 'ratio') return `error rate ${pct(s.observed)}`;
      if (s?.unit === 'per_s') return `${num(s.observed)} errors/s`;
      return 'errors';
    case 'timeout':
      return s?.unit === 'ratio' ? `timeouts (${pct(s.observed)} of requests)` : 'timeouts';
    case 'traffic':
      if (s !== undefined && s.baseline > 0) {
        const dir = s.observed < s.baseline ? 'dropped' : 'spiked';
        return `traffic ${dir} to ${num(s.observed)}/s (usually ${num(s.baseline)}/s)`;
      }
      return 'unusual traffic';
    case 'absence':
      return 'stopped reporting requests';
    case 'saturation':
      return s === undefined ? 'saturation' : `${s.metric ?? 'saturation'} at ${num(s.observed)}`;
  }
}

function earliest(signals: readonly Signal[]): Signal | undefined {
  let best: Signal | undefined;
  for (const s of signals) {
    if (best === undefined || s.atMs < best.atMs || (s.atMs === best.atMs && s.id < best.id)) {
      best = s;
    }
  }
  return best;
}

export function incidentTitle(
  signals: readonly Signal[],
  rootCause: RootCause | undefined,
  affectedServices: readonly string[],
): string {
  let service: string;
  let endpoint: string | undefined;
  let kind: FaultKind;
  let lead: Signal | undefined;
  if (rootCause !== undefined) {
    ({ service, endpoint, kind } = rootCause);
    const here = signals.filter((s) => s.service === service);
    lead =
      earliest(here.filter((s) => s.kind === kind && s.endpoint === endpoint)) ??
      earliest(here.filter((s) => s.kind === kind));
  } else {
    lead = earliest(signals);
    if (lead === undefined) return 'incident';
    ({ service, endpoint, kind } = lead);
  }
  const where = endpoint === undefined ? service : `${service} ${endpoint}`;
  const others = affectedServices.filter((s) => s !== service);
  const shown = others.slice(0, 3).join(', ');
  const more = others.length > 3 ? ` and ${others.length - 3} more` : '';
  const affected = others.length > 0 ? ` (${shown}${more} affected)` : '';
  return `${where}: ${faultPhrase(kind, lead)}${affected}`;
}
