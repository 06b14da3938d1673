/**
 * @module
 * The chunk codec: sorted, de-duplicated samples of one series to bytes and back.
 * Timestamps: first value, first delta, then delta-of-deltas zigzagged and group-bit-packed.
 * Values: when every value of the chunk is a decimal with at most 12 fraction digits (v ===
 * round(v * 10^e) / 10^e), the integers v * 10^e are delta-coded and group-bit-packed;
 * otherwise Gorilla XOR coding of the float64 bits. A CRC32 closes every chunk.
 * Byte layout: docs/formats/chunk.md.
 */
import { crc32 } from 'node:zlib';
import { BitReader, BitWriter, packUInts, unpackUInts, unzigzag, zigzag } from './bits.ts';
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';

export const CHUNK_VERSION = 1;
export const VALUES_DECIMAL = 0;
export const VALUES_XOR = 1;
export const MAX_DECIMAL_EXPONENT = 12;
/** Largest |integer| the decimal mode accepts, so zigzagged deltas stay below 2^53. */
const MAX_DECIMAL_INT = 2 ** 50;
const POW10 = Array.from({ length: MAX_DECIMAL_EXPONENT + 1 }, (_, e) => 10 ** e);

/**
 * The smallest exponent e such that every value is exactly an integer over 10^e (and small
 * enough), or -1 when there is none (then XOR coding applies).
 */
export function decimalExponent(vals: ArrayLike<number>, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) {
    const v = vals[i] as number;
    if (Object.is(v, -0) || !Number.isFinite(v)) return -1;
    for (;;) {
      const p = POW10[e] as number;
      const m = Math.round(v * p);
      if (m / p === v && Math.abs(m) <= MAX_DECIMAL_INT) break;
      e++;
      if (e > MAX_DECIMAL_EXPONENT) return -1;
    }
  }
  return e;
}

export interface DecodedChunk {
  readonly ts: Float64Array;
  readonly vals: Float64Array;
  readonly n: number;
  /** Decimal exponent of the values, or -1 for XOR-coded values. */
  readonly exponent: number;
}

/** Encodes samples [from, to) (sorted by timestamp, distinct, safe-integer timestamps). */
export function encodeChunk(
  ts: ArrayLike<number>,
  vals: ArrayLike<number>,
  from: number,
  to: number,
): Uint8Array {
  const n = to - from;
  const e = decimalExponent(vals, from, to);
  const w = scratchBytes;
  w.reset();
  w.u8(CHUNK_VERSION);
  w.u8(e >= 0 ? VALUES_DECIMAL : VALUES_XOR);
  w.uvarint(n);
  if (n > 0) w.varint(ts[from] as number);
  if (n > 1) w.uvarint((ts[from + 1] as number) - (ts[from] as number));
  const bw = scratchBits;
  bw.reset();
  if (n > 2) {
    const dod = scratchFloats(n);
    let prevDelta = (ts[from + 1] as number) - (ts[from] as number);
    for (let i = 2; i < n; i++) {
      const d = (ts[from + i] as number) - (ts[from + i - 1] as number);
      dod[i - 2] = zigzag(d - prevDelta);
      prevDelta = d;
    }
    packUInts(bw, dod, 0, n - 2);
  }
  if (e >= 0) {
    w.u8(e);
    const p = POW10[e] as number;
    let prev = n > 0 ? Math.round((vals[from] as number) * p) : 0;
    if (n > 0) w.varint(prev);
    if (n > 1) {
      const deltas = scratchFloats(n);
      for (let i = 1; i < n; i++) {
        const m = Math.round((vals[from + i] as number) * p);
        deltas[i - 1] = zigzag(m - prev);
        prev = m;
      }
      packUInts(bw, deltas, 0, n - 1);
    }
  } else {
    writeXor(bw, vals, from, to);
  }
  bw.flushTo(w);
  w.u32(crc32(w.view()));
  return w.finishInSlab();
}

// Encoders run to completion synchronously, so one set of scratch buffers serves them all.
const scratchBytes = new ByteWriter(1 << 16);
const scratchBits = new BitWriter(1 << 16);
let scratch = new Float64Array(1024);

