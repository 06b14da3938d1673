import { describe, expect, it } from 'vitest';
import type { EndpointStats, Signal } from '../contract/index.ts';
import {
  defaultEndpointDetectorOptions,
  EndpointDetector,
  type EndpointDetectorOptions,
  endpointSignalId,
  timeoutsOf,
} from './endpoint-detector.ts';

const W = 10_000;

interface Shape {
  requests?: number;
  errors?: number;
  avgMs?: number;
  p95Ms?: number;
  timeouts?: number;
  status?: Record<string, number>;
  baselineLatencyMs?: number;
  baselineErrorRate?: number;
}

/** Window number `n` (10 s each) of payment /payment. */
function win(
  n: number,
  shape: Shape = {},
  service = 'payment',
  endpoint = '/payment',
): EndpointStats {
  const requests = shape.requests ?? 50;
  const errors = shape.errors ?? 0;
  return {
    service,
    endpoint,
    fromMs: n * W,
    toMs: (n + 1) * W,
    requestCount: requests,
    errorCount: errors,
    errorRate: requests > 0 ? errors / requests : 0,
    avgLatencyMs: shape.avgMs ?? 100,
    p50Ms: (shape.avgMs ?? 100) * 0.9,
    p95Ms: shape.p95Ms ?? (shape.avgMs ?? 100) * 2,
    p99Ms: shape.p95Ms ?? (shape.avgMs ?? 100) * 3,
    statusDistribution: shape.status ?? { '200': requests - errors, '500': errors },
    ...(shape.timeouts === undefined ? {} : { timeoutCount: shape.timeouts }),
    ...(shape.baselineLatencyMs === undefined
      ? {}
      : { baselineLatencyMs: shape.baselineLatencyMs }),
    ...(shape.baselineErrorRate === undefined
      ? {}
      : { baselineErrorRate: shape.baselineErrorRate }),
  };
}

/** Feeds windows first..first+count-1 of `shape`, one observe per window; returns the last output. */
function feed(
  d: EndpointDetector,
  first: number,
  count: number,
  shape: Shape | ((n: number) => Shape),
): Signal[] {
  let out: Signal[] = [];
  for (let n = first; n < first + count; n++) {
    const s = typeof shape === 'function' ? shape(n) : shape;
    out = d.observe([win(n, s)], (n + 1) * W);
  }
  return out;
}

function warm(options: Partial<EndpointDetectorOptions> = {}): EndpointDetector {
  const d = new EndpointDetector({ ...defaultEndpointDetectorOptions(), ...options });
  expect(feed(d, 0, 10, {})).toEqual([]);
  return d;
}

const kinds = (signals: readonly Signal[]) => signals.map((s) => s.kind);

