/**
 * @module
 * Growable byte writer and bounds-checked reader with LEB128 varints (unsigned and zigzag) that
 * stay exact up to 2^53, plus length-prefixed UTF-8 strings. Every on-disk format uses these.
 */

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(initialBytes = 1024) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.#buf[this.length++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.#view.setUint32(this.length, v, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.#view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** Unsigned LEB128; exact for integers in [0, 2^53). */
  uvarint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.#buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.length++] = v;
  }

  /** Zigzag LEB128 for safe integers. */
  varint(v: number): void {
    this.uvarint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }

  string(s: string): void {
    const b = textEncoder.encode(s);
    this.uvarint(b.length);
    this.bytes(b);
  }

  /** Float64 array as little-endian bytes. */
  f64s(a: ArrayLike<number>, from = 0, to = a.length): void {
    this.ensure((to - from) * 8);
    const v = this.#view;
    let o = this.length;
    for (let i = from; i < to; i++, o += 8) v.setFloat64(o, a[i] as number, true);
    this.length = o;
  }

  setU32(at: number, v: number): void {
    this.#view.setUint32(at, v, true);
  }

  reset(): void {
    this.length = 0;
  }

  /** A view of the bytes written so far (shares memory with the writer). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }

  /**
   * A copy of the bytes written so far, carved from a shared 1 MiB slab: sealed chunks and pages
   * are small and numerous, and one ArrayBuffer each would burden the garbage collector.
   */
  finishInSlab(): Uint8Array {
    return slabCopy(this.#buf.subarray(0, this.length));
  }
}

/** Thrown by ByteReader on truncated or malformed input; callers add the location. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export class ByteReader {
  readonly buf: Uint8Array;
  readonly #view: DataView;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`unexpected end at byte ${this.pos}`);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.#need(1);
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new DecodeError(`varint too long at byte ${this.pos}`);
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const n = this.uvarint();
    try {
      return textDecoder.decode(this.bytes(n));
    } catch (err) {
      throw new DecodeError(`invalid UTF-8 at byte ${this.pos}: ${String(err)}`);
    }
  }

  f64s(out: Float64Array, from: number, n: number): void {
    this.#need(n * 8);
    const v = this.#view;
    let o = this.pos;
    for (let i = 0; i < n; i++, o += 8) out[from + i] = v.getFloat64(o, true);
    this.pos = o;
  }
}

const SLAB_BYTES = 1 << 20;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** Copies `b` into the current slab (a fresh one when full; big inputs get their own buffer). */
export function slabCopy(b: Uint8Array): Uint8Array {
  if (b.length > SLAB_BYTES / 8) return b.slice();
  if (slabUsed + b.length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + b.length);
  out.set(b);
  slabUsed += b.length;
  return out;
}
