import { describe, expect, it } from 'vitest';
import { createRng, OpsError, type Span } from '../contract/index.ts';
import { analyzeRootCause, defaultRcaOptions } from './rca.ts';
import {
  type CallSpec,
  endpointStats,
  serviceMap,
  signal,
  statsFromSpans,
  traceSpans,
} from './rca-testkit.ts';
import type { RcaInput } from './rca-types.ts';

const T0 = 1_800_000_000_000;
const WINDOW_MS = 120_000;

/** `count` traces, one every `everyMs`; `faulty(i)` says which use the faulty tree. */
function traces(
  count: number,
  healthy: CallSpec,
  faultyTree: CallSpec,
  faulty: (i: number) => boolean,
  everyMs = 1_000,
): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < count; i++)
    out.push(...traceSpans(i, T0 + i * everyMs, faulty(i) ? faultyTree : healthy));
  return out;
}

function shop(opts: {
  paymentMs?: number;
  paymentError?: string;
  inventoryError?: string;
  paymentTimeoutMs?: number;
  peer?: boolean;
}): CallSpec {
  const payment: CallSpec = {
    service: 'payment',
    endpoint: '/payment',
    selfMs: opts.paymentMs ?? 80,
    ...(opts.paymentError === undefined ? {} : { error: opts.paymentError }),
    ...(opts.paymentTimeoutMs === undefined ? {} : { timeoutAfterMs: opts.paymentTimeoutMs }),
    ...(opts.peer === true ? { clientAttributes: { 'peer.service': 'payment' } } : {}),
  };
  const inventory: CallSpec = {
    service: 'inventory',
    endpoint: '/reserve',
    selfMs: 20,
    ...(opts.inventoryError === undefined ? {} : { error: opts.inventoryError }),
  };
  return {
    service: 'frontend',
    endpoint: '/',
    selfMs: 10,
    calls: [
      { service: 'checkout', endpoint: '/checkout', selfMs: 30, calls: [inventory, payment] },
    ],
  };
}

const SHOP_MAP = serviceMap([
  ['frontend', 'checkout'],
  ['checkout', 'inventory'],
  ['checkout', 'payment'],
]);

const SHOP_BASELINES = {
  'frontend /': { latencyMs: 150, errorRate: 0.001 },
  'checkout /checkout': { latencyMs: 140, errorRate: 0.001 },
  'inventory /reserve': { latencyMs: 25, errorRate: 0.001 },
  'payment /payment': { latencyMs: 90, errorRate: 0.001 },
};

function input(spans: Span[], signals: RcaInput['signals'], map = SHOP_MAP): RcaInput {
  return {
    fromMs: T0,
    toMs: T0 + WINDOW_MS,
    signals,
    spans,
    map,
    stats: statsFromSpans(spans, T0, T0 + WINDOW_MS, SHOP_BASELINES),
  };
}