describe('EndpointDetector', () => {
  it('says nothing about steady traffic', () => {
    const d = warm();
    expect(feed(d, 10, 30, {})).toEqual([]);
  });

  it.each([
    {
      name: 'mean latency 5× the stats baseline',
      bad: { avgMs: 500, baselineLatencyMs: 100 },
      kind: 'latency',
      observed: 500,
      baseline: 100,
    },
    {
      name: 'p95 4× the learned p95',
      bad: { p95Ms: 800 },
      kind: 'latency',
      observed: 800,
      baseline: 200,
    },
    { name: 'error rate 30%', bad: { errors: 15 }, kind: 'errors', observed: 0.3, baseline: 0 },
    {
      name: 'timeouts from timeoutCount',
      bad: { timeouts: 10, errors: 10 },
      kind: 'timeout',
      observed: 0.2,
      baseline: 0,
    },
    {
      name: 'timeouts from 504s',
      bad: { status: { '200': 40, '504': 10 }, errors: 10 },
      kind: 'timeout',
      observed: 0.2,
      baseline: 0,
    },
    {
      name: 'timeouts from status 0',
      bad: { status: { '200': 45, '0': 5 } },
      kind: 'timeout',
      observed: 0.1,
      baseline: 0,
    },
    { name: 'traffic drop', bad: { requests: 5 }, kind: 'traffic', observed: 0.5, baseline: 5 },
    { name: 'traffic spike', bad: { requests: 400 }, kind: 'traffic', observed: 40, baseline: 5 },
  ] as const)('raises $kind on $name after two windows', ({ bad, kind, observed, baseline }) => {
    const d = warm();
    expect(feed(d, 10, 1, bad).filter((s) => s.kind === kind)).toEqual([]);
    const out = feed(d, 11, 1, bad).filter((s) => s.kind === kind);
    expect(out).toHaveLength(1);
    const s = out[0] as Signal;
    expect(s).toMatchObject({
      id: endpointSignalId('payment', '/payment', kind),
      source: 'endpoint',
      service: 'payment',
      endpoint: '/payment',
      kind,
      atMs: 10 * W,
      lastAtMs: 12 * W,
    });
    expect(s.observed).toBeCloseTo(observed, 6);
    expect(s.baseline).toBeCloseTo(baseline, 6);
    expect(s.description).toMatch(/^payment \/payment: /);
  });

  it.each([
    {
      name: 'latency below the minimum delta',
      bad: { avgMs: 30, p95Ms: 60 },
      base: { avgMs: 10, p95Ms: 20 },
    },
    {
      name: 'latency with too few requests',
      bad: { requests: 3, avgMs: 900, p95Ms: 2000 },
      base: { requests: 3 },
    },
    { name: 'errors under the floor', bad: { errors: 2 }, base: {} },
    {
      name: 'errors within margin of a noisy baseline',
      bad: { errors: 10, baselineErrorRate: 0.18 },
      base: {},
    },
    { name: 'a single timeout', bad: { timeouts: 1 }, base: {} },
  ])('does not raise on $name', ({ bad, base }) => {
    const d = new EndpointDetector();
    feed(d, 0, 10, base);
    expect(feed(d, 10, 5, bad)).toEqual([]);
  });

  it('does not judge latency or traffic while learning (no baseline yet)', () => {
    const d = new EndpointDetector();
    feed(d, 0, 2, {});
    expect(feed(d, 2, 3, { avgMs: 900, p95Ms: 2000, requests: 500 })).toEqual([]);
  });

  it('learns the error baseline, so a constantly erring endpoint is not an incident', () => {
    const d = new EndpointDetector();
    // 8% errors from the start: above the floor, but it is what this endpoint always does.
    expect(kinds(feed(d, 0, 3, { errors: 4 }))).toEqual(['errors']);
    const calm = new EndpointDetector();
    feed(calm, 0, 10, { errors: 4, baselineErrorRate: 0.08 });
    expect(feed(calm, 10, 10, { errors: 5, baselineErrorRate: 0.08 })).toEqual([]);
  });

  it('holds inside the hysteresis band and clears only after three calm windows', () => {
    const d = warm();
    // mean latency vs stats baseline 100: 250 breaks (> 2×), 190 holds (> 1.8×), 150 does not.
    const seq: [number, number, boolean][] = [
      [250, 10, false],
      [250, 11, true],
      [190, 12, true],
      [250, 13, true],
      [190, 14, true],
      [150, 15, true], // 1st calm
      [190, 16, true], // holds again: streak reset
      [150, 17, true],
      [150, 18, true],
      [150, 19, false], // 3rd calm in a row: cleared
      [190, 20, false], // 1.9× does not break 2× again
    ];
    for (const [avgMs, n, raised] of seq) {
      const out = feed(d, n, 1, { avgMs, p95Ms: 200, baselineLatencyMs: 100 });
      expect(kinds(out), `window ${n} at ${avgMs} ms`).toEqual(raised ? ['latency'] : []);
    }
  });

  it('keeps lastAtMs at the last window that held and atMs at the onset', () => {
    const d = warm();
    feed(d, 10, 3, { errors: 20 });
    const held = feed(d, 13, 1, { errors: 0 });
    expect(held).toMatchObject([{ kind: 'errors', atMs: 10 * W, lastAtMs: 13 * W }]);
  });

  it('does not learn from windows that held, so a long fault stays a fault', () => {
    const d = warm();
    const out = feed(d, 10, 200, { errors: 20, avgMs: 500 });
    expect(kinds(out)).toEqual(['errors', 'latency']);
  });

  it('raises absence when an endpoint with steady traffic stops reporting, at the watermark', () => {
    const d = warm();
    // No more windows arrive (a hung service finishes no spans).
    expect(d.observe([], 10 * W + 20_000)).toEqual([]);
    const out = d.observe([], 10 * W + 30_000);
    expect(out).toEqual([
      expect.objectContaining({
        id: 'endpoint:payment:/payment:absence',
        kind: 'absence',
        atMs: 10 * W,
        lastAtMs: 10 * W + 30_000,
        observed: 0,
        baseline: 5,
      }),
    ]);
    // Held while silent; lastAtMs follows the watermark.
    expect(d.observe([], 10 * W + 60_000)[0]?.lastAtMs).toBe(10 * W + 60_000);
    // Traffic returns: held for two windows, cleared on the third.
    expect(kinds(feed(d, 16, 2, {}))).toEqual(['absence']);
    expect(feed(d, 18, 1, {})).toEqual([]);
  });

  it('raises absence on windows with zero requests too, but not traffic', () => {
    const d = warm();
    const out = feed(d, 10, 3, { requests: 0 });
    expect(kinds(out)).toEqual(['absence']);
  });

  it('does not raise absence for an endpoint that never had steady traffic', () => {
    const d = new EndpointDetector();
    feed(d, 0, 2, {});
    expect(d.observe([], 10 * W)).toEqual([]);
    const quiet = new EndpointDetector();
    feed(quiet, 0, 10, { requests: 1 }); // 0.1/s: below minBaselineRatePerS
    expect(quiet.observe([], 20 * W)).toEqual([]);
  });

  it('dates a fault in overlapping windows by the new data, not the window start', () => {
    // A sliding minute every 10 s, as the runtime passes them.
    const d = new EndpointDetector();
    const slide = (n: number, shape: Shape) => ({
      ...win(n, { ...shape, requests: 300, errors: (shape.errors ?? 0) * 6 }),
      fromMs: (n - 5) * W,
    });
    for (let n = 5; n < 15; n++) d.observe([slide(n, {})], (n + 1) * W);
    d.observe([slide(15, { errors: 10 })], 16 * W);
    const out = d.observe([slide(16, { errors: 10 })], 17 * W);
    expect(out).toMatchObject([{ kind: 'errors', atMs: 15 * W, lastAtMs: 17 * W }]);
  });

  it('ignores a window it has already taken in', () => {
    const d = warm();
    const bad = win(10, { errors: 20 });
    expect(d.observe([bad], 11 * W)).toEqual([]);
    expect(d.observe([bad], 11 * W)).toEqual([]); // the same window again is not a second one
    expect(kinds(d.observe([win(11, { errors: 20 })], 12 * W))).toEqual(['errors']);
  });

  it('judges endpoints independently and returns signals sorted by id', () => {
    const d = new EndpointDetector();
    for (let n = 0; n < 10; n++) {
      d.observe([win(n, {}, 'b', '/x'), win(n, {}, 'a', '/y')], (n + 1) * W);
    }
    let out: Signal[] = [];
    for (let n = 10; n < 12; n++) {
      out = d.observe(
        [win(n, { errors: 25 }, 'b', '/x'), win(n, { errors: 25 }, 'a', '/y')],
        (n + 1) * W,
      );
    }
    expect(out.map((s) => s.id)).toEqual(['endpoint:a:/y:errors', 'endpoint:b:/x:errors']);
  });

  it('snapshot and restore carry the learned state across a restart', () => {
    const a = warm();
    feed(a, 10, 1, { errors: 20 });
    const b = new EndpointDetector();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(feed(b, 11, 1, { errors: 20 })).toEqual(feed(a, 11, 1, { errors: 20 }));
  });

  it('forgets endpoints silent for forgetAfterMs', () => {
    const d = warm({ forgetAfterMs: 60_000 });
    expect(d.observe([], 10 * W + 30_000)).toHaveLength(1);
    expect(d.observe([], 10 * W + 60_000)).toEqual([]);
    expect(d.snapshot().endpoints).toEqual({});
  });

  it('counts timeouts from timeoutCount, else 504 and status 0', () => {
    expect(timeoutsOf(win(0, { timeouts: 3, status: { '504': 9 } }))).toBe(3);
    expect(timeoutsOf(win(0, { status: { '200': 5, '504': 2, '0': 1 } }))).toBe(3);
    expect(timeoutsOf(win(0, {}))).toBe(0);
  });
});
