/**
 * @module
 * Exponential backoff with jitter. The delay after failed attempt k (1-based) is
 *
 *   base_k = min(maxDelayMs, initialDelayMs × multiplier^(k−1))
 *   delay_k = min(maxDelayMs, max(retryAfterMs, base_k × (1 − j + 2j·u)))   u ~ U[0,1), j = jitterRatio
 *
 * Worked example with the defaults (1 s, ×2, cap 60 s, j = 0.2, 5 attempts): the waits after
 * attempts 1–4 are 1 s, 2 s, 4 s, 8 s, each scaled by a factor in [0.8, 1.2); a receiver's
 * Retry-After longer than that wins, up to the 60 s cap. Jitter spreads the retries of many
 * notifications that failed together, so a recovering receiver is not hit in lockstep.
 */
import type { Rng } from '../contract/index.ts';

export interface RetryPolicy {
  /** Attempts in total, including the first (1 = no retries). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /** 0 = no jitter; 0.2 = ±20 %. In [0, 1]. */
  readonly jitterRatio: number;
}

export function defaultRetryPolicy(): RetryPolicy {
  return {
    maxAttempts: 5,
    initialDelayMs: 1_000,
    multiplier: 2,
    maxDelayMs: 60_000,
    jitterRatio: 0.2,
  };
}

/** Wait after `failedAttempt` (1-based) failed, before the next attempt. Whole milliseconds. */
export function backoffDelayMs(
  policy: RetryPolicy,
  failedAttempt: number,
  rng: Rng,
  retryAfterMs?: number,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, failedAttempt - 1),
  );
  const jittered = base * (1 - policy.jitterRatio + 2 * policy.jitterRatio * rng.next());
  return Math.round(Math.min(policy.maxDelayMs, Math.max(retryAfterMs ?? 0, jittered)));
}

/** Waits `ms`; rejects or resolves early when `signal` aborts (callers check `signal.aborted`). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
