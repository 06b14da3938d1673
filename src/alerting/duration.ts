/**
 * @module
 * Durations in alerting config: Prometheus-style units combined largest first (`90s`, `5m`,
 * `1h30m`, `30d`, `2w`) or `0`. The server's query parameters use the same units.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const PART_RE = /(\d+)(ms|s|m|h|d|w)/g;

/** What a reason says when a duration does not parse. */
export const DURATION_HINT = 'a duration like 5m, 1h30m or 90s';

/**
 * Milliseconds of `text`, or null when it is not a duration. `0` is allowed (e.g. `for: 0`).
 *
 * @example parseDurationMs('1h30m') === 5_400_000
 */
export function parseDurationMs(text: string): number | null {
  const s = text.trim();
  if (s === '0') return 0;
  if (!DURATION_RE.test(s)) return null;
  let ms = 0;
  for (const m of s.matchAll(PART_RE)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return Number.isSafeInteger(ms) ? ms : null;
}

/**
 * The shortest exact rendering, largest unit first.
 *
 * @example formatDurationMs(5_400_000) === '1h30m'
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
