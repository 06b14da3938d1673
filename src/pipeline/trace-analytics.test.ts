import { describe, expect, it } from 'vitest';
import { spanEndMs } from '../analytics/index.ts';
import { batches, span, traces } from '../analytics/spans.test-support.ts';
import { type SampleBatch, type Span, VirtualClock } from '../contract/index.ts';
import { createInProcessBus } from './in-process-bus.ts';
import type { TraceAnalyticsPort } from './incident-runtime.ts';
import { TraceAnalytics, type TraceWindow } from './trace-analytics.ts';

const S = 1_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const silent = { info() {}, warn() {}, error() {} };

function setup(options: ConstructorParameters<typeof TraceAnalytics>[1] = {}) {
  const clock = new VirtualClock(T0);
  const appended: SampleBatch[] = [];
  const published: SampleBatch[] = [];
  const errors: unknown[] = [];
  let failNext = false;
  const store = {
    async append(batch: SampleBatch) {
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      appended.push(batch);
      return { samples: batch.length, newSeries: 0 };
    },
  };
  const bus = createInProcessBus({ clock });
  const unstored: SampleBatch[] = [];
  bus.subscribe(({ batch }) => {
    // Published only after the store has it.
    if (!appended.includes(batch)) unstored.push(batch);
    published.push(batch);
  });
  const logger = { ...silent, error: (obj: object) => errors.push(obj) };
  const ta = new TraceAnalytics({ store, bus, clock, logger }, options);
  const windows: TraceWindow[] = [];
  ta.onWindow((w) => windows.push(w));
  return {
    clock,
    ta,
    appended,
    published,
    unstored,
    windows,
    errors,
    failAppend: () => {
      failNext = true;
    },
  };
}

