import fc from 'fast-check';
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { seriesKey, sortLabels } from '../contract/index.ts';
import { defaultIngestLimits, type IngestLimits } from './limits.ts';
import { decodeRemoteWrite, decodeRemoteWriteProto } from './remote-write.ts';
import {
  encodeRemoteWrite,
  encodeRemoteWriteProto,
  type RemoteWriteSeries,
} from './remote-write-encode.ts';
import type { DecodeResult } from './result.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const limits = defaultIngestLimits(NOW);
/** Only the wire format under test: any int64 timestamp is in the window. */
const wide: IngestLimits = {
  ...limits,
  maxFutureMs: Number.POSITIVE_INFINITY,
  retentionMs: Number.POSITIVE_INFINITY,
};

/**
 * prometheus/prompb remote.proto + types.proto (v1), plus "Odd*" messages: supersets with fields
 * a v1 reader must skip (metadata, exemplars, histograms and unknown numbers of every wire type).
 */
const root = protobuf.parse(`
  syntax = "proto3";
  package prometheus;
  message WriteRequest { repeated TimeSeries timeseries = 1; }
  message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
  message Label { string name = 1; string value = 2; }
  message Sample { double value = 1; int64 timestamp = 2; }

  message OddWriteRequest {
    repeated OddTimeSeries timeseries = 1;
    repeated Meta metadata = 3;
    string unknown_string = 17;
    fixed32 unknown_fixed32 = 18;
    sint64 unknown_sint64 = 2047;
  }
  message Meta { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
  message OddTimeSeries {
    repeated OddLabel labels = 1;
    repeated OddSample samples = 2;
    repeated Exemplar exemplars = 3;
    repeated Histogram histograms = 4;
    bytes unknown_bytes = 99;
  }
  message OddLabel { string name = 1; string value = 2; fixed64 unknown = 3; }
  message OddSample { double value = 1; int64 timestamp = 2; uint32 unknown = 3; float unknown_float = 4; }
  message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
  message Histogram { uint64 count_int = 1; double sum = 3; int64 timestamp = 15; }
`).root;
const WriteRequest = root.lookupType('prometheus.WriteRequest');
const OddWriteRequest = root.lookupType('prometheus.OddWriteRequest');
const OddTimeSeries = root.lookupType('prometheus.OddTimeSeries');
const OddSample = root.lookupType('prometheus.OddSample');

interface Ref {
  metric: string;
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
  item: number;
}

/** What the decoder should return, computed from protobufjs's view of the same bytes. */
function reference(bytes: Uint8Array): Ref[] {
  const msg = WriteRequest.toObject(WriteRequest.decode(bytes), {
    longs: Number,
    arrays: true,
    defaults: true,
  }) as {
    timeseries: {
      labels: { name: string; value: string }[];
      samples: { value: number; timestamp: number }[];
    }[];
  };
  const byKey = new Map<string, Ref>();
  msg.timeseries.forEach((ts, item) => {
    const labels: Record<string, string> = {};
    let metric = '';
    for (const l of ts.labels) {
      if (l.name === '__name__') metric = l.value;
      else if (l.value !== '') labels[l.name] = l.value;
    }
    if (ts.samples.length === 0) return;
    const key = seriesKey(metric, labels);
    let ref = byKey.get(key);
    if (ref === undefined) {
      ref = { metric, labels: sortLabels(labels), timestampsMs: [], values: [], item };
      byKey.set(key, ref);
    }
    for (const s of ts.samples) {
      ref.timestampsMs.push(s.timestamp);
      ref.values.push(s.value);
    }
  });
  return [...byKey.values()];
}

function plain(r: DecodeResult): Ref[] {
  if (!r.ok) throw new Error(`decode failed: ${r.error.message} ${JSON.stringify(r.error.items)}`);
  return r.batch.map((s) => ({
    metric: s.metric,
    labels: { ...s.labels },
    timestampsMs: Array.from(s.timestampsMs),
    values: Array.from(s.values),
    item: s.item as number,
  }));
}

function problems(r: DecodeResult) {
  if (r.ok) throw new Error('expected a failure');
  return r.error.items;
}

// ---- generators --------------------------------------------------------------------------

