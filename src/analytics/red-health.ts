/**
 * @module
 * Health of an endpoint or a service-map node from its RED numbers over a window
 * (docs/red-metrics.md, "Health rules"). One score 0–100 and one colour, consistent by
 * construction: the colour is read off the score, and the score's breakpoints are the rules'
 * thresholds.
 *
 * | colour | rule (first that holds)                                        | score     |
 * | ------ | -------------------------------------------------------------- | --------- |
 * | grey   | no requests in the window                                      | null      |
 * | red    | error rate > 20 % or latency > 5 × its baseline                | < 50      |
 * | orange | error rate > 5 % or latency > 2 × its baseline                 | 50 ≤ s < 80 |
 * | green  | otherwise (also while no baseline is learned yet)              | ≥ 80      |
 *
 * The score is the smaller of two piecewise-linear parts:
 * - errors: error rate 0 → 100, 5 % → 80, 20 % → 50, 100 % → 0;
 * - latency: latency / baseline ≤ 1 → 100, 2 → 80, 5 → 50, ≥ 10 → 0 (100 without a baseline).
 *
 * @example redHealth({ requests: 10, errorRate: 0.1, latencyMs: 50, baselineLatencyMs: 50 })
 *   // errors part: 80 - 30 × (0.1 - 0.05) / 0.15 = 70 → { score: 70, light: 'orange' }
 */

export type RedLight = 'green' | 'orange' | 'red' | 'grey';

export interface RedHealthInput {
  readonly requests: number;
  /** errors / requests, 0..1. */
  readonly errorRate: number;
  /** The latency judged (mean for endpoints, p95 for service-map nodes), ms. */
  readonly latencyMs: number;
  /** The same latency's learned baseline; undefined while still learning. */
  readonly baselineLatencyMs?: number | undefined;
}

export interface RedHealth {
  /** 0–100 (rounded to 0.1), null when grey. */
  readonly score: number | null;
  readonly light: RedLight;
}

/** Score thresholds: green at or above, orange at or above, else red. */
export const RED_HEALTH_GREEN = 80;
export const RED_HEALTH_ORANGE = 50;

const ERROR_POINTS: readonly (readonly [number, number])[] = [
  [0, 100],
  [0.05, 80],
  [0.2, 50],
  [1, 0],
];
const LATENCY_POINTS: readonly (readonly [number, number])[] = [
  [1, 100],
  [2, 80],
  [5, 50],
  [10, 0],
];

/** Linear interpolation through points sorted by x; flat beyond both ends. */
function piecewise(points: readonly (readonly [number, number])[], x: number): number {
  const first = points[0] as readonly [number, number];
  if (!(x > first[0])) return first[1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i] as readonly [number, number];
    if (x <= x1) {
      const [x0, y0] = points[i - 1] as readonly [number, number];
      return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return (points[points.length - 1] as readonly [number, number])[1];
}

export function redHealth(input: RedHealthInput): RedHealth {
  if (!(input.requests > 0)) return { score: null, light: 'grey' };
  const errors = piecewise(ERROR_POINTS, input.errorRate);
  const b = input.baselineLatencyMs;
  const latency = b !== undefined && b > 0 ? piecewise(LATENCY_POINTS, input.latencyMs / b) : 100;
  const raw = Math.min(errors, latency);
  const light = raw >= RED_HEALTH_GREEN ? 'green' : raw >= RED_HEALTH_ORANGE ? 'orange' : 'red';
  return { score: Math.round(raw * 10) / 10, light };
}
