import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Kpi, Point } from '../contract/index.ts';
import {
  computeKpis,
  defaultKpiOptions,
  judge,
  type KpiInput,
  MINUTE_MS,
  quantileSorted,
} from './kpi.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** One point every `everyMs` in [fromMs, toMs) with value f(ts). */
function series(fromMs: number, toMs: number, everyMs: number, f: (ts: number) => number): Point[] {
  const out: Point[] = [];
  for (let ts = fromMs; ts < toMs; ts += everyMs) out.push([ts, f(ts)]);
  return out;
}

function input(over: Partial<KpiInput>): KpiInput {
  return {
    fromMs: T0,
    toMs: T0 + 10 * MINUTE_MS,
    requests: [],
    errors: [],
    latency: [],
    other: [],
    seenBeforeWindow: true,
    ...over,
  };
}

function byName(kpis: Kpi[]): Record<string, Kpi> {
  return Object.fromEntries(kpis.map((k) => [k.name, k]));
}

describe('judge', () => {
  it.each([
    { value: 0.5, cmp: '<=', want: 'ok' },
    { value: 1, cmp: '<=', want: 'ok' },
    { value: 4.99, cmp: '<=', want: 'warn' },
    { value: 5, cmp: '<=', want: 'breach' },
    { value: null, cmp: '<=', want: 'unknown' },
    { value: 99, cmp: '>=', want: 'ok' },
    { value: 95, cmp: '>=', want: 'warn' },
    { value: 94.9, cmp: '>=', want: 'breach' },
    { value: Number.NaN, cmp: '>=', want: 'unknown' },
  ] as const)('$value $cmp → $want', ({ value, cmp, want }) => {
    const t = cmp === '<=' ? { target: 1, breach: 5 } : { target: 99, breach: 95 };
    expect(judge(value, cmp, t)).toBe(want);
  });
});

describe('quantileSorted', () => {
  it.each([
    { xs: [], q: 0.5, want: null },
    { xs: [7], q: 0.99, want: 7 },
    { xs: [10, 20, 30, 40], q: 0.5, want: 25 },
    { xs: [10, 20, 30, 40], q: 0.95, want: 38.5 },
    { xs: [10, 20, 30, 40], q: 0, want: 10 },
    { xs: [10, 20, 30, 40], q: 1, want: 40 },
  ])('q$q of $xs = $want', ({ xs, q, want }) => {
    const got = quantileSorted(xs, q);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 9);
  });

  it('lies between the min and the max and grows with q', () =>
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, q1, q2) => {
          const s = [...xs].sort((a, b) => a - b);
          const a = quantileSorted(s, Math.min(q1, q2)) as number;
          const b = quantileSorted(s, Math.max(q1, q2)) as number;
          expect(a).toBeGreaterThanOrEqual(s[0] as number);
          expect(b).toBeLessThanOrEqual(s[s.length - 1] as number);
          expect(a).toBeLessThanOrEqual(b + 1e-9);
        },
      ),
    ));
});

describe('computeKpis', () => {
  it('a healthy service: everything ok', () => {
    const to = T0 + 10 * MINUTE_MS;
    const k = byName(
      computeKpis(
        input({
          requests: [series(T0, to, 10_000, () => 100)],
          errors: [series(T0, to, 10_000, () => 0.5)],
          latency: [series(T0, to, 10_000, (ts) => 100 + ((ts / 10_000) % 10))],
        }),
      ),
    );
    expect(k.uptime?.value).toBe(100);
    expect(k.error_rate?.value).toBeCloseTo(0.5, 9);
    expect(k.throughput?.value).toBeCloseTo(100, 9);
    expect(k.latency_p50?.value).toBeGreaterThanOrEqual(100);
    for (const kpi of Object.values(k)) expect(kpi.status, kpi.name).toBe('ok');
  });

  it('uptime counts silent minutes and minutes with error ratio >= 5% as down', () => {
    const to = T0 + 10 * MINUTE_MS;
    // Minute 3 silent; minute 5 has 5 % errors (down: the rule is "below"); minute 6 has 4.9 %.
    const req = series(T0, to, 10_000, () => 100).filter(
      ([ts]) => Math.floor((ts - T0) / MINUTE_MS) !== 3,
    );
    const err = series(T0, to, 10_000, (ts) => {
      const m = Math.floor((ts - T0) / MINUTE_MS);
      return m === 5 ? 5 : m === 6 ? 4.9 : 0;
    }).filter(([ts]) => Math.floor((ts - T0) / MINUTE_MS) !== 3);
    const k = byName(computeKpis(input({ requests: [req], errors: [err] })));
    expect(k.uptime?.value).toBe(80);
    expect(k.uptime?.status).toBe('breach');
  });

  it('uptime ignores the incomplete minutes at both ends of the window', () => {
    const from = T0 + 30_000;
    const to = T0 + 3 * MINUTE_MS + 30_000;
    // Complete minutes inside [from, to): T0+1m and T0+2m only.
    const req = series(T0 + MINUTE_MS, T0 + 3 * MINUTE_MS, 10_000, () => 1);
    const k = byName(computeKpis(input({ fromMs: from, toMs: to, requests: [req] })));
    expect(k.uptime?.value).toBe(100);
  });

  it('uptime does not count minutes before a new subject first reported', () => {
    const to = T0 + 10 * MINUTE_MS;
    const req = series(T0 + 6 * MINUTE_MS, to, 10_000, () => 1);
    const fresh = byName(computeKpis(input({ requests: [req], seenBeforeWindow: false })));
    expect(fresh.uptime?.value).toBe(100);
    const old = byName(computeKpis(input({ requests: [req], seenBeforeWindow: true })));
    expect(old.uptime?.value).toBe(40);
  });

  it('a subject with no data has unknown KPIs', () => {
    const k = computeKpis(input({ seenBeforeWindow: false }));
    for (const kpi of k) {
      expect(kpi.value, kpi.name).toBeNull();
      expect(kpi.status, kpi.name).toBe('unknown');
    }
  });

  it('error rate is the ratio of sums across series; throughput sums instances per minute', () => {
    const to = T0 + 2 * MINUTE_MS;
    const k = byName(
      computeKpis(
        input({
          toMs: to,
          // Two instances, one reporting every 10 s, the other every 30 s.
          requests: [series(T0, to, 10_000, () => 10), series(T0, to, 30_000, () => 30)],
          errors: [series(T0, to, 10_000, () => 1)],
        }),
      ),
    );
    // Σerrors = 12 × 1, Σrequests = 12 × 10 + 4 × 30 = 240 → 5 %.
    expect(k.error_rate?.value).toBeCloseTo(5, 9);
    expect(k.error_rate?.status).toBe('breach');
    expect(k.throughput?.value).toBeCloseTo(40, 9);
  });

  it('ignores points outside [fromMs, toMs)', () => {
    const k = byName(
      computeKpis(
        input({
          latency: [
            [
              [T0 - 1, 10_000],
              [T0, 100],
              [T0 + 10 * MINUTE_MS, 10_000],
            ],
          ],
        }),
      ),
    );
    expect(k.latency_p99?.value).toBe(100);
  });

  it('uses the thresholds given', () => {
    const options = { ...defaultKpiOptions(), latencyP95: { target: 50, breach: 80 } };
    const k = byName(computeKpis(input({ latency: [[[T0, 60]]] }), options));
    expect(k.latency_p95).toMatchObject({ value: 60, target: 50, status: 'warn' });
  });
});
