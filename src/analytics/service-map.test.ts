import { describe, expect, it } from 'vitest';
import { createRng, type Span } from '../contract/index.ts';
import { spanEndMs } from './red.ts';
import { ServiceMapBuilder } from './service-map.ts';
import { batches, span, traces } from './spans.test-support.ts';

const S = 1_000;

/** A client span of `from` and the server span of `to` it caused. */
function call(
  from: string,
  to: string,
  endMs: number,
  o: { traceId?: string; durationMs?: number; failed?: boolean } = {},
): [Span, Span] {
  const traceId = o.traceId ?? `${from}${to}${endMs}`.padEnd(32, '0');
  const d = o.durationMs ?? 50;
  const client = span({
    traceId,
    service: from,
    kind: 'client',
    endMs,
    durationMs: d,
    ...(o.failed === true ? { status: 'error' as const } : {}),
  });
  const server = span({
    traceId,
    parentSpanId: client.spanId,
    service: to,
    kind: 'server',
    endMs: endMs - 1,
    durationMs: d - 2,
  });
  return [client, server];
}

describe('ServiceMapBuilder edges', () => {
  it('learns A → B from a client span and its child server span, in either order and batch', () => {
    const m = new ServiceMapBuilder();
    const [c1, s1] = call('frontend', 'checkout', 1 * S);
    const [c2, s2] = call('frontend', 'checkout', 2 * S, { failed: true, durationMs: 150 });
    m.add([s1]); // server half first
    m.add([c2]);
    m.add([c1, s2]);
    m.advance(20 * S); // matchWait 5 s: closes buckets ending by 15 s
    const map = m.map(0, 20 * S);
    expect(map.fromMs).toBe(0);
    expect(map.toMs).toBe(10 * S);
    expect(map.edges).toEqual([
      {
        from: 'frontend',
        to: 'checkout',
        calls: 2,
        callRatePerS: 0.2,
        errorRate: 0.5,
        p95Ms: 145, // 50 + 0.95 × (150 − 50)
        lastSeenMs: 2 * S,
      },
    ]);
    expect(m.counters()).toMatchObject({ matchedCalls: 2, pendingClientSpans: 0 });
    // A window reaching back before the first data covers (and divides by) the data's time only.
    expect(m.map(-3_600_000, 20 * S)).toEqual(map);
    expect(new ServiceMapBuilder().map(0, 60 * S)).toEqual({
      fromMs: 0,
      toMs: 0,
      nodes: [],
      edges: [],
    });
  });

  it('falls back to peer.service, then server.address, for callees without spans', () => {
    const m = new ServiceMapBuilder();
    m.add([
      span({
        service: 'checkout',
        kind: 'client',
        endMs: 1 * S,
        attributes: { 'peer.service': 'postgres' },
      }),
      span({
        service: 'checkout',
        kind: 'client',
        endMs: 2 * S,
        attributes: { 'server.address': 'redis.local' },
      }),
      span({
        service: 'checkout',
        kind: 'client',
        endMs: 3 * S,
        attributes: { 'peer.service': 'postgres', 'server.address': 'db1' },
      }),
      span({ service: 'checkout', kind: 'client', endMs: 4 * S }),
    ]);
    m.advance(15 * S);
    const map = m.map(0, 10 * S);
    expect(map.edges.map((e) => [e.from, e.to, e.calls])).toEqual([
      ['checkout', 'postgres', 2],
      ['checkout', 'redis.local', 1],
    ]);
    // Callees known only from edges become nodes with the callers' view of them.
    expect(map.nodes.map((n) => [n.service, n.health, n.requestRatePerS])).toEqual([
      ['postgres', 'green', 0.2],
      ['redis.local', 'green', 0.1],
    ]);
    expect(m.counters()).toMatchObject({ peerCalls: 3, unresolvedClientSpans: 1 });
  });

  it('a matched server span wins over peer.service', () => {
    const m = new ServiceMapBuilder();
    const [c, s] = call('a', 'b', 1 * S);
    m.add([{ ...c, attributes: { 'peer.service': 'b-alias' } }]);
    m.add([s]);
    m.advance(15 * S);
    expect(m.map(0, 10 * S).edges.map((e) => e.to)).toEqual(['b']);
  });

  it('waits matchWaitMs for the partner; a pair matched after its bucket closed is late', () => {
    const m = new ServiceMapBuilder({ matchWaitMs: 5 * S });
    const [c1, s1] = call('a', 'b', 8 * S);
    const [c2, s2] = call('a', 'b', 9 * S);
    m.add([c1, c2]);
    m.advance(14 * S); // closes nothing yet: 14 − 5 = 9 < 10
    m.add([s1]); // matched while [0, 10 s) is open
    m.advance(15 * S); // closes [0, 10 s); c2 has no peer attribute: unresolved
    m.add([s2]); // its client is gone: the server span waits, then is given up
    expect(m.map(0, 10 * S).edges.map((e) => e.calls)).toEqual([1]);
    expect(m.counters()).toMatchObject({ matchedCalls: 1, unresolvedClientSpans: 1 });
    const late = new ServiceMapBuilder();
    late.advance(30 * S);
    const [c3, s3] = call('a', 'b', 5 * S);
    late.add([c3, s3]);
    expect(late.counters().lateSpans).toBe(2); // the call and the server span's node bucket
  });

  it('keeps at most maxPendingSpans unmatched spans of each kind', () => {
    const m = new ServiceMapBuilder({ maxPendingSpans: 3 });
    m.add(Array.from({ length: 5 }, (_, i) => span({ kind: 'client', endMs: i })));
    m.add(
      Array.from({ length: 4 }, (_, i) =>
        span({ kind: 'server', parentSpanId: `p${i}`, endMs: i }),
      ),
    );
    expect(m.counters()).toMatchObject({
      pendingClientSpans: 3,
      pendingServerSpans: 3,
      droppedSpans: 3,
    });
  });
});

