/**
 * @module
 * The generic webhook: the notification as JSON, POSTed and signed with HMAC-SHA256.
 *
 * Headers (docs/notifications.md shows how a receiver verifies them):
 * - `X-Opsight-Timestamp: <unix seconds>` — when this attempt was signed;
 * - `X-Opsight-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`;
 * - `X-Opsight-Event: <kind>` and `X-Opsight-Delivery: <id>/<kind>` (same on every retry, so a
 *   receiver can drop duplicates).
 * Signing the timestamp with the body lets a receiver reject replays older than a tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../contract/index.ts';
import { type FetchFn, postJson } from './http-post.ts';
import type { Notification } from './notification.ts';
import type { DeliveryResult, Notifier, SendOptions } from './notifier.ts';

export const SIGNATURE_HEADER = 'x-opsight-signature';
export const TIMESTAMP_HEADER = 'x-opsight-timestamp';
export const EVENT_HEADER = 'x-opsight-event';
export const DELIVERY_HEADER = 'x-opsight-delivery';
/** Version of the webhook body; bumped on incompatible changes. */
export const WEBHOOK_BODY_VERSION = 1;

export interface WebhookBody {
  readonly version: typeof WEBHOOK_BODY_VERSION;
  readonly notification: Notification;
}

export interface WebhookNotifierOptions {
  readonly name: string;
  readonly url: string;
  /** HMAC key. */
  readonly secret: string;
  /** Extra headers, e.g. an Authorization the receiver wants. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly fetch?: FetchFn;
}

/** `sha256=<hex>` over `${timestampS}.${body}`. */
export function signWebhook(secret: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

export interface VerifyWebhookInput {
  readonly secret: string;
  /** Raw `X-Opsight-Timestamp` header. */
  readonly timestamp: string | undefined;
  /** Raw `X-Opsight-Signature` header. */
  readonly signature: string | undefined;
  /** The raw request body, byte for byte as received (not re-serialised JSON). */
  readonly body: string;
  readonly nowMs: number;
  /** Largest accepted |now − timestamp|; 5 minutes by default. */
  readonly toleranceMs?: number;
}

export type VerifyWebhookResult = { readonly ok: true } | { readonly ok: false; reason: string };

/** What a receiver does: recompute the MAC, compare in constant time, and check freshness. */
export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  const { timestamp, signature } = input;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'missing or malformed timestamp' };
  }
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, reason: 'missing or malformed signature' };
  }
  const toleranceMs = input.toleranceMs ?? 5 * 60_000;
  if (Math.abs(input.nowMs - Number(timestamp) * 1000) > toleranceMs) {
    return { ok: false, reason: 'timestamp outside tolerance (replay?)' };
  }
  const want = Buffer.from(signWebhook(input.secret, Number(timestamp), input.body));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}

export class WebhookNotifier implements Notifier {
  readonly kind = 'webhook' as const;
  readonly name: string;
  readonly #options: WebhookNotifierOptions;

  constructor(options: WebhookNotifierOptions) {
    this.name = options.name;
    this.#options = options;
  }

  async send(notification: Notification, options: SendOptions = {}): Promise<DeliveryResult> {
    const body: WebhookBody = { version: WEBHOOK_BODY_VERSION, notification };
    const text = JSON.stringify(body);
    const timestampS = Math.floor(this.#options.clock.nowMs() / 1000);
    return postJson({
      url: this.#options.url,
      body: text,
      headers: {
        ...this.#options.headers,
        'user-agent': 'opsight-notify/1',
        [TIMESTAMP_HEADER]: String(timestampS),
        [SIGNATURE_HEADER]: signWebhook(this.#options.secret, timestampS, text),
        [EVENT_HEADER]: notification.kind,
        [DELIVERY_HEADER]: `${notification.id}/${notification.kind}`,
      },
      signal: options.signal,
      fetch: this.#options.fetch,
    });
  }

  async close(): Promise<void> {
    // fetch pools connections globally; nothing to release per notifier.
  }
}
