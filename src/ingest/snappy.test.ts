import fc from 'fast-check';
import { compress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { snappyDeclaredLength, uncompressSnappy } from './snappy.ts';

const MAX = 1 << 20;
const hex = (s: string) => new Uint8Array(s.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);

describe('uncompressSnappy', () => {
  it('round-trips snappyjs compression (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          // Repetitive input exercises every copy kind, including overlapping runs.
          fc
            .tuple(
              fc.uint8Array({ minLength: 1, maxLength: 20 }),
              fc.integer({ min: 1, max: 1000 }),
            )
            .map(([unit, n]) => {
              const out = new Uint8Array(unit.length * n);
              for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
              return out;
            }),
        ),
        (bytes) => {
          const packed = compress(bytes);
          expect(snappyDeclaredLength(packed)).toBe(bytes.length);
          const r = uncompressSnappy(packed, MAX);
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.bytes).toEqual(bytes);
        },
      ),
      { seed: 1, numRuns: 300 },
    );
  });

  it.each([
    // Regression: this input sends snappyjs 0.7 into an endless loop (negative literal length).
    { name: 'snappyjs hang input', input: 'fb75fc2c082b9803bd93', reason: /runs past the input/ },
    { name: 'empty', input: '', reason: /malformed length preamble/ },
    { name: 'preamble too long', input: '8080808080800100', reason: /malformed length preamble/ },
    { name: 'copy before any output', input: '0a0500', reason: /copy offset 0 out of range/ },
    { name: 'copy beyond output', input: '0a0061090500', reason: /copy offset 5 out of range/ },
    {
      name: 'short output',
      input: '0a0061',
      reason: /output has 1 bytes but the block declares 10/,
    },
    { name: 'long output', input: '01046161', reason: /output longer than the declared length/ },
    { name: 'truncated literal length', input: '0af0', reason: /truncated literal length/ },
  ])('rejects $name', ({ input, reason }) => {
    const r = uncompressSnappy(hex(input), MAX);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses to allocate more than maxLength', () => {
    const r = uncompressSnappy(hex('8080808004'), MAX);
    expect(r).toEqual({
      ok: false,
      tooLarge: true,
      reason: 'declares 1073741824 uncompressed bytes, more than the limit of 1048576',
    });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(typeof uncompressSnappy(bytes, MAX).ok).toBe('boolean');
      }),
      { seed: 2, numRuns: 3000 },
    );
  });
});
