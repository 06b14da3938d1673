import { describe, expect, it } from 'vitest';
import { createRng, type Span } from '../contract/index.ts';
import { quantileSorted } from './kpi.ts';
import { type RedAdvance, RedAggregator, spanEndMs } from './red.ts';
import { batches, span, traces } from './spans.test-support.ts';

const S = 1_000;

function series(adv: RedAdvance): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const s of adv.samples) {
    const key = `${s.metric}{${s.labels.service},${s.labels.endpoint}}`;
    const pts = out[key] ?? [];
    for (let i = 0; i < s.values.length; i++) {
      pts.push([s.timestampsMs[i] as number, s.values[i] as number]);
    }
    out[key] = pts;
  }
  return out;
}

describe('RedAggregator buckets', () => {
  it('worked example: two requests in [0, 10 s), one waits in [10 s, 20 s)', () => {
    const red = new RedAggregator();
    red.add([
      span({ service: 'api', endpoint: '/pay', endMs: 1 * S, durationMs: 120 }),
      span({ service: 'api', endpoint: '/pay', endMs: 4 * S, durationMs: 80, httpStatus: 503 }),
      span({ service: 'api', endpoint: '/pay', endMs: 12 * S, durationMs: 100 }),
    ]);
    const adv = red.advance(10 * S);
    expect(adv.closed).toHaveLength(1);
    expect(adv.closed[0]).toMatchObject({
      service: 'api',
      endpoint: '/pay',
      fromMs: 0,
      toMs: 10 * S,
      requestCount: 2,
      errorCount: 1,
      errorRate: 0.5,
      avgLatencyMs: 100,
      statusDistribution: { '503': 1, unset: 1 },
    });
    expect(adv.closed[0]?.baselineLatencyMs).toBeUndefined();
    expect(series(adv)).toEqual({
      'requests_per_second{api,/pay}': [[10 * S, 0.2]],
      'errors_per_second{api,/pay}': [[10 * S, 0.1]],
      'latency_ms{api,/pay}': [[10 * S, 100]],
      // two values 80 and 120: p95 = 80 + 0.95 × 40, p99 = 80 + 0.99 × 40
      'latency_p95_ms{api,/pay}': [[10 * S, 118]],
      'latency_p99_ms{api,/pay}': [[10 * S, 119.6]],
    });
    // 12 s is in the open bucket: nothing more until the watermark reaches 20 s.
    expect(red.advance(19_999).closed).toEqual([]);
    expect(red.advance(20 * S).closed.map((s) => [s.fromMs, s.requestCount])).toEqual([
      [10 * S, 1],
    ]);
  });

  it('a span counts at its end; a bucket closes when its end is at or before the watermark', () => {
    const red = new RedAggregator({ bucketMs: 10 * S });
    // starts in [0, 10 s) but ends at exactly 10 s: bucket [10 s, 20 s)
    red.add([span({ startMs: 9_900, durationMs: 100 })]);
    expect(red.advance(10 * S).closed).toEqual([]);
    expect(red.advance(20 * S).closed[0]?.fromMs).toBe(10 * S);
  });

  it('counts only server spans; failed means status error or 5xx (not 4xx)', () => {
    const red = new RedAggregator();
    red.add([
      span({ kind: 'client', endMs: 1 * S }),
      span({ kind: 'internal', endMs: 1 * S }),
      span({ kind: 'server', endMs: 1 * S, httpStatus: 404 }),
      span({ kind: 'server', endMs: 1 * S, status: 'error' }),
      span({ kind: 'server', endMs: 1 * S, httpStatus: 500 }),
      span({ kind: 'server', endMs: 1 * S, status: 'ok', httpStatus: 200 }),
    ]);
    const [s] = red.advance(10 * S).closed;
    expect(s).toMatchObject({
      requestCount: 4,
      errorCount: 2,
      statusDistribution: { '200': 1, '404': 1, '500': 1, unset: 1 },
    });
  });

  it('percentiles come from the sketch, within 1 % of the exact ones', () => {
    const red = new RedAggregator();
    const durations = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.37);
    red.add(durations.map((d, i) => span({ endMs: 500 + i, durationMs: d })));
    const [s] = red.advance(10 * S).closed;
    const sorted = [...durations].sort((a, b) => a - b);
    for (const [got, q] of [
      [s?.p50Ms, 0.5],
      [s?.p95Ms, 0.95],
      [s?.p99Ms, 0.99],
    ] as const) {
      const want = quantileSorted(sorted, q) as number;
      expect(Math.abs((got as number) - want) / want).toBeLessThanOrEqual(0.0101);
    }
    expect(s?.avgLatencyMs).toBeCloseTo(durations.reduce((a, b) => a + b) / 1000, 3);
  });

  it('late spans: counted, dropped, the closed bucket is never re-emitted', () => {
    const red = new RedAggregator();
    red.add([span({ endMs: 5 * S })]);
    expect(red.advance(10 * S).closed).toHaveLength(1);
    red.add([span({ endMs: 6 * S }), span({ endMs: 9_999 }), span({ endMs: 10 * S })]);
    expect(red.lateSpans).toBe(2);
    const adv = red.advance(20 * S);
    expect(adv.closed.map((s) => [s.fromMs, s.requestCount])).toEqual([[10 * S, 1]]);
    expect(red.stats(0, 10 * S)[0]?.requestCount).toBe(1);
  });

  it('a watermark that goes back closes nothing', () => {
    const red = new RedAggregator();
    red.add([span({ endMs: 25 * S })]);
    red.advance(30 * S);
    expect(red.advance(15 * S)).toEqual({ closed: [], samples: [] });
  });

  it('zero-fills an endpoint that went quiet, for idleEndpointMs after its last request', () => {
    const red = new RedAggregator({ idleEndpointMs: 30 * S });
    red.add([span({ endMs: 5 * S }), span({ endMs: 25 * S })]);
    const adv = red.advance(100 * S);
    expect(adv.closed.map((s) => [s.fromMs, s.requestCount])).toEqual([
      [0, 1],
      [10 * S, 0],
      [20 * S, 1],
      [30 * S, 0],
      [40 * S, 0],
      [50 * S, 0],
    ]);
    const s = series(adv);
    expect(s['requests_per_second{api,/x}']?.map((p) => p[1])).toEqual([0.1, 0, 0.1, 0, 0, 0]);
    // no latency for buckets without requests
    expect(s['latency_ms{api,/x}']?.map((p) => p[0])).toEqual([10 * S, 30 * S]);
  });
});

