import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../contract/index.ts';
import {
  createDetector,
  DETECTOR_NAMES,
  type Detector,
  type DetectorOutput,
  defaultEnsemble,
} from './index.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

type Point = readonly [number, number];

function run(d: Detector, points: readonly Point[]): DetectorOutput[] {
  return points.map(([t, v]) => d.update(t, v));
}

function noisy(
  n: number,
  stepMs: number,
  f: (i: number, t: number) => number,
  seed = 7,
  sd = 2,
): Point[] {
  const rng = createRng(seed);
  return Array.from(
    { length: n },
    (_, i) => [T0 + i * stepMs, f(i, T0 + i * stepMs) + sd * normal(rng)] as const,
  );
}

// Gaussian noise, sd 2, around 100 (seed chosen once; a 4σ threshold still sees a ~4σ draw now and then).
const flat = (n: number) => noisy(n, MINUTE, () => 100, 3);

/** Hourly data with a daily cycle and quieter weekends: clean seasonality. */
function seasonalSeries(weeks: number, stepMs = HOUR): Point[] {
  const per = Math.round((weeks * 7 * 24 * HOUR) / stepMs);
  return noisy(
    per,
    stepMs,
    (_, t) => {
      const hour = (t % 86_400_000) / HOUR;
      const dow = (Math.floor(t / 86_400_000) + 4) % 7;
      const weekend = dow === 0 || dow === 6 ? 0.6 : 1;
      return weekend * (500 + 400 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)));
    },
    11,
    5,
  );
}

function firstAnomaly(out: readonly DetectorOutput[], from = 0): number {
  for (let i = from; i < out.length; i++) if (out[i]?.isAnomaly) return i;
  return -1;
}

function anomalies(out: readonly DetectorOutput[], from = 0, to = out.length): number {
  let n = 0;
  for (let i = from; i < to; i++) if (out[i]?.isAnomaly) n++;
  return n;
}

