/**
 * @module
 * The `Notifier` role: one implementation per channel kind (webhook, Slack, PagerDuty, email).
 * A notifier makes exactly ONE delivery attempt per `send`; retries, timeouts and the delivery
 * log belong to the dispatcher, so every channel gets the same policy.
 *
 * Contract (checked by notifier.contract.ts for every channel):
 * - `send` never rejects for a failed delivery: refusals, network errors and aborts come back as
 *   `{ok: false, error}`. It rejects only for bugs.
 * - `send` honours `options.signal`: once it aborts, `send` settles promptly with `ok: false`.
 * - `retryable` says whether the same request could succeed later (5xx, 408, 429, network
 *   errors, SMTP 4yz replies) or never will (other 4xx, SMTP 5yz).
 */
import type { Notification } from './notification.ts';

export const CHANNEL_KINDS = ['webhook', 'slack', 'pagerduty', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface SendOptions {
  /** Aborts the attempt (the dispatcher's per-attempt timeout, or shutdown). */
  readonly signal?: AbortSignal;
}

export interface DeliveryResult {
  readonly ok: boolean;
  /** HTTP status, or the SMTP reply code for email. Absent when no answer came. */
  readonly status?: number;
  /** Why it failed, for humans: never contains secrets (URLs with tokens, keys). */
  readonly error?: string;
  /** Attempts made: 1 for a single `send`; the dispatcher reports its total. */
  readonly attempts: number;
  /** Whether trying again could succeed. Meaningless when `ok`. */
  readonly retryable: boolean;
  /** The receiver asked to wait this long before retrying (HTTP Retry-After). */
  readonly retryAfterMs?: number;
}

export interface Notifier {
  readonly kind: ChannelKind;
  /** Unique channel name from the configuration; recorded in the delivery log. */
  readonly name: string;
  send(notification: Notification, options?: SendOptions): Promise<DeliveryResult>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}

/** A failure result for one attempt. */
export function failed(
  error: string,
  retryable: boolean,
  extra: { status?: number; retryAfterMs?: number } = {},
): DeliveryResult {
  return { ok: false, error, attempts: 1, retryable, ...extra };
}

/** Describes an unknown thrown value in one line, with the abort reason when there is one. */
export function describeError(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') return reason.message;
    return `aborted: ${reason instanceof Error ? reason.message : String(reason)}`;
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
  }
  return String(err);
}

/** Settles when `signal` aborts; never settles otherwise. Used to race I/O that ignores signals. */
export function whenAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
