import { describe, expect, it } from 'vitest';
import { createRng, VirtualClock } from '../contract/index.ts';
import { InMemoryDeliveryLog } from './delivery-log.ts';
import { channel, Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import type { Notification } from './notification.ts';
import { sampleNotification } from './notifier.contract.ts';
import type { DeliveryResult, Notifier, SendOptions } from './notifier.ts';
import type { Sleep } from './retry.ts';

const ok: DeliveryResult = { ok: true, status: 200, attempts: 1, retryable: false };
const transient: DeliveryResult = {
  ok: false,
  status: 503,
  error: 'HTTP 503',
  attempts: 1,
  retryable: true,
};

/** A fake channel whose every send runs `behaviour`; it records what it was sent. */
class FakeNotifier implements Notifier {
  readonly kind = 'webhook' as const;
  readonly sent: Notification[] = [];
  closed = 0;
  constructor(
    readonly name: string,
    private readonly behaviour: (
      n: Notification,
      o: SendOptions,
      call: number,
    ) => Promise<DeliveryResult>,
  ) {}
  send(n: Notification, o: SendOptions = {}): Promise<DeliveryResult> {
    this.sent.push(n);
    return this.behaviour(n, o, this.sent.length);
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

const instantSleep: Sleep = async () => {};
const options = (over: Partial<DispatcherOptions> = {}): DispatcherOptions => ({
  retry: { maxAttempts: 3, initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, jitterRatio: 0 },
  attemptTimeoutMs: 1_000,
  ...over,
});

function make(notifiers: Notifier[], over: Partial<DispatcherOptions> = {}, sleep = instantSleep) {
  const log = new InMemoryDeliveryLog();
  const d = new Dispatcher(
    notifiers.map((n) => channel(n)),
    { log, clock: new VirtualClock(0), rng: createRng(1), sleep },
    options(over),
  );
  return { d, log };
}

describe('Dispatcher', () => {
  it('retries transient failures, then succeeds; waits follow the policy', async () => {
    const waits: number[] = [];
    const n = new FakeNotifier('a', async (_n, _o, call) => (call < 3 ? transient : ok));
    const { d, log } = make([n], {}, async (ms) => {
      waits.push(ms);
    });
    const report = await d.dispatch(sampleNotification());
    expect(report.results[0]).toMatchObject({ ok: true, attempts: 3, channel: 'a' });
    expect(waits).toEqual([10, 20]);
    expect(log.snapshot().map((e) => [e.attempt, e.outcome, e.retryInMs])).toEqual([
      [1, 'failed', 10],
      [2, 'failed', 20],
      [3, 'delivered', undefined],
    ]);
  });

  it('bounds a notifier that ignores its signal by the attempt timeout', async () => {
    const stuck = new FakeNotifier('stuck', () => new Promise<DeliveryResult>(() => {}));
    const fine = new FakeNotifier('fine', async () => ok);
    const { d, log } = make([stuck, fine], { attemptTimeoutMs: 50 });
    const report = await d.dispatch(sampleNotification());
    expect(report.results.map((r) => [r.channel, r.ok, r.attempts])).toEqual([
      ['stuck', false, 3],
      ['fine', true, 1],
    ]);
    expect(
      log
        .snapshot()
        .filter((e) => e.channel === 'stuck')
        .map((e) => e.outcome),
    ).toEqual(['timeout', 'timeout', 'timeout']);
    await d.close();
  });

  it('passes an aborting signal to the notifier', async () => {
    let seen: AbortSignal | undefined;
    const n = new FakeNotifier('a', (_n, o) => {
      seen = o.signal;
      return new Promise((resolve) =>
        o.signal?.addEventListener('abort', () => resolve({ ...transient, error: 'aborted' })),
      );
    });
    const { d } = make([n], {
      attemptTimeoutMs: 20,
      retry: { ...options().retry, maxAttempts: 1 },
    });
    await d.dispatch(sampleNotification());
    expect(seen?.aborted).toBe(true);
  });

  it('a notifier that throws fails that channel without retry, others unaffected', async () => {
    const bad = new FakeNotifier('bad', async () => {
      throw new Error('bug');
    });
    const good = new FakeNotifier('good', async () => ok);
    const { d } = make([bad, good]);
    const report = await d.dispatch(sampleNotification());
    expect(report.results[0]).toMatchObject({
      ok: false,
      attempts: 1,
      retryable: false,
      error: 'notifier threw: bug',
    });
    expect(report.results[1]).toMatchObject({ ok: true });
  });

  it('a slow channel does not delay the record of a fast one', async () => {
    let release: (r: DeliveryResult) => void = () => {};
    const slow = new FakeNotifier('slow', () => new Promise((resolve) => (release = resolve)));
    const fast = new FakeNotifier('fast', async () => ok);
    const { d, log } = make([slow, fast]);
    const pending = d.dispatch(sampleNotification());
    // Let the fast delivery settle without releasing the slow one.
    for (let i = 0; i < 100 && log.snapshot().length === 0; i++) await Promise.resolve();
    expect(log.snapshot().map((e) => e.channel)).toEqual(['fast']);
    release(ok);
    expect((await pending).results.map((r) => r.ok)).toEqual([true, true]);
  });

  it('routes by minimum severity and kind', async () => {
    const all = new FakeNotifier('all', async () => ok);
    const pager = new FakeNotifier('pager', async () => ok);
    const resolvedOnly = new FakeNotifier('resolved-only', async () => ok);
    const d = new Dispatcher(
      [
        channel(all),
        channel(pager, { minSeverity: 'high' }),
        channel(resolvedOnly, { kinds: ['resolved'] }),
      ],
      {
        log: new InMemoryDeliveryLog(),
        clock: new VirtualClock(0),
        rng: createRng(1),
        sleep: instantSleep,
      },
      options(),
    );
    await d.dispatch(sampleNotification({ severity: 'medium' }));
    await d.dispatch(sampleNotification({ severity: 'high', kind: 'resolved' }));
    expect([all.sent.length, pager.sent.length, resolvedOnly.sent.length]).toEqual([2, 1, 1]);
  });

  it('keeps delivering when the delivery log fails, and says so', async () => {
    const warnings: string[] = [];
    const d = new Dispatcher(
      [channel(new FakeNotifier('a', async () => ok))],
      {
        log: {
          record: async () => {
            throw new Error('disk full');
          },
          list: async () => [],
        },
        clock: new VirtualClock(0),
        rng: createRng(1),
        logger: { warn: (_o, msg) => warnings.push(msg) },
      },
      options(),
    );
    expect((await d.dispatch(sampleNotification())).results[0]?.ok).toBe(true);
    expect(warnings).toEqual(['delivery log write failed']);
  });

  it('close() cuts a long backoff short, waits for dispatches and closes notifiers', async () => {
    const n = new FakeNotifier('a', async () => transient);
    const log = new InMemoryDeliveryLog();
    // The real sleep: a 60 s backoff that only close() can end.
    const d = new Dispatcher(
      [channel(n)],
      { log, clock: new VirtualClock(0), rng: createRng(1) },
      options({
        retry: {
          maxAttempts: 5,
          initialDelayMs: 60_000,
          multiplier: 1,
          maxDelayMs: 60_000,
          jitterRatio: 0,
        },
      }),
    );
    const pending = d.dispatch(sampleNotification());
    for (let i = 0; i < 50 && log.snapshot().length === 0; i++) await Promise.resolve();
    expect(log.snapshot()).toHaveLength(1);
    const t0 = performance.now();
    await d.close();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect((await pending).results[0]).toMatchObject({ ok: false, attempts: 1 });
    expect(n.closed).toBe(1);
    const late = await d.dispatch(sampleNotification());
    expect(late.results[0]).toMatchObject({ ok: false, attempts: 0, error: 'dispatcher closed' });
  });

  it('close() aborts an attempt in flight; it is recorded as failed, not as a timeout', async () => {
    const n = new FakeNotifier(
      'a',
      (_n, o) =>
        new Promise((resolve) =>
          o.signal?.addEventListener('abort', () => resolve({ ...transient, error: 'aborted' })),
        ),
    );
    const { d, log } = make([n], { attemptTimeoutMs: 60_000 });
    const pending = d.dispatch(sampleNotification());
    for (let i = 0; i < 100 && n.sent.length === 0; i++) await Promise.resolve();
    await d.close();
    expect((await pending).results[0]).toMatchObject({ ok: false, attempts: 1 });
    expect(log.snapshot().map((e) => [e.outcome, e.final])).toEqual([['failed', true]]);
  });

  it('rejects duplicate channel names', () => {
    const a = new FakeNotifier('same', async () => ok);
    expect(() => make([a, a])).toThrow(/duplicate channel name "same"/);
  });
});
