import { describe, expect, it } from 'vitest';
import {
  episodes,
  NAB_PROFILES,
  nabScore,
  nabWindows,
  normalizeNab,
  pointAdjusted,
  precisionRecallF1,
  scaledSigmoid,
  scoreFile,
  summarize,
  timesToDetectMs,
} from './index.ts';

const standard = NAB_PROFILES[0] ?? { name: 'standard', tp: 1, fp: 0.11, fn: 1 };
const lowFn = NAB_PROFILES[2] ?? { name: 'reward_low_FN', tp: 1, fp: 0.11, fn: 2 };

/** Detections at the given rows of a file of `n` rows. */
function at(n: number, ...rows: number[]): Uint8Array {
  const d = new Uint8Array(n);
  for (const r of rows) d[r] = 1;
  return d;
}

describe('scaled sigmoid', () => {
  it.each([
    { y: -1, want: 0.986614 },
    { y: 0, want: 0 },
    { y: -0.9, want: 0.978026 },
    { y: 0.5, want: -0.848284 },
  ])('σ($y) = $want', ({ y, want }) => expect(scaledSigmoid(y)).toBeCloseTo(want, 5));
});

describe('episodes and windows', () => {
  it('runs of labels', () => {
    expect(episodes([0, 1, 1, 0, 1])).toEqual([
      { start: 1, end: 2 },
      { start: 4, end: 4 },
    ]);
    expect(episodes([])).toEqual([]);
  });

  it.each([
    // 100 rows, one 2-row episode at 50..51: window of 10 rows centred on it → 46..55.
    {
      name: 'one short episode',
      eps: [{ start: 50, end: 51 }],
      rows: 100,
      want: [{ start: 46, end: 55 }],
    },
    // An episode longer than the share (10) keeps its own length.
    {
      name: 'long episode',
      eps: [{ start: 20, end: 39 }],
      rows: 100,
      want: [{ start: 20, end: 39 }],
    },
    // Two episodes: 5 rows each; at the file's start the window is clipped.
    {
      name: 'clipped and separate',
      eps: [
        { start: 0, end: 0 },
        { start: 50, end: 50 },
      ],
      rows: 100,
      want: [
        { start: 0, end: 2 },
        { start: 48, end: 52 },
      ],
    },
    // Overlapping windows merge.
    {
      name: 'merge',
      eps: [
        { start: 50, end: 50 },
        { start: 53, end: 53 },
      ],
      rows: 100,
      want: [{ start: 48, end: 55 }],
    },
  ])('$name', ({ eps, rows, want }) => expect(nabWindows(eps, rows)).toEqual(want));
});

describe('NAB score, worked by hand', () => {
  const windows = [{ start: 46, end: 55 }];
  it('detection at the window start earns σ(−0.9) = 0.978026; that is also "perfect"', () => {
    const r = nabScore(at(100, 46, 47, 50), windows, standard);
    expect(r.tp).toBe(1);
    expect(r.fp).toBe(0);
    expect(r.raw).toBeCloseTo(0.978026, 5);
    expect(r.perfect).toBeCloseTo(0.978026, 5);
    expect(r.null).toBe(-1);
    expect(normalizeNab(r)).toBeCloseTo(100, 6);
  });

  it('a detection at the window end earns σ(0) = 0', () => {
    expect(nabScore(at(100, 55), windows, standard).raw).toBeCloseTo(0, 9);
  });

  it('false positives: −A_FP before any window, A_FP·σ(y) after one', () => {
    // Row 10: no window before it → −0.11. Row 60: y = (60 − 55)/10 = 0.5 → 0.11 · −0.848284.
    const r = nabScore(at(100, 10, 60), windows, standard);
    expect(r.fp).toBe(2);
    expect(r.fn).toBe(1);
    expect(r.raw).toBeCloseTo(-0.11 - 0.093311 - 1, 5);
  });

  it('a missed window costs A_FN (2 under reward_low_FN); normalized 0 for no detections', () => {
    const r = nabScore(at(100), windows, lowFn);
    expect(r.raw).toBe(-2);
    expect(normalizeNab(r)).toBe(0);
  });
});

describe('point-adjusted precision/recall', () => {
  it('one hit marks the whole episode detected', () => {
    const labels = [0, 1, 1, 1, 0, 0, 1, 0];
    const det = [0, 0, 1, 0, 0, 1, 0, 0];
    const c = pointAdjusted(labels, det);
    expect(c).toEqual({ tp: 3, fp: 1, fn: 1 });
    const p = precisionRecallF1(c);
    expect(p.precision).toBe(0.75);
    expect(p.recall).toBe(0.75);
    expect(p.f1).toBe(0.75);
  });

  it('no detections and no labels give zeros, not NaN', () => {
    expect(precisionRecallF1(pointAdjusted([0, 0], [0, 0]))).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });
});

describe('time to detect and summaries', () => {
  it('counts early detections inside the window as negative', () => {
    const ts = Array.from({ length: 100 }, (_, i) => i * 60_000);
    const eps = [{ start: 50, end: 51 }];
    const ttd = timesToDetectMs(ts, eps, [{ start: 46, end: 55 }], at(100, 48));
    expect(ttd).toEqual([-2 * 60_000]);
    // A detection after the episode ended does not count as detecting it.
    expect(timesToDetectMs(ts, eps, [{ start: 46, end: 55 }], at(100, 53))).toEqual([]);
  });

  it('summarize sums raw NAB scores over files before normalizing', () => {
    const labels = new Uint8Array(100);
    labels[50] = 1;
    labels[51] = 1;
    const ts = Float64Array.from({ length: 100 }, (_, i) => i * 60_000);
    const hit = scoreFile(ts, labels, at(100, 46));
    const miss = scoreFile(ts, labels, at(100));
    const s = summarize([hit, miss]);
    expect(s.nab.standard).toBeCloseTo(50, 6);
    expect(s.detected).toBe(1);
    expect(s.episodes).toBe(2);
    expect(s.meanTtdMinutes).toBe(-4);
  });
});
