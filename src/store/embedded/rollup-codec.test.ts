import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantileSketch, quantileSorted } from '../../analytics/index.ts';
import { DecodeError } from './bytes.ts';
import {
  buildRollups,
  decodeRollupColumns,
  decodeRollupPage,
  encodeRollupPage,
  mergeRollups,
} from './rollup-codec.ts';

const ALL = { sum: true, minMax: true, rate: true, quantile: true };
const T0 = 1_767_225_600_000;

/** Sorted distinct timestamps over a few minutes with decimal or arbitrary values. */
const samples = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 0, max: 20 * 60_000 }), { minLength: 1, maxLength: 400 }),
    fc.boolean(),
    fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 1, maxLength: 400 }),
    fc.array(fc.double({ noNaN: true, min: -1e12, max: 1e12 }), { minLength: 1, maxLength: 400 }),
  )
  .map(([offsets, decimal, ints, floats]) => {
    const ts = offsets.sort((a, b) => a - b).map((o) => T0 + o);
    const vals = ts.map((_, i) =>
      decimal ? (ints[i % ints.length] as number) / 100 : (floats[i % floats.length] as number),
    );
    return { ts, vals };
  });

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

describe('rollup pages', () => {
  it('round-trip count, sum, min, max, first, last and increase', () => {
    fc.assert(
      fc.property(samples, ({ ts, vals }) => {
        const cols = buildRollups(ts, vals, 0, ts.length);
        const d = decodeRollupPage(encodeRollupPage(cols), ALL);
        expect(d.n).toBe(cols.n);
        for (let i = 0; i < cols.n; i++) {
          expect(d.minuteMs[i]).toBe(cols.minuteMs[i]);
          expect(d.count[i]).toBe(cols.count[i]);
          expect(d.min[i]).toBe(cols.min[i]);
          expect(d.max[i]).toBe(cols.max[i]);
          expect(d.first[i]).toBe(cols.first[i]);
          expect(d.last[i]).toBe(cols.last[i]);
          expect(close(d.sum[i] as number, cols.sum[i] as number)).toBe(true);
          // Reference increase: Prometheus-style counter deltas over pairs inside the minute.
          let inc = 0;
          for (let k = 1; k < ts.length; k++) {
            const m = Math.floor((ts[k] as number) / 60_000) * 60_000;
            const mp = Math.floor((ts[k - 1] as number) / 60_000) * 60_000;
            if (m !== cols.minuteMs[i] || mp !== m) continue;
            const a = vals[k - 1] as number;
            const b = vals[k] as number;
            inc += b >= a ? b - a : b;
          }
          expect(Math.abs((d.inc[i] as number) - inc)).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(inc)),
          );
        }
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('keep quantiles within 1% of the exact value of the same rank', () => {
    fc.assert(
      fc.property(samples, fc.constantFrom(0, 0.5, 0.9, 0.95, 0.99, 1), ({ ts, vals }, q) => {
        const d = decodeRollupPage(encodeRollupPage(buildRollups(ts, vals, 0, ts.length)), ALL);
        const merged = new QuantileSketch();
        for (let i = 0; i < d.n; i++) {
          const m = new QuantileSketch();
          m.add(d.min[i] as number);
          if ((d.count[i] as number) >= 2) m.add(d.max[i] as number);
          m.addKeys(d.keys, d.keyStart[i] as number, d.keyStart[i + 1] as number);
          merged.merge(m);
        }
        expect(merged.count).toBe(vals.length);
        const sorted = [...vals].sort((a, b) => a - b);
        const h = (sorted.length - 1) * q;
        const lo = sorted[Math.floor(h)] as number;
        const hi = sorted[Math.min(Math.floor(h) + 1, sorted.length - 1)] as number;
        const got = merged.quantile(q) as number;
        // Within 1% of the bracketing ranks (interpolation stays between them).
        const min = Math.min(lo, hi);
        const max = Math.max(lo, hi);
        expect(got).toBeGreaterThanOrEqual(min - 0.01 * Math.abs(min) - 1e-9);
        expect(got).toBeLessThanOrEqual(max + 0.01 * Math.abs(max) + 1e-9);
        expect(quantileSorted(sorted, q)).not.toBeNull();
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('merge keeps the later page for a repeated minute and re-encodes losslessly', () => {
    const a = buildRollups([T0, T0 + 10_000, T0 + 60_000], [1, 2, 3], 0, 3);
    const b = buildRollups([T0 + 5_000], [9], 0, 1);
    const merged = mergeRollups([decodeRollupColumns(encodeRollupPage(a)), b]);
    const d = decodeRollupPage(encodeRollupPage(merged), ALL);
    expect([...d.minuteMs]).toEqual([T0, T0 + 60_000]);
    expect([...d.sum]).toEqual([9, 3]);
  });

  it('detects corruption (CRC32)', () => {
    const bytes = encodeRollupPage(buildRollups([T0, T0 + 1000, T0 + 2000], [1.5, 2.5, 0.5], 0, 3));
    for (let bit = 0; bit < bytes.length * 8; bit += 7) {
      const copy = bytes.slice();
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(() => decodeRollupPage(copy, ALL)).toThrow(DecodeError);
    }
  });
});
