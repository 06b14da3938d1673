import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseStepMs,
  formatDurationMs,
  NICE_STEPS_MS,
  parseDurationMs,
  parseInstantMs,
  parseLocalInput,
  rangeFromParams,
  rangeToParams,
  type TimeRange,
  toLocalInput,
} from './range.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('parseDurationMs', () => {
  it.each([
    { text: '15m', want: 15 * MIN },
    { text: '1h30m', want: 90 * MIN },
    { text: '90s', want: 90_000 },
    { text: '2d', want: 48 * HOUR },
    { text: '250ms', want: 250 },
    { text: '5000', want: 5_000 },
    { text: ' 1h ', want: HOUR },
    { text: '', want: undefined },
    { text: '0s', want: undefined },
    { text: '0', want: undefined },
    { text: '15', want: 15 },
    { text: '1x', want: undefined },
    { text: '1h junk', want: undefined },
    { text: '-5m', want: undefined },
  ])('$text -> $want', ({ text, want }) => expect(parseDurationMs(text)).toBe(want));

  it('round-trips with formatDurationMs', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 24 * HOUR }), (ms) => {
        expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
      }),
    ));
});

describe('chooseStepMs', () => {
  it.each([
    { window: '15m', step: '2s' },
    { window: '1h', step: '10s' },
    { window: '6h', step: '1m' },
    { window: '24h', step: '3m' },
    { window: '7d', step: '20m' },
  ])('$window -> $step', ({ window, step }) =>
    expect(formatDurationMs(chooseStepMs(parseDurationMs(window) as number))).toBe(step),
  );

  it('keeps windows from 10 minutes to 30 days at 300–600 points per series', () =>
    fc.assert(
      fc.property(fc.integer({ min: 10 * MIN, max: 30 * 24 * HOUR }), (windowMs) => {
        const points = windowMs / chooseStepMs(windowMs);
        expect(points).toBeLessThanOrEqual(600);
        expect(points).toBeGreaterThanOrEqual(300);
      }),
    ));

  it('never goes below the sampling interval', () =>
    expect(chooseStepMs(MIN, { maxPoints: 600, minStepMs: 10_000 })).toBe(10_000));

  it('uses whole days beyond the ladder', () =>
    expect(chooseStepMs(3_000 * 24 * HOUR) % (24 * HOUR)).toBe(0));

  it('offers only ascending steps', () =>
    expect([...NICE_STEPS_MS].sort((a, b) => a - b)).toEqual(NICE_STEPS_MS));
});

describe('range in the URL', () => {
  const cases: { name: string; range: TimeRange; query: string }[] = [
    { name: 'relative', range: { kind: 'relative', windowMs: HOUR }, query: 'range=1h' },
    {
      name: 'absolute',
      range: { kind: 'absolute', fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 2) },
      query: 'from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z',
    },
  ];
  it.each(cases)('$name encodes and decodes', ({ range, query }) => {
    const p = new URLSearchParams();
    rangeToParams(range, p);
    expect(p.toString()).toBe(query);
    expect(rangeFromParams(new URLSearchParams(query))).toEqual(range);
  });

  it.each([
    { windowMs: 24 * HOUR, want: 'range=24h' },
    { windowMs: 2 * HOUR, want: 'range=2h' },
    { windowMs: 48 * HOUR, want: 'range=2d' },
  ])('names the window $want', ({ windowMs, want }) => {
    const p = new URLSearchParams();
    rangeToParams({ kind: 'relative', windowMs }, p);
    expect(p.toString()).toBe(want);
  });

  it.each([
    { name: 'nothing', query: '' },
    { name: 'bad window', query: 'range=soon' },
    { name: 'to before from', query: 'from=2000&to=1000' },
    { name: 'half an interval', query: 'from=1000' },
  ])('falls back on $name', ({ query }) =>
    expect(rangeFromParams(new URLSearchParams(query))).toEqual({
      kind: 'relative',
      windowMs: 15 * MIN,
    }),
  );

  it('accepts epoch milliseconds', () =>
    expect(rangeFromParams(new URLSearchParams('from=1000&to=2000'))).toEqual({
      kind: 'absolute',
      fromMs: 1000,
      toMs: 2000,
    }));

  it.each([
    { text: null, want: undefined },
    { text: '', want: undefined },
    { text: '1767225600000', want: 1767225600000 },
    { text: '2026-01-01T00:00:00Z', want: 1767225600000 },
    { text: 'yesterday', want: undefined },
  ])('parseInstantMs($text)', ({ text, want }) => expect(parseInstantMs(text)).toBe(want));
});

describe('datetime-local inputs', () => {
  it('round-trip at minute precision in local time', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (minutes) => {
        const ms = minutes * MIN;
        expect(parseLocalInput(toLocalInput(ms))).toBe(ms);
      }),
    ));

  it('rejects malformed text', () => expect(parseLocalInput('2026-01-01 10:00')).toBeUndefined());
});