const arbLabelName = fc
  .tuple(
    fc.constantFrom('a', 'b', 'z', '_'),
    fc.string({ unit: fc.constantFrom('a', 'b', '_', '1', '.'), maxLength: 6 }),
  )
  .map(([a, b]) => a + b)
  .filter((n) => !n.startsWith('__'));
const arbLabelValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
const arbTimestamp = fc.oneof(
  fc.integer({ min: NOW - 1_000_000, max: NOW }),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
);
const arbValue = fc.double({ noNaN: true, noDefaultInfinity: true });

const arbSeries: fc.Arbitrary<RemoteWriteSeries> = fc.record({
  labels: fc
    .tuple(
      fc.constantFrom('up', 'cpu', 'http.requests:rate'),
      fc.dictionary(
        arbLabelName,
        arbLabelValue.filter((v) => v !== ''),
        { maxKeys: 4 },
      ),
    )
    .map(([name, rest]) => ({ ...rest, __name__: name })),
  samples: fc.array(fc.tuple(arbTimestamp, arbValue), { maxLength: 5 }),
});

/**
 * One time series as a shuffled list of parts, each a partial OddTimeSeries. Concatenated
 * encodings of a message merge (repeated fields append, scalars: last wins), so this exercises
 * field order, unknown fields and a split Sample / Label without a hand-written encoder.
 */
