import { describe, expect, it } from 'vitest';
import { isOpsError } from '../contract/index.ts';
import { anomalyLabels, hashUnit, type ReviewCandidate, ReviewQueue } from './queue.ts';

const T0 = Date.UTC(2026, 3, 1);

function candidate(i: number, stream: ReviewCandidate['stream'] = 'fleet'): ReviewCandidate {
  return {
    stream,
    itemId: `truck-${i % 50}@${T0 + i * 1000}`,
    subject: `truck-${i % 50}`,
    atMs: T0 + i * 1000,
    reason: 'random sample',
    data: { i },
  };
}

/** Offers n candidates and returns the items sampled. */
function offerMany(q: ReviewQueue, n: number, stream: ReviewCandidate['stream'] = 'fleet') {
  const out = [];
  for (let i = 0; i < n; i++) {
    const item = q.offer(candidate(i, stream), T0 + i);
    if (item !== undefined) out.push(item);
  }
  return out;
}

describe('review sampling', () => {
  it('hashUnit is uniform enough: 100k ids into 10 bins within 3% of even', () => {
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(hashUnit(`7:fleet:${i}`) * 10)]++;
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(300);
  });

  // Binomial: 200,000 events at rate p → mean 200,000p, sd sqrt(200,000 p (1 − p)); allow 4 sd.
  for (const rate of [0.005, 0.01, 0.02]) {
    it(`samples ${rate * 100}% of 200,000 events within its binomial bounds, for several seeds`, () => {
      for (const seed of [1, 2, 3]) {
        const q = new ReviewQueue({ seed, rate });
        const n = 200_000;
        const got = offerMany(q, n).length;
        const mean = n * rate;
        const sd = Math.sqrt(n * rate * (1 - rate));
        expect(Math.abs(got - mean)).toBeLessThan(4 * sd);
        expect(q.stats()).toMatchObject({ seen: n, sampled: got, pending: got, rate });
      }
    });
  }

  it('is deterministic and independent of order; a repeat is not queued twice', () => {
    const a = new ReviewQueue({ seed: 9 });
    const b = new ReviewQueue({ seed: 9 });
    const ids = offerMany(a, 20_000).map((i) => i.id);
    for (let i = 19_999; i >= 0; i--) b.offer(candidate(i), T0);
    expect(
      b
        .list()
        .map((i) => i.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(
      a.offer(candidate(ids.length === 0 ? 0 : Number(a.get(ids[0] as string)?.data.i)), T0),
    ).toBeUndefined();
    expect(new ReviewQueue({ seed: 10 }).sampled('fleet', 'x')).toBe(
      new ReviewQueue({ seed: 10 }).sampled('fleet', 'x'),
    );
  });

  it('refuses rates outside 0.5%..2%, naming the field', () => {
    for (const rate of [0, 0.004, 0.021, 1, Number.NaN]) {
      try {
        new ReviewQueue({ seed: 1, rate });
        expect.unreachable();
      } catch (err) {
        expect(isOpsError(err) && err.items[0]?.field).toBe('review.rate');
      }
    }
  });
});

describe('review lifecycle', () => {
  const setup = () => {
    const q = new ReviewQueue({ seed: 1, rate: 0.02 });
    const items = offerMany(q, 2_000, 'anomaly');
    return { q, items };
  };

  it('pending → claimed → approved or rejected, with stats and time to review', () => {
    const { q, items } = setup();
    const [a, b, c] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0]];
    q.claim(a.id, 'ana', a.sampledAtMs + 1_000);
    expect(q.approve(a.id, 'ana', undefined, a.sampledAtMs + 60_000)).toMatchObject({
      status: 'approved',
      reviewedBy: 'ana',
    });
    expect(
      q.reject(b.id, 'bo', 'sensor glitch, not a fault', b.sampledAtMs + 120_000),
    ).toMatchObject({
      status: 'rejected',
      verdictReason: 'sensor glitch, not a fault',
    });
    q.claim(c.id, 'cy', T0);
    const s = q.stats();
    expect(s).toMatchObject({
      reviewed: 2,
      approved: 1,
      rejected: 1,
      claimed: 1,
      pending: items.length - 3,
      rejectionRate: 0.5,
      medianTimeToReviewMs: 60_000,
      p90TimeToReviewMs: 120_000,
    });
    expect(s.byStream.anomaly).toEqual({ pending: items.length - 2, reviewed: 2, rejected: 1 });
  });

  it('conflicts are refused with REVIEW_CONFLICT; a rejection needs a reason', () => {
    const { q, items } = setup();
    const [a, b] = items as [(typeof items)[0], (typeof items)[0]];
    q.claim(a.id, 'ana', T0);
    expect(() => q.claim(a.id, 'bo', T0)).toThrow(/claimed by ana/);
    expect(() => q.approve(a.id, 'bo', undefined, T0)).toThrow(/claimed by ana/);
    q.approve(a.id, 'ana', undefined, T0);
    try {
      q.reject(a.id, 'ana', 'changed my mind', T0);
      expect.unreachable();
    } catch (err) {
      expect(isOpsError(err) && err.code).toBe('REVIEW_CONFLICT');
    }
    expect(() => q.reject(b.id, 'bo', '  ', T0)).toThrow(/needs a reason/);
    expect(() => q.claim('nope', 'bo', T0)).toThrow(/no review item nope/);
  });

  it('verdicts on anomalies become eval labels: approved 1, rejected 0', () => {
    const { q, items } = setup();
    const [a, b] = items as [(typeof items)[0], (typeof items)[0]];
    q.approve(a.id, 'ana', undefined, T0);
    q.reject(b.id, 'ana', 'deploy, expected', T0);
    const labels = anomalyLabels(q.list());
    expect(labels).toHaveLength(2);
    expect(labels.find((l) => l.atMs === a.atMs)?.label).toBe(1);
    expect(labels.find((l) => l.atMs === b.atMs)).toMatchObject({
      label: 0,
      reason: 'deploy, expected',
    });
  });

  it('restores persisted items and counters', () => {
    const { q } = setup();
    const copy = new ReviewQueue({ seed: 1, rate: 0.02 });
    copy.restore(JSON.parse(JSON.stringify(q.list())), q.counters());
    expect(copy.stats()).toEqual(q.stats());
  });
});
