import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../contract/index.ts';
import {
  createDetector,
  DETECTOR_NAMES,
  type Detector,
  type DetectorOutput,
  restoreDetector,
} from './index.ts';
import { Resolution } from './resolution.ts';

const STEP_MS = 10_000;
const T0 = Date.UTC(2026, 0, 5);
const VALUE_DETECTORS = ['ensemble', 'ewma', 'mad', 'seasonal', 'cusum', 'traffic'] as const;

type Point = readonly [number, number];

function run(d: Detector, values: readonly number[]): DetectorOutput[] {
  return values.map((v, i) => d.update(T0 + i * STEP_MS, v));
}

/** Errors per second of a quiet service: 0, with one error in 100 s (0.01/s) now and then. */
function quietErrors(n: number, blipsAt: readonly number[]): number[] {
  const blips = new Set(blipsAt);
  return Array.from({ length: n }, (_, i) => (blips.has(i) ? 0.01 : 0));
}

describe('Resolution', () => {
  it('learns the smallest non-zero step and ignores float noise', () => {
    const r = new Resolution();
    for (const v of [0, 0, 0.03, 0, 0.01, 0.01 + 1e-15, 0]) r.observe(v);
    expect(r.quantum).toBeCloseTo(0.01, 12);
  });

  it('round-trips and loads state written before it existed as "nothing seen"', () => {
    const r = new Resolution();
    for (const v of [1, 2, 4]) r.observe(v);
    const again = new Resolution();
    again.load([9, 9, ...r.save()], 2);
    expect(again.quantum).toBe(1);
    const old = new Resolution();
    old.load([9, 9], 2);
    expect(old.quantum).toBe(0);
  });
});

describe('band floor from the series resolution', () => {
  it.each(VALUE_DETECTORS)(
    '%s: one 0.01 blip on a near-constant zero series is no anomaly',
    (name) => {
      // One earlier blip (during warm-up) shows the series' quantum; the later one is noise.
      const values = quietErrors(2000, [10, 1500]);
      const out = run(createDetector(name), values);
      const fired = out.flatMap((o, i) => (o.isAnomaly ? [`${i}: ${o.reason}`] : []));
      expect(fired).toEqual([]);
    },
  );

  it.each(VALUE_DETECTORS)('%s: two quanta (0.02) are still no anomaly', (name) => {
    const values = quietErrors(2000, [10, 700]);
    values[1500] = 0.02;
    const out = run(createDetector(name), values);
    expect(out.filter((o) => o.isAnomaly)).toEqual([]);
  });

  // (seasonal alone stays quiet until its hour buckets have seen 3 hours each; 2000 samples of
  // 10 s are 5.5 hours, so it is covered through the ensemble and the tests in detectors.test.ts.)
  it.each(['ensemble', 'ewma', 'mad', 'traffic'] as const)(
    '%s: a real error spike of 5/s on a 0 baseline is still an anomaly',
    (name) => {
      for (const values of [quietErrors(2000, [10, 700]), quietErrors(2000, [])]) {
        values[1500] = 5;
        values[1501] = 5;
        const out = run(createDetector(name), values);
        expect(out[1500]?.isAnomaly || out[1501]?.isAnomaly).toBe(true);
      }
    },
  );

  it('cusum still reports a lasting rise of 5/s on a 0 baseline', () => {
    const values = quietErrors(2000, [10, 700]);
    for (let i = 1500; i < 1600; i++) values[i] = 5;
    const out = run(createDetector('cusum'), values);
    expect(out.slice(1500, 1520).some((o) => o.isAnomaly)).toBe(true);
  });

  it('integer counts: a step of 1 or 2 is quiet, a jump of 20 fires (ensemble)', () => {
    const rng = createRng(5);
    const values: number[] = Array.from({ length: 3000 }, () => (rng.next() < 0.02 ? 1 : 0));
    values[2500] = 2;
    values[2800] = 20;
    const out = run(createDetector('ensemble'), values);
    expect(out[2500]?.isAnomaly).toBe(false);
    expect(out[2800]?.isAnomaly).toBe(true);
    expect(out.slice(100, 2800).filter((o) => o.isAnomaly)).toEqual([]);
  });

  it('the floor survives serialize → restore', () => {
    const values = quietErrors(600, [10]);
    const d = createDetector('ensemble');
    run(d, values);
    const restored = restoreDetector(JSON.parse(JSON.stringify(d.serialize())));
    const blip = restored.update(T0 + 600 * STEP_MS, 0.01);
    expect(blip.isAnomaly).toBe(false);
  });

  it('resolutionQuanta: 0 turns the floor off (the old razor-thin band)', () => {
    const values = quietErrors(2000, [10, 1500]);
    const out = run(createDetector('ewma', { resolutionQuanta: 0 }), values);
    expect(out[1500]?.isAnomaly).toBe(true);
  });
});

/** Series of several shapes on which the parts disagree now and then. */
function shapes(): Array<{ name: string; points: Point[] }> {
  const out: Array<{ name: string; points: Point[] }> = [];
  for (let seed = 1; seed <= 6; seed++) {
    const rng = createRng(seed);
    const heavy: Point[] = [];
    const counts: Point[] = [];
    const shifty: Point[] = [];
    let level = 50;
    for (let i = 0; i < 3000; i++) {
      const t = T0 + i * 60_000;
      // Heavy tails: occasional big draws that some parts call anomalous and others not.
      const z = normal(rng);
      heavy.push([t, 100 + 3 * z * (rng.next() < 0.05 ? 6 : 1)]);
      counts.push([t, rng.next() < 0.03 ? Math.ceil(rng.next() * 6) : 0]);
      if (rng.next() < 0.003) level *= rng.next() < 0.5 ? 0.4 : 2.5;
      shifty.push([t, Math.max(0, level + 4 * normal(rng))]);
    }
    out.push({ name: `heavy-${seed}`, points: heavy });
    out.push({ name: `counts-${seed}`, points: counts });
    out.push({ name: `shifts-${seed}`, points: shifty });
  }
  return out;
}

describe('every emitted anomaly is explained by a part that flagged it', () => {
  it('ensemble: value outside the reported band for ewma/mad/seasonal; cusum/traffic in their own terms', () => {
    let checked = 0;
    const bad: string[] = [];
    for (const { name, points } of shapes()) {
      const d = createDetector('ensemble');
      points.forEach(([t, v], i) => {
        const o = d.update(t, v);
        if (!o.isAnomaly) return;
        checked++;
        expect(DETECTOR_NAMES).toContain(o.detector);
        expect(o.reason.startsWith(o.detector)).toBe(true);
        if (o.detector === 'ewma' || o.detector === 'mad' || o.detector === 'seasonal') {
          if (!(v >= o.upper || v <= o.lower)) {
            bad.push(`${name}[${i}] ${o.detector} ${v} in ${o.lower}..${o.upper}: ${o.reason}`);
          }
        }
        expect(o.lower).toBeLessThanOrEqual(o.expected);
        expect(o.upper).toBeGreaterThanOrEqual(o.expected);
      });
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it.each(['ewma', 'mad', 'seasonal'] as const)(
    '%s alone: an anomaly is outside its band',
    (name) => {
      for (const { points } of shapes()) {
        const d = createDetector(name);
        for (const [t, v] of points) {
          const o = d.update(t, v);
          if (o.isAnomaly) expect(v >= o.upper || v <= o.lower).toBe(true);
        }
      }
    },
  );
});
