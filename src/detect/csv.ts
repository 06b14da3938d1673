/**
 * @module
 * The pieces of the detect/eval CSV format that are pure: splitting a line, finding the
 * timestamp/value/label columns in a header, parsing timestamps, formatting output numbers.
 * The file I/O lives in src/cli.
 */

/**
 * Splits one CSV line (RFC 4180 quoting: `"a,b"` is one field, `""` inside quotes is a quote).
 * Fields are returned unquoted. Lines never contain newlines here (one record per line).
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

export interface CsvColumns {
  readonly timestamp: number;
  readonly value: number;
  /** -1 when there is no label column. */
  readonly label: number;
  readonly names: readonly string[];
}

/**
 * Finds `timestamp` and `value` (case-insensitive, surrounding spaces ignored) and the optional
 * `label` column. Returns a message naming the header it found when a required column is missing.
 */
export function findColumns(headerLine: string): CsvColumns | { readonly error: string } {
  const names = splitCsvLine(headerLine.replace(/^\uFEFF/, '')).map((n) => n.trim());
  const lower = names.map((n) => n.toLowerCase());
  const timestamp = lower.indexOf('timestamp');
  const value = lower.indexOf('value');
  const label = lower.indexOf('label');
  const missing = [timestamp < 0 ? 'timestamp' : '', value < 0 ? 'value' : ''].filter(
    (m) => m !== '',
  );
  if (missing.length > 0) {
    return {
      error: `the header has no ${missing.join(' or ')} column (found: ${names.map((n) => JSON.stringify(n)).join(',')})`,
    };
  }
  return { timestamp, value, label, names };
}

const SPACE_FORM = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * Milliseconds since the epoch, or NaN. Accepts `YYYY-MM-DD HH:MM[:SS[.fff]]` (no zone: UTC),
 * ISO 8601 with a zone (`2018-06-13T00:00:00Z`, `+02:00`), a bare date, and epoch numbers
 * (seconds below 1e11, else milliseconds).
 */
export function parseTimestampMs(text: string): number {
  const t = text.trim();
  if (t === '') return Number.NaN;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const m = SPACE_FORM.exec(t);
  if (m !== null) {
    const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
    const ms = Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      m[6] === undefined ? 0 : Number(m[6]),
    );
    return ms + frac;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return Date.parse(`${t}T00:00:00Z`);
  return Date.parse(t);
}

/** A value field → number; empty or unparsable → NaN (the detectors skip it). */
export function parseValue(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/**
 * Output number format: up to 6 decimals for scores; up to 10 significant digits for values,
 * trailing zeros dropped, `-0` written as `0`.
 */
export function formatScore(x: number): string {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? '0' : String(r);
}

export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return '';
  const r = Number(x.toPrecision(10));
  return r === 0 ? '0' : String(r);
}

/** The columns `opsight detect` appends, in order. */
export const OUTPUT_COLUMNS = [
  'anomaly_score',
  'is_anomaly',
  'expected',
  'lower',
  'upper',
] as const;
