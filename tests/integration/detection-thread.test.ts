/**
 * The detection thread (DetectionThread + detection-thread.ts in a worker_threads Worker): the
 * same anomalies and band as the inline worker, restore through the thread, and ingest that goes
 * on while the detection queue overflows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Anomaly, type SampleBatch, VirtualClock } from '../../src/contract/index.ts';
import {
  createInProcessBus,
  DetectionThread,
  type DetectionThreadOptions,
} from '../../src/pipeline/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore } from '../../src/store/index.ts';
import { TS_THREAD_EXEC_ARGV } from './detection-thread-support.ts';

const T0 = Date.UTC(2026, 0, 5);
const STEP_MS = 10_000;
const DEADLINE_MS = 15_000;

interface Rig {
  readonly dir: string;
  readonly clock: VirtualClock;
  readonly store: Awaited<ReturnType<typeof openEmbeddedStore>>;
  readonly bus: ReturnType<typeof createInProcessBus>;
  readonly detection: DetectionThread;
  readonly warnings: string[];
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function rig(options: Partial<DetectionThreadOptions> = {}, dir?: string): Promise<Rig> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'opsight-detect-thread-')));
  const clock = new VirtualClock(T0);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(d, 'store'),
    clock,
    maintenanceIntervalMs: 0,
  });
  const bus = createInProcessBus({ clock });
  const warnings: string[] = [];
  const logger = {
    info: () => {},
    warn: (_o: object, msg?: string) => warnings.push(msg ?? ''),
    error: (_o: object, msg?: string) => warnings.push(`error: ${msg ?? ''}`),
  };
  const detection = new DetectionThread(
    { store, bus, clock, logger },
    {
      stateDir: join(d, 'detect'),
      checkIntervalMs: 0,
      snapshotIntervalMs: 0,
      execArgv: TS_THREAD_EXEC_ARGV,
      ...options,
    },
  );
  await detection.start();
  let closed = false;
  cleanup.push(async () => {
    if (!closed) await detection.close();
    await store.close();
    if (dir === undefined) await rm(d, { recursive: true, force: true });
  });
  const close = detection.close.bind(detection);
  detection.close = async () => {
    closed = true;
    await close();
  };
  return { dir: d, clock, store, bus, detection, warnings };
}

function steady(i: number): number {
  return 100 + ((i * 7919) % 13) / 3 - 2;
}

/** One sample per step of `series` series; step `spikeAt` of series 0 is a spike. */
function batch(step: number, series: number, spikeAt = -1): SampleBatch {
  return Array.from({ length: series }, (_, k) => ({
    metric: 'thread_probe',
    labels: { source_id: `s${k}` },
    timestampsMs: [T0 + step * STEP_MS],
    values: [k === 0 && step === spikeAt ? 400 : steady(step + k)],
  }));
}

async function ingest(r: Rig, b: SampleBatch): Promise<void> {
  await r.store.append(b, { maxSeriesPerMetric: 100_000 });
  await r.bus.publish(b);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('DetectionThread', () => {
  it('finds the spike off the main thread, tells listeners, stores it and keeps estimates', async () => {
    const r = await rig();
    const seen: Anomaly[] = [];
    r.detection.onAnomaly((a) => seen.push(a));
    for (let s = 0; s < 300; s++) await ingest(r, batch(s, 3, 250));
    await until('the spike', () => seen.length > 0);
    await r.detection.idle();
    expect(seen.map((a) => [a.labels.source_id, a.timestampMs])).toEqual([
      ['s0', T0 + 250 * STEP_MS],
    ]);
    expect(r.detection.stats()).toMatchObject({
      trackedSeries: 3,
      samplesScored: 900,
      samplesDropped: 0,
      queuedSamples: 0,
    });
    const e = r.detection.latest('thread_probe', { source_id: 's1' });
    expect(e?.timestampMs).toBe(T0 + 299 * STEP_MS);
    expect([...r.detection.estimates()]).toHaveLength(3);
    const scores = await r.store.select({
      metric: 'thread_probe:anomaly_score',
      matchers: [],
      fromMs: T0,
      toMs: T0 + 300 * STEP_MS,
    });
    expect(scores.flatMap((x) => x.points.map((p) => p[0]))).toEqual([T0 + 250 * STEP_MS]);
    // Band: one point per 5 minutes of event time per series (30 steps), plus the anomaly's.
    const band = await r.store.select({
      metric: 'thread_probe:expected',
      matchers: [{ name: 'source_id', op: '=', value: 's1' }],
      fromMs: T0,
      toMs: T0 + 300 * STEP_MS,
    });
    const points = band[0]?.points.length ?? 0;
    expect(points).toBeGreaterThan(0);
    expect(points).toBeLessThanOrEqual(10);
  });

  it('keeps ingest going while the detection queue overflows, and counts what it dropped', async () => {
    const r = await rig({ maxQueuedSamples: 500, dropWarnIntervalMs: 60_000 });
    // Two batches of 300 delivered in one tick (the bus delivers synchronously): the thread
    // cannot answer in between, so at least the second of each pair overflows the queue.
    const pair = async (step: number): Promise<void> => {
      const a = batch(step, 300);
      const b = batch(step, 600).slice(300);
      await r.store.append([...a, ...b], { maxSeriesPerMetric: 100_000 });
      const first = r.bus.publish(a);
      await r.bus.publish(b);
      await first;
    };
    for (let s = 0; s < 20; s++) await pair(s);
    // Every append succeeded: the store has everything, whatever the thread managed to score.
    expect((await r.store.stats()).samples).toBe(20 * 600);
    const st = r.detection.stats();
    expect(st.samplesDropped).toBeGreaterThanOrEqual(20 * 300);
    expect(st.queuedSamples).toBeLessThanOrEqual(500);
    // The virtual clock stands still: one warning however many drops.
    expect(r.warnings.filter((w) => w.includes('queue full'))).toHaveLength(1);
    await r.detection.idle();
    const done = r.detection.stats();
    expect(done.queuedSamples).toBe(0);
    expect(done.samplesScored + done.samplesDropped).toBe(20 * 600);
    // A minute later it warns again.
    r.clock.advance(60_000);
    await pair(20);
    expect(r.warnings.filter((w) => w.includes('queue full'))).toHaveLength(2);
  });

  it('restores through the thread: a restarted thread catches a spike at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opsight-detect-thread-restore-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const a = await rig({}, dir);
    for (let s = 0; s < 200; s++) await ingest(a, batch(s, 2));
    await a.detection.idle();
    const before = a.detection.latest('thread_probe', { source_id: 's0' });
    await a.detection.close();
    await a.store.close();

    const b = await rig({}, dir);
    expect(b.detection.stats().trackedSeries).toBe(2);
    const seen: Anomaly[] = [];
    b.detection.onAnomaly((x) => seen.push(x));
    await ingest(b, batch(200, 2, 200));
    await until('the spike after restart', () => seen.length > 0);
    expect(seen[0]?.timestampMs).toBe(T0 + 200 * STEP_MS);
    expect(before?.timestampMs).toBe(T0 + 199 * STEP_MS);
  });
});
