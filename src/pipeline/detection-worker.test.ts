import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Anomaly,
  createRng,
  normal,
  type SampleBatch,
  VirtualClock,
} from '../contract/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore, type Store } from '../store/index.ts';
import { queryAnomalies, queryBaseline } from './detection-series.ts';
import { type DetectionOptions, DetectionWorker, roundSignificant } from './detection-worker.ts';
import { createInProcessBus, type InProcessBus } from './in-process-bus.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const LABELS = { service: 'api', source_id: 'api-1' };

type Point = readonly [number, number];

interface Rig {
  readonly store: Store;
  readonly bus: InProcessBus;
  readonly clock: VirtualClock;
  readonly worker: DetectionWorker;
  readonly anomalies: Anomaly[];
  readonly warnings: object[];
  readonly dataDir: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsight-detect-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openRig(
  options: Partial<DetectionOptions> = {},
  shared?: { dataDir: string; store: Store; clock: VirtualClock },
): Promise<Rig> {
  const dataDir = shared?.dataDir ?? (await tempDir());
  const clock = shared?.clock ?? new VirtualClock(T0);
  let store = shared?.store;
  if (store === undefined) {
    const s = await openEmbeddedStore({
      ...defaultEmbeddedStoreOptions(),
      dataDir: join(dataDir, 'store'),
      clock,
      maintenanceIntervalMs: 0,
      retentionMs: 365 * 86_400_000,
    });
    cleanups.push(() => s.close());
    store = s;
  }
  const bus = createInProcessBus({
    clock,
    onSubscriberError: (err) => {
      throw err;
    },
  });
  const warnings: object[] = [];
  const worker = new DetectionWorker(
    {
      store,
      bus,
      clock,
      logger: { info: () => {}, warn: (o) => warnings.push(o), error: (o) => warnings.push(o) },
    },
    { stateDir: join(dataDir, 'detect'), checkIntervalMs: 0, snapshotIntervalMs: 0, ...options },
  );
  await worker.start();
  cleanups.push(() => worker.close());
  const anomalies: Anomaly[] = [];
  worker.onAnomaly((a) => anomalies.push(a));
  return { store, bus, clock, worker, anomalies, warnings, dataDir };
}

/** Publishes points in batches of `per`, moving the clock to each batch's last timestamp. */
async function feed(rig: Rig, points: readonly Point[], metric = 'latency_ms', per = 60) {
  for (let i = 0; i < points.length; i += per) {
    const chunk = points.slice(i, i + per);
    const last = chunk[chunk.length - 1] as Point;
    if (last[0] > rig.clock.nowMs()) rig.clock.set(last[0]);
    const batch: SampleBatch = [
      {
        metric,
        labels: LABELS,
        timestampsMs: chunk.map((p) => p[0]),
        values: chunk.map((p) => p[1]),
      },
    ];
    await rig.bus.publish(batch);
  }
  await rig.worker.idle();
}

function noisy(n: number, stepMs: number, f: (t: number) => number, seed = 3, sd = 2): Point[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const t = T0 + i * stepMs;
    return [t, f(t) + sd * normal(rng)] as const;
  });
}

function seasonal(weeks: number): Point[] {
  return noisy(
    weeks * 7 * 24,
    HOUR,
    (t) => {
      const hour = (t % 86_400_000) / HOUR;
      const dow = (Math.floor(t / 86_400_000) + 4) % 7;
      const weekend = dow === 0 || dow === 6 ? 0.6 : 1;
      return weekend * (500 + 400 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)));
    },
    11,
    5,
  );
}

const steady = (n: number, stepMs = 10_000) => noisy(n, stepMs, () => 100);

