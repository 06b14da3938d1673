/**
 * @module
 * The dispatcher fans one notification out to every channel whose route accepts it, all at
 * once. Each channel retries on its own with exponential backoff (retry.ts) and a per-attempt
 * timeout, so a dead or slow channel costs the others nothing. Every attempt is recorded in the
 * `DeliveryLog` as it ends, before any retry wait.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock, Rng } from '../contract/index.ts';
import type { DeliveryAttempt, DeliveryLog, DeliveryOutcome } from './delivery-log.ts';
import type { Notification, NotificationKind, NotificationSeverity } from './notification.ts';
import { NOTIFICATION_KINDS, severityRank } from './notification.ts';
import {
  type ChannelKind,
  type DeliveryResult,
  describeError,
  failed,
  type Notifier,
  whenAborted,
} from './notifier.ts';
import { backoffDelayMs, defaultRetryPolicy, type RetryPolicy, type Sleep } from './retry.ts';

/** A notifier plus its route: which notifications it receives. */
export interface Channel {
  readonly notifier: Notifier;
  /** Least severe notification sent to this channel. */
  readonly minSeverity: NotificationSeverity;
  /** Event kinds sent to this channel. */
  readonly kinds: readonly NotificationKind[];
}

export function channel(
  notifier: Notifier,
  route: Partial<Omit<Channel, 'notifier'>> = {},
): Channel {
  return { notifier, minSeverity: 'info', kinds: NOTIFICATION_KINDS, ...route };
}

export interface DispatcherOptions {
  readonly retry: RetryPolicy;
  /** Per attempt; an attempt still running then is aborted and recorded as `timeout`. */
  readonly attemptTimeoutMs: number;
}

export function defaultDispatcherOptions(): DispatcherOptions {
  return { retry: defaultRetryPolicy(), attemptTimeoutMs: 10_000 };
}

/** Structural subset of pino's Logger. */
export interface NotifyLogger {
  warn(obj: object, msg: string): void;
}

export interface DispatcherPorts {
  readonly log: DeliveryLog;
  /** Wall clock for the `at` of each attempt. */
  readonly clock: Clock;
  /** Jitter source; seed it in tests. */
  readonly rng: Rng;
  /** Backoff waits; tests pass one that records and returns at once. */
  readonly sleep?: Sleep;
  /** Monotonic milliseconds for durations; `performance.now` by default. */
  readonly monotonicMs?: () => number;
  readonly logger?: NotifyLogger;
}

export interface ChannelReport extends DeliveryResult {
  readonly channel: string;
  readonly channelKind: ChannelKind;
}

export interface DispatchReport {
  readonly notificationId: string;
  /** One entry per channel the route selected, in channel order. */
  readonly results: readonly ChannelReport[];
}

const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch {
    // Aborted: the caller checks signal.aborted.
  }
};

