import { describe, expect, it } from 'vitest';
import { type Anomaly, VirtualClock } from '../contract/index.ts';
import { MemoryStateStore } from '../store/index.ts';
import { REVIEW_ITEMS_COLLECTION, ReviewRuntime, seriesName } from './review-runtime.ts';

const T0 = Date.UTC(2026, 3, 1);
const logger = { error: () => {} };

function anomaly(i: number): Anomaly {
  return {
    metric: 'latency_ms',
    labels: { service: 'checkout' },
    timestampMs: T0 + i * 10_000,
    value: 900,
    score: 0.9,
    expected: 120,
    lower: 80,
    upper: 160,
    deviation: 780,
    detector: 'ewma',
    reason: 'latency_ms 900 is above the 80..160 band',
  };
}

describe('ReviewRuntime', () => {
  it('persists sampled items and verdicts; a restart restores the queue and its counters', async () => {
    const state = new MemoryStateStore();
    const clock = new VirtualClock(T0);
    const rt = await ReviewRuntime.open({ state, clock, logger }, { seed: 4, rate: 0.02 });
    const seen: string[] = [];
    rt.onItem((i) => seen.push(`${i.id} ${i.status}`));
    const items = [];
    for (let i = 0; i < 2_000; i++) {
      const item = await rt.offerAnomaly(anomaly(i));
      if (item !== undefined) items.push(item);
    }
    expect(items.length).toBeGreaterThan(20);
    const [a, b] = items as [(typeof items)[0], (typeof items)[0]];
    expect(a.subject).toBe('latency_ms{service="checkout"}');
    expect(a.reason).toMatch(/^anomaly \(score 0\.90, ewma\): latency_ms 900/);
    clock.advance(60_000);
    await rt.claim(a.id, 'ana');
    await rt.approve(a.id, 'ana');
    await rt.reject(b.id, 'bo', 'a deploy, expected');
    expect(seen.slice(-3)).toEqual([`${a.id} claimed`, `${a.id} approved`, `${b.id} rejected`]);
    await rt.close();
    expect((await state.collection(REVIEW_ITEMS_COLLECTION).list()).length).toBe(items.length);

    const again = await ReviewRuntime.open({ state, clock, logger }, { seed: 4, rate: 0.02 });
    expect(again.stats()).toEqual(rt.stats());
    expect(again.get(a.id)?.status).toBe('approved');
    expect(again.anomalyLabels()).toEqual([
      expect.objectContaining({
        metric: 'latency_ms',
        labels: { service: 'checkout' },
        atMs: a.atMs,
        label: 1,
      }),
      expect.objectContaining({
        metric: 'latency_ms',
        atMs: b.atMs,
        label: 0,
        reason: 'a deploy, expected',
      }),
    ]);
  });

  it('names series readably and stably', () => {
    expect(seriesName('up', {})).toBe('up');
    expect(seriesName('x', { b: '2', a: '1' })).toBe('x{a="1",b="2"}');
  });
});
