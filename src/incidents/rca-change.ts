/**
 * @module
 * Change size, BARO-style: how far an endpoint moved from its baseline, as a robust z-score
 *   z = (observed − baseline) / max(baseline × relativeScale, floor)
 * for p95 latency (floor in ms) and error rate (floor as a ratio), and the same for a signal's
 * observed vs baseline in its unit. Latency and errors count only upwards; traffic, saturation
 * and absence signals count both ways. A z is squashed to a severity in [0, 1) by z / (z + zHalf)
 * (z = zHalf gives 0.5), which the random walk uses as each service's anomaly.
 *
 * Worked example (relativeScale 0.25, latency floor 10 ms): p95 2,140 ms vs 95 ms baseline →
 * (2140 − 95) / max(23.75, 10) = 86.1; severity with zHalf 3 → 86.1 / 89.1 = 0.966.
 */
import type { EndpointStats, Signal } from '../contract/index.ts';

export interface ChangeOptions {
  /** The scale is this share of the baseline ... */
  readonly relativeScale: number;
  /** ... but never below these floors. */
  readonly latencyFloorMs: number;
  readonly errorRateFloor: number;
  /** The z that maps to severity 0.5. */
  readonly zHalf: number;
}

export interface EndpointChange {
  /** Robust z of p95 latency vs baseline (0 without a baseline or when not higher). */
  readonly latencyZ: number;
  /** Robust z of the error rate vs baseline. */
  readonly errorZ: number;
}

export function robustZ(observed: number, baseline: number, scale: number, floor: number): number {
  if (!Number.isFinite(observed) || !Number.isFinite(baseline)) return 0;
  return (observed - baseline) / Math.max(Math.abs(baseline) * scale, floor);
}

/** The change of one endpoint's stats against its learned baselines. */
export function endpointChange(s: EndpointStats, o: ChangeOptions): EndpointChange {
  const latencyZ =
    s.baselineLatencyMs === undefined
      ? 0
      : Math.max(0, robustZ(s.p95Ms, s.baselineLatencyMs, o.relativeScale, o.latencyFloorMs));
  const errorZ =
    s.baselineErrorRate === undefined || s.requestCount === 0
      ? 0
      : Math.max(0, robustZ(s.errorRate, s.baselineErrorRate, o.relativeScale, o.errorRateFloor));
  return { latencyZ, errorZ };
}

/** The change a signal reports, by its unit; a relative change for rates and plain values. */
export function signalZ(sig: Signal, o: ChangeOptions): number {
  const floor =
    sig.unit === 'ms'
      ? o.latencyFloorMs
      : sig.unit === 'ratio'
        ? o.errorRateFloor
        : Math.max(Math.abs(sig.baseline) * 0.05, 1e-9);
  const z = robustZ(sig.observed, sig.baseline, o.relativeScale, floor);
  const twoSided = sig.kind === 'traffic' || sig.kind === 'absence' || sig.kind === 'saturation';
  return twoSided ? Math.abs(z) : Math.max(0, z);
}

export function severityOfZ(z: number, zHalf: number): number {
  return z <= 0 ? 0 : z / (z + zHalf);
}
