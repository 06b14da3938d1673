import { describe, expect, it } from 'vitest';
import { evalCase, reachedServices } from './aiops-eval.ts';

describe('aiops evaluation cases', () => {
  it('every fault is on a service that some request reaches (else it can never show)', () => {
    for (let i = 0; i < 50; i++) {
      const c = evalCase(1, i);
      expect(reachedServices(c.topology).has(c.fault.service), `case ${i}`).toBe(true);
    }
  });

  it('reachedServices follows calls from the entries only', () => {
    const c = evalCase(1, 42);
    const reached = reachedServices(c.topology);
    // Seed 1 case 42's topology has services no entry reaches (gateway among them).
    expect(reached.has(c.topology.entries[0]!.service)).toBe(true);
    expect(reached.has('gateway')).toBe(false);
  });

  it('is a pure function of (seed, index)', () => {
    expect(evalCase(1, 7)).toEqual(evalCase(1, 7));
  });
});
