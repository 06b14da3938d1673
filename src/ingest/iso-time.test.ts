import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysFromCivil, ISO_BAD_DATE, ISO_BAD_SHAPE, parseIsoTimestampMs } from './iso-time.ts';

describe('parseIsoTimestampMs', () => {
  it('agrees with Date.parse on every valid RFC 3339 timestamp (property)', () => {
    const arb = fc.record({
      ms: fc.integer({
        min: Date.parse('0001-01-02T00:00:00Z'),
        max: Date.parse('9999-12-30T00:00:00Z'),
      }),
      offsetMin: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      fraction: fc.constantFrom('', '.5', '.123', '.123456', '.123456789'),
    });
    fc.assert(
      fc.property(arb, ({ ms, offsetMin, fraction }) => {
        // Render the instant in the given offset: local wall time = UTC + offset.
        const wall = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60_000).toISOString();
        if (!/^\d{4}-/.test(wall)) return; // years outside 0000..9999 render as ±YYYYYY
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const zone =
          offsetMin === 0
            ? 'Z'
            : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const text = `${wall.slice(0, 19)}${fraction}${zone}`;
        const r = parseIsoTimestampMs(text);
        expect(r).toEqual({ ok: true, ms: Date.parse(text) });
      }),
      { seed: 5, numRuns: 2000 },
    );
  });

  it.each([
    ['2026-01-01', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00z', ISO_BAD_SHAPE],
    ['2026-01-01 00:00:00Z', ISO_BAD_SHAPE],
    ['2026-13-01T00:00:00Z', ISO_BAD_SHAPE],
    ['2026-01-01T24:00:00Z', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:60Z', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00+24:00', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00.Z', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00.1234567890Z', ISO_BAD_SHAPE],
    ['2026-01-01T00:00:00Z ', ISO_BAD_SHAPE],
    ['+02026-01-01T00:00:00Z', ISO_BAD_SHAPE],
    ['2026-02-29T00:00:00Z', ISO_BAD_DATE],
    ['2026-04-31T00:00:00Z', ISO_BAD_DATE],
  ])('rejects %s', (text, kind) => {
    expect(parseIsoTimestampMs(text)).toEqual({ ok: false, kind });
  });

  it.each([
    [1970, 1, 1, 0],
    [2000, 3, 1, 11_017],
    [1969, 12, 31, -1],
    [0, 1, 1, -719_528],
  ])('daysFromCivil(%i, %i, %i) = %i', (y, m, d, want) => {
    expect(daysFromCivil(y, m, d)).toBe(want);
  });
});
