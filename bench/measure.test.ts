import { describe, expect, it } from 'vitest';
import { percentile, summarizeAnswer } from './measure.ts';

describe('percentile (nearest rank)', () => {
  it.each([
    { name: 'empty', sorted: [], p: 50, want: Number.NaN },
    { name: 'one value', sorted: [7], p: 95, want: 7 },
    { name: 'median of 4 is the 2nd', sorted: [1, 2, 3, 4], p: 50, want: 2 },
    {
      name: 'p95 of 20 is the 19th',
      sorted: Array.from({ length: 20 }, (_, i) => i + 1),
      p: 95,
      want: 19,
    },
    { name: 'p100 is the max', sorted: [1, 5, 9], p: 100, want: 9 },
  ])('$name', ({ sorted, p, want }) => expect(percentile(sorted, p)).toBe(want));
});

describe('summarizeAnswer', () => {
  it.each([
    {
      name: 'opsight bare array',
      body: [
        {
          labels: {},
          points: [
            [0, 1],
            [60_000, 3],
          ],
        },
      ],
      want: { seriesCount: 1, pointCount: 2, meanValue: 2 },
    },
    {
      name: 'opsight under data',
      body: {
        data: [
          { labels: { a: '1' }, points: [[0, 4]] },
          { labels: { a: '2' }, points: [] },
        ],
      },
      want: { seriesCount: 2, pointCount: 1, meanValue: 4 },
    },
    {
      name: 'Prometheus matrix with string values',
      body: {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: {},
              values: [
                [1, '2.5'],
                [2, '3.5'],
              ],
            },
          ],
        },
      },
      want: { seriesCount: 1, pointCount: 2, meanValue: 3 },
    },
    {
      name: 'unknown shape',
      body: { nope: true },
      want: { seriesCount: 0, pointCount: 0, meanValue: null },
    },
  ])('$name', ({ body, want }) => expect(summarizeAnswer(body)).toEqual(want));
});
