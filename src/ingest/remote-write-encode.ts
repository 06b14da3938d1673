/**
 * @module
 * Encoder for Prometheus remote write v1: the inverse of `decodeRemoteWrite`. Used by tests and by
 * the benchmark to pre-encode its workload, so it writes straight into one pre-sized buffer.
 * Labels are written sorted by name, as Prometheus sends them.
 */
import { compress } from 'snappyjs';

/** One time series to encode. `labels` includes `__name__`; samples are `[timestampMs, value]`. */
export interface RemoteWriteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly (readonly [number, number])[];
}

/** Encodes and snappy-compresses (block format) a WriteRequest. */
export function encodeRemoteWrite(series: readonly RemoteWriteSeries[]): Uint8Array {
  return compress(encodeRemoteWriteProto(series));
}

const UTF8 = new TextEncoder();

/** Encodes a WriteRequest protobuf, uncompressed. */
export function encodeRemoteWriteProto(series: readonly RemoteWriteSeries[]): Uint8Array {
  // Pass 1: sizes. Each series' sorted label names and their message sizes are kept for pass 2.
  const names: string[][] = new Array(series.length);
  const seriesLen = new Array<number>(series.length);
  let total = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as RemoteWriteSeries;
    const ns = Object.keys(s.labels).sort();
    names[i] = ns;
    let len = 0;
    for (const n of ns) {
      const l = labelLen(n, s.labels[n] as string);
      len += 1 + varintLen(l) + l;
    }
    for (const [ts] of s.samples) {
      const l = sampleLen(ts);
      len += 1 + varintLen(l) + l;
    }
    seriesLen[i] = len;
    total += 1 + varintLen(len) + len;
  }

  // Pass 2: write.
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  let p = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as RemoteWriteSeries;
    buf[p++] = 0x0a; // WriteRequest.timeseries = 1, LEN
    p = writeVarint(buf, p, seriesLen[i] as number);
    for (const n of names[i] as string[]) {
      const v = s.labels[n] as string;
      buf[p++] = 0x0a; // TimeSeries.labels = 1, LEN
      p = writeVarint(buf, p, labelLen(n, v));
      buf[p++] = 0x0a; // Label.name = 1, LEN
      p = writeString(buf, p, n);
      buf[p++] = 0x12; // Label.value = 2, LEN
      p = writeString(buf, p, v);
    }
    for (const [ts, value] of s.samples) {
      buf[p++] = 0x12; // TimeSeries.samples = 2, LEN
      buf[p++] = sampleLen(ts); // always < 128: one byte
      buf[p++] = 0x09; // Sample.value = 1, I64
      view.setFloat64(p, value, true);
      p += 8;
      buf[p++] = 0x10; // Sample.timestamp = 2, VARINT
      p = writeInt64(buf, p, ts);
    }
  }
  return buf;
}

function labelLen(name: string, value: string): number {
  const a = utf8Length(name);
  const b = utf8Length(value);
  return 1 + varintLen(a) + a + 1 + varintLen(b) + b;
}

/** Sample message size: value tag + 8 bytes + timestamp tag + varint (at most 20 bytes). */
function sampleLen(ts: number): number {
  return 10 + int64Len(ts);
}

function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function int64Len(v: number): number {
  return v < 0 ? 10 : varintLen(v);
}

function writeVarint(buf: Uint8Array, p: number, v: number): number {
  while (v >= 128) {
    buf[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

function writeInt64(buf: Uint8Array, p: number, v: number): number {
  if (v >= 0) return writeVarint(buf, p, Math.trunc(v));
  // Negative: 64-bit two's complement, always 10 bytes. Rare (pre-1970), so BigInt is fine.
  let u = BigInt.asUintN(64, BigInt(Math.trunc(v)));
  for (let i = 0; i < 9; i++) {
    buf[p++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[p++] = Number(u);
  return p;
}

function writeString(buf: Uint8Array, p: number, s: string): number {
  const n = s.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    p = writeVarint(buf, p, n);
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    return p;
  }
  const len = utf8Length(s);
  p = writeVarint(buf, p, len);
  UTF8.encodeInto(s, buf.subarray(p, p + len));
  return p + len;
}

/** UTF-8 byte length as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
