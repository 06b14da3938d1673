import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, packUInts, unpackUInts } from './bits.ts';
import { DecodeError } from './bytes.ts';
import { decimalExponent, decodeChunk, encodeChunk } from './chunk-codec.ts';

const sortedDistinct = (arr: number[]): number[] => [...new Set(arr)].sort((a, b) => a - b);
const timestamps = fc
  .array(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), { maxLength: 300 })
  .map(sortedDistinct);

function roundTrip(ts: number[], vals: number[]): void {
  const bytes = encodeChunk(ts, vals, 0, ts.length);
  const d = decodeChunk(bytes);
  expect(d.n).toBe(ts.length);
  expect([...d.ts]).toEqual(ts);
  for (let i = 0; i < vals.length; i++) expect(Object.is(d.vals[i], vals[i])).toBe(true);
}

describe('chunk codec', () => {
  it('round-trips arbitrary finite floats and timestamps exactly', () => {
    fc.assert(
      fc.property(
        timestamps,
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 300 }),
        (ts, raw) => {
          const vals = ts.map((_, i) => raw[i % Math.max(1, raw.length)] ?? 0);
          roundTrip(ts, vals);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it('round-trips decimal random walks exactly and compactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength: 240 }),
        (e, steps) => {
          const p = 10 ** e;
          let m = 123456;
          const vals = steps.map((s) => {
            m += s;
            return m / p;
          });
          const ts = vals.map((_, i) => 1_767_225_600_000 + i * 10_000);
          roundTrip(ts, vals);
          expect(decimalExponent(vals, 0, vals.length)).toBeLessThanOrEqual(e);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it.each([
    ['empty', [], []],
    ['one', [5], [1.5]],
    ['negative zero', [1, 2], [-0, 0]],
    ['extremes', [-(2 ** 52), 0, 2 ** 52], [Number.MAX_VALUE, -Number.MIN_VALUE, 1e-300]],
    [
      'NaN and infinities',
      [1, 2, 3, 4],
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1],
    ],
    ['huge integers', [1, 2], [2 ** 60, 2 ** 60 + 2 ** 10]],
  ])('round-trips %s', (_name, ts, vals) => roundTrip(ts as number[], vals as number[]));

  it('costs about 1 byte per sample for a 2-decimal walk at a regular interval', () => {
    const ts: number[] = [];
    const vals: number[] = [];
    let m = 10_000;
    for (let i = 0; i < 120; i++) {
      m += ((i * 7919) % 41) - 20;
      ts.push(1_767_225_600_000 + i * 10_000);
      vals.push(m / 100);
    }
    // 119 deltas in [-20, 20] take 6 bits each; the header, group widths and CRC add ~30 bytes.
    expect(encodeChunk(ts, vals, 0, 120).length).toBeLessThanOrEqual(125);
  });

  it('detects any flipped bit (CRC32)', () => {
    const ts = Array.from({ length: 50 }, (_, i) => 1_000 + i * 15);
    const vals = ts.map((t) => Math.sin(t));
    const bytes = encodeChunk(ts, vals, 0, ts.length);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const copy = bytes.slice();
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(() => decodeChunk(copy)).toThrow(DecodeError);
      }),
      { numRuns: 200, seed: 1 },
    );
  });
});

describe('grouped bit-packing', () => {
  it('round-trips unsigned integers up to 2^53', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat())), (xs) => {
        const w = new BitWriter();
        packUInts(w, xs, 0, xs.length);
        for (const x of xs) w.gamma(x + 1);
        const r = new BitReader(w.finish());
        const out = new Array<number>(xs.length);
        unpackUInts(r, out, 0, xs.length);
        expect(out).toEqual(xs);
        expect(xs.map(() => r.gamma() - 1)).toEqual(xs);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});
