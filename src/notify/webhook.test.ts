import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook.ts';

describe('webhook signature', () => {
  it('matches a known HMAC-SHA256 vector', () => {
    // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'k3y-0123456789abcdef'
    expect(signWebhook('k3y-0123456789abcdef', 1_700_000_000, '{"a":1}')).toBe(
      'sha256=851452b2bbd7144768f4eedd3a1387bcbe82019e09ca36b43a5753fba77023d0',
    );
  });

  it('verifies what it signed, and rejects any change to body, timestamp or secret', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 16, maxLength: 40 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        fc.string({ minLength: 1, maxLength: 3 }),
        (secret, body, ts, extra) => {
          const signature = signWebhook(secret, ts, body);
          const base = { secret, timestamp: String(ts), signature, body, nowMs: ts * 1000 };
          expect(verifyWebhookSignature(base)).toEqual({ ok: true });
          expect(verifyWebhookSignature({ ...base, body: body + extra }).ok).toBe(false);
          expect(verifyWebhookSignature({ ...base, secret: secret + extra }).ok).toBe(false);
          expect(verifyWebhookSignature({ ...base, timestamp: String(ts + 1) }).ok).toBe(false);
        },
      ),
    );
  });
});
