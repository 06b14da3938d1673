import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { countSamples, TelemetryEventSchema } from '../src/contract/index.ts';
import {
  encodeLineProtocolSlice,
  encodeNdjsonSlice,
  encodeRemoteWriteSlice,
  sliceToBatch,
} from './encode.ts';
import {
  BENCH_METRIC,
  generateWorkload,
  type Slice,
  sliceSamples,
  type Workload,
} from './workload.ts';

const END_MS = Date.UTC(2026, 0, 2);
// TypeBox checks formats only once registered; RFC 3339 date-time with a zone, as the schema says.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (s) => RFC3339.test(s));

function workload(decimals: number | null = 2): Workload {
  return generateWorkload({
    seriesCount: 9,
    samplesPerSeries: 30,
    intervalMs: 10_000,
    seed: 3,
    endMs: END_MS,
    decimals,
  });
}

const arbSlice = fc
  .tuple(
    fc.integer({ min: 0, max: 8 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 0, max: 29 }),
    fc.integer({ min: 1, max: 30 }),
  )
  .map(
    ([a, n, b, m]): Slice => ({
      seriesFrom: a,
      seriesTo: Math.min(9, a + n),
      sampleFrom: b,
      sampleTo: Math.min(30, b + m),
    }),
  );

/** prometheus/prompb remote.proto and types.proto (v1), decoded with protobufjs, not our reader. */
const WriteRequest = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: {
          fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } },
        },
      },
    },
  },
}).lookupType('prometheus.WriteRequest');

interface DecodedWriteRequest {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
  }[];
}

function decodeRemoteWriteBody(body: Uint8Array): DecodedWriteRequest {
  const message = WriteRequest.decode(uncompress(body));
  return WriteRequest.toObject(message, { longs: Number, defaults: true }) as DecodedWriteRequest;
}

const valueAt = (w: Workload, i: number, j: number): number =>
  w.values[i * w.options.samplesPerSeries + j] as number;
const tsAt = (w: Workload, j: number): number => w.startMs + j * w.options.intervalMs;

describe('remote write encoder', () => {
  it.each([2, null])('round-trips every label, timestamp and value (decimals %s)', (decimals) => {
    const w = workload(decimals);
    fc.assert(
      fc.property(arbSlice, (slice) => {
        const decoded = decodeRemoteWriteBody(encodeRemoteWriteSlice(w, slice));
        expect(decoded.timeseries).toHaveLength(slice.seriesTo - slice.seriesFrom);
        decoded.timeseries.forEach((ts, k) => {
          const i = slice.seriesFrom + k;
          const names = ts.labels.map((l) => l.name);
          expect(names[0]).toBe('__name__');
          expect(ts.labels[0]?.value).toBe(BENCH_METRIC);
          expect(names.slice(1)).toEqual([...names.slice(1)].sort());
          expect(Object.fromEntries(ts.labels.slice(1).map((l) => [l.name, l.value]))).toEqual(
            w.labels[i],
          );
          expect(ts.samples.map((s) => s.timestamp)).toEqual(
            Array.from({ length: slice.sampleTo - slice.sampleFrom }, (_, d) =>
              tsAt(w, slice.sampleFrom + d),
            ),
          );
          expect(ts.samples.map((s) => s.value)).toEqual(
            Array.from({ length: slice.sampleTo - slice.sampleFrom }, (_, d) =>
              valueAt(w, i, slice.sampleFrom + d),
            ),
          );
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('NDJSON encoder', () => {
  it('writes one schema-valid telemetry event per sample, values exact', () => {
    const w = workload(null);
    fc.assert(
      fc.property(arbSlice, (slice) => {
        const lines = encodeNdjsonSlice(w, slice).trimEnd().split('\n');
        expect(lines).toHaveLength(sliceSamples(slice));
        const perSeries = slice.sampleTo - slice.sampleFrom;
        lines.forEach((line, k) => {
          const event: unknown = JSON.parse(line);
          expect(Value.Check(TelemetryEventSchema, event)).toBe(true);
          const e = event as {
            timestamp: string;
            source_id: string;
            metric_value: number;
            tags: Record<string, string>;
          };
          const i = slice.seriesFrom + Math.floor(k / perSeries);
          const j = slice.sampleFrom + (k % perSeries);
          expect(Date.parse(e.timestamp)).toBe(tsAt(w, j));
          expect(e.metric_value).toBe(valueAt(w, i, j));
          expect({ source_id: e.source_id, ...e.tags }).toEqual(w.labels[i]);
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('Influx line protocol encoder', () => {
  const LINE = /^bench_metric((?:,[a-z_]+=[^ ,]+)+) value=(\S+) (\d+)$/;

  it('writes one line per sample with sorted tags, a float field and ms timestamps', () => {
    const w = workload(null);
    fc.assert(
      fc.property(arbSlice, (slice) => {
        const lines = encodeLineProtocolSlice(w, slice).trimEnd().split('\n');
        expect(lines).toHaveLength(sliceSamples(slice));
        const perSeries = slice.sampleTo - slice.sampleFrom;
        lines.forEach((line, k) => {
          const m = LINE.exec(line);
          expect(m, line).not.toBeNull();
          const i = slice.seriesFrom + Math.floor(k / perSeries);
          const j = slice.sampleFrom + (k % perSeries);
          const tags = Object.fromEntries(
            (m?.[1] ?? '')
              .slice(1)
              .split(',')
              .map((kv) => kv.split('=')),
          );
          expect(Object.keys(tags)).toEqual(Object.keys(tags).sort());
          expect(tags).toEqual(w.labels[i]);
          expect(Number(m?.[2])).toBe(valueAt(w, i, j));
          expect(Number(m?.[3])).toBe(tsAt(w, j));
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('sliceToBatch', () => {
  it('hands the store the same samples as the wire formats', () => {
    const w = workload();
    const slice: Slice = { seriesFrom: 2, seriesTo: 5, sampleFrom: 10, sampleTo: 14 };
    const batch = sliceToBatch(w, slice);
    expect(countSamples(batch)).toBe(sliceSamples(slice));
    expect(batch[1]?.labels).toEqual(w.labels[3]);
    expect(Array.from(batch[1]?.values ?? [])).toEqual(
      [10, 11, 12, 13].map((j) => valueAt(w, 3, j)),
    );
    expect(Array.from(batch[0]?.timestampsMs ?? [])).toEqual(
      [10, 11, 12, 13].map((j) => tsAt(w, j)),
    );
  });
});
