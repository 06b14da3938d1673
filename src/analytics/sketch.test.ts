import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileSorted } from './kpi.ts';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY, sketchKey, sketchValue } from './sketch.ts';

const value = fc.oneof(
  fc.double({ min: -1e12, max: 1e12, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i / 100),
  fc.constant(0),
);
const values = fc.array(value, { minLength: 1, maxLength: 200 });

function sketchOf(xs: readonly number[]): QuantileSketch {
  const s = new QuantileSketch();
  for (const x of xs) s.add(x);
  return s;
}

function same(a: QuantileSketch, b: QuantileSketch): void {
  expect(a.entries()).toEqual(b.entries());
  expect([a.count, a.min, a.max]).toEqual([b.count, b.min, b.max]);
}

describe('QuantileSketch', () => {
  it('merge is commutative and associative', () => {
    fc.assert(
      fc.property(values, values, values, (x, y, z) => {
        const ab = sketchOf(x);
        ab.merge(sketchOf(y));
        const ba = sketchOf(y);
        ba.merge(sketchOf(x));
        same(ab, ba);
        const left = sketchOf(x);
        left.merge(sketchOf(y));
        left.merge(sketchOf(z));
        const yz = sketchOf(y);
        yz.merge(sketchOf(z));
        const right = sketchOf(x);
        right.merge(yz);
        same(left, right);
        same(left, sketchOf([...x, ...y, ...z]));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it.each([0, 0.5, 0.9, 0.95, 0.99, 1])(
    'q=%s is within 1% of the exact ranks it interpolates',
    (q) => {
      fc.assert(
        fc.property(values, (xs) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const h = (sorted.length - 1) * q;
          const lo = sorted[Math.floor(h)] as number;
          const hi = sorted[Math.min(Math.floor(h) + 1, sorted.length - 1)] as number;
          const got = sketchOf(xs).quantile(q) as number;
          const a = SKETCH_RELATIVE_ACCURACY;
          const low = Math.min(lo - a * Math.abs(lo), hi - a * Math.abs(hi)) - 1e-9;
          const high = Math.max(lo + a * Math.abs(lo), hi + a * Math.abs(hi)) + 1e-9;
          expect(got).toBeGreaterThanOrEqual(low);
          expect(got).toBeLessThanOrEqual(high);
          if (q === 0 || q === 1) expect(got).toBe(quantileSorted(sorted, q));
        }),
        { numRuns: 300, seed: 12 },
      );
    },
  );

  it('maps keys monotonically and represents each within the relative accuracy', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1e300, noNaN: true }), fc.boolean(), (m, neg) => {
        const v = neg ? -m : m;
        const rep = sketchValue(sketchKey(v));
        expect(Math.abs(rep - v)).toBeLessThanOrEqual(
          SKETCH_RELATIVE_ACCURACY * Math.abs(v) * (1 + 1e-9),
        );
        expect(sketchKey(v * 1.05)).toBeGreaterThanOrEqual(sketchKey(v) - (neg ? 3 : 0));
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  it('answers like a fresh sketch after reset (pooled reuse)', () => {
    fc.assert(
      fc.property(values, values, (x, y) => {
        const reused = sketchOf(x);
        reused.reset();
        for (const v of y) reused.add(v);
        same(reused, sketchOf(y));
        expect(reused.quantile(0.9)).toBe(sketchOf(y).quantile(0.9));
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it('is empty until something is added', () => {
    expect(new QuantileSketch().quantile(0.5)).toBeNull();
  });
});
