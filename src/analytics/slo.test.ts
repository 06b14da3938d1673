import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SliBucket, SloDefinition } from '../contract/index.ts';
import {
  budgetConsumed,
  burnRate,
  burnRateForBudgetShare,
  DAY_MS,
  defaultBurnRatePolicy,
  defaultSlos,
  errorBudget,
  evaluateBurnAlerts,
  evaluateSlo,
  HOUR_MS,
  policyPairsFor,
  ratioBucketFromCounts,
  ratioBucketFromRates,
  slosForService,
  sloWindowMs,
  thresholdBucket,
} from './slo.ts';

const MIN = 60_000;
const MONTH = 30 * DAY_MS;
const NOW = 100 * DAY_MS;

/** One bucket per minute over the `minutes` before NOW; `shape(ago)` gives requests and errors. */
function minutes(
  count: number,
  shape: (minutesAgo: number) => { total: number; bad: number },
): SliBucket[] {
  const out: SliBucket[] = [];
  for (let ago = count; ago >= 1; ago--) {
    const { total, bad } = shape(ago);
    out.push({ startMs: NOW - ago * MIN, good: total - bad, total });
  }
  return out;
}

describe('workbook numbers (99.9 % over 30 days)', () => {
  // SRE workbook, "Alerting on SLOs", table of recommended thresholds.
  it.each([
    { share: 0.02, windowMs: HOUR_MS, burn: 14.4 },
    { share: 0.05, windowMs: 6 * HOUR_MS, burn: 6 },
    { share: 0.1, windowMs: 3 * DAY_MS, burn: 1 },
  ])('$share of the budget in $windowMs ms ↔ burn $burn', ({ share, windowMs, burn }) => {
    expect(burnRateForBudgetShare(share, windowMs, MONTH)).toBeCloseTo(burn, 10);
    expect(budgetConsumed(burn, windowMs, MONTH)).toBeCloseTo(share, 10);
  });

  it.each([
    { errorRatio: 0.001, burn: 1, exhaustHours: 720 },
    { errorRatio: 0.0144, burn: 14.4, exhaustHours: 50 },
    { errorRatio: 0.006, burn: 6, exhaustHours: 120 },
    { errorRatio: 1, burn: 1000, exhaustHours: 0.72 },
  ])('error ratio $errorRatio burns $burn× (budget gone in $exhaustHours h)', (c) => {
    const total = 1_000_000;
    const rate = burnRate(0.999, total - c.errorRatio * total, total);
    expect(rate).toBeCloseTo(c.burn, 9);
    expect(MONTH / rate / HOUR_MS).toBeCloseTo(c.exhaustHours, 9);
  });

  it('has the default pairs of the workbook', () => {
    expect(defaultBurnRatePolicy().pairs).toEqual([
      { severity: 'page', longMs: HOUR_MS, shortMs: 5 * MIN, threshold: 14.4 },
      { severity: 'page', longMs: 6 * HOUR_MS, shortMs: 30 * MIN, threshold: 6 },
      { severity: 'ticket', longMs: 3 * DAY_MS, shortMs: 6 * HOUR_MS, threshold: 1 },
    ]);
  });
});