describe('DetectionWorker', () => {
  it('finds exactly one anomaly in a steady series with one spike, explained and stored', async () => {
    const rig = await openRig();
    const points = steady(800).map(([t, v], i) => [t, i === 600 ? 1000 : v] as const);
    await feed(rig, points);

    expect(rig.anomalies).toHaveLength(1);
    const a = rig.anomalies[0] as Anomaly;
    expect(a).toMatchObject({
      metric: 'latency_ms',
      labels: LABELS,
      timestampMs: points[600]?.[0],
      value: 1000,
    });
    expect(a.detector).not.toBe('silence');
    expect(a.score).toBeGreaterThanOrEqual(0.5);
    expect(a.score).toBeLessThanOrEqual(1);
    expect(a.expected).toBeGreaterThan(95);
    expect(a.expected).toBeLessThan(105);
    expect(a.lower).toBeLessThanOrEqual(a.expected);
    expect(a.upper).toBeGreaterThanOrEqual(a.expected);
    expect(a.upper).toBeLessThan(200);
    expect(a.deviation).toBeCloseTo(1000 - a.expected, 9);
    expect(a.reason).toMatch(/observed 1000 is .* above expected/);

    // What was stored rebuilds the same record.
    const stored = await queryAnomalies(rig.store, {
      metric: 'latency_ms',
      matchers: [],
      fromMs: T0,
      toMs: T0 + 800 * 10_000,
      minScore: 0,
      limit: 100,
    });
    expect(stored).toEqual([a]);
    expect(rig.worker.stats()).toMatchObject({
      trackedSeries: 1,
      samplesScored: 800,
      anomalies: 1,
    });
    const latest = rig.worker.latest('latency_ms', LABELS);
    expect(latest?.timestampMs).toBe(points[799]?.[0]);
    expect(latest?.isAnomaly).toBe(false);
  });

  it('raises nothing on clean daily seasonality after the first week', async () => {
    const rig = await openRig();
    await feed(rig, seasonal(5), 'requests', 24);
    const late = rig.anomalies.filter((a) => a.timestampMs >= T0 + 7 * 24 * HOUR);
    expect(late).toEqual([]);
    expect(rig.worker.stats().samplesScored).toBe(5 * 7 * 24);
  });

  it('writes the baseline band at most once per series per band step', async () => {
    const rig = await openRig();
    await feed(rig, steady(720)); // 2 h at 10 s
    const band = await queryBaseline(rig.store, {
      metric: 'latency_ms',
      matchers: [],
      fromMs: T0,
      toMs: T0 + 2 * HOUR,
      stepMs: 10_000,
    });
    expect(band).toHaveLength(1);
    expect(band[0]?.labels).toEqual(LABELS);
    const pts = band[0]?.points ?? [];
    // Default band step 5 min: 24 steps in 2 h, less the first (warming up).
    expect(pts.length).toBeGreaterThan(20);
    expect(pts.length).toBeLessThanOrEqual(24);
    for (const [t, e, lo, hi] of pts) {
      expect(t % (5 * MINUTE)).toBe(0);
      expect(lo).toBeLessThanOrEqual(e);
      expect(hi).toBeGreaterThanOrEqual(e);
    }
  });

  it('flags a series that goes silent once per episode, by the timer check', async () => {
    const rig = await openRig();
    const points = steady(300);
    await feed(rig, points);
    expect(rig.anomalies).toHaveLength(0);
    const lastTs = points[299]?.[0] as number;

    rig.clock.advance(20_000); // two missed samples: ordinary
    await rig.worker.checkSilence();
    expect(rig.anomalies).toHaveLength(0);

    rig.clock.advance(10 * MINUTE);
    await rig.worker.checkSilence();
    expect(rig.anomalies).toHaveLength(1);
    const a = rig.anomalies[0] as Anomaly;
    expect(a.detector).toBe('silence');
    expect(a.timestampMs).toBe(lastTs + 20_000 + 10 * MINUTE);
    expect(a.value).toBe(points[299]?.[1]);
    expect(a.reason).toMatch(/^silence: /);

    rig.clock.advance(10 * MINUTE);
    await rig.worker.checkSilence();
    expect(rig.anomalies).toHaveLength(1);

    // The sample that ends the silence does not report the same gap again.
    const back = rig.clock.nowMs();
    await feed(rig, [[back, 100]]);
    expect(rig.anomalies).toHaveLength(1);
    const stored = await queryAnomalies(rig.store, {
      matchers: [],
      fromMs: T0,
      toMs: back,
      minScore: 0.5,
      limit: 10,
    });
    expect(stored).toEqual([a]);
  });

  it('continues exactly from a snapshot: a new worker gives the same next outputs', async () => {
    const a = await openRig();
    const points = steady(700).map(([t, v], i) => [t, i === 650 ? 900 : v] as const);
    await feed(a, points.slice(0, 500));
    await a.worker.snapshot();
    const files = await readdir(join(a.dataDir, 'detect'));
    expect(files).toEqual(['state-0000.json']);

    const b = await openRig({}, { dataDir: a.dataDir, store: a.store, clock: a.clock });
    expect(b.worker.stats().trackedSeries).toBe(1);
    for (let i = 500; i < 700; i += 10) {
      const chunk = points.slice(i, i + 10);
      await feed(a, chunk);
      await feed(b, chunk);
      expect(b.worker.latest('latency_ms', LABELS)).toEqual(a.worker.latest('latency_ms', LABELS));
    }
    expect(a.anomalies.length).toBeGreaterThan(0);
    expect(b.anomalies).toEqual(a.anomalies);
  });

  it('never scores derived series (names with ":") and skips late samples', async () => {
    const rig = await openRig();
    await rig.bus.publish([
      { metric: 'latency_ms:anomaly_score', labels: LABELS, timestampsMs: [T0], values: [1] },
      { metric: 'job:rate5m', labels: LABELS, timestampsMs: [T0], values: [1] },
    ]);
    expect(rig.worker.stats()).toMatchObject({ trackedSeries: 0, samplesScored: 0 });

    await feed(rig, steady(100));
    // The worker's own derived writes did not come back through the bus.
    expect(rig.worker.stats().trackedSeries).toBe(1);
    const before = rig.worker.latest('latency_ms', LABELS);
    await feed(rig, [
      [T0 + 10_000, 5000], // late
      [T0 + 99 * 10_000, 5000], // duplicate of the last timestamp
    ]);
    expect(rig.worker.stats()).toMatchObject({ samplesScored: 100, samplesSkipped: 2 });
    expect(rig.worker.latest('latency_ms', LABELS)).toEqual(before);
    expect(rig.anomalies).toHaveLength(0);
  });

  it('scores an unsorted batch in timestamp order', async () => {
    const rig = await openRig();
    const points = steady(50);
    await feed(rig, [...points].reverse(), 'latency_ms', 100);
    expect(rig.worker.stats()).toMatchObject({ samplesScored: 50, samplesSkipped: 0 });
  });

  it('drops unreadable state with a warning instead of failing', async () => {
    const dataDir = await tempDir();
    const dir = join(dataDir, 'detect');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'state-0000.json'), '{"version":1,"series":[tru');
    const good = await openRig({}, undefined);
    await feed(good, steady(50));
    await good.worker.snapshot();
    const { readFile } = await import('node:fs/promises');
    const doc = JSON.parse(await readFile(join(good.dataDir, 'detect', 'state-0000.json'), 'utf8'));
    doc.series.push({ ...doc.series[0], labels: { service: 'b' }, state: { detector: 'nope' } });
    doc.series.push({ metric: 42 });
    await writeFile(join(dir, 'state-0001.json'), JSON.stringify(doc));

    const rig = await openRig({}, { dataDir, store: good.store, clock: good.clock });
    expect(rig.worker.stats().trackedSeries).toBe(1);
    expect(rig.warnings).toHaveLength(1);
    expect(rig.warnings[0]).toMatchObject({ dropped: 3 });
  });

  it('tracks at most maxSeries series, evicting the least recently updated', async () => {
    const rig = await openRig({ maxSeries: 3 });
    for (const svc of ['a', 'b', 'c', 'a', 'd', 'e']) {
      await rig.bus.publish([
        { metric: 'm', labels: { service: svc }, timestampsMs: [rig.clock.nowMs()], values: [1] },
      ]);
      rig.clock.advance(1_000);
    }
    const s = rig.worker.stats();
    expect(s).toMatchObject({ trackedSeries: 3, evictedSeries: 2 });
    expect(rig.worker.latest('m', { service: 'b' })).toBeUndefined();
    expect(rig.worker.latest('m', { service: 'a' })).toBeDefined();
    expect([...rig.worker.estimates()].map((e) => e.labels.service)).toEqual(['a', 'd', 'e']);
  });

  it('isolates a throwing listener and stops calling an unsubscribed one', async () => {
    const rig = await openRig();
    const got: Anomaly[] = [];
    rig.worker.onAnomaly(() => {
      throw new Error('listener broke');
    });
    const off = rig.worker.onAnomaly((a) => got.push(a));
    const points = steady(800).map(([t, v], i) => [t, i === 600 || i === 700 ? 1000 : v] as const);
    await feed(rig, points.slice(0, 650));
    off();
    await feed(rig, points.slice(650));
    expect(got).toHaveLength(1);
    expect(rig.anomalies.length).toBeGreaterThanOrEqual(2);
    expect(rig.warnings.length).toBeGreaterThanOrEqual(2);
  });

  it('runs the silence check and snapshots on its own timers', async () => {
    const rig = await openRig({ checkIntervalMs: 10, snapshotIntervalMs: 10 });
    const points = steady(300);
    await feed(rig, points);
    rig.clock.advance(30 * MINUTE);
    const silent = await waitFor(() => rig.anomalies.length > 0);
    expect(silent).toBe(true);
    expect(rig.anomalies[0]?.detector).toBe('silence');
    const saved = await waitFor(async () => {
      try {
        return (await readdir(join(rig.dataDir, 'detect'))).includes('state-0000.json');
      } catch {
        return false;
      }
    });
    expect(saved).toBe(true);
  });
});

/** Polls `check` on the event loop until it holds or 5 s pass (no fixed sleeps). */
async function waitFor(check: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + 5_000;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

describe('roundSignificant', () => {
  it.each([
    [123.456, 4, 123.5],
    [123456, 4, 123500],
    [0.000123456, 4, 0.0001235],
    [-98.7654, 3, -98.8],
    [0, 4, 0],
    [1, 4, 1],
    [Number.POSITIVE_INFINITY, 4, Number.POSITIVE_INFINITY],
  ])('%d to %d digits is %d', (v, digits, want) => {
    expect(roundSignificant(v, digits)).toBe(want);
  });

  it('yields values the store keeps in its decimal codec (few decimal digits)', () => {
    for (const v of [0.1 + 0.2, Math.PI * 1e6, 1 / 3, 987.654321e-7]) {
      const r = roundSignificant(v, 4);
      expect(Math.abs(r - v) / Math.abs(v)).toBeLessThan(5e-4);
      expect(
        String(r)
          .replace(/^-?0\.0*|[.-]|e.*$/g, '')
          .replace(/0+$/, '').length,
      ).toBeLessThanOrEqual(4);
    }
  });
});