function timeoutError(ms: number): Error {
  const err = new Error(`timeout after ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

export class Dispatcher {
  readonly #channels: readonly Channel[];
  readonly #ports: DispatcherPorts;
  readonly #options: DispatcherOptions;
  readonly #sleep: Sleep;
  readonly #monotonicMs: () => number;
  readonly #closing = new AbortController();
  readonly #inFlight = new Set<Promise<DispatchReport>>();

  constructor(
    channels: readonly Channel[],
    ports: DispatcherPorts,
    options: DispatcherOptions = defaultDispatcherOptions(),
  ) {
    const names = new Set<string>();
    for (const c of channels) {
      if (names.has(c.notifier.name))
        throw new Error(`duplicate channel name "${c.notifier.name}"`);
      names.add(c.notifier.name);
    }
    if (!(options.retry.maxAttempts >= 1)) throw new RangeError('retry.maxAttempts must be >= 1');
    this.#channels = channels;
    this.#ports = ports;
    this.#options = options;
    this.#sleep = ports.sleep ?? realSleep;
    this.#monotonicMs = ports.monotonicMs ?? (() => performance.now());
  }

  get channels(): readonly Channel[] {
    return this.#channels;
  }

  /** Delivers to every matching channel concurrently; resolves when all have settled. */
  dispatch(notification: Notification): Promise<DispatchReport> {
    const selected = this.#channels.filter(
      (c) =>
        c.kinds.includes(notification.kind) &&
        severityRank(notification.severity) >= severityRank(c.minSeverity),
    );
    const run = Promise.all(selected.map((c) => this.#deliver(c.notifier, notification))).then(
      (results) => ({ notificationId: notification.id, results }),
    );
    this.#inFlight.add(run);
    const forget = (): void => {
      this.#inFlight.delete(run);
    };
    // Both arms, so a rejected run (a bug) is not also an unhandled rejection here.
    run.then(forget, forget);
    return run;
  }

  /** Resolves when every dispatch started so far has settled. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Aborts running attempts and retry waits, waits for them, and closes every notifier. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('dispatcher closed'));
    await this.idle();
    await Promise.allSettled(this.#channels.map((c) => c.notifier.close()));
  }

  async #deliver(notifier: Notifier, n: Notification): Promise<ChannelReport> {
    const { retry } = this.#options;
    const closing = this.#closing.signal;
    let last: DeliveryResult = failed('dispatcher closed', false);
    let attempt = 0;
    while (attempt < retry.maxAttempts && !closing.aborted) {
      attempt += 1;
      const atMs = this.#ports.clock.nowMs();
      const started = this.#monotonicMs();
      const { result, outcome } = await this.#attempt(notifier, n);
      const durationMs = Math.max(0, this.#monotonicMs() - started);
      last = result;
      const more =
        !result.ok && result.retryable && attempt < retry.maxAttempts && !closing.aborted;
      const retryInMs = more
        ? backoffDelayMs(retry, attempt, this.#ports.rng, result.retryAfterMs)
        : undefined;
      await this.#record({
        channel: notifier.name,
        channelKind: notifier.kind,
        notificationId: n.id,
        notificationKind: n.kind,
        dedupKey: n.dedupKey,
        attempt,
        at: new Date(atMs).toISOString(),
        outcome,
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.error === undefined ? {} : { error: result.error }),
        durationMs: Math.round(durationMs * 1000) / 1000,
        final: !more,
        ...(retryInMs === undefined ? {} : { retryInMs }),
      });
      if (retryInMs === undefined) break;
      await this.#sleep(retryInMs, closing);
    }
    return { ...last, attempts: attempt, channel: notifier.name, channelKind: notifier.kind };
  }

  async #attempt(
    notifier: Notifier,
    n: Notification,
  ): Promise<{ result: DeliveryResult; outcome: DeliveryOutcome }> {
    const timeoutMs = this.#options.attemptTimeoutMs;
    // One controller per attempt, aborted by the timeout or by close(). (Not AbortSignal.any:
    // it would hang a listener per attempt on the long-lived close signal.)
    const attempt = new AbortController();
    const handle = setTimeout(() => attempt.abort(timeoutError(timeoutMs)), timeoutMs);
    const closing = this.#closing.signal;
    const onClose = (): void => attempt.abort(closing.reason);
    if (closing.aborted) onClose();
    else closing.addEventListener('abort', onClose, { once: true });
    const { signal } = attempt;
    try {
      // The race bounds the attempt even if a notifier ignores its signal.
      const result = await Promise.race([
        notifier
          .send(n, { signal })
          .catch(
            (err: unknown): DeliveryResult =>
              failed(`notifier threw: ${describeError(err)}`, false),
          ),
        whenAborted(signal).then(() => failed(describeError(undefined, signal), true)),
      ]);
      if (result.ok) return { result, outcome: 'delivered' };
      const timedOut =
        signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
      return { result, outcome: timedOut ? 'timeout' : 'failed' };
    } finally {
      clearTimeout(handle);
      closing.removeEventListener('abort', onClose);
    }
  }

  async #record(attempt: DeliveryAttempt): Promise<void> {
    try {
      await this.#ports.log.record(attempt);
    } catch (err) {
      // A broken log must not stop deliveries; say so and carry on.
      this.#ports.logger?.warn(
        { err, channel: attempt.channel, notificationId: attempt.notificationId },
        'delivery log write failed',
      );
    }
  }
}
