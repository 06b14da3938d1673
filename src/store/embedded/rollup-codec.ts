/**
 * @module
 * 1-minute rollup pages: for every minute of one series that has samples, count, sum, min, max,
 * first, last, the counter drops (for rate) and a DDSketch-style key multiset, stored column by
 * column so a query decodes only what its aggregation reads (avg: count and sum). Values use the
 * chunk codec's idea: exact decimal integers with predictors when possible, Gorilla XOR
 * otherwise. Byte layout: docs/formats/rollup.md.
 */
import { crc32 } from 'node:zlib';
import { ROLLUP_MS, type SlotNeeds, sketchKey } from '../../analytics/index.ts';
import {
  BitReader,
  BitWriter,
  bitLength,
  packUInts,
  unpackUInts,
  unzigzag,
  zigzag,
} from './bits.ts';
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';
import { decimalExponent, readXor, writeXor } from './chunk-codec.ts';

export const ROLLUP_VERSION = 1;
const MODE_DECIMAL = 0;
const MODE_XOR = 1;
const MAX_INT = 2 ** 50;
/** Minutes with more inner values than this store their keys as (gap, count) gamma pairs. */
const SMALL_SKETCH = 32;

/** Rollups of consecutive minutes of one series (columns; `keys` flat per minute). */
export interface RollupColumns {
  n: number;
  minuteMs: Float64Array;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  first: Float64Array;
  last: Float64Array;
  /** Number of drops (counter resets) inside the minute. */
  drops: Float64Array;
  /** Sum of the value before each drop: increase = last - first + dropSum. */
  dropSum: Float64Array;
  /** Sketch keys of each minute's values except one min and one max, ascending. */
  keys: Int32Array;
  /** keys[keyStart[i] .. keyStart[i + 1]) belong to minute i. */
  keyStart: Uint32Array;
  /** Decimal exponent every value of the page fits (see chunk-codec), or -1. */
  exponent: number;
}

/**
 * Rollups of sorted, de-duplicated samples [i0, i1), for the minutes that `keep` accepts (all
 * when omitted).
 */
export function buildRollups(
  ts: ArrayLike<number>,
  vals: ArrayLike<number>,
  i0: number,
  i1: number,
  keep?: (minuteMs: number) => boolean,
  into?: RollupColumns,
): RollupColumns {
  let c: RollupColumns;
  if (into !== undefined) {
    c = into;
    c.n = 0;
  } else {
    const span = Math.ceil(((ts[i1 - 1] ?? 0) - (ts[i0] ?? 0)) / ROLLUP_MS) + 1;
    c = allocColumns(Math.max(1, Math.min(i1 - i0, span)), i1 - i0);
  }
  c.exponent = decimalExponent(vals, i0, i1);
  let k = 0;
  let i = i0;
  while (i < i1) {
    const minute = Math.floor((ts[i] as number) / ROLLUP_MS) * ROLLUP_MS;
    const end = minute + ROLLUP_MS;
    let j = i;
    while (j < i1 && (ts[j] as number) < end) j++;
    if (keep !== undefined && !keep(minute)) {
      i = j;
      continue;
    }
    if (c.n === c.minuteMs.length) growColumns(c);
    const m = c.n++;
    let sum = 0;
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    let drops = 0;
    let dropSum = 0;
    const first = vals[i] as number;
    for (let x = i; x < j; x++) {
      const v = vals[x] as number;
      sum += v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (x > i && v < (vals[x - 1] as number)) {
        drops++;
        dropSum += vals[x - 1] as number;
      }
    }
    c.minuteMs[m] = minute;
    c.count[m] = j - i;
    c.sum[m] = sum;
    c.min[m] = mn;
    c.max[m] = mx;
    c.first[m] = first;
    c.last[m] = vals[j - 1] as number;
    c.drops[m] = drops;
    c.dropSum[m] = dropSum;
    if (j - i > 2) {
      // Inner keys: every value's key except one min and one max, ascending. When min and max
      // share a key there is nothing to store (the encoder writes nothing either).
      const kmin = sketchKey(mn);
      if (sketchKey(mx) !== kmin) {
        if (k + (j - i) > c.keys.length) {
          const next = new Int32Array(Math.max(c.keys.length * 2, k + (j - i)));
          next.set(c.keys);
          c.keys = next;
        }
        const keys = c.keys;
        let skippedMin = false;
        let skippedMax = false;
        const k0 = k;
        for (let x = i; x < j; x++) {
          const v = vals[x] as number;
          if (!skippedMin && v === mn) {
            skippedMin = true;
            continue;
          }
          if (!skippedMax && v === mx) {
            skippedMax = true;
            continue;
          }
          // Insertion sort while the minute is small; a typed sort below otherwise.
          const key = sketchKey(v);
          let y = k++;
          if (j - i <= 32) {
            while (y > k0 && (keys[y - 1] as number) > key) {
              keys[y] = keys[y - 1] as number;
              y--;
            }
          }
          keys[y] = key;
        }
        if (j - i > 32) keys.subarray(k0, k).sort();
      } else {
        // All inner keys equal kmin: store them so merges and full decodes stay exact.
        if (k + (j - i) > c.keys.length) {
          const next = new Int32Array(Math.max(c.keys.length * 2, k + (j - i)));
          next.set(c.keys);
          c.keys = next;
        }
        for (let x = 0; x < j - i - 2; x++) c.keys[k++] = kmin;
      }
    }
    c.keyStart[m + 1] = k;
    i = j;
  }
  return c;
}

