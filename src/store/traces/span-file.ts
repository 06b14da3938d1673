/**
 * @module
 * The span file format (docs/formats/traces.md): one file per UTC hour of span start,
 * `traces/<YYYYMMDD>T<HH>.spans`, an 8-byte magic then records
 *
 * ```
 * ┌──────────────┬──────────────┬───────────────────────────┐
 * │ len <4b, LE> │ CRC32 <4b>   │ payload <len bytes>       │   CRC32 (IEEE) of the payload
 * └──────────────┴──────────────┴───────────────────────────┘   payload: one Span as UTF-8 JSON
 * ```
 *
 * Appends only; a crash can leave a torn last record, which `scanSpanFile` reports so the
 * opener truncates it. Hour files make retention a matter of deleting whole files.
 */
import { crc32 } from 'node:zlib';
import type { Span } from '../../contract/index.ts';

export const SPAN_FILE_MAGIC = Buffer.from('OPSPANS1', 'latin1');
export const RECORD_HEADER_BYTES = 8;
export const HOUR_MS = 3_600_000;
/** A record longer than this is damage, not a span (the decoder caps a span far below). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

const NAME_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})\.spans$/;

/** `20261122T03.spans` for any time in that UTC hour. */
export function spanFileName(hourMs: number): string {
  const iso = new Date(hourMs).toISOString(); // 2026-11-22T03:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}.spans`;
}

/** The start of the hour a file name stands for, or undefined for other names. */
export function parseSpanFileName(name: string): number | undefined {
  const m = NAME_RE.exec(name);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
  return spanFileName(ms) === name ? ms : undefined;
}

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** One span as a record, header included. */
export function encodeSpanRecord(span: Span): Buffer {
  const payload = Buffer.from(JSON.stringify(span), 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, RECORD_HEADER_BYTES);
  return out;
}

/** Checks and parses the record at `off` of `buf` (which must hold all of it). */
export function decodeSpanRecord(buf: Buffer, off: number): Span | string {
  const len = buf.readUInt32LE(off);
  const payload = buf.subarray(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + len);
  if (payload.length !== len) return `record of ${len} bytes runs past the end`;
  const want = buf.readUInt32LE(off + 4);
  const got = crc32(payload);
  if (want !== got) {
    return `CRC32 mismatch (stored ${want.toString(16)}, computed ${got.toString(16)})`;
  }
  try {
    return JSON.parse(payload.toString('utf8')) as Span;
  } catch (err) {
    return `payload is not JSON: ${(err as Error).message}`;
  }
}

export interface ScannedRecord {
  readonly offset: number;
  readonly bytes: number;
  readonly span: Span;
}

export type ScanResult =
  | {
      readonly ok: true;
      readonly records: ScannedRecord[];
      readonly tornAt?: number;
      readonly reason?: string;
    }
  | { readonly ok: false; readonly offset: number; readonly reason: string };

/**
 * Reads every record of a span file. A damaged last record (short header, length past the end,
 * or a CRC mismatch that reaches the end) is a torn write: `tornAt` says where to truncate.
 * Damage anywhere else is corruption: `ok: false` with the offset.
 */
export function scanSpanFile(buf: Buffer): ScanResult {
  if (buf.length < SPAN_FILE_MAGIC.length) {
    // A file created but not yet given its magic (crash right after creation).
    if (SPAN_FILE_MAGIC.subarray(0, buf.length).equals(buf)) {
      return { ok: true, records: [], tornAt: 0, reason: 'incomplete file header' };
    }
    return { ok: false, offset: 0, reason: 'not a span file (bad magic)' };
  }
  if (!buf.subarray(0, SPAN_FILE_MAGIC.length).equals(SPAN_FILE_MAGIC)) {
    return { ok: false, offset: 0, reason: 'not a span file (bad magic)' };
  }
  const records: ScannedRecord[] = [];
  let off = SPAN_FILE_MAGIC.length;
  while (off < buf.length) {
    const left = buf.length - off;
    if (left < RECORD_HEADER_BYTES) {
      return { ok: true, records, tornAt: off, reason: `incomplete record header (${left} bytes)` };
    }
    const len = buf.readUInt32LE(off);
    const end = off + RECORD_HEADER_BYTES + len;
    if (len > MAX_RECORD_BYTES || end > buf.length) {
      return { ok: true, records, tornAt: off, reason: `record of ${len} bytes runs past the end` };
    }
    const span = decodeSpanRecord(buf, off);
    if (typeof span === 'string') {
      if (end === buf.length) return { ok: true, records, tornAt: off, reason: span };
      return { ok: false, offset: off, reason: span };
    }
    records.push({ offset: off, bytes: end - off, span });
    off = end;
  }
  return { ok: true, records };
}
