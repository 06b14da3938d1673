import { expect, it } from 'vitest';
import { IngestRateMeter } from './ingest-meter.ts';

it.each([
  { name: 'nothing recorded', events: [], nowMs: 100_000, want: 0 },
  {
    name: 'one minute at 10/s',
    events: [...Array(60).keys()].map((s) => [s * 1000, 10]),
    nowMs: 60_000,
    want: 10,
  },
  { name: 'the current second is not counted', events: [[60_500, 600]], nowMs: 60_900, want: 0 },
  { name: 'older than a minute is dropped', events: [[0, 600]], nowMs: 61_000, want: 0 },
  { name: 'exactly a minute old still counts', events: [[1_000, 600]], nowMs: 61_000, want: 10 },
] as const)('$name', ({ events, nowMs, want }) => {
  const m = new IngestRateMeter();
  for (const [t, n] of events) m.record(t, n);
  expect(m.ratePerSecond(nowMs)).toBeCloseTo(want, 9);
});
