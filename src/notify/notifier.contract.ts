/**
 * @module
 * The conformance suite every `Notifier` runs, each against a real receiver its test starts:
 * one attempt per send, failures as values (never a rejection), transient vs permanent
 * failures told apart, prompt settling on abort, and payloads that stay valid for oversized or
 * hostile text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS, type Notification } from './notification.ts';
import type { DeliveryResult, Notifier } from './notifier.ts';

/** accept; fail transiently (HTTP 500 / SMTP 451); reject for good (HTTP 400 / SMTP 550); hang. */
export type ContractBehaviour = 'accept' | 'fail' | 'reject' | 'hang';

export interface NotifierHarness {
  /** Pointed at the receiver the harness started. */
  readonly notifier: Notifier;
  behave(b: ContractBehaviour): void;
  /** Raw text of every message the receiver accepted (HTTP body, or full email source). */
  accepted(): readonly string[];
  /** Problems the receiver found in what it was sent (shape, limits, signature). */
  problems(): readonly string[];
  /** A notifier of the same kind aimed at an address where nothing listens. */
  unreachable(): Promise<Notifier>;
  close(): Promise<void>;
}

export function sampleNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    kind: 'firing',
    id: 'alert-42',
    title: 'High error rate on checkout',
    severity: 'critical',
    status: 'firing',
    summary: 'errors_per_second is 12.5, expected 0.4 (band 0–1.1) for 5 minutes.',
    labels: { service: 'checkout', alertname: 'HighErrorRate', source_id: 'checkout-1' },
    annotations: { runbook: 'https://runbooks.example/checkout' },
    startsAt: '2026-11-22T01:00:00.000Z',
    url: 'http://127.0.0.1:8080/alerts/alert-42',
    dedupKey: 'fp-9f2c1a',
    ...overrides,
  };
}

const ABORT_BOUND_MS = 2_000;

export function describeNotifierContract(name: string, open: () => Promise<NotifierHarness>): void {
  describe(`${name} satisfies Notifier`, () => {
    let harness: NotifierHarness | undefined;
    const start = async (): Promise<NotifierHarness> => {
      harness = await open();
      return harness;
    };
    afterEach(async () => {
      await harness?.notifier.close();
      await harness?.close();
      harness = undefined;
    });

    it.each(NOTIFICATION_KINDS)('delivers a %s event in one attempt', async (kind) => {
      const h = await start();
      const n = sampleNotification({ kind, status: kind, id: `id-${kind}` });
      const result = await h.notifier.send(n);
      expect(h.problems()).toEqual([]);
      expect(result).toMatchObject({ ok: true, attempts: 1 });
      expect(h.accepted()).toHaveLength(1);
      const text = h.accepted()[0] ?? '';
      expect(text.includes(n.id) || text.includes(n.dedupKey)).toBe(true);
    });

    it('reports a transient refusal as a retryable failure, and recovers', async () => {
      const h = await start();
      h.behave('fail');
      const failedResult = await h.notifier.send(sampleNotification());
      expect(failedResult).toMatchObject({ ok: false, retryable: true, attempts: 1 });
      expect(failedResult.status).toBeGreaterThanOrEqual(400);
      expect(failedResult.error).toBeTruthy();
      h.behave('accept');
      expect((await h.notifier.send(sampleNotification())).ok).toBe(true);
      expect(h.accepted()).toHaveLength(1);
    });

    it('reports a permanent refusal as not retryable', async () => {
      const h = await start();
      h.behave('reject');
      const result = await h.notifier.send(sampleNotification());
      expect(result).toMatchObject({ ok: false, retryable: false, attempts: 1 });
      expect(result.error).toBeTruthy();
    });

    it('settles promptly with ok=false when the signal aborts a hanging receiver', async () => {
      const h = await start();
      h.behave('hang');
      const t0 = performance.now();
      const result: DeliveryResult = await h.notifier.send(sampleNotification(), {
        signal: AbortSignal.timeout(150),
      });
      expect(performance.now() - t0).toBeLessThan(ABORT_BOUND_MS);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(result.error).toMatch(/abort|timeout/i);
    });

    it('reports an unreachable receiver as a retryable failure without throwing', async () => {
      const h = await start();
      const dead = await h.unreachable();
      try {
        const result = await dead.send(sampleNotification());
        expect(result).toMatchObject({ ok: false, retryable: true, attempts: 1 });
        expect(result.error).toBeTruthy();
      } finally {
        await dead.close();
      }
    });

    it('keeps oversized and markup-laden text within the receiver limits', async () => {
      const h = await start();
      const n = sampleNotification({
        title: `<b>&lt;${'T'.repeat(5_000)}🔥`,
        summary: `<script>alert(1)</script> & ${'S'.repeat(20_000)}`,
        labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `<v${i}>`])),
      });
      const result = await h.notifier.send(n);
      expect(h.problems()).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it('closes idempotently', async () => {
      const h = await start();
      await h.notifier.close();
      await h.notifier.close();
    });
  });
}