describe('RedAggregator baselines', () => {
  const bucket = (red: RedAggregator, k: number, latencyMs: number, errors = 0, n = 10): void => {
    const spans: Span[] = [];
    for (let i = 0; i < n; i++) {
      spans.push(
        span({
          endMs: k * 10 * S + 100 + i,
          durationMs: latencyMs,
          httpStatus: i < errors ? 500 : 200,
        }),
      );
    }
    red.add(spans);
  };

  it('warm-up: no baseline for the first N buckets, then their mean', () => {
    const red = new RedAggregator({
      baseline: { alpha: 0.5, warmupBuckets: 2, latencyFactor: 3, errorRateDelta: 0.1 },
    });
    bucket(red, 0, 100);
    bucket(red, 1, 200);
    bucket(red, 2, 600); // 600 > 3 × 150: anomalous, not learned
    bucket(red, 3, 50); // 0.5 × 150 + 0.5 × 50 = 100
    bucket(red, 4, 10, 5); // error rate 0.5 > 0 + 0.1: anomalous
    bucket(red, 5, 100);
    const closed = red.advance(60 * S).closed;
    expect(closed.map((s) => s.baselineLatencyMs)).toEqual([
      undefined,
      undefined,
      150,
      150,
      100,
      100,
    ]);
    expect(closed.map((s) => s.baselineErrorRate)).toEqual([undefined, undefined, 0, 0, 0, 0]);
    expect(red.baseline('api', '/x')).toEqual({ latencyMs: 100, errorRate: 0 });
  });

  it('stats(from, to) merges closed buckets entirely inside the window', () => {
    const red = new RedAggregator({
      baseline: { alpha: 0.1, warmupBuckets: 1, latencyFactor: 3, errorRateDelta: 0.1 },
    });
    bucket(red, 0, 100, 0, 10);
    bucket(red, 1, 200, 1, 10);
    bucket(red, 2, 300, 2, 20);
    red.add([span({ service: 'web', endpoint: '/', endMs: 15 * S })]);
    red.advance(30 * S);
    const stats = red.stats(10 * S, 30 * S);
    expect(stats.map((s) => [s.service, s.endpoint])).toEqual([
      ['api', '/x'],
      ['web', '/'],
    ]);
    expect(stats[0]).toMatchObject({
      fromMs: 10 * S,
      toMs: 30 * S,
      requestCount: 30,
      errorCount: 3,
      errorRate: 0.1,
      avgLatencyMs: 266.667, // (10 × 200 + 20 × 300) / 30, to the microsecond
      statusDistribution: { '200': 27, '500': 3 },
      // learned before the window's last bucket: 100, then 0.9 × 100 + 0.1 × 200 = 110
      baselineLatencyMs: 110,
    });
    // a bucket only partly inside is left out
    expect(red.stats(5 * S, 30 * S)[0]?.fromMs).toBe(10 * S);
    expect(red.stats(0, 30 * S, { service: 'web' }).map((s) => s.service)).toEqual(['web']);
  });
});