/** Empty columns with room for `minutes` minutes and `keys` sketch keys (they grow). */
export function allocColumns(minutes: number, keys: number): RollupColumns {
  // One allocation for the nine number columns (typed-array creation dominates small pages).
  const all = new Float64Array(minutes * 9);
  const col = (i: number): Float64Array => all.subarray(i * minutes, (i + 1) * minutes);
  return {
    n: 0,
    minuteMs: col(0),
    count: col(1),
    sum: col(2),
    min: col(3),
    max: col(4),
    first: col(5),
    last: col(6),
    drops: col(7),
    dropSum: col(8),
    keys: new Int32Array(Math.max(4, keys)),
    keyStart: new Uint32Array(minutes + 1),
    exponent: 0,
  };
}

function growColumns(c: RollupColumns): void {
  const cap = c.minuteMs.length * 2;
  const grow = (a: Float64Array): Float64Array => {
    const b = new Float64Array(cap);
    b.set(a);
    return b;
  };
  c.minuteMs = grow(c.minuteMs);
  c.count = grow(c.count);
  c.sum = grow(c.sum);
  c.min = grow(c.min);
  c.max = grow(c.max);
  c.first = grow(c.first);
  c.last = grow(c.last);
  c.drops = grow(c.drops);
  c.dropSum = grow(c.dropSum);
  const ks = new Uint32Array(cap + 1);
  ks.set(c.keyStart);
  c.keyStart = ks;
}

