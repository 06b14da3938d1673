import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketSums, sumBuckets } from './slo.ts';
import { SliBucketSeries } from './slo-buckets.ts';

describe('SliBucketSeries', () => {
  it('upserts in order, replaces a bucket, prunes and round-trips through JSON', () => {
    const s = new SliBucketSeries(3 * 60_000);
    s.upsert({ startMs: 60_000, good: 9, total: 10 });
    s.upsert({ startMs: 180_000, good: 5, total: 5 });
    s.upsert({ startMs: 120_000, good: 1, total: 1 });
    s.upsert({ startMs: 180_000, good: 7, total: 8 });
    expect(s.buckets()).toEqual([
      { startMs: 60_000, good: 9, total: 10 },
      { startMs: 120_000, good: 1, total: 1 },
      { startMs: 180_000, good: 7, total: 8 },
    ]);
    s.prune(300_000);
    expect(s.buckets().map((b) => b.startMs)).toEqual([120_000, 180_000]);
    expect(SliBucketSeries.fromJSON(JSON.parse(JSON.stringify(s))).buckets()).toEqual(s.buckets());
    expect(() => new SliBucketSeries(0)).toThrow(RangeError);
  });
});

describe('BucketSums', () => {
  it('agrees with a plain scan for any buckets and window (property)', () => {
    const bucket = fc.record({
      startMs: fc.integer({ min: 0, max: 100 }).map((m) => m * 1000),
      good: fc.integer({ min: 0, max: 50 }),
      extraBad: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(
        fc.array(bucket, { maxLength: 60 }),
        fc.integer({ min: -10_000, max: 110_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        (raw, fromMs, lengthMs) => {
          const buckets = raw.map((b) => ({
            startMs: b.startMs,
            good: b.good,
            total: b.good + b.extraBad,
          }));
          expect(new BucketSums(buckets).sum(fromMs, fromMs + lengthMs)).toEqual(
            sumBuckets(buckets, fromMs, fromMs + lengthMs),
          );
        },
      ),
    );
  });
});