describe('RedAggregator memory', () => {
  it('keeps at most historyMs of closed buckets and forgets idle endpoints', () => {
    const red = new RedAggregator({ historyMs: 60 * S, idleEndpointMs: 10 * S });
    for (let k = 0; k < 30; k++) red.add([span({ endMs: k * 10 * S + 1 })]);
    red.add([span({ service: 'old', endMs: 1 })]);
    red.advance(300 * S);
    const all = red.stats(0, 300 * S);
    expect(all.map((s) => [s.service, s.fromMs, s.toMs])).toEqual([['api', 240 * S, 300 * S]]);
    expect(red.counters().endpoints).toBe(1);
  });

  it('drops spans of endpoints beyond maxEndpoints', () => {
    const red = new RedAggregator({ maxEndpoints: 2 });
    red.add(['/a', '/b', '/c', '/a'].map((e) => span({ endpoint: e, endMs: 1 })));
    expect(red.counters()).toMatchObject({ spans: 3, overflowSpans: 1, endpoints: 2 });
  });

  it('ignores spans with broken times', () => {
    const red = new RedAggregator();
    red.add([span({ startMs: Number.NaN }), span({ durationMs: -1 })]);
    expect(red.counters()).toMatchObject({ spans: 0, invalidSpans: 2 });
  });
});

describe('RedAggregator event time', () => {
  const LATENESS = 5 * S;
  /** Feeds batches as the pipeline does: add, then advance to max end seen − lateness. */
  function run(batchesOfSpans: readonly (readonly Span[])[]): unknown {
    const red = new RedAggregator();
    let maxEnd = Number.NEGATIVE_INFINITY;
    const closed: unknown[] = [];
    const samples: unknown[] = [];
    for (const b of batchesOfSpans) {
      red.add(b);
      for (const s of b) maxEnd = Math.max(maxEnd, spanEndMs(s));
      const adv = red.advance(maxEnd - LATENESS);
      closed.push(...adv.closed);
      samples.push(...Object.entries(series(adv)));
    }
    const final = red.advance(maxEnd + 60 * S);
    closed.push(...final.closed);
    samples.push(...Object.entries(series(final)));
    // Per series in time order: how advances group buckets into batches is not output.
    const bySeries = new Map<string, unknown[]>();
    for (const [k, pts] of samples as [string, unknown[]][]) {
      bySeries.set(k, [...(bySeries.get(k) ?? []), ...pts]);
    }
    return {
      closed,
      samples: [...bySeries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      late: red.lateSpans,
      stats: red.stats(0, maxEnd + 60 * S),
    };
  }

  it('same spans in any batch split and any order within the lateness → identical output', () => {
    const spans = traces(7, 400, 1_700_000_000_000, 120 * S);
    // Reference: in end-time order, one span per batch.
    const inOrder = [...spans].sort((a, b) => spanEndMs(a) - spanEndMs(b));
    const reference = JSON.stringify(run(inOrder.map((s) => [s])));
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      // Disorder below the lateness: sort by end + a jitter in [0, 0.9 × lateness).
      const jittered = spans
        .map((s) => ({ s, key: spanEndMs(s) + rng.next() * 0.9 * LATENESS }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.s);
      const split = batches(jittered, [1 + seed, 17, 3 * seed, 250]);
      expect(JSON.stringify(run(split))).toBe(reference);
    }
    expect(JSON.stringify(run([spans]))).toBe(reference);
    expect((JSON.parse(reference) as { late: number }).late).toBe(0);
  });
});
