/**
 * What the detection worker costs on the ingest path: samples/s of `store.append` + `bus.publish`
 * for many series, with and without the worker (and with the worker writing no band), on the
 * real embedded store. Prints the numbers (docs/decisions/0006-anomaly-storage.md quotes them)
 * and fails only on a pathological slowdown, since the machine is shared and timings are noisy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type SampleBatch, VirtualClock } from '../../src/contract/index.ts';
import { createInProcessBus, DetectionWorker } from '../../src/pipeline/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore } from '../../src/store/index.ts';

const T0 = Date.UTC(2026, 0, 5);
const SERIES = 1_000;
const STEPS = 120;
const STEP_MS = 10_000;

type Mode = 'without worker' | 'with worker' | 'with worker, no band';

async function measure(mode: Mode): Promise<{ samplesPerSecond: number; snapshotMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsight-detect-overhead-'));
  const clock = new VirtualClock(T0 + STEPS * STEP_MS);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(dir, 'store'),
    clock,
    maintenanceIntervalMs: 0,
  });
  const bus = createInProcessBus({ clock });
  const worker =
    mode === 'without worker'
      ? undefined
      : new DetectionWorker(
          { store, bus, clock },
          {
            stateDir: join(dir, 'detect'),
            checkIntervalMs: 0,
            snapshotIntervalMs: 0,
            ...(mode === 'with worker, no band' ? { bandStepMs: Number.MAX_SAFE_INTEGER } : {}),
          },
        );
  await worker?.start();
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
  await worker?.idle();
  const elapsedMs = performance.now() - startedMs;
  let snapshotMs = 0;
  if (worker !== undefined) {
    const t = performance.now();
    await worker.snapshot();
    snapshotMs = performance.now() - t;
    expect(worker.stats().samplesScored).toBe(SERIES * STEPS);
    await worker.close();
  }
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { samplesPerSecond: (SERIES * STEPS) / (elapsedMs / 1000), snapshotMs };
}

it('detection slows ingest by a bounded factor', async () => {
  const results: Record<string, { samplesPerSecond: number; snapshotMs: number }> = {};
  for (const mode of ['without worker', 'with worker', 'with worker, no band'] as const) {
    results[mode] = await measure(mode);
  }
  const line = Object.entries(results)
    .map(
      ([mode, r]) =>
        `${mode}: ${Math.round(r.samplesPerSecond)} samples/s${r.snapshotMs > 0 ? ` (snapshot ${Math.round(r.snapshotMs)} ms)` : ''}`,
    )
    .join('; ');
  process.stdout.write(`detection overhead, ${SERIES} series × ${STEPS} batches: ${line}\n`);
  const without = results['without worker']?.samplesPerSecond ?? 0;
  const withWorker = results['with worker']?.samplesPerSecond ?? 0;
  expect(withWorker).toBeGreaterThan(without / 10);
});
