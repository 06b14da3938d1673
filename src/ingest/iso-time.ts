/**
 * @module
 * A strict, fast RFC 3339 date-time parser: `YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|±hh:mm)`, upper-case
 * `T` and `Z` only, no leap second, a real calendar date. It agrees with the `timestamp` pattern
 * and `date-time` format of the TelemetryEvent schema (a test checks it). Hand-written because
 * `Date.parse` accepts date-only and zoneless strings and rolls 2026-02-30 over into March.
 */

/** Returned for text that is not of the accepted shape. */
export const ISO_BAD_SHAPE = -1;
/** Returned for the right shape but a day that does not exist (2026-02-30). */
export const ISO_BAD_DATE = -2;

/**
 * Parses an RFC 3339 timestamp to ms since the epoch (sub-millisecond digits are truncated).
 * Returns `{ ok: true, ms }` or the reason kind. Never throws.
 */
export function parseIsoTimestampMs(
  s: string,
): { ok: true; ms: number } | { ok: false; kind: number } {
  const n = s.length;
  if (n < 20 || n > 35) return BAD_SHAPE;
  if (
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58
  ) {
    return BAD_SHAPE;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return BAD_SHAPE;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return BAD_SHAPE;
  }
  let i = 19;
  let fracMs = 0;
  if (s.charCodeAt(i) === 46) {
    // '.', then 1..9 digits; the first three are milliseconds, the rest are truncated.
    const start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    const len = i - start;
    if (len < 1 || len > 9) return BAD_SHAPE;
    for (let k = 0; k < 3; k++) {
      fracMs = fracMs * 10 + (k < len ? s.charCodeAt(start + k) - 48 : 0);
    }
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90) {
    // 'Z'
    if (i + 1 !== n) return BAD_SHAPE;
  } else if (z === 43 || z === 45) {
    // '+' or '-', then hh:mm
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return BAD_SHAPE;
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return BAD_SHAPE;
    offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else {
    return BAD_SHAPE;
  }
  if (day > daysInMonth(year, month)) return BAD_DATE;
  const days = daysFromCivil(year, month, day);
  const ms =
    days * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    fracMs -
    offsetMin * 60_000;
  return { ok: true, ms };
}

/** A human reason for a timestamp string that failed `parseIsoTimestampMs`. */
export function describeBadTimestamp(s: string, kind: number): string {
  const shown = JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
  if (kind === ISO_BAD_DATE) return `timestamp ${shown} is not a real calendar date`;
  if (/^\d{4}-\d\d-\d\d$/.test(s)) {
    return `timestamp ${shown} is a date without a time; send a full date-time such as ${s}T00:00:00Z`;
  }
  if (/^\d{4}-\d\d-\d\d[T ][\d:.]+$/.test(s)) {
    return `timestamp ${shown} has no zone; add Z for UTC or an offset such as +02:00`;
  }
  return `timestamp must be ISO 8601 / RFC 3339 with a date, a time and a zone, such as 2026-01-01T00:00:00Z or 2026-01-01T02:00:00.250+02:00; got ${shown}`;
}

const BAD_SHAPE = { ok: false, kind: ISO_BAD_SHAPE } as const;
const BAD_DATE = { ok: false, kind: ISO_BAD_DATE } as const;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The decimal value of `len` ASCII digits at `at`, or -1 when any is not a digit. */
function digits(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(at + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month] as number;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
 * @example daysFromCivil(1970, 1, 1) === 0; daysFromCivil(2000, 3, 1) === 11017
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
