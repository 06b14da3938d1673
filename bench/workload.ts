/**
 * @module
 * The benchmark workload: N series × M samples at a fixed interval, a seeded random walk on top
 * of a daily sine, values rounded to a fixed number of decimals (2 by default, as most exporters
 * and sensors report; full precision is an option because it costs float compressors more bits).
 *
 * Same options (seed, counts, endMs) give the same labels, timestamps and values, bit for bit.
 * The runner picks `endMs` shortly before "now" so that every engine accepts the data (inside
 * retention, not in the future) and the query window covers it.
 */
import { createRng, type Labels, normal } from '../src/contract/index.ts';

export const BENCH_METRIC = 'bench_metric';
const DAY_MS = 86_400_000;
const JOBS = ['api', 'db', 'cache', 'queue'] as const;
const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
const INSTANCES = 100;

export interface WorkloadOptions {
  readonly seriesCount: number;
  readonly samplesPerSeries: number;
  readonly intervalMs: number;
  readonly seed: number;
  /** Timestamp of the last sample of every series (ms since the epoch); a multiple of intervalMs. */
  readonly endMs: number;
  /** Decimals every value is rounded to; null keeps full float64 precision. */
  readonly decimals: number | null;
}

/** The workload: 1,000 series × 8,640 samples at 10 s (24 h), 2 decimals. */
export function defaultWorkloadOptions(endMs: number): WorkloadOptions {
  return {
    seriesCount: 1_000,
    samplesPerSeries: 8_640,
    intervalMs: 10_000,
    seed: 42,
    endMs: alignDown(endMs, 10_000),
    decimals: 2,
  };
}

/** The `--quick` smoke workload: 100 series × 2,160 samples (6 h at 10 s). */
export function quickWorkloadOptions(endMs: number): WorkloadOptions {
  return { ...defaultWorkloadOptions(endMs), seriesCount: 100, samplesPerSeries: 2_160 };
}

export interface Workload {
  readonly options: WorkloadOptions;
  /** Labels of series i, without `__name__` (the metric is BENCH_METRIC). */
  readonly labels: readonly Labels[];
  /** Timestamp of the first sample (ms); sample j is at startMs + j × intervalMs. */
  readonly startMs: number;
  /** Series-major values: sample j of series i is values[i × samplesPerSeries + j]. */
  readonly values: Float64Array;
}

export function alignDown(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/** Labels of series i: a unique `source_id` plus instance/job/region spread over few values. */
export function seriesLabels(i: number): Labels {
  return {
    source_id: `src-${String(i).padStart(4, '0')}`,
    instance: `host-${String(i % INSTANCES).padStart(2, '0')}`,
    job: JOBS[i % JOBS.length] as string,
    region: REGIONS[i % REGIONS.length] as string,
  };
}

export function generateWorkload(options: WorkloadOptions): Workload {
  const { seriesCount, samplesPerSeries: n, intervalMs, seed, endMs, decimals } = options;
  if (endMs % intervalMs !== 0) throw new RangeError('endMs must be a multiple of intervalMs');
  const startMs = endMs - (n - 1) * intervalMs;
  const rng = createRng(seed);
  const values = new Float64Array(seriesCount * n);
  const scale = decimals === null ? 0 : 10 ** decimals;
  const labels: Labels[] = [];
  for (let i = 0; i < seriesCount; i++) {
    labels.push(seriesLabels(i));
    // Levels from 10 to 1,000 so values have 2–4 integer digits, like latencies or rates.
    const level = 10 * 100 ** rng.next();
    const amplitude = level * (0.1 + 0.3 * rng.next());
    const phase = 2 * Math.PI * rng.next();
    const stepSigma = level * 0.002;
    let walk = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const t = startMs + j * intervalMs;
      // Mean-reverting walk (pulls 0.1% back per step) so long runs stay near the level.
      walk = walk * 0.999 + stepSigma * normal(rng);
      const v = level + amplitude * Math.sin((2 * Math.PI * t) / DAY_MS + phase) + walk;
      values[row + j] = scale === 0 ? v : Math.round(v * scale) / scale;
    }
  }
  return { options, labels, startMs, values };
}

/** The slice of a workload one request carries: series [seriesFrom, seriesTo) × samples [sampleFrom, sampleTo). */
export interface Slice {
  readonly seriesFrom: number;
  readonly seriesTo: number;
  readonly sampleFrom: number;
  readonly sampleTo: number;
}

export function sliceSamples(s: Slice): number {
  return (s.seriesTo - s.seriesFrom) * (s.sampleTo - s.sampleFrom);
}

/**
 * Splits the workload among `clients`: client c owns a contiguous quarter (for 4) of the series
 * and walks time forward, each request carrying all its series × `samplesPerSeries` consecutive
 * samples. Every sample lands in exactly one slice. Slicing by time (not by a sample count)
 * keeps the clients' time skew the same in quick and full runs, which matters to Prometheus:
 * it rejects samples older than the head it has already compacted ("out of bounds").
 */
export function planClients(
  workload: Workload,
  clients: number,
  samplesPerSeries: number,
): Slice[][] {
  if (!(samplesPerSeries >= 1)) throw new RangeError('samplesPerSeries must be >= 1');
  const { seriesCount } = workload.options;
  const plans: Slice[][] = [];
  for (let c = 0; c < clients; c++) {
    const seriesFrom = Math.floor((c * seriesCount) / clients);
    const seriesTo = Math.floor(((c + 1) * seriesCount) / clients);
    const plan: Slice[] = [];
    const total = workload.options.samplesPerSeries;
    if (seriesTo > seriesFrom) {
      for (let j = 0; j < total; j += samplesPerSeries) {
        plan.push({
          seriesFrom,
          seriesTo,
          sampleFrom: j,
          sampleTo: Math.min(total, j + samplesPerSeries),
        });
      }
    }
    plans.push(plan);
  }
  return plans;
}
