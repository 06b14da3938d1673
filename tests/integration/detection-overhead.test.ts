/**
 * What detection costs on the ingest path: samples/s of `store.append` + `bus.publish` for many
 * series on the real embedded store, without detection, with the inline worker (scoring inside
 * publish) and with the detection thread (publish only posts the batch; also timed until the
 * thread has scored everything and its derived samples are stored). Prints the numbers
 * (docs/decisions/0006-anomaly-storage.md quotes them) and fails only on a pathological
 * slowdown, since the machine is shared and timings are noisy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type SampleBatch, VirtualClock } from '../../src/contract/index.ts';
import { createInProcessBus, DetectionThread, DetectionWorker } from '../../src/pipeline/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore } from '../../src/store/index.ts';
import { TS_THREAD_EXEC_ARGV } from './detection-thread-support.ts';

const T0 = Date.UTC(2026, 0, 5);
const SERIES = 1_000;
const STEPS = 120;
const STEP_MS = 10_000;

type Mode = 'without detection' | 'inline worker' | 'inline worker, band 1 min' | 'thread';

interface Result {
  samplesPerSecond: number;
  drainedPerSecond: number;
  derivedSamples: number;
}

async function measure(mode: Mode): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'opsight-detect-overhead-'));
  const clock = new VirtualClock(T0 + STEPS * STEP_MS);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(dir, 'store'),
    clock,
    maintenanceIntervalMs: 0,
  });
  const bus = createInProcessBus({ clock });
  const common = { stateDir: join(dir, 'detect'), checkIntervalMs: 0, snapshotIntervalMs: 0 };
  const detection =
    mode === 'without detection'
      ? undefined
      : mode === 'thread'
        ? new DetectionThread({ store, bus, clock }, { ...common, execArgv: TS_THREAD_EXEC_ARGV })
        : new DetectionWorker(
            { store, bus, clock },
            { ...common, ...(mode === 'inline worker' ? {} : { bandStepMs: 60_000 }) },
          );
  await detection?.start();
  const startedMs = performance.now();
  for (let s = 0; s < STEPS; s++) {
    const batch: SampleBatch = Array.from({ length: SERIES }, (_, k) => ({
      metric: 'overhead_probe',
      labels: { source_id: `s${k}` },
      timestampsMs: [T0 + s * STEP_MS],
      values: [100 + ((s * 31 + k) % 17)],
    }));
    await store.append(batch, { maxSeriesPerMetric: 10 * SERIES });
    await bus.publish(batch);
  }
  const ingestMs = performance.now() - startedMs;
  await detection?.idle();
  const drainedMs = performance.now() - startedMs;
  const stored = (await store.stats()).samples;
  if (detection !== undefined) {
    expect(detection.stats().samplesScored).toBe(SERIES * STEPS);
    await detection.close();
  }
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return {
    samplesPerSecond: (SERIES * STEPS) / (ingestMs / 1000),
    drainedPerSecond: (SERIES * STEPS) / (drainedMs / 1000),
    derivedSamples: stored - SERIES * STEPS,
  };
}

it('detection slows ingest by a bounded factor, and the thread takes it off publish', async () => {
  const results: Partial<Record<Mode, Result>> = {};
  const modes = ['without detection', 'inline worker', 'inline worker, band 1 min', 'thread'];
  for (const mode of modes as Mode[]) results[mode] = await measure(mode);
  const line = Object.entries(results)
    .map(
      ([mode, r]) =>
        `${mode}: ${Math.round(r.samplesPerSecond)} samples/s ingest, ` +
        `${Math.round(r.drainedPerSecond)} samples/s scored, ${r.derivedSamples} derived samples`,
    )
    .join('; ');
  process.stdout.write(`detection overhead, ${SERIES} series × ${STEPS} batches: ${line}\n`);
  const without = results['without detection']?.samplesPerSecond ?? 0;
  expect(results['inline worker']?.samplesPerSecond).toBeGreaterThan(without / 10);
  expect(results.thread?.samplesPerSecond).toBeGreaterThan(without / 5);
  // The 5-minute band stores fewer derived samples than the 1-minute one.
  expect(results['inline worker']?.derivedSamples).toBeLessThan(
    results['inline worker, band 1 min']?.derivedSamples ?? 0,
  );
});