/** Merges pages into one: for a minute present in several, the later page in the list wins. */
export function mergeRollups(pages: readonly RollupColumns[]): RollupColumns {
  let ordered = true;
  for (let k = 1; k < pages.length; k++) {
    const a = pages[k - 1] as RollupColumns;
    const b = pages[k] as RollupColumns;
    if (b.n > 0 && a.n > 0 && (b.minuteMs[0] as number) <= (a.minuteMs[a.n - 1] as number))
      ordered = false;
  }
  if (ordered) return concatRollups(pages);
  const byMinute = new Map<number, [RollupColumns, number]>();
  let keys = 0;
  let exponent = 0;
  for (const p of pages) {
    exponent = p.exponent < 0 || exponent < 0 ? -1 : Math.max(exponent, p.exponent);
    for (let i = 0; i < p.n; i++) byMinute.set(p.minuteMs[i] as number, [p, i]);
    keys += p.keys.length;
  }
  const minutes = [...byMinute.keys()].sort((a, b) => a - b);
  const c = allocColumns(Math.max(1, minutes.length), keys);
  c.exponent = exponent;
  let k = 0;
  for (const minute of minutes) {
    const [p, i] = byMinute.get(minute) as [RollupColumns, number];
    const m = c.n++;
    c.minuteMs[m] = minute;
    c.count[m] = p.count[i] as number;
    c.sum[m] = p.sum[i] as number;
    c.min[m] = p.min[i] as number;
    c.max[m] = p.max[i] as number;
    c.first[m] = p.first[i] as number;
    c.last[m] = p.last[i] as number;
    c.drops[m] = p.drops[i] as number;
    c.dropSum[m] = p.dropSum[i] as number;
    for (let y = p.keyStart[i] as number; y < (p.keyStart[i + 1] as number); y++) {
      c.keys[k++] = p.keys[y] as number;
    }
    c.keyStart[m + 1] = k;
  }
  return c;
}

/** Concatenates pages whose minutes are already ascending and disjoint. */
function concatRollups(pages: readonly RollupColumns[]): RollupColumns {
  let minutes = 0;
  let keys = 0;
  let exponent = 0;
  for (const p of pages) {
    minutes += p.n;
    keys += p.keyStart[p.n] as number;
    exponent = p.exponent < 0 || exponent < 0 ? -1 : Math.max(exponent, p.exponent);
  }
  const c = allocColumns(Math.max(1, minutes), keys);
  c.exponent = exponent;
  let m = 0;
  let k = 0;
  for (const p of pages) {
    const n = p.n;
    c.minuteMs.set(p.minuteMs.subarray(0, n), m);
    c.count.set(p.count.subarray(0, n), m);
    c.sum.set(p.sum.subarray(0, n), m);
    c.min.set(p.min.subarray(0, n), m);
    c.max.set(p.max.subarray(0, n), m);
    c.first.set(p.first.subarray(0, n), m);
    c.last.set(p.last.subarray(0, n), m);
    c.drops.set(p.drops.subarray(0, n), m);
    c.dropSum.set(p.dropSum.subarray(0, n), m);
    const pk = p.keyStart[n] as number;
    c.keys.set(p.keys.subarray(0, pk), k);
    for (let i = 1; i <= n; i++) c.keyStart[m + i] = k + (p.keyStart[i] as number);
    m += n;
    k += pk;
  }
  c.n = m;
  return c;
}

function exponentFor(c: RollupColumns): number {
  const e = c.exponent;
  if (e < 0) return -1;
  const p = 10 ** e;
  for (let i = 0; i < c.n; i++) {
    if (Math.abs((c.sum[i] as number) * p) > MAX_INT) return -1;
    if (Math.abs((c.dropSum[i] as number) * p) > MAX_INT) return -1;
  }
  return e;
}

/**
 * Integer sum of a minute in decimal mode. Float sums of decimals carry rounding noise; the
 * exact sum is an integer over 10^e, which rounding recovers while n * |v| * 2^-52 * 10^e < 0.5
 * (far beyond MAX_INT for realistic counts).
 */
function intOf(v: number, p: number): number {
  return Math.round(v * p);
}

const pageBody = new ByteWriter(1 << 16);
const pageBits = new BitWriter(1 << 16);
const pageOut = new ByteWriter(1 << 16);
let pageTmp = new Float64Array(1024);

