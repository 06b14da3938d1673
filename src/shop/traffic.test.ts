import { describe, expect, it } from 'vitest';
import { createTrafficPlan, type PlannedRequest, startTraffic, TRAFFIC_MIX } from './traffic.ts';

const T0 = Date.UTC(2026, 10, 22, 0);
const HOUR_MS = 3_600_000;

function run(seed: number, n: number, ratePerS = 8): { waitMs: number; request: PlannedRequest }[] {
  const plan = createTrafficPlan({ seed, ratePerS });
  const out = [];
  let now = T0;
  for (let i = 0; i < n; i++) {
    const step = plan.next(now);
    out.push(step);
    now += step.waitMs;
  }
  return out;
}

describe('traffic plan', () => {
  it('is a function of the seed: same seed, same requests and gaps', () => {
    expect(run(42, 500)).toEqual(run(42, 500));
    expect(run(42, 50)).not.toEqual(run(43, 50));
  });

  it('follows the mix within a few percent', () => {
    const steps = run(7, 20_000);
    for (const { kind, share } of TRAFFIC_MIX) {
      const got = steps.filter((s) => s.request.kind === kind).length / steps.length;
      expect(got, kind).toBeCloseTo(share, 1);
    }
    const checkout = steps.find((s) => s.request.kind === 'checkout')?.request;
    expect(checkout).toMatchObject({ method: 'POST', path: '/checkout' });
    expect((checkout?.body as { items?: unknown[] } | undefined)?.items?.length).toBeGreaterThan(0);
  });

  it('averages the configured rate over a day, with a daily wobble and bursts', () => {
    const plan = createTrafficPlan({ seed: 3, ratePerS: 8 });
    let sum = 0;
    let bursts = 0;
    const stepMs = 10_000;
    const n = (24 * HOUR_MS) / stepMs;
    for (let i = 0; i < n; i++) {
      const r = plan.rateAt(T0 + i * stepMs);
      sum += r;
      if (r > 8 * 1.3 * 1.5) bursts++;
    }
    const mean = sum / n;
    expect(mean).toBeGreaterThan(8);
    expect(mean).toBeLessThan(8 * 1.3);
    expect(plan.rateAt(T0 + 14 * HOUR_MS - 1)).toBeGreaterThan(plan.rateAt(T0 + 2 * HOUR_MS));
    expect(bursts).toBeGreaterThan(0);
    // Same seed, same rate curve: it depends on time only, not on what was asked before.
    expect(createTrafficPlan({ seed: 3, ratePerS: 8 }).rateAt(T0 + 5 * HOUR_MS)).toBe(
      plan.rateAt(T0 + 5 * HOUR_MS),
    );
  });

  it('gaps average 1 / rate', () => {
    const steps = run(9, 5_000, 10);
    const meanGapMs = steps.reduce((s, x) => s + x.waitMs, 0) / steps.length;
    // 10 req/s at midnight UTC (wobble 0.74) with occasional bursts: about 120-135 ms.
    expect(meanGapMs).toBeGreaterThan(80);
    expect(meanGapMs).toBeLessThan(160);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => createTrafficPlan({ seed: 1, ratePerS: 0 })).toThrow(RangeError);
  });
});

describe('traffic runner', () => {
  it('sends, counts by status class, skips beyond maxInFlight and stops cleanly', async () => {
    const plan = {
      rateAt: () => 1_000,
      next: () => ({
        waitMs: 0,
        request: { kind: 'home' as const, method: 'GET' as const, path: '/' },
      }),
    };
    const pending: ((status: number) => void)[] = [];
    const traffic = startTraffic({
      plan,
      nowMs: () => T0,
      maxInFlight: 3,
      send: () => new Promise<number>((resolve) => pending.push(resolve)),
    });
    const deadline = Date.now() + 5_000;
    while (traffic.counts.skipped === 0 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
    }
    expect(traffic.counts.sent).toBe(3);
    expect(traffic.counts.skipped).toBeGreaterThan(0);
    const stopped = traffic.stop();
    pending[0]?.(200);
    pending[1]?.(409);
    pending[2]?.(503);
    await stopped;
    expect(traffic.counts.byClass).toEqual({ '2xx': 1, '4xx': 1, '5xx': 1 });
    const sent = traffic.counts.sent;
    await new Promise((r) => setImmediate(r));
    expect(traffic.counts.sent).toBe(sent);
  });
});
