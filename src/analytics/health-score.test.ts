import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HealthScoreInput, healthScore, rampScore } from './health-score.ts';

const healthy: HealthScoreInput = {
  everSeen: true,
  silent: false,
  errorRatio: 0.0005,
  latency: { observedMs: 120, expectedMs: 110 },
  cpuPercent: 40,
  budgetRemaining: 0.9,
  openAlerts: { critical: 0, warning: 0 },
};

describe('rampScore', () => {
  it.each([
    { value: 0, fine: 0.001, bad: 0.05, score: 100 },
    { value: 0.001, fine: 0.001, bad: 0.05, score: 100 },
    { value: 0.0255, fine: 0.001, bad: 0.05, score: 50 },
    { value: 0.05, fine: 0.001, bad: 0.05, score: 0 },
    { value: 0.9, fine: 0.5, bad: 0, score: 100 },
    { value: 0.25, fine: 0.5, bad: 0, score: 50 },
    { value: -0.5, fine: 0.5, bad: 0, score: 0 },
    { value: Number.NaN, fine: 0, bad: 1, score: 0 },
  ])('$value on $fine→$bad scores $score', ({ value, fine, bad, score }) => {
    expect(rampScore(value, { fine, bad })).toBeCloseTo(score, 9);
  });
});

describe('healthScore', () => {
  it.each<[string, Partial<HealthScoreInput>, number | null, string]>([
    ['all fine', {}, 100, 'green'],
    ['never reported', { everSeen: false }, null, 'grey'],
    ['stopped reporting', { silent: true }, 0, 'red'],
    // errors half-way (2.55 %): 100 − 0.35 × 50 = 82.5 → 83, still green
    ['2.55 % errors', { errorRatio: 0.0255 }, 83, 'green'],
    // 5 % errors: errors part 0 → 65
    ['5 % errors', { errorRatio: 0.05 }, 65, 'orange'],
    // latency 3× baseline and budget spent: 100 − 25 − 25 = 50
    [
      '3× latency, budget spent',
      { latency: { observedMs: 330, expectedMs: 110 }, budgetRemaining: -0.2 },
      50,
      'orange',
    ],
    [
      'all parts bad',
      {
        errorRatio: 0.2,
        latency: { observedMs: 900, expectedMs: 100 },
        cpuPercent: 99,
        budgetRemaining: 0,
      },
      0,
      'red',
    ],
    ['a critical alert caps at 49', { openAlerts: { critical: 1, warning: 0 } }, 49, 'red'],
    ['two warnings cost 20', { openAlerts: { critical: 0, warning: 2 } }, 80, 'green'],
    ['five warnings cost at most 30', { openAlerts: { critical: 0, warning: 5 } }, 70, 'orange'],
    // only CPU known: the score is the CPU part alone (82.5 % → 50)
    [
      'only CPU known',
      { errorRatio: null, latency: null, budgetRemaining: null, cpuPercent: 82.5 },
      50,
      'orange',
    ],
    [
      'no parts known',
      { errorRatio: null, latency: null, budgetRemaining: null, cpuPercent: null },
      100,
      'green',
    ],
  ])('%s → %s %s', (_name, patch, score, light) => {
    const h = healthScore({ ...healthy, ...patch });
    expect(h.score).toBe(score);
    expect(h.light).toBe(light);
    if (light === 'green') expect(h.reasons).toEqual([]);
    else expect(h.reasons.length).toBeGreaterThan(0);
  });

  it('explains a red light, hard reasons first', () => {
    const h = healthScore({
      ...healthy,
      errorRatio: 0.04,
      openAlerts: { critical: 1, warning: 0 },
    });
    expect(h.reasons[0]).toBe('1 critical alert(s) firing');
    expect(h.reasons[1]).toBe('error rate 4.0%');
  });

  it('stays in 0..100 and never rises with more errors (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 100, noNaN: true })),
        fc.option(fc.double({ min: -1, max: 1, noNaN: true })),
        fc.nat(6),
        (a, b, cpu, budget, warnings) => {
          const base = {
            ...healthy,
            cpuPercent: cpu,
            budgetRemaining: budget,
            openAlerts: { critical: 0, warning: warnings },
          };
          const lo = healthScore({ ...base, errorRatio: Math.min(a, b) }).score as number;
          const hi = healthScore({ ...base, errorRatio: Math.max(a, b) }).score as number;
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(lo).toBeLessThanOrEqual(100);
          expect(hi).toBeLessThanOrEqual(lo);
        },
      ),
    );
  });
});
