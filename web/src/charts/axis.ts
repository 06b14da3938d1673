/**
 * @module
 * Y-axis tick labels: short (they sit in a 58 px gutter), unit-aware, and free of float noise
 * such as `0.30000000000000004`.
 */
import { formatMs, formatNumber } from '../format.ts';

/**
 * @example axisNumber(1500, 'ms') === '1.5 s'; axisNumber(2500, 'req/s') === '2.5k'
 */
export function axisNumber(v: number, unit: string): string {
  if (unit === 'ms') return formatMs(v).replace(' ms', 'ms').replace(' s', 's');
  if (unit === '%') return `${formatNumber(v)}%`;
  return formatNumber(v);
}