/** A shared scratch array of at least n numbers (valid until the next call). */
export function scratchFloats(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** Decodes a chunk, verifying its CRC32; throws DecodeError on any mismatch. */
export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  if (bytes.length < 7) throw new DecodeError(`chunk of ${bytes.length} bytes is too short`);
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw new DecodeError('chunk CRC32 mismatch');
  const r = new ByteReader(body);
  const version = r.u8();
  if (version !== CHUNK_VERSION) throw new DecodeError(`unknown chunk version ${version}`);
  const mode = r.u8();
  const n = r.uvarint();
  if (n > 1 << 24) throw new DecodeError(`implausible chunk length ${n}`);
  const ts = new Float64Array(n);
  const vals = new Float64Array(n);
  if (n > 0) ts[0] = r.varint();
  if (n > 1) ts[1] = (ts[0] as number) + r.uvarint();
  let exponent = -1;
  if (mode === VALUES_DECIMAL) exponent = r.u8();
  else if (mode !== VALUES_XOR) throw new DecodeError(`unknown value mode ${mode}`);
  if (exponent > MAX_DECIMAL_EXPONENT) throw new DecodeError(`exponent ${exponent} too large`);
  let firstInt = 0;
  if (exponent >= 0 && n > 0) firstInt = r.varint();
  const br = new BitReader(body, r.pos, body.length);
  if (n > 2) {
    unpackUInts(br, ts, 2, n);
    let prevDelta = (ts[1] as number) - (ts[0] as number);
    for (let i = 2; i < n; i++) {
      prevDelta += unzigzag(ts[i] as number);
      ts[i] = (ts[i - 1] as number) + prevDelta;
    }
  }
  if (exponent >= 0) {
    const p = POW10[exponent] as number;
    if (n > 0) vals[0] = firstInt / p;
    if (n > 1) {
      unpackUInts(br, vals, 1, n);
      let m = firstInt;
      for (let i = 1; i < n; i++) {
        m += unzigzag(vals[i] as number);
        vals[i] = m / p;
      }
    }
  } else {
    readXor(br, vals, n);
  }
  return { ts, vals, n, exponent };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (every platform Node supports today) keep the high word at index 1.
const HI = 1;
const LO = 0;

/** Gorilla XOR coding (Pelkonen et al., VLDB 2015), with 6-bit leading-zero counts. */
export function writeXor(w: BitWriter, vals: ArrayLike<number>, from: number, to: number): void {
  if (to <= from) return;
  f64[0] = vals[from] as number;
  let prevHi = u32[HI] as number;
  let prevLo = u32[LO] as number;
  w.write(prevHi, 32);
  w.write(prevLo, 32);
  let prevLead = -1;
  let prevTrail = 0;
  for (let i = from + 1; i < to; i++) {
    f64[0] = vals[i] as number;
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.bit(0);
      continue;
    }
    w.bit(1);
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
      w.bit(0);
      writeShifted(w, xh, xl, prevTrail, 64 - prevLead - prevTrail);
    } else {
      w.bit(1);
      const len = 64 - lead - trail;
      w.write(lead, 6);
      w.write(len - 1, 6);
      writeShifted(w, xh, xl, trail, len);
      prevLead = lead;
      prevTrail = trail;
    }
  }
}

export function readXor(r: BitReader, out: Float64Array, n: number): void {
  if (n === 0) return;
  let hi = r.read(32);
  let lo = r.read(32);
  u32[HI] = hi;
  u32[LO] = lo;
  out[0] = f64[0] as number;
  let lead = 0;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    if (r.bit() === 1) {
      if (r.bit() === 1) {
        lead = r.read(6);
        const len = r.read(6) + 1;
        trail = 64 - lead - len;
        if (trail < 0) throw new DecodeError('XOR block exceeds 64 bits');
      }
      const len = 64 - lead - trail;
      let xh: number;
      let xl: number;
      if (len > 32) {
        xh = r.read(len - 32);
        xl = r.read(32);
      } else {
        xh = 0;
        xl = r.read(len);
      }
      // Shift (xh:xl) left by `trail`.
      if (trail >= 32) {
        xh = trail === 64 ? 0 : (xl << (trail - 32)) >>> 0;
        xl = 0;
      } else if (trail > 0) {
        xh = ((xh << trail) | (xl >>> (32 - trail))) >>> 0;
        xl = (xl << trail) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
      u32[HI] = hi;
      u32[LO] = lo;
    }
    out[i] = f64[0] as number;
  }
}

/** Writes `len` bits of (xh:xl) >>> shift. */
function writeShifted(w: BitWriter, xh: number, xl: number, shift: number, len: number): void {
  let sh: number;
  let sl: number;
  if (shift >= 32) {
    sh = 0;
    sl = xh >>> (shift - 32);
  } else if (shift > 0) {
    sl = ((xl >>> shift) | (xh << (32 - shift))) >>> 0;
    sh = xh >>> shift;
  } else {
    sh = xh;
    sl = xl;
  }
  if (len > 32) {
    w.write(sh, len - 32);
    w.write(sl, 32);
  } else {
    w.write(len === 32 ? sl : sl & ((1 << len) - 1), len);
  }
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
