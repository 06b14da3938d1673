import { describe, expect, it } from 'vitest';
import type { Aggregation } from '../contract/index.ts';
import { emptySlots, rawSlots } from './rollup.ts';
import { lookbackStartMs, RangeAggregator, slotNeeds } from './rollup-aggregate.ts';

function run(
  agg: Aggregation,
  ts: number[],
  vals: number[],
  fromMs: number,
  toMs: number,
  stepMs: number,
) {
  const spec = { fromMs, toMs, stepMs, agg };
  const slots = emptySlots();
  const start = lookbackStartMs(spec);
  // Engines hand over samples in [lookback start, toMs] only.
  const i0 = ts.findIndex((t) => t >= start);
  const end = ts.findIndex((t) => t > toMs);
  const i1 = end < 0 ? ts.length : end;
  rawSlots(slots, ts, vals, i0 < 0 ? ts.length : i0, i1, stepMs, fromMs, slotNeeds(agg));
  const a = new RangeAggregator(spec);
  a.add(0, slots);
  return a.take(0);
}

describe('RangeAggregator over raw slots', () => {
  const ts = [0, 10, 20, 30, 40, 50, 60, 70];
  const counter = [5, 7, 9, 2, 4, 4, 10, 11]; // reset between 20 and 30

  it.each<[Aggregation, Array<[number, number]>]>([
    [
      'count',
      [
        [0, 2],
        [20, 2],
        [40, 2],
        [60, 2],
      ],
    ],
    [
      'sum',
      [
        [0, 12],
        [20, 11],
        [40, 8],
        [60, 21],
      ],
    ],
    [
      'avg',
      [
        [0, 6],
        [20, 5.5],
        [40, 4],
        [60, 10.5],
      ],
    ],
    [
      'min',
      [
        [0, 5],
        [20, 2],
        [40, 4],
        [60, 10],
      ],
    ],
    [
      'max',
      [
        [0, 7],
        [20, 9],
        [40, 4],
        [60, 11],
      ],
    ],
    [
      'p50',
      [
        [0, 6],
        [20, 5.5],
        [40, 4],
        [60, 10.5],
      ],
    ],
  ])('%s buckets aligned to the step', (agg, want) => {
    expect(run(agg, ts, counter, 0, 79, 20)).toEqual(want);
  });

  it('rate handles a counter reset and looks back one step for the first pair', () => {
    // Buckets of 20 ms from 20: increases 2 (7->9) + 2 (reset: 9->2 counts 2) | 2 + 0 | 6 + 1.
    const got = run('rate', ts, counter, 20, 79, 20);
    expect(got).toEqual([
      [20, (2 + 2) / 0.02],
      [40, (2 + 0) / 0.02],
      [60, (6 + 1) / 0.02],
    ]);
  });

  it('omits empty buckets and ignores samples outside [from, to]', () => {
    expect(run('count', [0, 100, 105], [1, 1, 1], 1, 104, 20)).toEqual([[100, 1]]);
  });
});
