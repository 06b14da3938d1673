/**
 * @module
 * A minimal protobuf wire-format reader: varints, fixed64 doubles, length-delimited ranges, and
 * skipping of any field (including deprecated groups). Hand-written for remote write's hot path,
 * where protobufjs decodes under 1 M points/s (TOOLCHAIN.md). Errors throw `ProtobufError`, caught
 * at the decoder's boundary and turned into a value; nothing here allocates per field.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

/** Malformed protobuf bytes; `offset` is where reading failed. */
export class ProtobufError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufError';
    this.offset = offset;
  }
}

const TWO_POW_32 = 4_294_967_296;

/** A cursor over a byte array. `pos` moves as fields are read; `end` bounds the current message. */
export class ProtobufReader {
  readonly buf: Uint8Array;
  readonly #view: DataView;
  pos: number;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
  }

  /**
   * Reads an unsigned varint of up to 32 bits of interest (tags, lengths). Longer encodings of
   * small numbers (up to 10 bytes) are accepted, as the spec allows; bits above 2^53 are lost.
   */
  uint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < end) {
      const b = buf[pos] as number;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new ProtobufError('truncated varint', pos);
      const b = buf[pos++] as number;
      value += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
      mul *= 128;
    }
    throw new ProtobufError('varint longer than 10 bytes', pos);
  }

  /** Reads an int64 varint as a JS number (two's complement; exact within ±2^53). */
  int64(end: number): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    // Fast path: non-negative values below 2^49 (7 bytes), which covers ms timestamps.
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) throw new ProtobufError('truncated varint', pos);
      const b = buf[pos++] as number;
      value += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
      mul *= 128;
    }
    // Slow path: split into 32-bit halves, then combine with the sign of the high half.
    pos = start;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new ProtobufError('truncated varint', pos);
      const b = buf[pos++] as number;
      const bits = b & 0x7f;
      if (shift < 28) {
        lo |= bits << shift;
      } else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else {
        hi |= bits << (shift - 32);
      }
      shift += 7;
      if (b < 0x80) {
        this.pos = pos;
        return (hi | 0) * TWO_POW_32 + (lo >>> 0);
      }
    }
    throw new ProtobufError('varint longer than 10 bytes', pos);
  }

  /** Reads a little-endian float64 (wire type I64). */
  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) throw new ProtobufError('truncated double', pos);
    this.pos = pos + 8;
    return this.#view.getFloat64(pos, true);
  }

  /** The high and low 32 bits of the float64 just read, for telling NaN payloads apart. */
  doubleBitsHi(at: number): number {
    return this.#view.getUint32(at + 4, true);
  }
  doubleBitsLo(at: number): number {
    return this.#view.getUint32(at, true);
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  lengthDelimitedEnd(end: number): number {
    const at = this.pos;
    const len = this.uint32(end);
    const stop = this.pos + len;
    if (stop > end) throw new ProtobufError(`length ${len} runs past the end of its message`, at);
    return stop;
  }

  /** Skips one field of wire type `wireType` whose tag was just read. */
  skip(wireType: number, end: number, fieldNumber: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uint32(end);
        return;
      case WIRE_I64:
        if (this.pos + 8 > end) throw new ProtobufError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthDelimitedEnd(end);
        return;
      case WIRE_I32:
        if (this.pos + 4 > end) throw new ProtobufError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      case WIRE_SGROUP: {
        // Deprecated groups: skip fields until the matching end-group tag.
        if (depth > 64) throw new ProtobufError('groups nested too deep', this.pos);
        for (;;) {
          if (this.pos >= end) throw new ProtobufError('unterminated group', this.pos);
          const tag = this.uint32(end);
          const wt = tag & 7;
          if (wt === WIRE_EGROUP) {
            if (tag >>> 3 !== fieldNumber)
              throw new ProtobufError('mismatched end group', this.pos);
            return;
          }
          this.skip(wt, end, tag >>> 3, depth + 1);
        }
      }
      default:
        throw new ProtobufError(`invalid wire type ${wireType}`, this.pos);
    }
  }

  /** Decodes UTF-8 bytes [pos, stop) to a string, or returns undefined when they are not UTF-8. */
  string(stop: number): string | undefined {
    const buf = this.buf;
    const start = this.pos;
    this.pos = stop;
    const len = stop - start;
    if (len > MAX_CACHED_STRING) return decodeUtf8(buf, start, stop);
    // Label names and values repeat in every request: look the bytes up before building a string.
    let h = 0x811c9dc5;
    for (let i = start; i < stop; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    const slot = (h >>> 0) & (STRING_CACHE_SIZE - 1);
    const cached = CACHE_BYTES[slot];
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (cached[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return CACHE_STRINGS[slot];
    }
    // ASCII fast path; anything else goes through the UTF-8 decoder.
    let s = '';
    for (let i = start; i < stop; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) {
        const u = decodeUtf8(buf, start, stop);
        if (u !== undefined) remember(slot, buf, start, stop, u);
        return u;
      }
      s += String.fromCharCode(c);
    }
    remember(slot, buf, start, stop, s);
    return s;
  }
}

/**
 * A direct-mapped cache of short decoded strings, keyed by an FNV-1a hash of their bytes and
 * checked byte for byte. Label strings repeat across requests, so most lookups hit and skip
 * building a string. A pure cache: what is returned never depends on what it holds.
 */
const STRING_CACHE_SIZE = 8192; // a power of two
const MAX_CACHED_STRING = 64;
const CACHE_BYTES: (Uint8Array | undefined)[] = new Array(STRING_CACHE_SIZE);
const CACHE_STRINGS: (string | undefined)[] = new Array(STRING_CACHE_SIZE);

function remember(slot: number, buf: Uint8Array, start: number, stop: number, s: string): void {
  CACHE_BYTES[slot] = buf.slice(start, stop);
  CACHE_STRINGS[slot] = s;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(buf: Uint8Array, start: number, stop: number): string | undefined {
  try {
    return UTF8.decode(buf.subarray(start, stop));
  } catch {
    // fatal: true throws on malformed UTF-8; the caller reports it as an item problem.
    return undefined;
  }
}
