/**
 * @module
 * Decoder for Prometheus remote write v1 (docs/formats/remote-write.md): a snappy block of a
 * protobuf `prometheus.WriteRequest`. Hand-written reader (protobuf-reader.ts), cross-checked
 * against protobufjs in remote-write.test.ts. Series model: `__name__` -> metric, every other
 * label -> labels. Item index = index of the TimeSeries in the request.
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                        repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }  // timestamp: ms since epoch
 * ```
 */
import {
  LABEL_NAME_RE,
  type Labels,
  METRIC_NAME_LABEL,
  METRIC_NAME_RE,
  sortLabels,
} from '../contract/index.ts';
import { checkTimeWindow, codePointLength, type IngestLimits, isoOrRaw } from './limits.ts';
import {
  ProtobufError,
  ProtobufReader,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
} from './protobuf-reader.ts';
import { type DecodeResult, decodeFailure, ProblemList, tooLarge } from './result.ts';
import { appendLabelKey, labelsKey, metricKey, SeriesGrouper } from './series-grouper.ts';
import { uncompressSnappy } from './snappy.ts';

/**
 * Prometheus's staleness marker: a NaN with this exact bit pattern (0x7ff0000000000002) marks a
 * series as gone. It is not a measurement, so it is dropped and counted as skipped.
 */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;

// Field numbers of the messages above.
const WRITE_REQUEST_TIMESERIES = 1;
const TIMESERIES_LABELS = 1;
const TIMESERIES_SAMPLES = 2;
const TIMESERIES_HISTOGRAMS = 4;
const LABEL_NAME = 1;
const LABEL_VALUE = 2;
const SAMPLE_VALUE = 1;
const SAMPLE_TIMESTAMP = 2;

/** snappy's framing-format stream identifier: remote write uses the block format instead. */
const SNAPPY_FRAMED_MAGIC = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59];

/**
 * Decodes a remote-write v1 body (`Content-Encoding: snappy`, block format).
 *
 * @example
 * const r = decodeRemoteWrite(encodeRemoteWrite([{ labels: { __name__: 'up' }, samples: [[nowMs, 1]] }]), defaultIngestLimits(nowMs));
 * // r.ok && r.batch[0].metric === 'up'
 */
export function decodeRemoteWrite(body: Uint8Array, limits: IngestLimits): DecodeResult {
  if (isFramedSnappy(body)) {
    return decodeFailure(
      'INGEST_DECODE_FAILED',
      'the body uses the snappy framing format; remote write v1 sends the snappy block format',
    );
  }
  const raw = uncompressSnappy(body, limits.maxDecompressedBytes);
  if (!raw.ok) {
    return raw.tooLarge
      ? decodeFailure('INGEST_BODY_TOO_LARGE', `the snappy body ${raw.reason}`)
      : decodeFailure(
          'INGEST_DECODE_FAILED',
          `the body is not a valid snappy block: ${raw.reason}`,
        );
  }
  return decodeRemoteWriteProto(raw.bytes, limits);
}

/** Decodes an uncompressed `WriteRequest` protobuf (for tests and for callers that unwrapped it). */
export function decodeRemoteWriteProto(bytes: Uint8Array, limits: IngestLimits): DecodeResult {
  const state = new DecodeState(limits, bytes.length);
  try {
    const r = new ProtobufReader(bytes);
    const end = bytes.length;
    while (r.pos < end) {
      const tag = r.uint32(end);
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === WRITE_REQUEST_TIMESERIES && wire === WIRE_LEN) {
        const stop = r.lengthDelimitedEnd(end);
        if (!decodeTimeSeries(r, stop, state))
          return tooLarge(state.totalSamplesAtLeast, 'samples', limits.maxItemsPerBatch);
        r.pos = stop;
      } else {
        // metadata (3), the reserved field 2, and anything newer: not ours to interpret.
        r.skip(wire, end, field);
      }
    }
  } catch (err) {
    if (err instanceof ProtobufError) {
      return decodeFailure(
        'INGEST_DECODE_FAILED',
        `the body is not a valid protobuf WriteRequest: ${err.message}`,
      );
    }
    throw err;
  }
  if (!state.problems.empty) return state.problems.failure(state.series, 'time series');
  return {
    ok: true,
    batch: state.grouper.batch(),
    items: state.series,
    samples: state.grouper.samples,
    skipped: state.skipped,
  };
}

