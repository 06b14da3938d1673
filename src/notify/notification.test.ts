import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNotification, severityRank, truncate } from './notification.ts';
import { sampleNotification } from './notifier.contract.ts';

describe('notification', () => {
  it('a sample notification is valid', () => {
    expect(checkNotification(sampleNotification())).toEqual([]);
  });

  it.each([
    { name: 'unknown kind', patch: { kind: 'exploded' }, field: 'kind' },
    { name: 'unknown severity', patch: { severity: 'warning' }, field: 'severity' },
    { name: 'non-ISO startsAt', patch: { startsAt: '22/11/2026' }, field: 'startsAt' },
    { name: 'empty dedup key', patch: { dedupKey: '' }, field: 'dedupKey' },
    { name: 'numeric label value', patch: { labels: { a: 1 } }, field: 'labels.a' },
    { name: 'extra key', patch: { extra: true }, field: 'extra' },
  ])('rejects $name, naming $field', ({ patch, field }) => {
    const items = checkNotification({ ...sampleNotification(), ...patch });
    expect(items.map((i) => i.field)).toContain(field);
  });

  it('ranks severities critical > high > medium > low > info', () => {
    const ranks = (['critical', 'high', 'medium', 'low', 'info'] as const).map(severityRank);
    expect(ranks).toEqual([4, 3, 2, 1, 0]);
  });

  it('truncate keeps short text, cuts long text to maxChars with an ellipsis, never splits a pair', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 2, max: 200 }),
        (s, max) => {
          const t = truncate(s, max);
          if (s.length <= max) expect(t).toBe(s);
          else {
            expect(t.length).toBeLessThanOrEqual(max);
            expect(t.endsWith('…')).toBe(true);
            expect(s.startsWith(t.slice(0, -1))).toBe(true);
            expect(() => encodeURIComponent(t)).not.toThrow();
          }
        },
      ),
    );
  });
});
