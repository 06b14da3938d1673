import { describe, expect, it } from 'vitest';
import { RedBaseline } from './red-baseline.ts';

describe('RedBaseline', () => {
  it('worked example of the module doc', () => {
    const b = new RedBaseline({
      alpha: 0.5,
      warmupBuckets: 2,
      latencyFactor: 3,
      errorRateDelta: 0.1,
    });
    expect(b.update(100, 0)).toBe(true);
    expect(b.value()).toBeUndefined();
    expect(b.update(200, 0)).toBe(true);
    expect(b.value()).toEqual({ latencyMs: 150, errorRate: 0 });
    expect(b.update(600, 0)).toBe(false);
    expect(b.update(50, 0)).toBe(true);
    expect(b.value()).toEqual({ latencyMs: 100, errorRate: 0 });
    expect(b.isAnomalous(100, 0.11)).toBe(true);
    expect(b.isAnomalous(300, 0.1)).toBe(false);
  });

  it('never judges while warming up', () => {
    const b = new RedBaseline({
      alpha: 0.1,
      warmupBuckets: 3,
      latencyFactor: 3,
      errorRateDelta: 0.1,
    });
    b.update(10, 0);
    expect(b.isAnomalous(1e6, 1)).toBe(false);
    expect(b.update(1e6, 1)).toBe(true);
  });
});