class DecodeState {
  /** Makes room for `count` more samples; returns where they start. */
  reserve(count: number): number {
    const need = this.used + count;
    if (need > this.values.length) {
      // Views handed out earlier keep the old arrays alive; new series use the new ones.
      const size = Math.max(need, this.values.length * 2);
      this.timestampsMs = new Float64Array(size);
      this.values = new Float64Array(size);
      this.used = 0;
      return 0;
    }
    return this.used;
  }

  readonly limits: IngestLimits;
  readonly problems: ProblemList;
  readonly grouper = new SeriesGrouper();
  series = 0;
  skipped = 0;
  /** Samples seen so far, including skipped ones and those of bad series. */
  totalSamplesAtLeast = 0;
  /** The accepted time window, inclusive: checked per sample without building a message. */
  readonly minMs: number;
  readonly maxMs: number;
  /** The label limits, as the label-set cache records them. */
  readonly limitsKey: string;
  /**
   * One arena for the request's samples; each series gets a view. Fewer, larger allocations than
   * two typed arrays per series (remote write often sends one sample per series).
   */
  timestampsMs: Float64Array;
  values: Float64Array;
  used = 0;
  constructor(limits: IngestLimits, bodyBytes: number) {
    // A sample takes at least ~12 bytes on the wire; start near that and grow when needed.
    const capacity = Math.max(64, Math.min(limits.maxItemsPerBatch, Math.ceil(bodyBytes / 12)));
    this.timestampsMs = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.limits = limits;
    this.limitsKey = limitsKey(limits);
    this.minMs = limits.nowMs - limits.retentionMs;
    this.maxMs = limits.nowMs + limits.maxFutureMs;
    this.problems = new ProblemList(limits.maxProblemItems);
  }
}

/**
 * Decodes one TimeSeries in [r.pos, end). Returns false when the batch exceeds the sample limit.
 * Problems go to `state.problems`; good samples go to `state.grouper`.
 */