describe('analyzeRootCause', () => {
  it('latency at a leaf propagating up two callers ranks the leaf, not the slow caller', () => {
    const spans = traces(60, shop({}), shop({ paymentMs: 2_000 }), (i) => i % 4 !== 0);
    const r = analyzeRootCause(
      input(spans, [
        // The callers' signals come first: timing alone would point at checkout.
        signal('checkout', '/checkout', 'latency', T0, 2_100, 140),
        signal('frontend', '/', 'latency', T0 + 5_000, 2_150, 150),
        signal('payment', '/payment', 'latency', T0 + 8_000, 2_000, 90),
      ]),
    );
    expect(r.rootCause).toMatchObject({
      service: 'payment',
      endpoint: '/payment',
      kind: 'latency',
    });
    expect(r.candidates[0]!.evidence.path).toEqual(['frontend', 'checkout', 'payment']);
    expect(r.candidates[0]!.evidence.traceIds.length).toBe(5);
    expect(r.candidates[0]!.evidence.methods.trace).toBe(1);
    const checkout = r.candidates.find((c) => c.service === 'checkout');
    expect(checkout === undefined || checkout.evidence.methods.trace === 0).toBe(true);
    expect(r.rootCause!.description).toMatch(
      /^payment \/payment: p95 2,\d{3} ms vs 90 ms baseline; 100% of slow traces originate here/,
    );
    expect(r.affectedServices).toEqual(['payment', 'checkout', 'frontend']);
    expect(r.affectedEndpoints).toEqual(['checkout /checkout', 'frontend /', 'payment /payment']);
    expect(r.impact.requests).toBe(180);
    expect(r.totalTraces).toBe(60);
    expect(r.sampleTraces.length).toBe(5);
  });

  it('finds a slow leaf from the window median when no baselines are learned', () => {
    const spans = traces(40, shop({}), shop({ paymentMs: 1_500 }), (i) => i % 4 === 0);
    const r = analyzeRootCause({
      ...input(spans, []),
      stats: statsFromSpans(spans, T0, T0 + WINDOW_MS),
    });
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'latency' });
    expect(r.rootCause!.description).toMatch(/self time 1,502 ms vs 82 ms baseline/);
  });

  it('errors originating at inventory rank inventory first', () => {
    const spans = traces(
      50,
      shop({}),
      shop({ inventoryError: 'stock table locked' }),
      (i) => i % 2 === 0,
    );
    const r = analyzeRootCause(
      input(spans, [
        signal('checkout', '/checkout', 'errors', T0, 0.5, 0.001),
        signal('frontend', '/', 'errors', T0, 0.5, 0.001),
        signal('inventory', '/reserve', 'errors', T0 + 5_000, 0.5, 0.001),
      ]),
    );
    expect(r.rootCause).toMatchObject({
      service: 'inventory',
      endpoint: '/reserve',
      kind: 'errors',
    });
    expect(r.candidates[0]!.evidence.path).toEqual(['frontend', 'checkout', 'inventory']);
    expect(r.rootCause!.description).toMatch(/100% of failing traces originate here/);
    expect(r.impact.failedRequests).toBe(75);
  });

  it('cascade payment → checkout: payment is the root, checkout is affected', () => {
    const spans = traces(
      40,
      shop({}),
      shop({ paymentError: 'card processor 503' }),
      (i) => i >= 10,
    );
    const r = analyzeRootCause(
      input(spans, [
        signal('payment', '/payment', 'errors', T0 + 10_000, 0.75, 0.001),
        signal('checkout', '/checkout', 'errors', T0 + 30_000, 0.75, 0.001),
      ]),
    );
    expect(r.rootCause).toMatchObject({ service: 'payment', endpoint: '/payment', kind: 'errors' });
    expect(r.rootCause!.description).toMatch(/anomalous 20 s before checkout$/);
    expect(r.affectedServices).toEqual(['payment', 'checkout', 'frontend']);
    expect(r.affectedEndpoints).toContain('checkout /checkout');
    expect(r.candidates[0]!.evidence.firstAnomalousMs).toBe(T0 + 10_000);
    expect(r.rootCause!.confidence).toBeGreaterThan(0.5);
  });

  it.each([
    { name: 'peer.service names the callee', peer: true },
    { name: 'the only map edge names the callee', peer: false },
  ])('timeout with the callee span missing: $name', ({ peer }) => {
    const spans = traces(30, shop({}), shop({ paymentTimeoutMs: 2_000, peer }), (i) => i % 3 !== 0);
    // The only edge out of checkout is payment when inventory is not on the map.
    const map = peer
      ? SHOP_MAP
      : serviceMap([
          ['frontend', 'checkout'],
          ['checkout', 'payment'],
        ]);
    const r = analyzeRootCause(
      input(spans, [signal('checkout', '/checkout', 'errors', T0, 0.66, 0.001)], map),
    );
    expect(r.rootCause).toMatchObject({
      service: 'payment',
      endpoint: '/payment',
      kind: 'timeout',
    });
    expect(r.rootCause!.description).toMatch(
      /calls from checkout fail after 2,0\d\d ms with no response/,
    );
    expect(r.candidates[0]!.evidence.path).toEqual(['frontend', 'checkout', 'payment']);
    expect(r.affectedServices).toContain('checkout');
  });

  it('metrics only (no spans): graph and timing decide', () => {
    const r = analyzeRootCause({
      fromMs: T0,
      toMs: T0 + WINDOW_MS,
      spans: [],
      map: SHOP_MAP,
      signals: [
        signal('frontend', '/', 'latency', T0 + 30_000, 1_100, 250),
        signal('checkout', '/checkout', 'latency', T0 + 20_000, 1_000, 150),
        signal('payment', '/payment', 'latency', T0, 900, 90),
      ],
      stats: [
        endpointStats('frontend', '/', { requests: 600, p95Ms: 1_100, baselineLatencyMs: 250 }),
        endpointStats('checkout', '/checkout', {
          requests: 500,
          p95Ms: 1_000,
          baselineLatencyMs: 150,
        }),
        endpointStats('payment', '/payment', { requests: 500, p95Ms: 900, baselineLatencyMs: 90 }),
        endpointStats('inventory', '/reserve', { requests: 500, p95Ms: 24, baselineLatencyMs: 25 }),
      ],
    });
    expect(r.rootCause).toMatchObject({
      service: 'payment',
      endpoint: '/payment',
      kind: 'latency',
    });
    for (const c of r.candidates) expect(c.evidence.methods.trace).toBe(0);
    expect(r.candidates.map((c) => c.service)).toEqual(['payment', 'checkout', 'frontend']);
    expect(r.candidates[0]!.evidence.path).toEqual(['frontend', 'checkout', 'payment']);
    expect(r.rootCause!.description).toBe(
      'payment /payment: p95 900 ms vs 90 ms baseline; anomalous 20 s before checkout',
    );
    expect(r.totalTraces).toBe(0);
    expect(r.impact.requests).toBe(1_600);
  });

  it('one stray failing trace does not outweigh the metrics', () => {
    const stray = traceSpans(0, T0 + 5_000, {
      service: 'search',
      endpoint: '/q',
      error: 'index shard unavailable',
    });
    const r = analyzeRootCause({
      fromMs: T0,
      toMs: T0 + WINDOW_MS,
      spans: stray,
      map: SHOP_MAP,
      signals: [
        signal('checkout', '/checkout', 'latency', T0 + 20_000, 1_000, 150),
        signal('payment', '/payment', 'latency', T0, 900, 90),
      ],
      stats: [
        endpointStats('checkout', '/checkout', {
          requests: 500,
          p95Ms: 1_000,
          baselineLatencyMs: 150,
        }),
        endpointStats('payment', '/payment', { requests: 500, p95Ms: 900, baselineLatencyMs: 90 }),
      ],
    });
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'latency' });
    const search = r.candidates.find((c) => c.service === 'search')!;
    expect(search.evidence.methods.trace).toBe(1);
    expect(search.score).toBeLessThan(r.candidates[0]!.score);
  });

  it('a single service with no map edges', () => {
    const r = analyzeRootCause({
      fromMs: T0,
      toMs: T0 + WINDOW_MS,
      spans: [],
      map: serviceMap([]),
      signals: [
        {
          ...signal('batch', undefined, 'saturation', T0, 97, 60),
          metric: 'cpu_percent',
          unit: 'value',
        },
      ],
      stats: [],
    });
    expect(r.rootCause).toMatchObject({ service: 'batch', kind: 'saturation' });
    expect(r.rootCause!.endpoint).toBeUndefined();
    expect(r.rootCause!.description).toBe('batch: cpu_percent 97 vs 60 baseline');
    expect(r.candidates[0]!.evidence.path).toEqual(['batch']);
    expect(r.affectedServices).toEqual(['batch']);
  });

  it('a sampled span set and a map without the root service still find the slow leaf', () => {
    const all = traces(60, shop({}), shop({ paymentMs: 1_000 }), (i) => i % 3 === 0);
    // Drop every frontend span and every 7th span: fragments whose parents are missing.
    const spans = all.filter((s, i) => s.service !== 'frontend' && i % 7 !== 3);
    const r = analyzeRootCause(
      input(spans, [signal('checkout', '/checkout', 'latency', T0, 1_100, 140)], serviceMap([])),
    );
    expect(r.rootCause).toMatchObject({
      service: 'payment',
      endpoint: '/payment',
      kind: 'latency',
    });
    expect(r.candidates[0]!.evidence.path.at(-1)).toBe('payment');
  });

  it('survives malformed spans: NaN times, self-parents, duplicate ids, cycles', () => {
    const good = traces(20, shop({}), shop({ paymentMs: 1_000 }), (i) => i % 2 === 0);
    const first = good[0]!;
    const bad: Span[] = [
      { ...first, spanId: 'aaaaaaaaaaaaaaaa', durationMs: Number.NaN },
      { ...first, spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'bbbbbbbbbbbbbbbb' },
      { ...first, startMs: Number.NaN },
      { ...first, traceId: 'c'.repeat(32), spanId: 'c1', parentSpanId: 'c2' },
      { ...first, traceId: 'c'.repeat(32), spanId: 'c2', parentSpanId: 'c1' },
    ];
    const r = analyzeRootCause(input([...good, ...bad], []));
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'latency' });
    expect(Number.isFinite(r.candidates[0]!.score)).toBe(true);
  });

  it('names no root cause and no candidates for an empty input', () => {
    const r = analyzeRootCause({
      fromMs: T0,
      toMs: T0,
      spans: [],
      map: serviceMap([]),
      signals: [],
      stats: [],
    });
    expect(r.rootCause).toBeUndefined();
    expect(r.candidates).toEqual([]);
    expect(r.impact).toEqual({ services: [], endpoints: [], requests: 0, failedRequests: 0 });
  });

  it('is deterministic: the same input in shuffled order gives identical output', () => {
    const spans = [
      ...traces(30, shop({}), shop({ paymentMs: 900 }), (i) => i % 2 === 0),
      ...traces(10, shop({}), shop({ inventoryError: 'locked' }), () => true).map((s) => ({
        ...s,
        traceId: `f${s.traceId.slice(1)}`,
      })),
    ];
    const base = input(spans, [
      signal('payment', '/payment', 'latency', T0, 900, 90),
      signal('inventory', '/reserve', 'errors', T0 + 3_000, 0.2, 0.001),
      signal('checkout', '/checkout', 'latency', T0 + 12_000, 1_000, 140),
    ]);
    const rng = createRng(42);
    const shuffle = <T>(xs: readonly T[]): T[] => {
      const a = [...xs];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    const shuffled: RcaInput = {
      ...base,
      spans: shuffle(base.spans),
      signals: shuffle(base.signals),
      stats: shuffle(base.stats),
      map: { ...base.map, edges: shuffle(base.map.edges), nodes: shuffle(base.map.nodes) },
    };
    const a = analyzeRootCause(base);
    expect(analyzeRootCause(shuffled)).toEqual(a);
    expect(JSON.stringify(analyzeRootCause(shuffled))).toBe(JSON.stringify(a));
    expect(a.candidates.length).toBeGreaterThan(1);
  });

  it('handles 100k spans', () => {
    // 7 spans a trace.
    const spans = traces(14_286, shop({}), shop({ paymentMs: 1_200 }), (i) => i % 10 === 0, 5);
    expect(spans.length).toBe(100_002);
    const r = analyzeRootCause(input(spans, []));
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'latency' });
    expect(r.totalTraces).toBe(14_286);
  });

  it('rejects invalid options with an OpsError naming the field', () => {
    const run = () => analyzeRootCause(input([], []), { maxCandidates: 0, weights: { trace: -1 } });
    expect(run).toThrow(OpsError);
    try {
      run();
    } catch (err) {
      expect((err as OpsError).items.map((i) => i.field)).toEqual([
        'maxCandidates',
        'weights.trace',
      ]);
    }
  });

  it('keeps the documented defaults', () => {
    expect(defaultRcaOptions()).toMatchObject({
      maxCandidates: 5,
      sampleTraces: 5,
      weights: { trace: 0.4, graph: 0.25, timing: 0.15, change: 0.2 },
    });
  });
});