/** Encodes a rollup page (columns must be sorted by minute, distinct). */
export function encodeRollupPage(c: RollupColumns): Uint8Array {
  const n = c.n;
  const e = exponentFor(c);
  const w = pageOut;
  w.reset();
  w.u8(ROLLUP_VERSION);
  w.u8(e >= 0 ? MODE_DECIMAL : MODE_XOR);
  if (e >= 0) w.u8(e);
  w.uvarint(n);
  if (n === 0) {
    w.u32(crc32(w.view()));
    return w.finish();
  }
  w.varint((c.minuteMs[0] as number) / ROLLUP_MS);
  if (pageTmp.length < n) pageTmp = new Float64Array(Math.max(n, pageTmp.length * 2));
  const tmp = pageTmp;
  const body = pageBody;
  body.reset();
  const bw = pageBits;
  bw.reset();
  const lens: number[] = [];
  const endColumn = (): void => {
    lens.push(bw.flushTo(body));
  };
  // C0 minute gaps - 1
  for (let i = 1; i < n; i++) {
    tmp[i - 1] = ((c.minuteMs[i] as number) - (c.minuteMs[i - 1] as number)) / ROLLUP_MS - 1;
  }
  packUInts(bw, tmp, 0, n - 1);
  endColumn();
  // C1 count: base + zigzag deltas
  lens.push(deltaColumn(body, bw, tmp, c.count, n, 1));
  // C2 drops
  packUInts(bw, c.drops, 0, n);
  endColumn();
  if (e >= 0) {
    const p = 10 ** e;
    // C3 sum
    lens.push(deltaColumn(body, bw, tmp, c.sum, n, p));
    // C4 first: base + zigzag(first_i - last_{i-1})
    const at = body.length;
    body.varint(intOf(c.first[0] as number, p));
    for (let i = 1; i < n; i++) {
      tmp[i - 1] = zigzag(intOf(c.first[i] as number, p) - intOf(c.last[i - 1] as number, p));
    }
    packUInts(bw, tmp, 0, n - 1);
    bw.flushTo(body);
    lens.push(body.length - at);
    // C5 last: zigzag(last - first)
    for (let i = 0; i < n; i++) {
      tmp[i] = zigzag(intOf(c.last[i] as number, p) - intOf(c.first[i] as number, p));
    }
    packUInts(bw, tmp, 0, n);
    endColumn();
    // C6 min below min(first, last); C7 max above max(first, last)
    for (let i = 0; i < n; i++) {
      const lo = Math.min(c.first[i] as number, c.last[i] as number);
      tmp[i] = intOf(lo, p) - intOf(c.min[i] as number, p);
    }
    packUInts(bw, tmp, 0, n);
    endColumn();
    for (let i = 0; i < n; i++) {
      const hi = Math.max(c.first[i] as number, c.last[i] as number);
      tmp[i] = intOf(c.max[i] as number, p) - intOf(hi, p);
    }
    packUInts(bw, tmp, 0, n);
    endColumn();
    // C8 dropSum - drops * first
    for (let i = 0; i < n; i++) {
      const d = c.drops[i] as number;
      tmp[i] =
        d === 0 ? 0 : zigzag(intOf(c.dropSum[i] as number, p) - d * intOf(c.first[i] as number, p));
    }
    packUInts(bw, tmp, 0, n);
    endColumn();
  } else {
    for (const col of [c.sum, c.first, c.last, c.min, c.max, c.dropSum]) {
      writeXor(bw, col, 0, n);
      endColumn();
    }
  }
  // C9 sketch keys
  writeSketchColumn(bw, c);
  endColumn();
  for (const len of lens) w.uvarint(len);
  w.bytes(body.view());
  w.u32(crc32(w.view()));
  return w.finishInSlab();
}

function deltaColumn(
  body: ByteWriter,
  bw: BitWriter,
  tmp: Float64Array,
  col: Float64Array,
  n: number,
  p: number,
): number {
  const at = body.length;
  let prev = intOf(col[0] as number, p);
  body.varint(prev);
  for (let i = 1; i < n; i++) {
    const v = intOf(col[i] as number, p);
    tmp[i - 1] = zigzag(v - prev);
    prev = v;
  }
  packUInts(bw, tmp, 0, n - 1);
  bw.flushTo(body);
  return body.length - at;
}

/**
 * Per minute with count > 2, the inner keys relative to key(min), whose range R = key(max) -
 * key(min) the reader knows from the min and max columns: nothing when R = 0; up to 32 inner
 * keys as sorted offsets in bitLength(R) bits each; more as Elias-gamma (distinct count, then
 * per key gap + 1 and count).
 */
