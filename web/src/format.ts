/**
 * @module
 * Number and time formatting for tiles, legends and axes: at most three significant digits,
 * SI suffixes for large counts, and units written the way an SRE reads them.
 */

/**
 * Compact number: 1234 -> `1.23k`, 0.000123 -> `0.000123`, 12.345 -> `12.3`.
 * @example formatNumber(1_500_000) === '1.5M'
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  for (const [size, suffix] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (a >= size) return `${trim((v / size).toPrecision(3))}${suffix}`;
  }
  if (a >= 0.001) return trim(v.toPrecision(3));
  return v.toExponential(1);
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

/** A value with its unit: `99.95%`, `182 ms`, `1.2k req/s`; `–` when there is no data. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (unit === '%') return `${formatPercent(v)}%`;
  if (unit === 'ms') return formatMs(v);
  return unit === '' ? formatNumber(v) : `${formatNumber(v)} ${unit}`;
}

/** Percentages keep the digits that matter near 100: 99.951 -> `99.95`, 12.34 -> `12.3`. */
export function formatPercent(v: number): string {
  if (v >= 99 && v < 100) return trim(v.toFixed(2));
  if (Math.abs(v) < 0.01 && v !== 0) return trim(v.toPrecision(2));
  return trim(v.toPrecision(3));
}

/** Milliseconds as `850 ms`, `1.25 s`, `3.5 min`. */
export function formatMs(v: number): string {
  const a = Math.abs(v);
  if (a >= 60_000) return `${trim((v / 60_000).toPrecision(3))} min`;
  if (a >= 1_000) return `${trim((v / 1_000).toPrecision(3))} s`;
  return `${formatNumber(v)} ms`;
}

/** How long ago, coarsely: `just now`, `42 s ago`, `3 min ago`, `2 h ago`, `never`. */
export function formatAge(thenMs: number | null | undefined, nowMs: number): string {
  if (thenMs === null || thenMs === undefined) return 'never';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1_000));
  if (s < 5) return 'just now';
  if (s < 120) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}
