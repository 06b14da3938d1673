import { describe, expect, it } from 'vitest';
import {
  alignSeries,
  assignColors,
  type InputSeries,
  labelsKey,
  lastValue,
  medianSpacingMs,
  PALETTE,
  ratioSeries,
  seriesName,
  seriesStats,
} from './align.ts';

const S = 1_000;
const opts = { stepMs: 10 * S, gapFactor: 3 };

describe('alignSeries', () => {
  it('unions timestamps; alignment holes are undefined (spanned)', () => {
    const got = alignSeries(
      [
        { labels: { service: 'b' }, points: [[10 * S, 5]] },
        {
          labels: { service: 'a' },
          points: [
            [0, 1],
            [10 * S, 2],
          ],
        },
      ],
      opts,
    );
    expect(got.xs).toEqual([0, 10 * S]);
    // Sorted by key: a before b, whatever order the server used.
    expect(got.keys).toEqual(['service="a"', 'service="b"']);
    expect(got.ys).toEqual([
      [1, 2],
      [undefined, 5],
    ]);
  });

  it('breaks the line (null) across a quiet stretch, even in a lone series', () => {
    const got = alignSeries(
      [
        {
          labels: {},
          points: [
            [0, 1],
            [10 * S, 1],
            [20 * S, 1],
            [100 * S, 2],
            [110 * S, 2],
          ],
        },
      ],
      opts,
    );
    expect(got.xs).toEqual([0, 10 * S, 20 * S, 30 * S, 100 * S, 110 * S]);
    expect(got.ys[0]).toEqual([1, 1, 1, null, 2, 2]);
  });

  it('nulls every slot of a gap so uPlot clips all of it', () => {
    const got = alignSeries(
      [
        {
          labels: { s: 'steady' },
          points: Array.from({ length: 11 }, (_, i) => [i * 10 * S, i] as [number, number]),
        },
        {
          labels: { s: 'silent' },
          points: [
            [0, 1],
            [10 * S, 1],
            [100 * S, 1],
          ],
        },
      ],
      opts,
    );
    expect(got.keys[0]).toBe('s="silent"');
    expect(got.ys[0]).toEqual([1, 1, null, null, null, null, null, null, null, null, 1]);
  });

  it('judges gaps against the data interval when samples are sparser than the step', () => {
    // 10 s samples charted at 2 s steps are not gaps.
    const points: [number, number][] = Array.from({ length: 6 }, (_, i) => [i * 10 * S, i]);
    const got = alignSeries([{ labels: {}, points }], { stepMs: 2 * S, gapFactor: 3 });
    expect(got.ys[0]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('turns non-finite values into gaps', () => {
    const got = alignSeries([{ labels: {}, points: [[0, Number.NaN]] }], opts);
    expect(got.ys[0]).toEqual([null]);
  });

  it('handles no series and empty series', () => {
    expect(alignSeries([], opts)).toEqual({ xs: [], ys: [], keys: [], labels: [] });
    const got = alignSeries([{ labels: { a: '1' }, points: [] }], opts);
    expect(got.ys).toEqual([[]]);
  });

  it('gives equal-length columns for random input', () => {
    const series: InputSeries[] = [];
    for (let k = 0; k < 5; k++) {
      const points: [number, number][] = [];
      for (let t = 0; t < 200; t += 1 + ((k * 7 + t) % 13)) points.push([t * S, t]);
      series.push({ labels: { k: String(k) }, points });
    }
    const got = alignSeries(series, opts);
    for (const col of got.ys) expect(col).toHaveLength(got.xs.length);
    for (let i = 1; i < got.xs.length; i++) {
      expect(got.xs[i] as number).toBeGreaterThan(got.xs[i - 1] as number);
    }
  });
});

describe('series helpers', () => {
  it.each([
    { labels: {}, want: 'total' },
    { labels: { service: 'checkout' }, want: 'checkout' },
    { labels: { source_id: 'c-1', service: 'checkout' }, want: 'service=checkout, source_id=c-1' },
  ])('seriesName($labels)', ({ labels, want }) => expect(seriesName(labels, 'total')).toBe(want));

  it('labelsKey ignores label order', () =>
    expect(labelsKey({ b: '2', a: '1' })).toBe(labelsKey({ a: '1', b: '2' })));

  it.each([
    { col: [1, 2, undefined, null], want: 2 },
    { col: [null, undefined], want: undefined },
    { col: [], want: undefined },
  ])('lastValue($col)', ({ col, want }) => expect(lastValue(col)).toBe(want));

  it.each([
    { ts: [], want: 0 },
    { ts: [5], want: 0 },
    { ts: [0, 10, 20, 100], want: 10 },
  ])('medianSpacingMs($ts)', ({ ts, want }) =>
    expect(medianSpacingMs(ts.map((t) => [t, 0] as [number, number]))).toBe(want),
  );

  it('colours are distinct while the palette lasts and stable per key', () => {
    const keys = Array.from({ length: PALETTE.length }, (_, i) => `service="s${i}"`);
    const colors = assignColors(keys);
    expect(new Set(colors).size).toBe(PALETTE.length);
    expect(assignColors(keys)).toEqual(colors);
  });
});

describe('ratioSeries', () => {
  it('divides matching buckets of matching series and skips zero or missing denominators', () => {
    const num: InputSeries[] = [
      {
        labels: { service: 'a' },
        points: [
          [0, 1],
          [10, 2],
          [20, 3],
        ],
      },
      { labels: { service: 'orphan' }, points: [[0, 1]] },
    ];
    const den: InputSeries[] = [
      {
        labels: { service: 'a' },
        points: [
          [0, 50],
          [10, 0],
        ],
      },
    ];
    expect(ratioSeries(num, den, 100)).toEqual([{ labels: { service: 'a' }, points: [[0, 2]] }]);
  });
});

describe('seriesStats', () => {
  it.each([
    {
      name: 'values out of order',
      points: [
        [20, 3],
        [0, 1],
        [10, 5],
      ] as [number, number][],
      want: { last: 3, min: 1, max: 5, mean: 3, points: 3 },
    },
    {
      name: 'non-finite values skipped',
      points: [
        [0, Number.NaN],
        [10, 2],
      ] as [number, number][],
      want: { last: 2, min: 2, max: 2, mean: 2, points: 1 },
    },
    {
      name: 'empty',
      points: [] as [number, number][],
      want: { last: undefined, min: undefined, max: undefined, mean: undefined, points: 0 },
    },
  ])('$name', ({ points, want }) => expect(seriesStats(points)).toEqual(want));
});
