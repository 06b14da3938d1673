/**
 * @module
 * The limits every ingest decoder enforces, and the shared timestamp-window check. Body size is
 * the server's job (it sees the bytes first); cardinality is the store's (it knows which series
 * exist). Everything else a single request can get wrong is checked here.
 */

/** Limits applied by every decoder. Build with `defaultIngestLimits(nowMs)` and override. */
export interface IngestLimits {
  /** Most samples one request may carry (an event is one sample). Default 50,000. */
  readonly maxItemsPerBatch: number;
  /** Most labels per series, not counting the metric name, `source_id` or `severity`. Default 32. */
  readonly maxTagCount: number;
  /** Longest label name, in characters (Unicode code points). Default 128. */
  readonly maxTagKeyLength: number;
  /** Longest label value, in characters (Unicode code points). Default 1,024. */
  readonly maxTagValueLength: number;
  /** How far past `nowMs` a timestamp may lie, in ms (clock skew allowance). Default 10 min. */
  readonly maxFutureMs: number;
  /** How far before `nowMs` a timestamp may lie, in ms: older data would be dropped at once. 30 d. */
  readonly retentionMs: number;
  /**
   * Largest body a decoder will decompress to, in bytes (a snappy header can claim gigabytes in a
   * few bytes). Default 64 MiB.
   */
  readonly maxDecompressedBytes: number;
  /** Most problem items one error lists; the detail always gives the full count. Default 1,000. */
  readonly maxProblemItems: number;
  /**
   * The time decisions are made against, ms since the epoch. Decoders never read a clock: the
   * caller passes `clock.nowMs()` per request. Also the timestamp of line-protocol lines that
   * carry none.
   */
  readonly nowMs: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The documented defaults (docs/data-contract.md). Pass the request's clock time as `nowMs`. */
export function defaultIngestLimits(nowMs = 0): IngestLimits {
  return {
    maxItemsPerBatch: 50_000,
    maxTagCount: 32,
    maxTagKeyLength: 128,
    maxTagValueLength: 1024,
    maxFutureMs: 10 * MINUTE_MS,
    retentionMs: 30 * DAY_MS,
    maxDecompressedBytes: 64 * 1024 * 1024,
    maxProblemItems: 1000,
    nowMs,
  };
}

/**
 * Returns why `timestampMs` falls outside `[nowMs - retentionMs, nowMs + maxFutureMs]`, or
 * undefined when it is inside (both bounds inclusive). `shown` is how the user wrote it.
 */
export function checkTimeWindow(
  timestampMs: number,
  shown: string,
  limits: IngestLimits,
): string | undefined {
  if (timestampMs > limits.nowMs + limits.maxFutureMs) {
    return `timestamp ${shown} is more than ${formatDurationMs(limits.maxFutureMs)} in the future (server time ${isoOrRaw(limits.nowMs)})`;
  }
  if (timestampMs < limits.nowMs - limits.retentionMs) {
    return `timestamp ${shown} is older than the ${formatDurationMs(limits.retentionMs)} retention window (server time ${isoOrRaw(limits.nowMs)})`;
  }
  return undefined;
}

/** ISO 8601 for a ms timestamp, or the raw number when Date cannot represent it. */
export function isoOrRaw(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(ms);
  return new Date(ms).toISOString();
}

/**
 * A short human duration: 600000 -> "10m", 2592000000 -> "30d", 5400000 -> "1h30m".
 * Sub-second remainders are shown in ms.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const units: [string, number][] = [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', MINUTE_MS],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const [name, size] of units) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${name}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Length in Unicode code points (what JSON Schema's maxLength counts), cheap for short strings. */
export function codePointLength(s: string, atMost: number): number {
  // A string of n UTF-16 units has at most n code points, so short strings need no scan.
  if (s.length <= atMost) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Count a surrogate pair once: skip the low half that follows a high half.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
