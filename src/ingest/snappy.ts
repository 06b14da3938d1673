/**
 * @module
 * Snappy block-format decompression, written for hostile input. snappyjs 0.7 (used for
 * compression) loops forever on some corrupt streams: a 4-byte literal length with the top bit
 * set turns negative and moves its cursor backwards (input `fb75fc2c082b9803bd93` hangs it), and
 * it never checks output against the declared length. A server cannot afford either, so every
 * length and offset is bounds-checked here.
 *
 * Format: https://github.com/google/snappy/blob/main/format_description.txt
 * ```
 * preamble: uncompressed length, varint (<= 2^32 - 1)
 * element:  tag byte, low 2 bits = type
 *   00 literal   len-1 = tag>>2 (0..59), or 60..63 => len-1 in the next 1..4 bytes (LE)
 *   01 copy      len = 4 + ((tag>>2) & 7), offset = ((tag>>5) << 8) | next byte  (11 bits)
 *   10 copy      len = 1 + (tag>>2), offset = next 2 bytes (LE)
 *   11 copy      len = 1 + (tag>>2), offset = next 4 bytes (LE)
 * ```
 */

export type SnappyResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly tooLarge: boolean; readonly reason: string };

/** The uncompressed length a snappy block declares, or -1 when the preamble is malformed. */
export function snappyDeclaredLength(input: Uint8Array): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < input.length; i++) {
    const b = input[i] as number;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return value <= 0xffffffff ? value : -1;
    mul *= 128;
  }
  return -1;
}

/** Decompresses one snappy block. Never throws; never allocates more than `maxLength` bytes. */
export function uncompressSnappy(input: Uint8Array, maxLength: number): SnappyResult {
  // Preamble.
  let pos = 0;
  let length = 0;
  let mul = 1;
  for (;;) {
    if (pos >= input.length || pos >= 5) return bad('malformed length preamble');
    const b = input[pos++] as number;
    length += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  if (length > 0xffffffff) return bad('malformed length preamble');
  if (length > maxLength) {
    return {
      ok: false,
      tooLarge: true,
      reason: `declares ${length} uncompressed bytes, more than the limit of ${maxLength}`,
    };
  }
  const out = new Uint8Array(length);
  const n = input.length;
  let op = 0;
  while (pos < n) {
    const tag = input[pos++] as number;
    const type = tag & 3;
    if (type === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60; // 1..4 bytes of little-endian length-1
        if (pos + extra > n) return bad(`truncated literal length at byte ${pos}`);
        len = 0;
        let m = 1;
        for (let k = 0; k < extra; k++) {
          len += (input[pos + k] as number) * m;
          m *= 256;
        }
        len += 1;
        pos += extra;
      }
      if (pos + len > n) return bad(`literal of ${len} bytes runs past the input at byte ${pos}`);
      if (op + len > length) return bad('output longer than the declared length');
      if (len < 32) {
        // Short literals dominate; a loop beats creating a subarray view for each.
        for (let k = 0; k < len; k++) out[op++] = input[pos++] as number;
      } else {
        out.set(input.subarray(pos, pos + len), op);
        pos += len;
        op += len;
      }
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (pos + 1 > n) return bad(`truncated copy at byte ${pos}`);
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (input[pos] as number);
      pos += 1;
    } else if (type === 2) {
      if (pos + 2 > n) return bad(`truncated copy at byte ${pos}`);
      len = (tag >>> 2) + 1;
      offset = (input[pos] as number) | ((input[pos + 1] as number) << 8);
      pos += 2;
    } else {
      if (pos + 4 > n) return bad(`truncated copy at byte ${pos}`);
      len = (tag >>> 2) + 1;
      offset =
        (input[pos] as number) +
        (input[pos + 1] as number) * 0x100 +
        (input[pos + 2] as number) * 0x10000 +
        (input[pos + 3] as number) * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > op)
      return bad(`copy offset ${offset} out of range at byte ${pos}`);
    if (op + len > length) return bad('output longer than the declared length');
    let from = op - offset;
    if (offset >= len && len >= 32) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Short or overlapping copy (a run): byte by byte, each read sees the bytes just written.
      for (let k = 0; k < len; k++) out[op++] = out[from++] as number;
    }
  }
  if (op !== length) return bad(`output has ${op} bytes but the block declares ${length}`);
  return { ok: true, bytes: out };
}

function bad(reason: string): SnappyResult {
  return { ok: false, tooLarge: false, reason };
}
