/**
 * Properties over arbitrary notifications: every channel's payload passes the same checks the
 * receivers apply (Slack Block Kit limits, PagerDuty v2 fields and enums, a one-line subject).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkNotification,
  emailMessage,
  NOTIFICATION_KINDS,
  NOTIFICATION_SEVERITIES,
  type Notification,
  pagerDutyEvent,
  slackPayload,
} from '../../src/notify/index.ts';
import { pagerDutyValidator, slackValidator } from './notify-receivers.ts';

const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const isoArb = fc
  .integer({ min: 0, max: 4_102_444_800_000 })
  .map((ms) => new Date(ms).toISOString());

const notificationArb: fc.Arbitrary<Notification> = fc.record(
  {
    kind: fc.constantFrom(...NOTIFICATION_KINDS),
    id: text(300).filter((s) => s.length > 0),
    title: text(3_000).filter((s) => s.length > 0),
    severity: fc.constantFrom(...NOTIFICATION_SEVERITIES),
    status: text(400),
    summary: text(5_000),
    labels: fc.dictionary(text(40), text(200), { maxKeys: 30 }),
    annotations: fc.dictionary(text(40), text(400), { maxKeys: 10 }),
    startsAt: isoArb,
    endsAt: isoArb,
    url: fc.webUrl(),
    dedupKey: text(255).filter((s) => s.length > 0),
  },
  {
    requiredKeys: [
      'kind',
      'id',
      'title',
      'severity',
      'status',
      'summary',
      'labels',
      'annotations',
      'startsAt',
      'dedupKey',
    ],
  },
);

describe('channel payloads for arbitrary notifications', () => {
  it('the arbitrary notifications are valid notifications', () => {
    fc.assert(
      fc.property(notificationArb, (n) => {
        expect(checkNotification(n)).toEqual([]);
      }),
      {
        numRuns: 50,
      },
    );
  });

  it('Slack payloads stay within Block Kit limits', () => {
    fc.assert(
      fc.property(notificationArb, (n) => {
        expect(slackValidator({ headers: {}, body: JSON.stringify(slackPayload(n)) })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('PagerDuty events satisfy the Events API v2 fields and enums', () => {
    fc.assert(
      fc.property(notificationArb, (n) => {
        const event = pagerDutyEvent(n, {
          routingKey: 'R0123456789abcdef0123456789ABCDE',
          source: 'opsight',
        });
        expect(pagerDutyValidator({ headers: {}, body: JSON.stringify(event) })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('email subjects are one line and carry severity and kind', () => {
    fc.assert(
      fc.property(notificationArb, (n) => {
        const { subject } = emailMessage(n);
        expect(subject).not.toMatch(/[\r\n]/);
        expect(subject.startsWith(`[${n.severity}] ${n.kind.toUpperCase()}: `)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
