/**
 * @module
 * Bit streams (most significant bit first) and the integer codings built on them: grouped
 * bit-packing of unsigned integers up to 2^53 and Elias-gamma codes. Layouts:
 * docs/formats/chunk.md.
 */
import { type ByteWriter, DecodeError } from './bytes.ts';

const TWO_32 = 4_294_967_296;

export class BitWriter {
  #buf: Uint8Array;
  #len = 0;
  /** Pending bits, left-aligned in the low `#n` bits of `#acc`. */
  #acc = 0;
  #n = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
  }

  #byte(b: number): void {
    if (this.#len === this.#buf.length) {
      const next = new Uint8Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.#len++] = b;
  }

  /** Writes the low `nbits` (0..32) bits of `v`. */
  write(v: number, nbits: number): void {
    if (nbits === 0) return;
    if (nbits > 24) {
      this.write(Math.floor((v >>> 0) / 65536) & ((1 << (nbits - 16)) - 1), nbits - 16);
      this.write(v & 0xffff, 16);
      return;
    }
    this.#acc = ((this.#acc << nbits) | (v & ((1 << nbits) - 1))) >>> 0;
    this.#n += nbits;
    while (this.#n >= 8) {
      this.#n -= 8;
      this.#byte((this.#acc >>> this.#n) & 0xff);
    }
    this.#acc &= (1 << this.#n) - 1;
  }

  /** Writes an unsigned integer < 2^53 in `nbits` (0..53) bits. */
  writeBig(v: number, nbits: number): void {
    if (nbits <= 32) {
      this.write(v >>> 0 === v ? v : v % TWO_32, nbits);
      return;
    }
    this.write(Math.floor(v / TWO_32), nbits - 32);
    this.write(v % TWO_32, 32);
  }

  bit(b: number): void {
    this.write(b, 1);
  }

  /** Elias gamma code of x >= 1. */
  gamma(x: number): void {
    const n = bitLength(x) - 1;
    this.writeBig(0, n);
    this.writeBig(x, n + 1);
  }

  /** Pads to a byte boundary with zero bits and returns the bytes. */
  finish(): Uint8Array {
    if (this.#n > 0) this.write(0, 8 - this.#n);
    return this.#buf.slice(0, this.#len);
  }

  /** Pads to a byte boundary, appends the bytes to `w`, resets; returns the byte count. */
  flushTo(w: ByteWriter): number {
    if (this.#n > 0) this.write(0, 8 - this.#n);
    const n = this.#len;
    w.bytes(this.#buf.subarray(0, n));
    this.reset();
    return n;
  }

  reset(): void {
    this.#len = 0;
    this.#acc = 0;
    this.#n = 0;
  }
}

export class BitReader {
  readonly #buf: Uint8Array;
  #pos: number;
  readonly #end: number;
  #acc = 0;
  #n = 0;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = pos;
    this.#end = end;
  }

  /** Reads `nbits` (0..32) bits as an unsigned integer. */
  read(nbits: number): number {
    if (nbits === 0) return 0;
    if (nbits > 24) {
      const hi = this.read(nbits - 16);
      return hi * 65536 + this.read(16);
    }
    while (this.#n < nbits) {
      if (this.#pos >= this.#end) throw new DecodeError('bit stream ended early');
      this.#acc = ((this.#acc << 8) | (this.#buf[this.#pos++] as number)) >>> 0;
      this.#n += 8;
    }
    this.#n -= nbits;
    const v = (this.#acc >>> this.#n) & ((1 << nbits) - 1);
    this.#acc &= (1 << this.#n) - 1;
    return v;
  }

  readBig(nbits: number): number {
    if (nbits <= 32) return this.read(nbits);
    const hi = this.read(nbits - 32);
    return hi * TWO_32 + this.read(32);
  }

  bit(): number {
    return this.read(1);
  }

  /** The 32 bits starting at byte `byte` (zero past the end). */
  #word(byte: number): number {
    const buf = this.#buf;
    if (byte + 4 <= this.#end) {
      return (
        (((buf[byte] as number) << 24) |
          ((buf[byte + 1] as number) << 16) |
          ((buf[byte + 2] as number) << 8) |
          (buf[byte + 3] as number)) >>>
        0
      );
    }
    let w = 0;
    for (let k = 0; k < 4; k++)
      w = w * 256 + (byte + k < this.#end ? (buf[byte + k] as number) : 0);
    return w;
  }

  #seek(bp: number): void {
    const rem = bp & 7;
    if (rem === 0) {
      this.#pos = bp >>> 3;
      this.#acc = 0;
      this.#n = 0;
    } else {
      this.#pos = (bp >>> 3) + 1;
      this.#n = 8 - rem;
      this.#acc = (this.#buf[bp >>> 3] as number) & ((1 << this.#n) - 1);
    }
  }

  /**
   * Decodes `packUInts` groups into out[from..to): the hot loop of every column decode, with
   * absolute bit positions and one 32-bit window per value instead of per-bit state.
   */
  unpackGroups(out: Float64Array | number[], from: number, to: number): void {
    const buf = this.#buf;
    const end = this.#end;
    const endBits = end * 8;
    let bp = this.#pos * 8 - this.#n;
    for (let g = from; g < to; g += PACK_GROUP) {
      const stop = Math.min(to, g + PACK_GROUP);
      if (bp + 6 > endBits) throw new DecodeError('bit stream ended early');
      const width = (this.#word(bp >>> 3) >>> (26 - (bp & 7))) & 63;
      bp += 6;
      if (width > 53) throw new DecodeError(`bit width ${width} > 53`);
      if (bp + (stop - g) * width > endBits) throw new DecodeError('bit stream ended early');
      if (width === 0) {
        for (let i = g; i < stop; i++) out[i] = 0;
      } else if (width <= 25) {
        const mask = width === 25 ? 0x1ffffff : (1 << width) - 1;
        const safe = end - 4;
        for (let i = g; i < stop; i++, bp += width) {
          const byte = bp >>> 3;
          const word =
            byte <= safe
              ? (((buf[byte] as number) << 24) |
                  ((buf[byte + 1] as number) << 16) |
                  ((buf[byte + 2] as number) << 8) |
                  (buf[byte + 3] as number)) >>>
                0
              : this.#word(byte);
          out[i] = (word >>> (32 - width - (bp & 7))) & mask;
        }
      } else {
        this.#seek(bp);
        for (let i = g; i < stop; i++) out[i] = this.readBig(width);
        bp = this.#pos * 8 - this.#n;
      }
    }
    this.#seek(bp);
  }

  gamma(): number {
    let n = 0;
    while (this.read(1) === 0) {
      n++;
      if (n > 53) throw new DecodeError('gamma code too long');
    }
    return n === 0 ? 1 : 2 ** n + this.readBig(n);
  }
}

/** Bits needed for an unsigned integer < 2^53 (0 for 0). */
export function bitLength(v: number): number {
  if (v < TWO_32) return 32 - Math.clz32(v);
  return 32 + (32 - Math.clz32(Math.floor(v / TWO_32)));
}

export function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

export function unzigzag(u: number): number {
  // Integer ops for the common case; `%` on doubles is a slow path in V8.
  if (u < 2147483648) return (u & 1) === 0 ? u >>> 1 : -((u >>> 1) + 1);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Values per group of `packUInts`; each group stores its own 6-bit width. */
export const PACK_GROUP = 16;

/**
 * Grouped bit-packing: per group of 16 values a 6-bit width w (0..53), then the values in w bits
 * each. Runs of equal small values cost 6 bits per 16.
 */
export function packUInts(w: BitWriter, values: ArrayLike<number>, from: number, to: number): void {
  for (let g = from; g < to; g += PACK_GROUP) {
    const end = Math.min(to, g + PACK_GROUP);
    let max = 0;
    for (let i = g; i < end; i++) if ((values[i] as number) > max) max = values[i] as number;
    const width = bitLength(max);
    w.write(width, 6);
    if (width === 0) continue;
    if (width <= 32) for (let i = g; i < end; i++) w.write(values[i] as number, width);
    else for (let i = g; i < end; i++) w.writeBig(values[i] as number, width);
  }
}

export function unpackUInts(
  r: BitReader,
  out: Float64Array | number[],
  from: number,
  to: number,
): void {
  r.unpackGroups(out, from, to);
}
