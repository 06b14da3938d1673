/**
 * @module
 * Samples/s straight into the embedded store, in this process: the same slices as the remote
 * write run, appended by the same number of concurrent callers, then flushed and measured.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleBatch } from '../src/contract/index.ts';
import { sliceToBatch } from './encode.ts';
import { dirBreakdown, dirUsage } from './processes.ts';
import type { Slice, Workload } from './workload.ts';

export interface StoreDirectResult {
  readonly decimals: number | null;
  readonly samples: number;
  readonly appendMs: number;
  readonly samplesPerSec: number;
  readonly flushMs: number;
  readonly diskBytes: number;
  readonly bytesPerSample: number;
  readonly breakdown: Record<string, number>;
  readonly heapUsedBytes: number;
}

export async function runStoreDirect(
  workload: Workload,
  plans: readonly (readonly Slice[])[],
  dir: string,
): Promise<StoreDirectResult> {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const batches: SampleBatch[][] = plans.map((plan) => plan.map((s) => sliceToBatch(workload, s)));
  let samples = 0;
  for (const client of batches)
    for (const b of client) for (const s of b) samples += s.values.length;
  // Loaded here, not at the top, so the HTTP runs (and the peers) still work while the store
  // does not build.
  const { defaultEmbeddedStoreOptions, openEmbeddedStore } = await import('../src/store/index.ts');
  // Defaults (wall clock, 30 d retention, the maintenance timer) as `opsight start` uses them.
  const store = await openEmbeddedStore({ ...defaultEmbeddedStoreOptions(), dataDir });
  const started = performance.now();
  await Promise.all(
    batches.map(async (client) => {
      for (const batch of client) await store.append(batch);
    }),
  );
  const appendMs = performance.now() - started;
  const heapUsedBytes = process.memoryUsage().heapUsed;
  const flushStarted = performance.now();
  await store.flush();
  await store.close();
  const flushMs = performance.now() - flushStarted;
  const usage = await dirUsage(dataDir);
  return {
    decimals: workload.options.decimals,
    samples,
    appendMs,
    samplesPerSec: samples / (appendMs / 1000),
    flushMs,
    diskBytes: usage.bytes,
    bytesPerSample: usage.bytes / samples,
    breakdown: await dirBreakdown(dataDir),
    heapUsedBytes,
  };
}