describe('errorBudget', () => {
  it.each([
    { good: 1_000_000, total: 1_000_000, allowed: 1000, bad: 0, remaining: 1 },
    { good: 999_500, total: 1_000_000, allowed: 1000, bad: 500, remaining: 0.5 },
    { good: 999_000, total: 1_000_000, allowed: 1000, bad: 1000, remaining: 0 },
    { good: 998_000, total: 1_000_000, allowed: 1000, bad: 2000, remaining: -1 },
    { good: 0, total: 0, allowed: 0, bad: 0, remaining: 1 },
  ])('$bad bad of $total → $remaining left', (c) => {
    const b = errorBudget(0.999, c.good, c.total);
    expect(b.allowedBad).toBeCloseTo(c.allowed, 6);
    expect(b.bad).toBe(c.bad);
    expect(b.remainingFraction).toBeCloseTo(c.remaining, 9);
  });

  it('remaining budget never rises when more events are bad (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.9, 0.99, 0.999, 0.9999),
        (total, a, b, objective) => {
          const [fewer, more] = a <= b ? [a, b] : [b, a];
          const r1 = errorBudget(objective, total - Math.floor(fewer * total), total);
          const r2 = errorBudget(objective, total - Math.floor(more * total), total);
          expect(r2.remainingFraction).toBeLessThanOrEqual(r1.remainingFraction);
          expect(r1.remainingFraction).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('multi-window, multi-burn-rate alerts', () => {
  const pairs = defaultBurnRatePolicy().pairs;
  const steady = (ago: number, badShare: number, recent: number) => ({
    total: 1000,
    bad: ago <= recent ? 1000 * badShare : 0,
  });

  it.each([
    // 1.5 % errors for the last hour: 15× > 14.4 over 1 h and 5 m → page (fast).
    { name: 'fast burn pages', recent: 60, share: 0.015, fired: ['page'] },
    // 1.4 % for an hour: below 14.4 → no fast page, not 6 h either (6 h burn 14/6 = 2.3).
    { name: 'just under 14.4 stays quiet', recent: 60, share: 0.014, fired: [] },
    // 0.7 % for 6 h: 7× over 6 h and 30 m → page (slow), not the fast pair.
    { name: 'slow burn pages', recent: 360, share: 0.007, fired: ['page'] },
    // 0.2 % for 3 days: 2× → ticket only.
    { name: '2× for 3 days tickets', recent: 3 * 1440, share: 0.002, fired: ['ticket'] },
    // 0.1 % for 3 days: exactly 1× is not above 1.
    { name: 'exactly on budget is fine', recent: 3 * 1440, share: 0.001, fired: [] },
  ])('$name', ({ recent, share, fired }) => {
    const buckets = minutes(3 * 1440, (ago) => steady(ago, share, recent));
    const got = evaluateBurnAlerts(buckets, 0.999, NOW, pairs, 100)
      .filter((a) => a.firing)
      .map((a) => a.severity);
    expect([...new Set(got)]).toEqual(fired);
  });

  it('stops paging as soon as the short window is clean (errors ended 10 minutes ago)', () => {
    const buckets = minutes(3 * 1440, (ago) => ({
      total: 1000,
      bad: ago > 10 && ago <= 60 ? 50 : 0,
    }));
    const [fast] = evaluateBurnAlerts(buckets, 0.999, NOW, pairs, 100);
    expect(fast?.long.burnRate).toBeGreaterThan(14.4);
    expect(fast?.short.burnRate).toBe(0);
    expect(fast?.firing).toBe(false);
  });

  it('does not page on a handful of requests (minimum events guard)', () => {
    // 40 requests in the hour, 10 failed: burn 250, but only 40 events < 100.
    const buckets = minutes(60, (ago) => ({ total: ago <= 40 ? 1 : 0, bad: ago <= 10 ? 1 : 0 }));
    const [fast] = evaluateBurnAlerts(buckets, 0.999, NOW, pairs, 100);
    expect(fast?.long.burnRate).toBeCloseTo(250, 6);
    expect(fast?.firing).toBe(false);
    expect(fast?.guarded).toBe(true);
    const [loose] = evaluateBurnAlerts(buckets, 0.999, NOW, pairs, 10);
    expect(loose?.firing).toBe(true);
  });
});

describe('evaluateSlo', () => {
  const availability = defaultSlos()[0] as SloDefinition;

  it('sums only the window and reports budget and pass/fail', () => {
    // 30 days of 1000 req/min with 0.05 % errors, plus a bad minute 31 days ago (outside).
    const buckets = minutes(31 * 1440, (ago) => ({
      total: 1000,
      bad: ago > 30 * 1440 ? 1000 : 0.5,
    }));
    const e = evaluateSlo(availability, 'api', buckets, NOW);
    expect(e.total).toBe(30 * 1440 * 1000);
    expect(e.sli).toBeCloseTo(0.9995, 9);
    expect(e.met).toBe(true);
    expect(e.budget.remainingFraction).toBeCloseTo(0.5, 9);
    expect(e.labels).toEqual({ slo: 'availability', service: 'api' });
    expect(e.burnAlerts.every((a) => !a.firing)).toBe(true);
  });

  it('counts no events as met with the whole budget left', () => {
    const e = evaluateSlo(availability, 'idle', [], NOW);
    expect(e).toMatchObject({ sli: null, met: true, total: 0 });
    expect(e.budget.remainingFraction).toBe(1);
  });

  it('scales the policy windows for cycle-based SLOs', () => {
    // 720 cycles of 1 hour = 30 days: proportional windows equal the absolute ones.
    expect(sloWindowMs({ kind: 'cycles', cycles: 720, cycleMs: HOUR_MS })).toBe(MONTH);
    const scaled = policyPairsFor({ ...defaultBurnRatePolicy(), scale: 'proportional' }, 1000_000);
    // 1000 s window: 1 h → 1000 s / 720 ≈ 1389 ms; 3 d → 100 s.
    expect(scaled.map((p) => [p.longMs, p.shortMs])).toEqual([
      [1389, 116],
      [8333, 694],
      [100_000, 8333],
    ]);
    // 100 cycles of 10 s: whole cycles, at least one (3 d → 10 cycles, the rest → 1 cycle).
    const cycles = policyPairsFor(
      { ...defaultBurnRatePolicy(), scale: 'proportional' },
      1000_000,
      10_000,
    );
    expect(cycles.map((p) => [p.longMs, p.shortMs])).toEqual([
      [10_000, 10_000],
      [10_000, 10_000],
      [100_000, 10_000],
    ]);
  });

  it('judges a throughput SLO per cycle (≥ 35 events per 10 s cycle, 100 cycles)', () => {
    const slo: SloDefinition = {
      name: 'throughput',
      sli: {
        kind: 'threshold',
        metric: 'events',
        aggregation: 'sum',
        op: '>=',
        value: 35,
        intervalMs: 10_000,
      },
      objective: 0.95,
      window: { kind: 'cycles', cycles: 100, cycleMs: 10_000 },
      minEvents: 10,
      labels: {},
    };
    const sli = slo.sli as Extract<SloDefinition['sli'], { kind: 'threshold' }>;
    const buckets: SliBucket[] = [];
    for (let c = 1; c <= 100; c++) {
      buckets.push(thresholdBucket(NOW - c * 10_000, sli, c <= 8 ? 30 : 40));
    }
    const e = evaluateSlo(slo, 'pipeline', buckets, NOW);
    expect(e.total).toBe(100);
    expect(e.good).toBe(92);
    expect(e.met).toBe(false);
    expect(e.budget.remainingFraction).toBeCloseTo(1 - 8 / 5, 9);
    // Pages look at one cycle (1 interval < 10 events: guarded); the ticket at 10 cycles.
    expect(e.burnAlerts.map((a) => [a.severity, a.long.windowMs, a.firing, a.guarded])).toEqual([
      ['page', 10_000, false, true],
      ['page', 10_000, false, true],
      ['ticket', 100_000, true, false],
    ]);
  });
});

describe('buckets from query results', () => {
  it('turns rates into counts and clamps bad to total', () => {
    expect(ratioBucketFromRates(0, 60_000, 10, 0.5)).toEqual({ startMs: 0, good: 570, total: 600 });
    expect(ratioBucketFromRates(0, 60_000, 1, 5)).toEqual({ startMs: 0, good: 0, total: 60 });
    expect(ratioBucketFromRates(0, 60_000, Number.NaN, 1)).toEqual({
      startMs: 0,
      good: 0,
      total: 0,
    });
  });

  it('takes counts as good or bad', () => {
    expect(ratioBucketFromCounts(5, 100, { bad: 3 })).toEqual({ startMs: 5, good: 97, total: 100 });
    expect(ratioBucketFromCounts(5, 100, { good: 120 })).toEqual({
      startMs: 5,
      good: 100,
      total: 100,
    });
  });

  it.each([
    { value: 250, good: 1, total: 1 },
    { value: 300, good: 1, total: 1 },
    { value: 301, good: 0, total: 1 },
    { value: null, good: 0, total: 0 },
  ])('p95 $value ms ≤ 300 → good $good of $total', ({ value, good, total }) => {
    const sli = defaultSlos()[1]?.sli;
    if (sli?.kind !== 'threshold') throw new Error('latency SLO is a threshold SLI');
    expect(thresholdBucket(0, sli, value)).toEqual({ startMs: 0, good, total });
  });
});

describe('slosForService', () => {
  const custom = (name: string, objective: number, service?: string): SloDefinition => ({
    ...(defaultSlos()[0] as SloDefinition),
    name,
    objective,
    ...(service === undefined ? {} : { service }),
  });

  it('gives every service the defaults', () => {
    expect(slosForService('api', []).map((s) => [s.name, s.objective, s.service])).toEqual([
      ['availability', 0.999, 'api'],
      ['latency', 0.99, 'api'],
    ]);
  });

  it('lets a global and then a per-service SLO override by name, and disables by name', () => {
    const configured = [custom('availability', 0.99), custom('availability', 0.95, 'batch')];
    expect(
      slosForService('api', configured).find((s) => s.name === 'availability')?.objective,
    ).toBe(0.99);
    expect(
      slosForService('batch', configured).find((s) => s.name === 'availability')?.objective,
    ).toBe(0.95);
    expect(slosForService('api', [], { disabledNames: ['latency'] }).map((s) => s.name)).toEqual([
      'availability',
    ]);
  });
});