function decodeTimeSeries(r: ProtobufReader, end: number, state: DecodeState): boolean {
  const index = state.series++;
  const limits = state.limits;
  const problems = state.problems;
  const start = r.pos;

  // Pass 1: count samples (to size the arrays) and note histograms.
  // Also find the byte range of the labels when they are contiguous (Prometheus writes them
  // first, together), for the label-set cache.
  let count = 0;
  let histograms = 0;
  let labelsStart = -1;
  let labelsEnd = -1;
  let contiguous = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.uint32(end);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === TIMESERIES_SAMPLES && wire === WIRE_LEN) count++;
    else if (field === TIMESERIES_HISTOGRAMS && wire === WIRE_LEN) histograms++;
    r.skip(wire, end, field);
    if (field === TIMESERIES_LABELS && wire === WIRE_LEN) {
      if (labelsStart < 0) labelsStart = at;
      else if (labelsEnd !== at) contiguous = false;
      labelsEnd = r.pos;
    }
  }
  state.totalSamplesAtLeast += count;
  if (state.totalSamplesAtLeast > limits.maxItemsPerBatch) return false;
  // Native histograms are not stored yet (docs/decisions/0002-ingest-decoders.md): skip, count.
  state.skipped += histograms;

  // A label set seen before (same bytes, same limits) was valid then and is valid now.
  let slot = -1;
  let known: LabelSet | undefined;
  if (labelsStart >= 0 && contiguous) {
    slot = hashBytes(r.buf, labelsStart, labelsEnd) & (LABEL_SET_CACHE_SIZE - 1);
    const e = LABEL_SETS[slot];
    if (
      e !== undefined &&
      e.limits === state.limitsKey &&
      sameBytes(e.bytes, r.buf, labelsStart, labelsEnd)
    ) {
      known = e;
    }
  }

  // Pass 2: labels and samples.
  r.pos = start;
  const base = state.reserve(count);
  const timestampsMs = state.timestampsMs;
  const values = state.values;
  const labels: Record<string, string> = {};
  // Prometheus sends labels sorted by name; then the identity key is built as they arrive and
  // no sort is needed. Any other order falls back to sorting.
  let key = '';
  let sorted = true;
  let lastName = '';
  let metric: string | undefined;
  let labelCount = 0;
  let hasEmpty = false;
  let labelsOk = true;
  let ok = true;
  let n = 0;
  let sampleIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === TIMESERIES_SAMPLES && wire === WIRE_LEN) {
      const stop = r.lengthDelimitedEnd(end);
      let value = 0;
      let valueAt = -1;
      let ts = 0;
      while (r.pos < stop) {
        const t = r.uint32(stop);
        const w = t & 7;
        const f = t >>> 3;
        if (f === SAMPLE_VALUE && w === WIRE_I64) {
          valueAt = r.pos;
          value = r.double(stop);
        } else if (f === SAMPLE_TIMESTAMP && w === WIRE_VARINT) {
          ts = r.int64(stop);
        } else {
          r.skip(w, stop, f);
        }
      }
      const j = sampleIndex++;
      if (!Number.isFinite(value)) {
        if (
          valueAt >= 0 &&
          r.doubleBitsHi(valueAt) === STALE_NAN_HI &&
          r.doubleBitsLo(valueAt) === STALE_NAN_LO
        ) {
          state.skipped++;
          continue;
        }
        problems.add(
          index,
          `samples[${j}].value`,
          `sample value must be a finite number, got ${value}`,
        );
        ok = false;
        continue;
      }
      if (ts < state.minMs || ts > state.maxMs) {
        const why = checkTimeWindow(ts, `${isoOrRaw(ts)} (${ts} ms)`, limits) as string;
        problems.add(index, `samples[${j}].timestamp`, why);
        ok = false;
        continue;
      }
      timestampsMs[base + n] = ts;
      values[base + n] = value;
      n++;
    } else if (field === TIMESERIES_LABELS && wire === WIRE_LEN && known !== undefined) {
      r.pos = r.lengthDelimitedEnd(end);
    } else if (field === TIMESERIES_LABELS && wire === WIRE_LEN) {
      const stop = r.lengthDelimitedEnd(end);
      let name: string | undefined = '';
      let value: string | undefined = '';
      while (r.pos < stop) {
        const t = r.uint32(stop);
        const w = t & 7;
        const f = t >>> 3;
        if (f === LABEL_NAME && w === WIRE_LEN) name = r.string(r.lengthDelimitedEnd(stop));
        else if (f === LABEL_VALUE && w === WIRE_LEN) value = r.string(r.lengthDelimitedEnd(stop));
        else r.skip(w, stop, f);
      }
      if (name === undefined) {
        problems.add(index, 'labels', 'a label name is not valid UTF-8');
        labelsOk = false;
        continue;
      }
      const where = `labels.${name}`;
      if (value === undefined) {
        problems.add(index, where, 'label value is not valid UTF-8');
        labelsOk = false;
        continue;
      }
      if (name === METRIC_NAME_LABEL) {
        if (metric !== undefined) {
          problems.add(index, where, 'label __name__ appears more than once');
          labelsOk = false;
        } else if (!GOOD_METRICS.has(value) && !isMetricName(value)) {
          problems.add(
            index,
            where,
            `metric name ${JSON.stringify(value)} is not valid: use letters, digits, '_', ':' and '.', not starting with a digit or '.', at most 256 characters`,
          );
          labelsOk = false;
          metric = '';
        } else {
          metric = value;
        }
        continue;
      }
      const why = checkLabel(name, value, labels, limits);
      if (why !== undefined) {
        problems.add(index, name === '' ? 'labels' : where, why);
        labelsOk = false;
        continue;
      }
      labels[name] = value;
      if (value === '') {
        hasEmpty = true;
      } else {
        labelCount++;
        if (sorted && name > lastName) key = appendLabelKey(key, name, value);
        else sorted = false;
        lastName = name;
      }
    } else {
      // exemplars (3), histograms (4, counted above), and fields added after v1.
      r.skip(wire, end, field);
    }
  }
  if (known === undefined) {
    if (metric === undefined) {
      problems.add(index, `labels.${METRIC_NAME_LABEL}`, 'time series has no __name__ label');
      labelsOk = false;
    }
    if (labelCount > limits.maxTagCount) {
      problems.add(
        index,
        'labels',
        `time series has ${labelCount} labels besides __name__; the limit is ${limits.maxTagCount}`,
      );
      labelsOk = false;
    }
    if (!labelsOk) return true;
    const l = hasEmpty ? withoutEmptyValues(labels) : labels;
    known = {
      bytes: slot >= 0 ? r.buf.slice(labelsStart, labelsEnd) : EMPTY,
      limits: state.limitsKey,
      metric: metric as string,
      labels: sorted ? l : sortLabels(l),
      key: sorted ? metricKey(metric as string) + key : labelsKey(metric as string, l),
    };
    if (slot >= 0) LABEL_SETS[slot] = known;
  }
  if (!ok || n === 0) return true;
  state.grouper.addSeriesKeyed(
    known.key,
    known.metric,
    known.labels,
    timestampsMs.subarray(base, base + n),
    values.subarray(base, base + n),
    index,
    true,
  );
  state.used = base + n;
  return true;
}

