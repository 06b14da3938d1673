/**
 * @module
 * Request bodies for each ingest format, built from workload slices before any timing starts.
 *
 * - Prometheus remote write 1.0: a snappy (block format) compressed `prometheus.WriteRequest`
 *   protobuf with labels sorted by name, made by src/ingest's encoder (the test decodes it with
 *   protobufjs, independently of our decoder).
 * - Data contract v1: NDJSON, one telemetry event per line (`source_id` is the series id label,
 *   the other labels travel as `tags`).
 * - Influx line protocol: `bench_metric,<tags> value=<float> <ms>` with `precision=ms`.
 */
import type { SampleBatch, SeriesSamples } from '../src/contract/index.ts';
import { encodeRemoteWrite, type RemoteWriteSeries } from '../src/ingest/index.ts';
import { BENCH_METRIC, type Slice, type Workload } from './workload.ts';

/** One slice as remote write series (`__name__` among the labels; the encoder sorts them). */
export function remoteWriteSeries(workload: Workload, slice: Slice): RemoteWriteSeries[] {
  const { samplesPerSeries: n, intervalMs } = workload.options;
  const out: RemoteWriteSeries[] = [];
  for (let i = slice.seriesFrom; i < slice.seriesTo; i++) {
    const samples: [number, number][] = [];
    for (let j = slice.sampleFrom; j < slice.sampleTo; j++) {
      samples.push([workload.startMs + j * intervalMs, workload.values[i * n + j] as number]);
    }
    out.push({ labels: { __name__: BENCH_METRIC, ...workload.labels[i] }, samples });
  }
  return out;
}

/** Snappy-compressed WriteRequest protobuf for one slice (the ingest package's encoder). */
export function encodeRemoteWriteSlice(workload: Workload, slice: Slice): Uint8Array {
  return encodeRemoteWrite(remoteWriteSeries(workload, slice));
}

/** NDJSON telemetry events (data contract v1), one per sample, series-major within the slice. */
export function encodeNdjsonSlice(workload: Workload, slice: Slice): string {
  const { samplesPerSeries: n, intervalMs } = workload.options;
  const lines: string[] = [];
  for (let i = slice.seriesFrom; i < slice.seriesTo; i++) {
    const { source_id, ...tags } = workload.labels[i] ?? {};
    const head = `{"source_id":${JSON.stringify(source_id)},"metric_name":"${BENCH_METRIC}","tags":${JSON.stringify(tags)},"timestamp":"`;
    for (let j = slice.sampleFrom; j < slice.sampleTo; j++) {
      const ts = new Date(workload.startMs + j * intervalMs).toISOString();
      lines.push(`${head}${ts}","metric_value":${String(workload.values[i * n + j])}}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Influx line protocol escaping for tag keys and values (comma, equals sign, space). */
function escapeTag(s: string): string {
  return s.replace(/[,= ]/g, (c) => `\\${c}`);
}

/** Influx line protocol, millisecond precision, field `value` as a float. */
export function encodeLineProtocolSlice(workload: Workload, slice: Slice): string {
  const { samplesPerSeries: n, intervalMs } = workload.options;
  let out = '';
  for (let i = slice.seriesFrom; i < slice.seriesTo; i++) {
    const labels = workload.labels[i] ?? {};
    let head = BENCH_METRIC;
    for (const name of Object.keys(labels).sort()) {
      head += `,${escapeTag(name)}=${escapeTag(labels[name] as string)}`;
    }
    head += ' value=';
    for (let j = slice.sampleFrom; j < slice.sampleTo; j++) {
      out += `${head}${String(workload.values[i * n + j])} ${workload.startMs + j * intervalMs}\n`;
    }
  }
  return out;
}

/** The same slice as the store's input (what every ingest decoder hands the store). */
export function sliceToBatch(workload: Workload, slice: Slice): SampleBatch {
  const { samplesPerSeries: n, intervalMs } = workload.options;
  const count = slice.sampleTo - slice.sampleFrom;
  const timestampsMs = new Float64Array(count);
  for (let k = 0; k < count; k++)
    timestampsMs[k] = workload.startMs + (slice.sampleFrom + k) * intervalMs;
  const batch: SeriesSamples[] = [];
  for (let i = slice.seriesFrom; i < slice.seriesTo; i++) {
    batch.push({
      metric: BENCH_METRIC,
      labels: workload.labels[i] ?? {},
      timestampsMs,
      values: workload.values.subarray(i * n + slice.sampleFrom, i * n + slice.sampleTo),
    });
  }
  return batch;
}