const arbOddSeriesBytes = fc
  .record({
    name: fc.constantFrom('up', 'cpu'),
    labels: fc.dictionary(arbLabelName, arbLabelValue, { maxKeys: 3 }),
    samples: fc.array(
      fc.record({
        value: arbValue,
        timestamp: arbTimestamp,
        overwritten: fc.option(arbValue, { nil: undefined }),
        unknown: fc.integer({ min: 0, max: 2 ** 31 }),
      }),
      { maxLength: 4 },
    ),
    exemplars: fc.nat({ max: 2 }),
    histograms: fc.nat({ max: 1 }),
    unknownBytes: fc.option(fc.uint8Array({ maxLength: 5 }), { nil: undefined }),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  })
  .map((g) => {
    const enc = (p: Record<string, unknown>) =>
      OddTimeSeries.encode(OddTimeSeries.fromObject(p)).finish();
    const parts: { bytes: Uint8Array; sample: boolean }[] = [];
    const add = (bytes: Uint8Array, sample = false) => parts.push({ bytes, sample });
    add(enc({ labels: [{ name: '__name__', value: g.name, unknown: 7 }] }));
    for (const [name, value] of Object.entries(g.labels)) add(enc({ labels: [{ name, value }] }));
    for (const s of g.samples) {
      if (s.overwritten === undefined) {
        add(
          enc({ samples: [{ value: s.value, timestamp: s.timestamp, unknown: s.unknown }] }),
          true,
        );
      } else {
        // One Sample whose value is sent twice, timestamp in between: protobuf's last one wins.
        // Concatenated encodings of a message merge, so the body is two partial OddSamples.
        const body = concat([
          OddSample.encode(
            OddSample.fromObject({ value: s.overwritten, unknownFloat: 1.5 }),
          ).finish(),
          OddSample.encode(OddSample.fromObject({ timestamp: s.timestamp })).finish(),
          OddSample.encode(OddSample.fromObject({ value: s.value })).finish(),
        ]);
        add(new Uint8Array([0x12, ...varint(body.length), ...body]), true);
      }
    }
    for (let i = 0; i < g.exemplars; i++) {
      add(
        enc({
          exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: 5 }],
        }),
      );
    }
    for (let i = 0; i < g.histograms; i++)
      add(enc({ histograms: [{ countInt: 3, sum: 2, timestamp: 9 }] }));
    if (g.unknownBytes !== undefined) add(enc({ unknownBytes: g.unknownBytes }));
    // Shuffle the parts, keeping samples in their order (the order the reference reports).
    const keyed = parts.map((p, i) => ({
      p,
      k: p.sample ? 1_000_000 + i : (g.order[i % 12] as number),
    }));
    keyed.sort((a, b) => a.k - b.k);
    const chunks = keyed.map(({ p }) => p.bytes);
    return concat(chunks);
  });

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Wraps TimeSeries bodies into a WriteRequest, with request-level unknown fields between them. */
function writeRequest(seriesBodies: Uint8Array[], noise: boolean): Uint8Array {
  const chunks: Uint8Array[] = [];
  if (noise) {
    chunks.push(
      OddWriteRequest.encode(
        OddWriteRequest.fromObject({
          metadata: [{ type: 1, metricFamilyName: 'up', help: 'h', unit: 's' }],
          unknownString: 'x',
          unknownFixed32: 7,
          unknownSint64: -5,
        }),
      ).finish(),
    );
  }
  for (const body of seriesBodies) {
    chunks.push(new Uint8Array([0x0a, ...varint(body.length)]), body);
  }
  return concat(chunks);
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

// ---- tests -------------------------------------------------------------------------------

describe('remote write: cross-check with protobufjs', () => {
  it('decodes what protobufjs encodes, like protobufjs decodes it', () => {
    fc.assert(
      fc.property(fc.array(arbSeries, { maxLength: 6 }), (series) => {
        const msg = WriteRequest.fromObject({
          timeseries: series.map((s) => ({
            labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
            samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
          })),
        });
        const bytes = WriteRequest.encode(msg).finish();
        expect(plain(decodeRemoteWriteProto(bytes, wide))).toEqual(reference(bytes));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('tolerates unknown fields, field order, exemplars, histograms and repeated scalars', () => {
    fc.assert(
      fc.property(fc.array(arbOddSeriesBytes, { maxLength: 5 }), fc.boolean(), (bodies, noise) => {
        const bytes = writeRequest(bodies, noise);
        const r = decodeRemoteWriteProto(bytes, wide);
        expect(plain(r)).toEqual(reference(bytes));
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('our encoder and protobufjs agree on the bytes meaning', () => {
    fc.assert(
      fc.property(fc.array(arbSeries, { maxLength: 6 }), (series) => {
        const bytes = encodeRemoteWriteProto(series);
        expect(plain(decodeRemoteWriteProto(bytes, wide))).toEqual(reference(bytes));
      }),
      { seed: 13, numRuns: 300 },
    );
  });
});

describe('remote write: round trip', () => {
  it('decode(encode(series)) returns every sample, grouped by series', () => {
    fc.assert(
      fc.property(fc.array(arbSeries, { maxLength: 8 }), (series) => {
        const r = decodeRemoteWrite(encodeRemoteWrite(series), wide);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.samples).toBe(series.reduce((n, s) => n + s.samples.length, 0));
        expect(r.items).toBe(series.length);
        const got = new Map(r.batch.map((s) => [seriesKey(s.metric, s.labels), s]));
        for (const s of series) {
          const { __name__, ...labels } = s.labels;
          if (s.samples.length === 0) continue;
          const g = got.get(seriesKey(__name__ as string, labels));
          expect(g).toBeDefined();
        }
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});

describe('remote write: validation', () => {
  const ok = { labels: { __name__: 'up', job: 'api' }, samples: [[NOW, 1]] as [number, number][] };

  it.each([
    {
      name: 'missing __name__',
      series: { labels: { job: 'api' }, samples: [[NOW, 1]] },
      field: 'labels.__name__',
      reason: 'time series has no __name__ label',
    },
    {
      name: 'bad metric name',
      series: { labels: { __name__: 'http-requests' }, samples: [[NOW, 1]] },
      field: 'labels.__name__',
      reason:
        "metric name \"http-requests\" is not valid: use letters, digits, '_', ':' and '.', not starting with a digit or '.', at most 256 characters",
    },
    {
      name: 'bad label name',
      series: { labels: { __name__: 'up', 'a-b': 'x' }, samples: [[NOW, 1]] },
      field: 'labels.a-b',
      reason:
        "label name \"a-b\" is not valid: use letters, digits, '_' and '.', not starting with a digit or '.'",
    },
    {
      name: 'reserved label name',
      series: { labels: { __name__: 'up', __meta_x: 'x' }, samples: [[NOW, 1]] },
      field: 'labels.__meta_x',
      reason:
        'label name "__meta_x" is reserved: names starting with "__" are internal (drop them with relabeling)',
    },
    {
      name: 'long label value',
      series: { labels: { __name__: 'up', a: 'v'.repeat(1025) }, samples: [[NOW, 1]] },
      field: 'labels.a',
      reason: 'label value is longer than 1024 characters',
    },
    {
      name: 'too many labels',
      series: {
        labels: {
          __name__: 'up',
          ...Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v'])),
        },
        samples: [[NOW, 1]],
      },
      field: 'labels',
      reason: 'time series has 33 labels besides __name__; the limit is 32',
    },
    {
      name: 'NaN value',
      series: {
        labels: { __name__: 'up' },
        samples: [
          [NOW, 1],
          [NOW, Number.NaN],
        ],
      },
      field: 'samples[1].value',
      reason: 'sample value must be a finite number, got NaN',
    },
    {
      name: 'infinite value',
      series: { labels: { __name__: 'up' }, samples: [[NOW, Number.NEGATIVE_INFINITY]] },
      field: 'samples[0].value',
      reason: 'sample value must be a finite number, got -Infinity',
    },
    {
      name: 'future timestamp',
      series: { labels: { __name__: 'up' }, samples: [[Date.parse('2031-01-01T00:00:00Z'), 1]] },
      field: 'samples[0].timestamp',
      reason:
        'timestamp 2031-01-01T00:00:00.000Z (1924992000000 ms) is more than 10m in the future (server time 2026-01-01T12:00:00.000Z)',
    },
    {
      name: 'old timestamp',
      series: { labels: { __name__: 'up' }, samples: [[0, 1]] },
      field: 'samples[0].timestamp',
      reason:
        'timestamp 1970-01-01T00:00:00.000Z (0 ms) is older than the 30d retention window (server time 2026-01-01T12:00:00.000Z)',
    },
  ])('$name', ({ series, field, reason }) => {
    const r = decodeRemoteWrite(
      encodeRemoteWrite([ok, series as unknown as RemoteWriteSeries]),
      limits,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INGEST_INVALID_BATCH');
    expect(r.error.items).toEqual([{ index: 1, field, reason }]);
    expect(r.error.message).toBe(
      '1 of 2 time series is invalid; the batch was rejected as a whole and nothing was stored',
    );
  });

  it('rejects a duplicate label name', () => {
    const label = (n: string, v: string) => ({ name: n, value: v });
    const bytes = WriteRequest.encode(
      WriteRequest.fromObject({
        timeseries: [
          {
            labels: [label('__name__', 'up'), label('a', '1'), label('a', '2')],
            samples: [{ value: 1, timestamp: NOW }],
          },
        ],
      }),
    ).finish();
    expect(problems(decodeRemoteWriteProto(bytes, limits))).toEqual([
      { index: 0, field: 'labels.a', reason: 'label "a" appears more than once' },
    ]);
  });

  it('skips a known field sent with an unexpected wire type, as Go protobuf does', () => {
    // TimeSeries{ labels: Label{ name: varint 5 (wrong type), name: "__name__", value: "up" },
    //             samples: Sample{ value, timestamp } }
    const label = [
      0x08,
      0x05,
      0x0a,
      0x08,
      ...new TextEncoder().encode('__name__'),
      0x12,
      0x02,
      0x75,
      0x70,
    ];
    const sample = concat([
      new Uint8Array([0x09]),
      new Uint8Array(new Float64Array([7]).buffer),
      new Uint8Array([0x10, ...varint(NOW)]),
    ]);
    const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample, 0x10, 0x01];
    const bytes = new Uint8Array([0x0a, ts.length, ...ts]);
    expect(plain(decodeRemoteWriteProto(bytes, limits))).toEqual([
      { metric: 'up', labels: {}, timestampsMs: [NOW], values: [7], item: 0 },
    ]);
  });

  it('decodes label strings right when there are more of them than the string cache holds', () => {
    // 20,000 distinct values over an 8,192-slot cache: slots collide and are overwritten.
    const series = Array.from({ length: 20_000 }, (_, i) => ({
      labels: { __name__: 'up', id: `v${i}`, same: 'x' },
      samples: [[NOW, i]] as [number, number][],
    }));
    for (let round = 0; round < 2; round++) {
      const r = decodeRemoteWriteProto(encodeRemoteWriteProto(series), limits);
      const got = plain(r);
      expect(got).toHaveLength(20_000);
      for (const g of got) expect(g.labels).toEqual({ id: `v${g.values[0]}`, same: 'x' });
    }
  });

  it('drops labels with empty values, as Prometheus does', () => {
    const r = decodeRemoteWrite(
      encodeRemoteWrite([{ labels: { __name__: 'up', a: '', b: 'x' }, samples: [[NOW, 1]] }]),
      limits,
    );
    expect(plain(r)[0]!.labels).toEqual({ b: 'x' });
  });

  it('drops Prometheus stale markers and counts them as skipped', () => {
    const bytes = encodeRemoteWriteProto([
      {
        labels: { __name__: 'up' },
        samples: [
          [NOW, 1],
          [NOW + 1, 2],
        ],
      },
    ]);
    // Overwrite the second sample's value with the stale-marker NaN 0x7ff0000000000002.
    const view = new DataView(bytes.buffer);
    const at = bytes.lastIndexOf(0x09) + 1;
    expect(view.getFloat64(at, true)).toBe(2);
    view.setUint32(at, 0x00000002, true);
    view.setUint32(at + 4, 0x7ff00000, true);
    const r = decodeRemoteWriteProto(bytes, limits);
    expect(r).toMatchObject({ ok: true, samples: 1, skipped: 1, items: 1 });
  });

  it('merges repeated series in one request into one entry, naming the first item', () => {
    const r = decodeRemoteWrite(
      encodeRemoteWrite([
        { labels: { __name__: 'up', a: '1' }, samples: [[NOW, 1]] },
        { labels: { __name__: 'cpu' }, samples: [[NOW, 5]] },
        { labels: { a: '1', __name__: 'up' }, samples: [[NOW - 1, 2]] },
      ]),
      limits,
    );
    expect(plain(r)).toEqual([
      { metric: 'up', labels: { a: '1' }, timestampsMs: [NOW, NOW - 1], values: [1, 2], item: 0 },
      { metric: 'cpu', labels: {}, timestampsMs: [NOW], values: [5], item: 1 },
    ]);
  });

  it.each([
    {
      name: 'not snappy',
      body: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      code: 'INGEST_DECODE_FAILED',
      detail: /not a valid snappy block/,
    },
    {
      name: 'snappy framing format',
      body: new Uint8Array([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0]),
      code: 'INGEST_DECODE_FAILED',
      detail: /framing format/,
    },
    {
      name: 'truncated protobuf',
      body: compress(new Uint8Array([0x0a, 0x05, 0x0a])),
      code: 'INGEST_DECODE_FAILED',
      detail: /length 5 runs past the end of its message at byte 1/,
    },
    {
      name: 'invalid wire type',
      body: compress(new Uint8Array([0x0f])),
      code: 'INGEST_DECODE_FAILED',
      detail: /invalid wire type 7/,
    },
    {
      name: 'decompression bomb',
      body: new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04]),
      code: 'INGEST_BODY_TOO_LARGE',
      detail: /declares 1073741824 uncompressed bytes, more than the limit of 67108864/,
    },
    {
      name: 'too many samples',
      body: encodeRemoteWrite([
        {
          labels: { __name__: 'up' },
          samples: [
            [NOW, 1],
            [NOW, 2],
            [NOW, 3],
          ],
        },
      ]),
      code: 'INGEST_BATCH_TOO_LARGE',
      detail: /holds 3 samples; the limit is 2/,
    },
  ])('request-level failure: $name', ({ body, code, detail }) => {
    const r = decodeRemoteWrite(body, { ...limits, maxItemsPerBatch: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(detail);
  });

  it('never throws on arbitrary bytes, compressed or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof decodeRemoteWrite(bytes, limits).ok).toBe('boolean');
        expect(typeof decodeRemoteWriteProto(bytes, limits).ok).toBe('boolean');
        expect(typeof decodeRemoteWrite(compress(bytes), limits).ok).toBe('boolean');
      }),
      { seed: 15, numRuns: 2000 },
    );
  });

  it('never throws on corrupted valid requests', () => {
    fc.assert(
      fc.property(
        fc.array(arbSeries, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (series, at, byte) => {
          const bytes = encodeRemoteWriteProto(series);
          if (bytes.length === 0) return;
          bytes[at % bytes.length] = byte;
          expect(typeof decodeRemoteWriteProto(bytes, limits).ok).toBe('boolean');
          expect(
            typeof decodeRemoteWriteProto(bytes.subarray(0, at % bytes.length), limits).ok,
          ).toBe('boolean');
        },
      ),
      { seed: 16, numRuns: 1000 },
    );
  });
});
