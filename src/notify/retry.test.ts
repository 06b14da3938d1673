import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../contract/index.ts';
import { backoffDelayMs, defaultRetryPolicy, type RetryPolicy } from './retry.ts';

const fixed = (u: number): Rng => ({ next: () => u });
const policy: RetryPolicy = { ...defaultRetryPolicy(), jitterRatio: 0 };

describe('backoffDelayMs', () => {
  it.each([
    { name: 'first retry waits the initial delay', attempt: 1, u: 0.5, p: policy, want: 1_000 },
    { name: 'doubles per attempt', attempt: 4, u: 0.5, p: policy, want: 8_000 },
    { name: 'caps at maxDelayMs', attempt: 20, u: 0.5, p: policy, want: 60_000 },
    {
      name: 'jitter low end (u=0) is base × (1 − j)',
      attempt: 2,
      u: 0,
      p: defaultRetryPolicy(),
      want: 1_600,
    },
    {
      name: 'jitter high end (u→1) is just under base × (1 + j)',
      attempt: 2,
      u: 0.999_999,
      p: defaultRetryPolicy(),
      want: 2_400,
    },
    {
      name: 'Retry-After longer than the backoff wins',
      attempt: 1,
      u: 0.5,
      p: policy,
      retryAfterMs: 7_000,
      want: 7_000,
    },
    {
      name: 'Retry-After is capped by maxDelayMs',
      attempt: 1,
      u: 0.5,
      p: policy,
      retryAfterMs: 3_600_000,
      want: 60_000,
    },
  ])('$name', ({ attempt, u, p, retryAfterMs, want }) => {
    expect(backoffDelayMs(p, attempt, fixed(u), retryAfterMs)).toBe(want);
  });

  it('stays within [base(1−j), base(1+j)] ∧ ≤ maxDelayMs for any policy and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        (initialDelayMs, multiplier, maxDelayMs, jitterRatio, attempt, seed) => {
          const p = { maxAttempts: 5, initialDelayMs, multiplier, maxDelayMs, jitterRatio };
          const d = backoffDelayMs(p, attempt, createRng(seed));
          const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** (attempt - 1));
          expect(d).toBeLessThanOrEqual(maxDelayMs);
          expect(d).toBeGreaterThanOrEqual(
            Math.floor(Math.min(maxDelayMs, base * (1 - jitterRatio))),
          );
          expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + jitterRatio)));
        },
      ),
    );
  });
});