describe('ServiceMapBuilder nodes and health', () => {
  const opts = {
    matchWaitMs: 0,
    baseline: { alpha: 0.1, warmupBuckets: 3, latencyFactor: 3, errorRateDelta: 0.1 },
  };
  /** 10 server spans of `svc` in bucket k (10 s buckets). */
  const load = (m: ServiceMapBuilder, svc: string, k: number, ms: number, errors = 0): void => {
    m.add(
      Array.from({ length: 10 }, (_, i) =>
        span({
          service: svc,
          endMs: k * 10 * S + i,
          durationMs: ms,
          httpStatus: i < errors ? 503 : 200,
        }),
      ),
    );
  };

  it.each([
    { name: 'green', ms: 100, errors: 0, health: 'green' },
    { name: 'orange: p95 3× baseline', ms: 300, errors: 0, health: 'orange' },
    { name: 'red: p95 6× baseline', ms: 600, errors: 0, health: 'red' },
    { name: 'orange: 10 % errors', ms: 100, errors: 1, health: 'orange' },
    { name: 'red: 30 % errors', ms: 100, errors: 3, health: 'red' },
  ])('$name', ({ ms, errors, health }) => {
    const m = new ServiceMapBuilder(opts);
    for (let k = 0; k < 3; k++) load(m, 'api', k, 100); // warm-up: baseline p95 100 ms
    load(m, 'api', 3, ms, errors);
    m.add([span({ service: 'idle', endMs: 1 })]);
    m.advance(40 * S);
    const map = m.map(30 * S, 40 * S);
    expect(map.nodes).toEqual([
      expect.objectContaining({ service: 'api', health, requestRatePerS: 1 }),
      { service: 'idle', requestRatePerS: 0, errorRate: 0, p95Ms: 0, health: 'grey' },
    ]);
  });
});

describe('ServiceMapBuilder event time', () => {
  const LATENESS = 5 * S;
  function run(parts: readonly (readonly Span[])[]): string {
    const m = new ServiceMapBuilder();
    let maxEnd = Number.NEGATIVE_INFINITY;
    const maps: unknown[] = [];
    for (const b of parts) {
      m.add(b);
      for (const s of b) maxEnd = Math.max(maxEnd, spanEndMs(s));
      m.advance(maxEnd - LATENESS);
    }
    m.advance(maxEnd + 60 * S);
    for (let t = 0; t < 200 * S; t += 30 * S)
      maps.push(m.map(1_700_000_000_000 + t, 1_700_000_000_000 + t + 60 * S));
    return JSON.stringify({ maps, counters: m.counters() });
  }

  it('same spans in any batch split and any order within the lateness → identical map', () => {
    const spans = traces(11, 300, 1_700_000_000_000, 120 * S);
    const inOrder = [...spans].sort((a, b) => spanEndMs(a) - spanEndMs(b));
    const reference = run(inOrder.map((s) => [s]));
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const jittered = spans
        .map((s) => ({ s, key: spanEndMs(s) + rng.next() * 0.9 * LATENESS }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.s);
      expect(run(batches(jittered, [seed, 40, 7 * seed]))).toBe(reference);
    }
    const parsed = JSON.parse(reference) as {
      maps: { edges: { from: string; to: string }[] }[];
      counters: Record<string, number>;
    };
    expect(parsed.maps[1]?.edges.map((e) => `${e.from}→${e.to}`)).toEqual([
      'checkout→payment',
      'checkout→postgres',
      'frontend→checkout',
    ]);
    expect(parsed.counters).toMatchObject({
      lateSpans: 0,
      unresolvedClientSpans: 0,
      matchedCalls: 600,
      peerCalls: 300,
    });
  });
});