function writeSketchColumn(bw: BitWriter, c: RollupColumns): void {
  for (let i = 0; i < c.n; i++) {
    const n = c.count[i] as number;
    if (n <= 2) continue;
    const kmin = sketchKey(c.min[i] as number);
    const range = sketchKey(c.max[i] as number) - kmin;
    if (range === 0) continue;
    const from = c.keyStart[i] as number;
    const to = c.keyStart[i + 1] as number;
    if (n - 2 <= SMALL_SKETCH) {
      const width = bitLength(range);
      for (let y = from; y < to; y++) bw.write((c.keys[y] as number) - kmin, width);
    } else {
      let distinct = 0;
      for (let y = from; y < to; y++) if (y === from || c.keys[y] !== c.keys[y - 1]) distinct++;
      bw.gamma(distinct + 1);
      let prev = kmin;
      let y = from;
      while (y < to) {
        const key = c.keys[y] as number;
        let z = y;
        while (z < to && c.keys[z] === key) z++;
        bw.gamma(key - prev + 1);
        bw.gamma(z - y);
        prev = key;
        y = z;
      }
    }
  }
}

/** Decoded columns; those not requested are empty. */
export interface DecodedRollups {
  readonly n: number;
  readonly minuteMs: Float64Array;
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  /** Counter increase inside each minute. */
  readonly inc: Float64Array;
  readonly drops: Float64Array;
  readonly dropSum: Float64Array;
  /** Quantile decodes: inner sketch keys of minute i are keys[keyStart[i], keyStart[i + 1]). */
  readonly keys: Int32Array;
  readonly keyStart: Uint32Array;
  /** Reader positioned at the sketch column (for full decodes). */
  readonly sketchColumn: BitReader;
}

const EMPTY: Float64Array = new Float64Array(0);
const EMPTY_KEYS = new Int32Array(0);
const EMPTY_STARTS = new Uint32Array(0);
let keyPool = new Int32Array(0);
let startPool = new Uint32Array(0);

/** Scratch columns for decodes whose result is consumed before the next decode. */
const decodePool: Float64Array[] = [];

/** Decodes the columns `needs` asks for (minute and count always), verifying the CRC32. With
 * `reuse`, the arrays are shared scratch (valid until the next reusing decode; may be longer
 * than n). */
