import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDetector, DETECTOR_NAMES, type DetectorOutput, restoreDetector } from './index.ts';

const T0 = Date.UTC(2026, 0, 5);

/** A step: time advance (may be 0 or negative: duplicates, out of order) and a value (any double). */
const arbStep = fc.record({
  dtMs: fc.oneof(
    fc.constantFrom(0, -60_000, 60_000, 3_600_000, 86_400_000),
    fc.integer({ min: 1, max: 10_000_000 }),
  ),
  value: fc.oneof(
    fc.double(),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(
      0,
      1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e300,
      -1e300,
    ),
  ),
});

function feed(steps: readonly { dtMs: number; value: number }[], start = T0) {
  let t = start;
  return steps.map((s) => {
    t += s.dtMs;
    return [t, s.value] as const;
  });
}

function sane(o: DetectorOutput): void {
  expect(o.score).toBeGreaterThanOrEqual(0);
  expect(o.score).toBeLessThanOrEqual(1);
  expect(Number.isFinite(o.expected)).toBe(true);
  expect(Number.isFinite(o.lower)).toBe(true);
  expect(Number.isFinite(o.upper)).toBe(true);
  expect(o.lower).toBeLessThanOrEqual(o.expected);
  expect(o.expected).toBeLessThanOrEqual(o.upper);
  expect(o.isAnomaly).toBe(o.score >= 0.5);
}

describe.each(DETECTOR_NAMES.map((name) => ({ name })))('$name properties', ({ name }) => {
  it('score in [0,1], expected and band finite and ordered, for any input', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 300 }), (steps) => {
        const d = createDetector(name);
        for (const [t, v] of feed(steps)) sane(d.update(t, v));
        sane(d.check(T0 + 1e12));
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('serialize → JSON → restore gives identical next outputs', () => {
    fc.assert(
      fc.property(
        fc.array(arbStep, { maxLength: 200 }),
        fc.array(arbStep, { minLength: 1, maxLength: 100 }),
        (prefix, suffix) => {
          const d = createDetector(name);
          const head = feed(prefix);
          for (const [t, v] of head) d.update(t, v);
          const state = JSON.parse(JSON.stringify(d.serialize())) as ReturnType<typeof d.serialize>;
          const copy = restoreDetector(state);
          const last = head[head.length - 1]?.[0] ?? T0;
          for (const [t, v] of feed(suffix, last))
            expect(copy.update(t, v)).toEqual(d.update(t, v));
          expect(copy.check(last + 1e9)).toEqual(d.check(last + 1e9));
          expect(copy.serialize()).toEqual(d.serialize());
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('restore', () => {
  it('keeps tuned options (including an ensemble part’s)', () => {
    const d = createDetector('ensemble', { cusum: { h: 20 } });
    const s = restoreDetector(d.serialize()).serialize();
    expect(s.parts?.find((p) => p.detector === 'cusum')?.options.h).toBe(20);
    expect(
      restoreDetector(createDetector('ewma', { threshold: 3 }).serialize()).serialize().options
        .threshold,
    ).toBe(3);
  });

  it.each([
    { name: 'unknown detector', state: { detector: 'nope', version: 1, options: {}, data: [] } },
    { name: 'wrong version', state: { detector: 'ewma', version: 99, options: {}, data: [] } },
    { name: 'short data', state: { detector: 'ewma', version: 1, options: {}, data: [1] } },
    {
      name: 'NaN in data',
      state: {
        detector: 'mad',
        version: 1,
        options: {},
        data: [1, 2, 3, 4, 5, 0, Number.NaN, 0, 0],
      },
    },
    {
      name: 'seasonal without tables',
      state: { detector: 'seasonal', version: 1, options: {}, data: new Array(13).fill(0) },
    },
    {
      name: 'ensemble without parts',
      state: { detector: 'ensemble', version: 1, options: {}, data: new Array(8).fill(0) },
    },
  ])('rejects a corrupt state: $name', ({ state }) => {
    expect(() => restoreDetector(state)).toThrow(RangeError);
  });
});
