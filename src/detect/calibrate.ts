/**
 * @module
 * Maps each detector's raw statistic onto one score scale so the ensemble can compare them.
 */

/** Largest statistic kept: beyond it every score is 1 - 1e-12-ish anyway, and Infinity stays out. */
const MAX_STAT = 1e6;

/**
 * `s² / (s² + t²)`: 0 at s = 0, exactly 0.5 at the detector's threshold `t`, → 1 as s grows.
 * Monotone in |s|, so "score >= 0.5" is the same decision as "|s| >= t".
 *
 * @example calibrate(4, 4) === 0.5; calibrate(8, 4) === 0.8; calibrate(2, 4) === 0.2
 */
export function calibrate(stat: number, threshold: number): number {
  if (Number.isNaN(stat)) return 0;
  const s = Math.min(Math.abs(stat), MAX_STAT);
  const s2 = s * s;
  return s2 / (s2 + threshold * threshold);
}

/** Standard-deviation floor: relative to the level (1e-3 × |mean|) with an absolute minimum. */
export function sdFloor(mean: number, relative: number): number {
  return Math.max(relative * Math.abs(mean), 1e-9);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Compact number for explanations: 4 significant digits, no exponent for usual magnitudes. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}
