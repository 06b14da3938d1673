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

const DAY_MS = 86_400_000;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time, 24-hour: `09:05` or, with seconds, `09:05:07`. */
export function formatClock(ms: number, withSeconds = false): string {
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** Local calendar day, short: `Nov 22` (month name in the browser's language). */
export function formatDay(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function dayOf(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10_000 + d.getMonth() * 100 + d.getDate();
}

/**
 * Time-axis tick labels in local time, 24-hour as ops tools show them. Ticks a day or more apart
 * show the day; finer ticks show the clock (with seconds below a minute), and the day goes on a
 * second line under the first tick and wherever the day changes.
 *
 * @example axisTimes([t0, t0 + 3_600_000], 3_600_000) // ['23:00\nJan 1', '00:00\nJan 2']
 */
export function axisTimes(splits: readonly number[], incrMs: number): string[] {
  if (incrMs >= DAY_MS) return splits.map(formatDay);
  const withSeconds = incrMs < 60_000;
  let prevDay: number | undefined;
  return splits.map((ms) => {
    const day = dayOf(ms);
    const clock = formatClock(ms, withSeconds);
    const label = day === prevDay ? clock : `${clock}\n${formatDay(ms)}`;
    prevDay = day;
    return label;
  });
}
