import { describe, expect, it } from 'vitest';
import { axisNumber, axisTimes, formatClock, formatDay } from './charts/axis.ts';
import { formatAge, formatNumber, formatValue } from './format.ts';

describe('formatNumber', () => {
  it.each([
    { v: 0, want: '0' },
    { v: 1, want: '1' },
    { v: 12.345, want: '12.3' },
    { v: 1234, want: '1.23k' },
    { v: 1_500_000, want: '1.5M' },
    { v: -2500, want: '-2.5k' },
    { v: 0.5, want: '0.5' },
    { v: 0.0001234, want: '1.2e-4' },
    { v: 0.1 + 0.2, want: '0.3' },
    { v: Number.NaN, want: '–' },
  ])('$v -> $want', ({ v, want }) => expect(formatNumber(v)).toBe(want));
});

describe('formatValue', () => {
  it.each([
    { v: 99.951, unit: '%', want: '99.95%' },
    { v: 100, unit: '%', want: '100%' },
    { v: 0.52, unit: '%', want: '0.52%' },
    { v: 182.4, unit: 'ms', want: '182 ms' },
    { v: 1250, unit: 'ms', want: '1.25 s' },
    { v: 1234, unit: 'req/s', want: '1.23k req/s' },
    { v: 3, unit: '', want: '3' },
    { v: null, unit: 'ms', want: '–' },
    { v: undefined, unit: '%', want: '–' },
  ])('$v $unit -> $want', ({ v, unit, want }) => expect(formatValue(v, unit)).toBe(want));
});

describe('axisNumber', () => {
  it.each([
    { v: 1500, unit: 'ms', want: '1.5s' },
    { v: 250, unit: 'ms', want: '250ms' },
    { v: 2500, unit: 'req/s', want: '2.5k' },
    { v: 40, unit: '%', want: '40%' },
  ])('$v $unit -> $want', ({ v, unit, want }) => expect(axisNumber(v, unit)).toBe(want));
});

describe('formatAge', () => {
  const now = 1_000_000_000;
  it.each([
    { thenMs: null, want: 'never' },
    { thenMs: now - 1_000, want: 'just now' },
    { thenMs: now - 42_000, want: '42 s ago' },
    { thenMs: now - 3 * 60_000, want: '3 min ago' },
    { thenMs: now - 5 * 3_600_000, want: '5 h ago' },
    { thenMs: now - 3 * 86_400_000, want: '3 d ago' },
  ])('$thenMs -> $want', ({ thenMs, want }) => expect(formatAge(thenMs, now)).toBe(want));
});

describe('time axis', () => {
  // Built from local calendar fields, so the expectations hold in any time zone.
  const at = (d: number, h: number, m: number, s = 0): number =>
    new Date(2026, 0, d, h, m, s).getTime();

  it('uses a 24-hour clock', () => {
    expect(formatClock(at(1, 21, 5))).toBe('21:05');
    expect(formatClock(at(1, 9, 5, 7), true)).toBe('09:05:07');
  });

  it('puts the day under the first tick and where the day changes', () =>
    expect(axisTimes([at(1, 22, 0), at(1, 23, 0), at(2, 0, 0), at(2, 1, 0)], 3_600_000)).toEqual([
      `22:00\n${formatDay(at(1, 22, 0))}`,
      '23:00',
      `00:00\n${formatDay(at(2, 0, 0))}`,
      '01:00',
    ]));

  it('shows seconds below a minute and days from a day up', () => {
    expect(axisTimes([at(1, 10, 0, 30)], 15_000)[0]?.startsWith('10:00:30\n')).toBe(true);
    expect(axisTimes([at(1, 0, 0), at(2, 0, 0)], 86_400_000)).toEqual([
      formatDay(at(1, 0, 0)),
      formatDay(at(2, 0, 0)),
    ]);
  });
});
