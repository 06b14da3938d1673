/**
 * @module
 * Time ranges of the dashboard: a trailing window that follows now ("last 1h", pushed live) or a
 * fixed [from, to] interval (static), plus the step choice that keeps every chart at a few hundred
 * points per series whatever the window.
 */

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The windows the range picker offers, in the order shown. */
export const PRESET_WINDOWS = ['15m', '1h', '6h', '24h'] as const;
export type PresetWindow = (typeof PRESET_WINDOWS)[number];

export type TimeRange =
  /** The trailing `windowMs` ending now; charts of it are pushed live. */
  | { readonly kind: 'relative'; readonly windowMs: number }
  /** A fixed interval, both ends inclusive, epoch milliseconds; charts of it are static. */
  | { readonly kind: 'absolute'; readonly fromMs: number; readonly toMs: number };

export const DEFAULT_RANGE: TimeRange = { kind: 'relative', windowMs: 15 * MINUTE_MS };

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: SECOND_MS,
  m: MINUTE_MS,
  h: HOUR_MS,
  d: DAY_MS,
  w: 7 * DAY_MS,
};

/**
 * Parses a Prometheus-style duration (`90s`, `15m`, `1h30m`, `2d`) or plain milliseconds (`5000`).
 * Returns undefined for anything else, including zero and negative values.
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 0 ? n : undefined;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== s.length || !(total > 0)) return undefined;
  return Math.round(total);
}

/**
 * Formats milliseconds as the shortest exact duration: 900000 -> `15m`, 5400000 -> `1h30m`.
 * @example formatDurationMs(86_400_000) === '1d'
 */
export function formatDurationMs(ms: number): string {
  if (!(ms > 0)) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', MINUTE_MS],
    ['s', SECOND_MS],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** A window as people say it: the preset's own name (`24h`, not `1d`), else the exact duration. */
export function formatWindow(windowMs: number): string {
  return PRESET_WINDOWS.find((w) => parseDurationMs(w) === windowMs) ?? formatDurationMs(windowMs);
}

/** The [fromMs, toMs] a range covers when evaluated at `nowMs`. */
export function resolveRange(range: TimeRange, nowMs: number): { fromMs: number; toMs: number } {
  return range.kind === 'relative'
    ? { fromMs: nowMs - range.windowMs, toMs: nowMs }
    : { fromMs: range.fromMs, toMs: range.toMs };
}

export function rangeWindowMs(range: TimeRange): number {
  return range.kind === 'relative' ? range.windowMs : Math.max(1, range.toMs - range.fromMs);
}

/** Steps a chart may use: round numbers a reader recognises on a time axis. */
export const NICE_STEPS_MS: readonly number[] = [
  1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1_200, 1_800, 3_600, 7_200, 10_800,
  21_600, 43_200, 86_400,
].map((s) => s * SECOND_MS);

export interface StepOptions {
  /** Upper bound on points per series; the step is the smallest nice step that respects it. */
  readonly maxPoints: number;
  /** No step below this (the sampling interval of the data: finer buckets only add gaps). */
  readonly minStepMs: number;
}

export function defaultStepOptions(): StepOptions {
  return { maxPoints: 600, minStepMs: SECOND_MS };
}

/**
 * Picks the bucket width for a window: the smallest nice step giving at most `maxPoints` points.
 * With the nice-step ladder above every window from 10m to 30d lands on 300–600 points, e.g.
 * 15m -> 2s (450), 1h -> 10s (360), 6h -> 1m (360), 24h -> 3m (480).
 */
export function chooseStepMs(
  windowMs: number,
  options: StepOptions = defaultStepOptions(),
): number {
  const wanted = Math.max(options.minStepMs, windowMs / options.maxPoints);
  for (const step of NICE_STEPS_MS) if (step >= wanted) return step;
  // Beyond the ladder (ranges of years): whole days.
  return Math.ceil(wanted / DAY_MS) * DAY_MS;
}

/**
 * Reads a range from URL parameters: `range=1h` (relative) or `from`/`to` (ISO 8601 or epoch ms).
 * Falls back to `fallback` when absent or malformed, so a hand-edited URL never breaks the page.
 */
export function rangeFromParams(
  params: URLSearchParams,
  fallback: TimeRange = DEFAULT_RANGE,
): TimeRange {
  const from = parseInstantMs(params.get('from'));
  const to = parseInstantMs(params.get('to'));
  if (from !== undefined && to !== undefined && to > from) {
    return { kind: 'absolute', fromMs: from, toMs: to };
  }
  const windowText = params.get('range');
  const windowMs = windowText === null ? undefined : parseDurationMs(windowText);
  return windowMs === undefined ? fallback : { kind: 'relative', windowMs };
}

/** Writes a range into URL parameters (removing the other form's keys). */
export function rangeToParams(range: TimeRange, params: URLSearchParams): void {
  params.delete('range');
  params.delete('from');
  params.delete('to');
  if (range.kind === 'relative') {
    params.set('range', formatWindow(range.windowMs));
  } else {
    params.set('from', new Date(range.fromMs).toISOString());
    params.set('to', new Date(range.toMs).toISOString());
  }
}

/** Epoch milliseconds from `1767225600000` or an ISO 8601 string; undefined when neither. */
export function parseInstantMs(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

export function sameRange(a: TimeRange, b: TimeRange): boolean {
  if (a.kind === 'relative' && b.kind === 'relative') return a.windowMs === b.windowMs;
  if (a.kind === 'absolute' && b.kind === 'absolute') {
    return a.fromMs === b.fromMs && a.toMs === b.toMs;
  }
  return false;
}

/** Human label: `Last 15m` or `Nov 22, 10:00 → 11:00`-like local text. */
export function describeRange(range: TimeRange): string {
  if (range.kind === 'relative') return `Last ${formatWindow(range.windowMs)}`;
  return `${formatLocal(range.fromMs)} → ${formatLocal(range.toMs)}`;
}

function formatLocal(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * Formats epoch ms as the value of an `<input type="datetime-local">` in the local time zone
 * (`2026-11-22T10:05`), the inverse of `parseLocalInput`.
 */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Parses a `datetime-local` value as local time; undefined when empty or malformed. */
export function parseLocalInput(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? '0'),
  ).getTime();
}