export function decodeRollupPage(
  bytes: Uint8Array,
  needs: SlotNeeds,
  reuse = false,
): DecodedRollups {
  const arr = (slot: number, len: number): Float64Array => {
    if (!reuse) return new Float64Array(len);
    let x = decodePool[slot];
    if (x === undefined || x.length < len) {
      x = new Float64Array(Math.max(len, 2 * (x?.length ?? 0)));
      decodePool[slot] = x;
    }
    return x;
  };
  if (bytes.length < 7) throw new DecodeError(`rollup page of ${bytes.length} bytes is too short`);
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw new DecodeError('rollup page CRC32 mismatch');
  const r = new ByteReader(body);
  const version = r.u8();
  if (version !== ROLLUP_VERSION) throw new DecodeError(`unknown rollup version ${version}`);
  const mode = r.u8();
  if (mode !== MODE_DECIMAL && mode !== MODE_XOR) throw new DecodeError(`unknown mode ${mode}`);
  const e = mode === MODE_DECIMAL ? r.u8() : -1;
  const n = r.uvarint();
  if (n > 1 << 24) throw new DecodeError(`implausible minute count ${n}`);
  const out = {
    n,
    minuteMs: arr(0, n),
    count: arr(1, n),
    sum: EMPTY,
    min: EMPTY,
    max: EMPTY,
    first: EMPTY,
    last: EMPTY,
    inc: EMPTY,
    drops: EMPTY,
    dropSum: EMPTY,
    keys: EMPTY_KEYS,
    keyStart: EMPTY_STARTS,
    sketchColumn: new BitReader(body, body.length, body.length),
  };
  if (n === 0) return out;
  const firstMinute = r.varint() * ROLLUP_MS;
  const lens: number[] = [];
  for (let i = 0; i < 10; i++) lens.push(r.uvarint());
  const starts: number[] = [];
  let pos = r.pos;
  for (const len of lens) {
    starts.push(pos);
    pos += len;
  }
  if (pos !== body.length) throw new DecodeError('rollup column lengths do not add up');
  const col = (i: number): BitReader =>
    new BitReader(body, starts[i] as number, (starts[i] as number) + (lens[i] as number));
  // C0 minutes
  unpackUInts(col(0), out.minuteMs, 1, n);
  out.minuteMs[0] = firstMinute;
  for (let i = 1; i < n; i++) {
    out.minuteMs[i] =
      (out.minuteMs[i - 1] as number) + ((out.minuteMs[i] as number) + 1) * ROLLUP_MS;
  }
  readDeltaColumn(
    body,
    starts[1] as number,
    (starts[1] as number) + (lens[1] as number),
    out.count,
    n,
    1,
  );
  const wantFirstLast = needs.minMax || needs.rate || needs.quantile;
  const p = e >= 0 ? 10 ** e : 1;
  if (needs.sum) {
    out.sum = arr(2, n);
    if (e >= 0)
      readDeltaColumn(
        body,
        starts[3] as number,
        (starts[3] as number) + (lens[3] as number),
        out.sum,
        n,
        p,
      );
    else readXor(col(3), out.sum, n);
  }
  if (wantFirstLast) {
    out.first = arr(5, n);
    out.last = arr(6, n);
    if (e >= 0) {
      const fr = new ByteReader(
        body,
        starts[4] as number,
        (starts[4] as number) + (lens[4] as number),
      );
      const base = fr.varint();
      const firstD = arr(10, n);
      unpackUInts(new BitReader(body, fr.pos, fr.end), firstD, 1, n);
      const lastD = arr(11, n);
      unpackUInts(col(5), lastD, 0, n);
      let f = base;
      let l = 0;
      for (let i = 0; i < n; i++) {
        if (i > 0) f = l + unzigzag(firstD[i] as number);
        l = f + unzigzag(lastD[i] as number);
        out.first[i] = f / p;
        out.last[i] = l / p;
      }
    } else {
      readXor(col(4), out.first, n);
      readXor(col(5), out.last, n);
    }
  }
  if (needs.minMax || needs.quantile) {
    out.min = arr(3, n);
    out.max = arr(4, n);
    if (e >= 0) {
      unpackUInts(col(6), out.min, 0, n);
      unpackUInts(col(7), out.max, 0, n);
      for (let i = 0; i < n; i++) {
        const f = intOf(out.first[i] as number, p);
        const l = intOf(out.last[i] as number, p);
        out.min[i] = (Math.min(f, l) - (out.min[i] as number)) / p;
        out.max[i] = (Math.max(f, l) + (out.max[i] as number)) / p;
      }
    } else {
      readXor(col(6), out.min, n);
      readXor(col(7), out.max, n);
    }
  }
  if (needs.rate) {
    out.inc = arr(7, n);
    const drops = arr(8, n);
    unpackUInts(col(2), drops, 0, n);
    const dropSum = arr(9, n);
    if (e >= 0) {
      unpackUInts(col(8), dropSum, 0, n);
      for (let i = 0; i < n; i++) {
        const d = drops[i] as number;
        dropSum[i] =
          d === 0 ? 0 : (unzigzag(dropSum[i] as number) + d * intOf(out.first[i] as number, p)) / p;
      }
    } else {
      readXor(col(8), dropSum, n);
    }
    for (let i = 0; i < n; i++) {
      out.inc[i] = (out.last[i] as number) - (out.first[i] as number) + (dropSum[i] as number);
    }
    out.drops = drops;
    out.dropSum = dropSum;
  }
  if (needs.quantile) {
    const r9 = col(9);
    let ks = reuse && keyPool.length >= n * 4 ? keyPool : new Int32Array(Math.max(16, n * 4));
    const starts = reuse && startPool.length > n ? startPool : new Uint32Array(n + 1);
    let k = 0;
    for (let i = 0; i < n; i++) {
      starts[i] = k;
      readInnerKeys(r9, out, i, (key, c) => {
        if (k + c > ks.length) {
          const next = new Int32Array(Math.max(ks.length * 2, k + c));
          next.set(ks.subarray(0, k));
          ks = next;
        }
        for (let y = 0; y < c; y++) ks[k++] = key;
      });
    }
    starts[n] = k;
    if (reuse) {
      keyPool = ks;
      startPool = starts;
    }
    out.keys = ks;
    out.keyStart = starts;
  }
  out.sketchColumn = col(9);
  return out;
}