function points(batches: readonly SampleBatch[], metric: string): [number, number][] {
  const out: [number, number][] = [];
  for (const b of batches) {
    for (const s of b) {
      if (s.metric !== metric) continue;
      for (let i = 0; i < s.values.length; i++)
        out.push([s.timestampsMs[i] as number, s.values[i] as number]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

describe('TraceAnalytics', () => {
  it('watermark = max end − lateness; closed buckets are stored, then published, then announced', async () => {
    const t = setup();
    await t.ta.add([span({ endMs: T0 + 1 * S }), span({ endMs: T0 + 2 * S, httpStatus: 500 })]);
    expect(t.ta.watermarkMs()).toBe(T0 - 3 * S);
    expect(t.appended).toEqual([]);
    await t.ta.add([span({ endMs: T0 + 14 * S })]); // watermark T0 + 9 s: [T0, T0 + 10 s) still open
    expect(t.windows).toEqual([]);
    await t.ta.add([span({ endMs: T0 + 15 * S })]); // watermark T0 + 10 s: closes it
    expect(points(t.published, 'requests_per_second')).toEqual([[T0 + 10 * S, 0.2]]);
    expect(points(t.published, 'errors_per_second')).toEqual([[T0 + 10 * S, 0.1]]);
    expect(t.unstored).toEqual([]);
    expect(t.windows).toHaveLength(1);
    const w = t.windows[0] as TraceWindow;
    expect(w.watermarkMs).toBe(T0 + 10 * S);
    expect(w.closed.map((s) => [s.fromMs, s.requestCount])).toEqual([[T0, 2]]);
    expect(w.stats.map((s) => [s.fromMs, s.toMs, s.requestCount])).toEqual([[T0, T0 + 10 * S, 2]]);
    expect(t.ta.endpointStats()).toEqual(w.stats);
  });

  it('tick: after idleMs without spans the watermark follows the clock', async () => {
    const t = setup();
    await t.ta.add([span({ endMs: T0 + 1 * S })]);
    t.clock.advance(14 * S);
    await t.ta.tick();
    expect(t.windows).toEqual([]); // not idle long enough
    t.clock.advance(1 * S);
    await t.ta.tick(); // idle 15 s: watermark = T0 + 1 s + 15 s − 5 s = T0 + 11 s
    expect(t.ta.watermarkMs()).toBe(T0 + 11 * S);
    expect(t.windows[0]?.closed.map((s) => s.requestCount)).toEqual([1]);
  });

  it('start() runs the idle check on a timer; close() stops it', async () => {
    const t = setup({ tickIntervalMs: 5 });
    await t.ta.add([span({ endMs: T0 + 1 * S })]);
    t.clock.advance(60 * S);
    t.ta.start();
    const deadline = Date.now() + 5_000;
    while (t.windows.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    await t.ta.close();
    expect(t.windows.length).toBeGreaterThan(0);
  });

  it('a failed append is logged, not thrown, and later advances still write', async () => {
    const t = setup();
    t.failAppend();
    await t.ta.add([span({ endMs: T0 + 1 * S }), span({ endMs: T0 + 16 * S })]);
    expect(t.errors).toHaveLength(1);
    expect(t.ta.stats().appendFailures).toBe(1);
    await t.ta.add([span({ endMs: T0 + 26 * S })]);
    expect(points(t.published, 'requests_per_second')).toEqual([[T0 + 20 * S, 0.1]]);
  });

  it('late spans are counted and dropped', async () => {
    const t = setup();
    await t.ta.add([span({ endMs: T0 + 30 * S })]);
    await t.ta.add([span({ endMs: T0 + 1 * S })]);
    expect(t.ta.stats().red.lateSpans).toBe(1);
  });

  it('flush waits for pending writes', async () => {
    const t = setup();
    void t.ta.add([span({ endMs: T0 + 1 * S }), span({ endMs: T0 + 20 * S })]);
    await t.ta.flush();
    expect(t.appended).toHaveLength(1);
  });

  it('serves the service map and recent spans', async () => {
    const t = setup();
    const spans = traces(5, 50, T0, 30 * S);
    await t.ta.add(spans);
    await t.ta.add([span({ service: 'tick', endMs: T0 + 120 * S })]);
    const map = t.ta.serviceMap();
    expect(map.edges.map((e) => `${e.from}→${e.to}:${e.calls}`)).toEqual([
      'checkout→payment:50',
      'checkout→postgres:50',
      'frontend→checkout:50',
    ]);
    expect(t.windows.at(-1)?.map).toEqual(map);
    const recent = t.ta.recentSpans(T0, T0 + 10 * S, { services: ['payment'] });
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((s) => s.service === 'payment' && s.startMs <= T0 + 10 * S)).toBe(true);
    expect(recent.map((s) => s.startMs)).toEqual(
      [...recent.map((s) => s.startMs)].sort((a, b) => a - b),
    );
    const all = t.ta.recentSpans(0, T0 + 1e6);
    expect(t.ta.recentSpans(0, T0 + 1e6, { limit: 3 })).toEqual(all.slice(-3));
    expect(all.at(-1)?.service).toBe('tick');
  });

  it('recent spans are bounded by count and by event time', async () => {
    const t = setup({ maxRecentSpans: 10, recentSpansMs: 60 * S });
    for (let i = 0; i < 30; i++) await t.ta.add([span({ endMs: T0 + i * S })]);
    expect(t.ta.stats().recentSpans).toBe(10);
    await t.ta.add([span({ endMs: T0 + 200 * S })]);
    expect(t.ta.recentSpans(0, T0 + 1e6)).toHaveLength(1);
  });

  it('replaying the same spans at another speed and batch split writes identical samples', async () => {
    const spans = traces(9, 300, T0, 120 * S).sort((a, b) => spanEndMs(a) - spanEndMs(b));
    const run = async (sizes: number[], clockStepMs: number): Promise<string> => {
      const t = setup();
      for (const b of batches(spans, sizes)) {
        t.clock.advance(clockStepMs);
        await t.ta.add(b as Span[]);
      }
      t.clock.advance(60 * S);
      await t.ta.tick();
      const all = [
        'requests_per_second',
        'errors_per_second',
        'latency_ms',
        'latency_p95_ms',
        'latency_p99_ms',
      ].map((m) => points(t.published, m));
      return JSON.stringify({
        all,
        stats: t.ta.endpointStats(T0, T0 + 300 * S),
        map: t.ta.serviceMap(T0, T0 + 300 * S),
      });
    };
    const realTime = await run([1], 100);
    expect(await run([50, 7, 300], 1)).toBe(realTime);
    expect(await run([1800], 0)).toBe(realTime);
  });
});

describe('TraceAnalytics as the incident runtime sees it', () => {
  it('satisfies TraceAnalyticsPort', () => {
    const t = setup();
    const port: TraceAnalyticsPort = t.ta;
    expect(port.endpointStats()).toEqual([]);
  });
});
