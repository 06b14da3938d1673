/**
 * @module
 * A short benchmark of the embedded engine alone (not a test): append rate, bytes per sample
 * after flush (raw chunks, rollups and index separately), and queryRange latency for the issue's
 * workload (1,000 series x 8,640 samples at 10 s, a mean-reverting random walk with daily
 * seasonality rounded to 2 decimals). Run:
 *   npx rolldown src/store/embedded/embedded.bench.ts --platform node --format esm \
 *     -o /tmp/store-bench.mjs && node /tmp/store-bench.mjs [series] [samples] [decimals|full]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, normal, type SampleBatch } from '../../contract/index.ts';
import { loadSegment } from './block-reader.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { defaultEmbeddedStoreOptions } from './options.ts';

const DAY_MS = 86_400_000;
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function workload(series: number, samples: number, decimals: number | null, endMs: number) {
  const rng = createRng(42);
  const values = new Float64Array(series * samples);
  const startMs = endMs - (samples - 1) * 10_000;
  for (let i = 0; i < series; i++) {
    const level = 10 * 100 ** rng.next();
    const amplitude = level * (0.1 + 0.3 * rng.next());
    const phase = 2 * Math.PI * rng.next();
    const sigma = level * 0.002;
    let walk = 0;
    for (let j = 0; j < samples; j++) {
      const t = startMs + j * 10_000;
      walk = walk * 0.999 + sigma * normal(rng);
      const v = level + amplitude * Math.sin((2 * Math.PI * t) / DAY_MS + phase) + walk;
      values[i * samples + j] =
        decimals === null
          ? v * (1 + rng.next() * 1e-9)
          : Math.round(v * 10 ** decimals) / 10 ** decimals;
    }
  }
  return { values, startMs };
}

function batches(
  _series: number,
  samples: number,
  w: ReturnType<typeof workload>,
  per: number,
  from: number,
  to: number,
): SampleBatch[] {
  const out: SampleBatch[] = [];
  for (let j0 = 0; j0 < samples; j0 += per) {
    const batch = [];
    for (let i = from; i < to; i++) {
      const ts = new Float64Array(per);
      const vals = new Float64Array(per);
      for (let k = 0; k < per; k++) {
        ts[k] = w.startMs + (j0 + k) * 10_000;
        vals[k] = w.values[i * samples + j0 + k] as number;
      }
      batch.push({
        metric: 'bench_value',
        labels: {
          source_id: `src-${String(i).padStart(4, '0')}`,
          job: `job-${i % 5}`,
          region: `r-${i % 3}`,
        },
        timestampsMs: ts,
        values: vals,
      });
    }
    out.push(batch);
  }
  return out;
}

function segmentBreakdown(dataDir: string): { chunks: number; pages: number; other: number } {
  const dir = join(dataDir, 'segments');
  let chunks = 0;
  let pages = 0;
  let total = 0;
  for (const name of readdirSync(dir)) {
    total += statSync(join(dir, name)).size;
    const seg = loadSegment(dir, name);
    for (const s of seg.series) {
      for (const c of s.chunks) chunks += c.length;
      for (const p of s.pages) pages += p.length;
    }
  }
  return { chunks, pages, other: total - chunks - pages };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

async function main(): Promise<void> {
  const series = Number(process.argv[2] ?? 1000);
  const samples = Number(process.argv[3] ?? 8640);
  const decimals = process.argv[4] === 'full' ? null : Number(process.argv[4] ?? 2);
  const clients = Number(process.argv[5] ?? 4);
  const endMs = Math.floor(Date.now() / 10_000) * 10_000;
  const w = workload(series, samples, decimals, endMs);
  const plans = Array.from({ length: clients }, (_, c) =>
    batches(
      series,
      samples,
      w,
      10,
      Math.floor((c * series) / clients),
      Math.floor(((c + 1) * series) / clients),
    ),
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'opsight-store-bench-'));
  const options = { ...defaultEmbeddedStoreOptions(), dataDir, maintenanceIntervalMs: 0 };
  const store = new EmbeddedStore(options);
  store.open();
  const total = series * samples;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    plans.map(async (plan) => {
      for (const b of plan) await store.append(b);
    }),
  );
  const appendMs = performance.now() - t0;
  const appendCpu = process.cpuUsage(cpu0);
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  if (process.env.BENCH_ONLY === 'append-only') {
    out(
      `append: ${(total / (appendMs / 1000) / 1e6).toFixed(2)} M samples/s, ${((appendCpu.user + appendCpu.system) / 1000).toFixed(0)} ms CPU`,
    );
    process.exit(0);
  }
  const t1 = performance.now();
  await store.flush();
  const flushMs = performance.now() - t1;
  const disk = dirBytes(dataDir);
  const seg = segmentBreakdown(dataDir);
  out(
    `workload: ${series} series x ${samples} samples, ${decimals === null ? 'full-precision floats' : `${decimals} decimals`}, ${clients} concurrent appenders of ${Math.ceil(series / clients)} series x 10 samples`,
  );
  out(
    `append: ${(total / (appendMs / 1000) / 1e6).toFixed(2)} M samples/s (${appendMs.toFixed(0)} ms wall, ${((appendCpu.user + appendCpu.system) / 1000).toFixed(0)} ms CPU), heap ${heapMb.toFixed(0)} MiB`,
  );
  out(`flush: ${flushMs.toFixed(0)} ms`);
  out(
    `disk: ${(disk / total).toFixed(3)} B/sample total (${disk} B): raw chunks ${(seg.chunks / total).toFixed(3)}, rollups ${(seg.pages / total).toFixed(3)}, footers+index+wal ${((disk - seg.chunks - seg.pages) / total).toFixed(3)}`,
  );
  if (process.env.BENCH_ONLY === 'append') {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
  const toMs = endMs;
  const fromMs = endMs - DAY_MS + 1;
  for (const [label, groupBy] of [
    ['groupBy=[]', []],
    ['groupBy=undefined', undefined],
  ] as const) {
    for (const agg of (process.env.BENCH_AGGS ?? 'avg,p99').split(',') as Array<'avg' | 'p99'>) {
      const times: number[] = [];
      const cpu: number[] = [];
      let points = 0;
      const runs = Number(process.env.BENCH_QUERY_RUNS ?? (agg === 'avg' ? 15 : 3));
      for (let r = 0; r < runs; r++) {
        const q0 = performance.now();
        const c0 = process.cpuUsage();
        const res = await store.queryRange({
          metric: 'bench_value',
          matchers: [],
          fromMs,
          toMs,
          stepMs: 60_000,
          agg,
          ...(groupBy === undefined ? {} : { groupBy }),
        });
        times.push(performance.now() - q0);
        const c1 = process.cpuUsage(c0);
        cpu.push((c1.user + c1.system) / 1000);
        points = res.reduce((a, s) => a + s.points.length, 0);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const mid = Math.floor(times.length / 2);
      out(
        `queryRange 24h step 60s agg=${agg} ${label}: p50 ${times[mid]?.toFixed(1)} ms wall, ${cpu[mid]?.toFixed(1)} ms CPU, min ${times[0]?.toFixed(1)} ms (${points} points)`,
      );
    }
  }
  await store.close();
  const t2 = performance.now();
  const again = new EmbeddedStore(options);
  again.open();
  out(`reopen: ${(performance.now() - t2).toFixed(0)} ms`);
  const c2 = process.cpuUsage();
  const t3 = performance.now();
  await again.queryRange({
    metric: 'bench_value',
    matchers: [],
    fromMs,
    toMs,
    stepMs: 60_000,
    agg: 'avg',
    groupBy: [],
  });
  const cold = process.cpuUsage(c2);
  out(
    `cold queryRange avg groupBy=[] after reopen: ${(performance.now() - t3).toFixed(1)} ms wall, ${((cold.user + cold.system) / 1000).toFixed(1)} ms CPU`,
  );
  await again.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