/** A validated label set, remembered by its bytes on the wire. */
interface LabelSet {
  readonly bytes: Uint8Array;
  /** The label limits it was validated against (`limitsKey`). */
  readonly limits: string;
  readonly metric: string;
  /** Sorted by name; shared by every batch that sends these bytes, so never mutated. */
  readonly labels: Labels;
  /** Series identity for SeriesGrouper. */
  readonly key: string;
}

/**
 * Validated label sets by a hash of their bytes (direct-mapped, checked byte for byte).
 * Prometheus sends the same series every scrape, so most time series skip string decoding,
 * validation and key building. A pure cache: results never depend on what it holds.
 */
const LABEL_SET_CACHE_SIZE = 16_384; // a power of two
const LABEL_SETS: (LabelSet | undefined)[] = new Array(LABEL_SET_CACHE_SIZE);
const EMPTY = new Uint8Array(0);

function limitsKey(limits: IngestLimits): string {
  return `${limits.maxTagCount}/${limits.maxTagKeyLength}/${limits.maxTagValueLength}`;
}

function hashBytes(buf: Uint8Array, start: number, stop: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = start; i < stop; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, stop: number): boolean {
  if (a.length !== stop - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** Why a label (other than __name__) is not allowed, or undefined. */
function checkLabel(
  name: string,
  value: string,
  seen: Record<string, string>,
  limits: IngestLimits,
): string | undefined {
  if (name === '') return 'a label has an empty name';
  if (Object.hasOwn(seen, name)) return `label ${JSON.stringify(name)} appears more than once`;
  if (name.length > limits.maxTagKeyLength) {
    return `label name is longer than ${limits.maxTagKeyLength} characters`;
  }
  if (!GOOD_NAMES.has(name)) {
    if (!LABEL_NAME_RE.test(name)) {
      return `label name ${JSON.stringify(name)} is not valid: use letters, digits, '_' and '.', not starting with a digit or '.'`;
    }
    if (name.startsWith('__')) {
      return `label name ${JSON.stringify(name)} is reserved: names starting with "__" are internal (drop them with relabeling)`;
    }
    remember(GOOD_NAMES, name);
  }
  if (codePointLength(value, limits.maxTagValueLength) > limits.maxTagValueLength) {
    return `label value is longer than ${limits.maxTagValueLength} characters`;
  }
  return undefined;
}

function isFramedSnappy(body: Uint8Array): boolean {
  if (body.length < SNAPPY_FRAMED_MAGIC.length) return false;
  for (let i = 0; i < SNAPPY_FRAMED_MAGIC.length; i++) {
    if (body[i] !== SNAPPY_FRAMED_MAGIC[i]) return false;
  }
  return true;
}

/** An empty value means "no such label" in the Prometheus data model, so those labels go. */
function withoutEmptyValues(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels)) if (labels[k] !== '') out[k] = labels[k] as string;
  return out;
}

/**
 * Names seen valid before. The same few label names and metric names arrive in every request,
 * so remembering them skips a regex per label. Bounded, and a pure cache: results do not depend
 * on what it holds.
 */
const GOOD_NAMES = new Set<string>();
const GOOD_METRICS = new Set<string>();
const MAX_REMEMBERED = 10_000;

function remember(set: Set<string>, name: string): void {
  if (set.size >= MAX_REMEMBERED) set.clear();
  set.add(name);
}

function isMetricName(value: string): boolean {
  if (value.length > 256 || !METRIC_NAME_RE.test(value)) return false;
  remember(GOOD_METRICS, value);
  return true;
}
