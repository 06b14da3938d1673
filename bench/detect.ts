/**
 * @module
 * Detector benchmark: points/s of each detector on one core, and the size of the state a
 * series carries at 100,000 series (serialized JSON bytes and measured heap bytes). Prints
 * nothing; `runDetectorBench` returns the numbers for bench/run.ts to report.
 *
 * Workload: `seriesForThroughput` series of a daily sine with noise and rare spikes, 1-minute
 * cadence, fed interleaved by time (as live ingest would), after an untimed JIT warm-up.
 */
import { arch, cpus, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRng, normal } from '../src/contract/index.ts';
import { createDetector, DETECTOR_NAMES, type Detector } from '../src/detect/index.ts';

export interface DetectorBenchOptions {
  /** Detectors to time (default: all). */
  readonly detectors?: readonly string[];
  /** Points timed per detector. */
  readonly points?: number;
  /** Series the throughput points are spread over. */
  readonly seriesForThroughput?: number;
  /** Series whose state is measured. */
  readonly stateSeries?: number;
  /** Points fed to each of them first (so tables and counters are populated). */
  readonly statePointsPerSeries?: number;
  readonly seed?: number;
}

export interface DetectorThroughput {
  readonly detector: string;
  readonly points: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds of this process (user + system): less disturbed on a shared machine. */
  readonly cpuSeconds: number;
  readonly pointsPerSec: number;
  readonly pointsPerCpuSec: number;
  readonly anomalies: number;
}

export interface DetectorStateSize {
  readonly detector: string;
  readonly series: number;
  /** Mean UTF-8 bytes of JSON.stringify(serialize()) per series. */
  readonly serializedBytesPerSeries: number;
  /** Heap + ArrayBuffer growth per series while holding them all (NaN without --expose-gc). */
  readonly heapBytesPerSeries: number;
}

export interface DetectorBenchResult {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly platform: string;
  readonly throughput: readonly DetectorThroughput[];
  readonly state: readonly DetectorStateSize[];
}

const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2026, 0, 5);

function workload(series: number, steps: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const values = new Float64Array(series * steps);
  for (let s = 0; s < series; s++) {
    const level = 100 + 900 * rng.next();
    for (let t = 0; t < steps; t++) {
      const daily = Math.sin((2 * Math.PI * t) / 1440);
      const spike = rng.next() < 0.001 ? 8 : 0;
      values[t * series + s] = level * (1 + 0.3 * daily + 0.02 * normal(rng) + spike);
    }
  }
  return values;
}

function feed(detectors: Detector[], values: Float64Array, steps: number): number {
  const series = detectors.length;
  let anomalies = 0;
  for (let t = 0; t < steps; t++) {
    const ts = START_MS + t * MINUTE_MS;
    const row = t * series;
    for (let s = 0; s < series; s++) {
      if (detectors[s]?.update(ts, values[row + s] ?? 0).isAnomaly === true) anomalies++;
    }
  }
  return anomalies;
}

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) return false;
  g();
  return true;
}

export async function runDetectorBench(
  options: DetectorBenchOptions = {},
): Promise<DetectorBenchResult> {
  const names = options.detectors ?? DETECTOR_NAMES;
  const points = options.points ?? 2_000_000;
  const seriesCount = options.seriesForThroughput ?? 1000;
  const steps = Math.max(1, Math.ceil(points / seriesCount));
  const values = workload(seriesCount, steps, options.seed ?? 1);
  const throughput: DetectorThroughput[] = [];
  for (const name of names) {
    // Untimed warm-up so the JIT has compiled the hot path.
    feed(
      Array.from({ length: seriesCount }, () => createDetector(name)),
      values,
      Math.min(steps, 200),
    );
    const detectors = Array.from({ length: seriesCount }, () => createDetector(name));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const anomalies = feed(detectors, values, steps);
    const cpu = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const n = steps * seriesCount;
    throughput.push({
      detector: name,
      points: n,
      seconds,
      cpuSeconds,
      pointsPerSec: n / seconds,
      pointsPerCpuSec: n / cpuSeconds,
      anomalies,
    });
    await Promise.resolve();
  }

  const stateSeries = options.stateSeries ?? 100_000;
  const perSeries = options.statePointsPerSeries ?? 60;
  const state: DetectorStateSize[] = [];
  const stateValues = workload(1, perSeries, (options.seed ?? 1) + 1);
  for (const name of names) {
    // Two collections a tick apart: ArrayBuffer backing stores of the previous round are
    // released asynchronously.
    const hasGc = gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const before = heapBytes();
    const detectors: Detector[] = new Array(stateSeries);
    for (let s = 0; s < stateSeries; s++) {
      const d = createDetector(name);
      for (let t = 0; t < perSeries; t++)
        d.update(START_MS + t * MINUTE_MS * 60, stateValues[t] ?? 0);
      detectors[s] = d;
    }
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const heap = hasGc ? (heapBytes() - before) / stateSeries : Number.NaN;
    let bytes = 0;
    for (const d of detectors) bytes += JSON.stringify(d.serialize()).length;
    state.push({
      detector: name,
      series: stateSeries,
      serializedBytesPerSeries: bytes / stateSeries,
      heapBytesPerSeries: heap,
    });
    detectors.length = 0;
    await Promise.resolve();
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores)`,
    platform: `${platform()} ${arch()}`,
    throughput,
    state,
  };
}

/** JS heap plus ArrayBuffer backing stores (the seasonal tables live there). */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