describe('synthetic shapes', () => {
  it.each([
    { detector: 'ensemble' },
    { detector: 'ewma' },
    { detector: 'mad' },
    { detector: 'traffic' },
  ])('spike fires: $detector', ({ detector }) => {
    const points = flat(600).map(([t, v], i) => [t, i === 400 ? 1000 : v] as const);
    const out = run(createDetector(detector), points);
    expect(out[400]?.isAnomaly).toBe(true);
    expect(out[400]?.reason).not.toBe('');
    expect(anomalies(out, 50, 400)).toBe(0);
  });

  it.each([
    { detector: 'ensemble', within: 10 },
    { detector: 'cusum', within: 10 },
    { detector: 'ewma', within: 3 },
  ])('level shift fires: $detector within $within samples', ({ detector, within }) => {
    const points = flat(700).map(([t, v], i) => [t, i >= 500 ? v + 30 : v] as const);
    const out = run(createDetector(detector), points);
    const at = firstAnomaly(out, 500);
    expect(at).toBeGreaterThanOrEqual(500);
    expect(at).toBeLessThan(500 + within);
    expect(anomalies(out, 50, 500)).toBe(0);
  });

  it('cusum reports a lasting shift once, then takes it as the new normal', () => {
    const points = flat(1200).map(([t, v], i) => [t, i >= 500 ? v + 30 : v] as const);
    const out = run(createDetector('cusum'), points);
    expect(anomalies(out, 500, 1200)).toBe(1);
    expect(out[1199]?.expected).toBeCloseTo(130, 0);
  });

  it.each([
    { detector: 'ensemble', stepMs: HOUR },
    { detector: 'seasonal', stepMs: HOUR },
    { detector: 'ensemble', stepMs: 5 * MINUTE },
    { detector: 'seasonal', stepMs: 5 * MINUTE },
    { detector: 'ensemble', stepMs: MINUTE },
  ])(
    'clean daily seasonality does not fire after warm-up: $detector every $stepMs ms',
    ({ detector, stepMs }) => {
      const points = seasonalSeries(5, stepMs);
      const out = run(createDetector(detector), points);
      const week = Math.round((7 * 24 * HOUR) / stepMs);
      expect(anomalies(out, week)).toBe(0);
    },
  );

  it('seasonal knows the night: a daytime level at night fires, the same level by day does not', () => {
    const points = seasonalSeries(4);
    const d = createDetector('seasonal');
    run(d, points);
    // The Monday after the four weeks: 03:00 is night (normal ≈ 500), 12:00 day (≈ 900).
    const monday = T0 + 28 * 86_400_000;
    const atNight = d.update(monday + 3 * HOUR, 900);
    expect(atNight.isAnomaly).toBe(true);
    expect(atNight.reason).toMatch(/hour of the (week|day)/);
    expect(d.update(monday + 12 * HOUR, 900).isAnomaly).toBe(false);
  });

  it('silence: a steady source that stops is overdue; check() needs no sample', () => {
    const d = createDetector('silence');
    run(d, flat(100));
    const last = T0 + 99 * MINUTE;
    expect(d.check(last + 2 * MINUTE).isAnomaly).toBe(false);
    const late = d.check(last + 30 * MINUTE);
    expect(late.isAnomaly).toBe(true);
    expect(late.reason).toMatch(/no sample for 30m/);
    // check() does not change state: the same question gets the same answer.
    expect(d.check(last + 30 * MINUTE)).toEqual(late);
    // The sample that ends the gap is scored as overdue too.
    expect(d.update(last + 30 * MINUTE, 100).isAnomaly).toBe(true);
  });

  it('silence: a naturally bursty source (20 samples a minute apart, then 2 h quiet) fires at most on its first pause', () => {
    const points: Point[] = [];
    let t = T0;
    for (let burst = 0; burst < 30; burst++) {
      for (let i = 0; i < 20; i++) {
        points.push([t, 1]);
        t += MINUTE;
      }
      t += 2 * HOUR;
    }
    const d = createDetector('silence');
    const out = run(d, points);
    expect(anomalies(out, 21)).toBe(0);
    expect(d.check(t).isAnomaly).toBe(false); // its usual 2 h pause
    expect(d.check(t + 4 * HOUR).isAnomaly).toBe(true); // three times that is not usual
  });

  it('ensemble gap: the first sample after a long outage fires (silence), the band stays finite', () => {
    const points = flat(300).map(([t, v], i) => [i >= 200 ? t + 6 * HOUR : t, v] as const);
    const out = run(defaultEnsemble(), points);
    expect(out[200]?.isAnomaly).toBe(true);
    expect(out[200]?.detector).toBe('silence');
    expect(anomalies(out, 201)).toBe(0);
  });

  it.each(DETECTOR_NAMES.map((detector) => ({ detector })))(
    'duplicate timestamps are scored, not learned: $detector',
    ({ detector }) => {
      const points = flat(300);
      const a = createDetector(detector);
      const b = createDetector(detector);
      run(a, points.slice(0, 200));
      run(b, points.slice(0, 200));
      const [t, v] = points[199] ?? [0, 0];
      const dup = a.update(t, v + 50);
      expect(dup.score).toBeGreaterThanOrEqual(0);
      a.update(t - MINUTE, v); // out of order: same rule
      expect(run(a, points.slice(200))).toEqual(run(b, points.slice(200)));
    },
  );

  it.each(DETECTOR_NAMES.map((detector) => ({ detector })))(
    'NaN, ±Infinity and non-finite timestamps are skipped without touching state: $detector',
    ({ detector }) => {
      const points = flat(300);
      const a = createDetector(detector);
      const b = createDetector(detector);
      for (const [i, [t, v]] of points.entries()) {
        if (i % 7 === 3) {
          for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
            const o = a.update(t - 1, bad);
            expect(o.score).toBe(0);
            expect(o.isAnomaly).toBe(false);
            expect(o.reason).toMatch(/skipped/);
          }
          a.update(Number.NaN, v);
        }
        expect(a.update(t, v)).toEqual(b.update(t, v));
      }
    },
  );

  it.each(DETECTOR_NAMES.map((detector) => ({ detector })))(
    'constant series stays quiet: $detector',
    ({ detector }) => {
      const d = createDetector(detector);
      const out = run(
        d,
        Array.from({ length: 500 }, (_, i) => [T0 + i * MINUTE, 100 + (i % 2) * 1e-9] as const),
      );
      expect(anomalies(out)).toBe(0);
    },
  );

  it.each([{ detector: 'ensemble' }, { detector: 'ewma' }, { detector: 'mad' }])(
    'constant zero then a change fires: $detector',
    ({ detector }) => {
      const points = Array.from(
        { length: 200 },
        (_, i) => [T0 + i * MINUTE, i === 150 ? 5 : 0] as const,
      );
      const out = run(createDetector(detector), points);
      expect(out[150]?.isAnomaly).toBe(true);
      expect(anomalies(out, 0, 150)).toBe(0);
    },
  );

  it.each(DETECTOR_NAMES.map((detector) => ({ detector })))(
    'warm-up: nothing fires on too little history: $detector',
    ({ detector }) => {
      const points = flat(20).map(([t, v], i) => [t, i % 5 === 4 ? v * 50 : v] as const);
      const out = run(createDetector(detector), points);
      expect(anomalies(out)).toBe(0);
      expect(out[0]?.reason).toBe('warming up');
    },
  );
});

describe('registry', () => {
  it('rejects unknown detectors and options', () => {
    expect(() => createDetector('nope')).toThrow(/unknown detector "nope"/);
    expect(() => createDetector('ewma', { alhpa: 0.1 })).toThrow(/unknown option "alhpa"/);
    expect(() => createDetector('ensemble', { cusm: { h: 1 } } as never)).toThrow(
      /unknown part "cusm"/,
    );
    expect(() => createDetector('ensemble', { cusum: { hh: 1 } })).toThrow(/unknown option "hh"/);
  });

  it('options change behaviour (a lower threshold fires earlier)', () => {
    const points = flat(300).map(([t, v], i) => [t, i === 250 ? 107 : v] as const);
    expect(run(createDetector('ewma'), points)[250]?.isAnomaly).toBe(false);
    expect(run(createDetector('ewma', { threshold: 3 }), points)[250]?.isAnomaly).toBe(true);
  });
});