function readDeltaColumn(
  body: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  n: number,
  p: number,
): void {
  const r = new ByteReader(body, start, end);
  let v = r.varint();
  unpackUInts(new BitReader(body, r.pos, end), out, 1, n);
  out[0] = v / p;
  for (let i = 1; i < n; i++) {
    v += unzigzag(out[i] as number);
    out[i] = v / p;
  }
}

interface SketchBounds {
  readonly n: number;
  readonly count: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** Reads minute i's inner keys (all but one min and one max) from the sketch column. */
function readInnerKeys(
  r: BitReader,
  d: SketchBounds,
  i: number,
  onKey: (key: number, count: number) => void,
): void {
  const n = d.count[i] as number;
  if (n <= 2) return;
  const kmin = sketchKey(d.min[i] as number);
  const range = sketchKey(d.max[i] as number) - kmin;
  if (range === 0) {
    onKey(kmin, n - 2);
  } else if (n - 2 <= SMALL_SKETCH) {
    const width = bitLength(range);
    for (let y = 0; y < n - 2; y++) onKey(kmin + r.read(width), 1);
  } else {
    const distinct = r.gamma() - 1;
    let key = kmin;
    let total = 0;
    for (let y = 0; y < distinct; y++) {
      key += r.gamma() - 1;
      const c = r.gamma();
      onKey(key, c);
      total += c;
    }
    if (total !== n - 2) throw new DecodeError(`sketch holds ${total} values, count says ${n - 2}`);
  }
}

const ALL: SlotNeeds = { sum: true, minMax: true, rate: false, quantile: false };

/** Decodes a page completely back to columns (for merging pages). */
export function decodeRollupColumns(bytes: Uint8Array): RollupColumns {
  const d = decodeRollupPage(bytes, { ...ALL, rate: true }, true);
  const c = allocColumns(Math.max(1, d.n), d.n * 4);
  c.n = d.n;
  c.exponent = bytes[1] === MODE_DECIMAL ? (bytes[2] as number) : -1;
  const n = d.n;
  c.minuteMs.set(d.minuteMs.subarray(0, n));
  c.count.set(d.count.subarray(0, n));
  c.sum.set(d.sum.subarray(0, n));
  c.min.set(d.min.subarray(0, n));
  c.max.set(d.max.subarray(0, n));
  c.first.set(d.first.subarray(0, n));
  c.last.set(d.last.subarray(0, n));
  c.drops.set(d.drops.subarray(0, n));
  c.dropSum.set(d.dropSum.subarray(0, n));
  const r = d.sketchColumn;
  let k = 0;
  for (let i = 0; i < d.n; i++) {
    readInnerKeys(r, d, i, (key, count) => {
      if (k + count > c.keys.length) {
        const next = new Int32Array(Math.max(c.keys.length * 2, k + count));
        next.set(c.keys);
        c.keys = next;
      }
      for (let y = 0; y < count; y++) c.keys[k++] = key;
    });
    c.keyStart[i + 1] = k;
  }
  return c;
}
