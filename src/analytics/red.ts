/**
 * @module
 * RED metrics (rate, errors, duration) per (service, endpoint) from server spans, in EVENT time:
 * a span counts in the fixed bucket [k·bucketMs, (k+1)·bucketMs) that holds its END
 * (startMs + durationMs, when the server answered), whatever the wall clock says. Buckets close
 * when the caller's watermark passes their end, so replaying telemetry at any speed, in any batch
 * split and in any order within the allowed lateness gives the same buckets, samples and
 * baselines (docs/red-metrics.md).
 *
 * - Only `kind: 'server'` spans count; a request failed per `spanFailed` (status error or 5xx).
 * - Percentiles come from the mergeable sketch (sketch.ts, 1 % relative accuracy); the mean is
 *   exact: durations are summed as integer microseconds, so the sum does not depend on order.
 * - A span whose bucket is already closed is late: it is counted in `lateSpans` and dropped;
 *   closed buckets are never re-emitted.
 * - An endpoint that had requests gets zero-rate samples for buckets without any, for up to
 *   `idleEndpointMs` after its last non-empty bucket (a rate of 0 is a measurement; silence would
 *   read as "stopped reporting").
 * - Memory is bounded: closed buckets older than `historyMs` before the newest closed bucket are
 *   dropped, and at most `maxEndpoints` (service, endpoint) pairs are tracked.
 *
 * Worked example (bucketMs 10 s): server spans of `api /pay` ending at 1 s (120 ms, ok), 4 s
 * (80 ms, 503) and 12 s (100 ms, ok); advance(10 s) closes [0, 10 s): 2 requests, 1 error,
 * mean 100 ms, and samples at 10 s: requests_per_second 0.2, errors_per_second 0.1,
 * latency_ms 100. The span at 12 s waits in the open bucket [10 s, 20 s).
 */
import type { EndpointStats, SampleBatch, SeriesSamples, Span } from '../contract/index.ts';
import { SERVICE_LABEL, spanFailed, WELL_KNOWN_METRICS } from '../contract/index.ts';
import {
  type BaselineValue,
  defaultRedBaselineOptions,
  RedBaseline,
  type RedBaselineOptions,
} from './red-baseline.ts';
import { QuantileSketch } from './sketch.ts';

/** The label naming the endpoint on RED samples (the service is `service`). */
export const ENDPOINT_LABEL = 'endpoint';

/** Metric names of the RED samples beyond the well-known three. */
export const RED_METRICS = {
  requestRate: WELL_KNOWN_METRICS.requestRate,
  errorRate: WELL_KNOWN_METRICS.errorRate,
  latencyMean: WELL_KNOWN_METRICS.latency,
  latencyP95: 'latency_p95_ms',
  latencyP99: 'latency_p99_ms',
} as const;

export interface RedOptions {
  /** Width of one event-time bucket. Default 10 s. */
  readonly bucketMs: number;
  /** Closed buckets kept per endpoint, as a time span. Default 60 min. */
  readonly historyMs: number;
  /** Zero-rate samples continue this long after an endpoint's last request. Default 5 min. */
  readonly idleEndpointMs: number;
  /** Most (service, endpoint) pairs tracked; spans of further pairs are dropped. Default 5,000. */
  readonly maxEndpoints: number;
  readonly baseline: RedBaselineOptions;
}

export function defaultRedOptions(): RedOptions {
  return {
    bucketMs: 10_000,
    historyMs: 60 * 60_000,
    idleEndpointMs: 5 * 60_000,
    maxEndpoints: 5_000,
    baseline: defaultRedBaselineOptions(),
  };
}

/** What one `advance` closed. */
export interface RedAdvance {
  /** Every bucket closed, sorted by (fromMs, service, endpoint); zero-filled ones included. */
  readonly closed: EndpointStats[];
  /** Their RED samples, stamped at bucket end, grouped by series. */
  readonly samples: SampleBatch;
}

export interface RedCounters {
  /** Server spans counted into a bucket. */
  readonly spans: number;
  /** Server spans whose bucket was already closed (dropped). */
  readonly lateSpans: number;
  /** Server spans dropped because `maxEndpoints` pairs were tracked already. */
  readonly overflowSpans: number;
  /** Spans with a non-finite start or a negative or non-finite duration (dropped). */
  readonly invalidSpans: number;
  readonly endpoints: number;
}

interface OpenBucket {
  count: number;
  errors: number;
  /** Sum of durations in integer microseconds (order-independent). */
  sumUs: number;
  sketch: QuantileSketch;
  status: Map<string, number>;
}

interface ClosedBucket {
  readonly startMs: number;
  readonly count: number;
  readonly errors: number;
  readonly sumUs: number;
  /** Null for a bucket without requests. */
  readonly sketch: QuantileSketch | null;
  readonly status: ReadonlyMap<string, number>;
  /** The baseline learned before this bucket. */
  readonly baseline: BaselineValue | undefined;
}

interface EndpointState {
  readonly service: string;
  readonly endpoint: string;
  readonly open: Map<number, OpenBucket>;
  /** Ascending by startMs. */
  closed: ClosedBucket[];
  /** Start of the last closed bucket with requests. */
  lastActiveMs: number | undefined;
  readonly baseline: RedBaseline;
}

/** A request's completion time: the span's end. */
export function spanEndMs(span: Pick<Span, 'startMs' | 'durationMs'>): number {
  return span.startMs + span.durationMs;
}

export function validSpanTimes(span: Pick<Span, 'startMs' | 'durationMs'>): boolean {
  return Number.isFinite(span.startMs) && Number.isFinite(span.durationMs) && span.durationMs >= 0;
}

/** Rounds to microseconds, so emitted latencies stay short decimals. */
export function roundUs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function statusKey(span: Span): string {
  return span.httpStatus === undefined ? 'unset' : String(span.httpStatus);
}

function sortedRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as number;
  return out;
}

function endpointKey(service: string, endpoint: string): string {
  return `${service}\u0000${endpoint}`;
}

export class RedAggregator {
  readonly #o: RedOptions;
  readonly #endpoints = new Map<string, EndpointState>();
  /** Every bucket with start < this is closed (-Infinity before the first advance). */
  #closedUpToMs = Number.NEGATIVE_INFINITY;
  #spans = 0;
  #late = 0;
  #overflow = 0;
  #invalid = 0;

  constructor(options: Partial<RedOptions> = {}) {
    this.#o = { ...defaultRedOptions(), ...options };
    if (!(this.#o.bucketMs > 0) || !Number.isInteger(this.#o.bucketMs)) {
      throw new RangeError(`bucketMs must be a positive integer, got ${this.#o.bucketMs}`);
    }
  }

  get options(): RedOptions {
    return this.#o;
  }

  /** Every bucket starting before this is closed; -Infinity before the first advance. */
  closedUpToMs(): number {
    return this.#closedUpToMs;
  }

  get lateSpans(): number {
    return this.#late;
  }

  counters(): RedCounters {
    return {
      spans: this.#spans,
      lateSpans: this.#late,
      overflowSpans: this.#overflow,
      invalidSpans: this.#invalid,
      endpoints: this.#endpoints.size,
    };
  }

  bucketStartMs(timeMs: number): number {
    return Math.floor(timeMs / this.#o.bucketMs) * this.#o.bucketMs;
  }

  /** Counts the server spans among `spans` into their open buckets. */
  add(spans: readonly Span[]): void {
    for (const span of spans) {
      if (span.kind !== 'server') continue;
      if (!validSpanTimes(span)) {
        this.#invalid++;
        continue;
      }
      const start = this.bucketStartMs(spanEndMs(span));
      if (start < this.#closedUpToMs) {
        this.#late++;
        continue;
      }
      const key = endpointKey(span.service, span.endpoint);
      let e = this.#endpoints.get(key);
      if (e === undefined) {
        if (this.#endpoints.size >= this.#o.maxEndpoints) {
          this.#overflow++;
          continue;
        }
        e = {
          service: span.service,
          endpoint: span.endpoint,
          open: new Map(),
          closed: [],
          lastActiveMs: undefined,
          baseline: new RedBaseline(this.#o.baseline),
        };
        this.#endpoints.set(key, e);
      }
      let b = e.open.get(start);
      if (b === undefined) {
        b = { count: 0, errors: 0, sumUs: 0, sketch: new QuantileSketch(), status: new Map() };
        e.open.set(start, b);
      }
      b.count++;
      if (spanFailed(span)) b.errors++;
      b.sumUs += Math.round(span.durationMs * 1000);
      b.sketch.add(span.durationMs);
      const sk = statusKey(span);
      b.status.set(sk, (b.status.get(sk) ?? 0) + 1);
      this.#spans++;
    }
  }

  /**
   * Closes every bucket ending at or before `watermarkMs` (bucket [s, s + bucketMs) closes when
   * s + bucketMs <= watermarkMs) and returns them with their samples. A watermark that does not
   * move past the last closed bucket closes nothing.
   */
  advance(watermarkMs: number): RedAdvance {
    const B = this.#o.bucketMs;
    const limit = Math.floor(watermarkMs / B) * B;
    if (!(limit > this.#closedUpToMs)) return { closed: [], samples: [] };
    const prev = this.#closedUpToMs;
    const closed: EndpointStats[] = [];
    const idle = this.#o.idleEndpointMs;
    for (const e of this.#endpoints.values()) {
      const starts = [...e.open.keys()].filter((s) => s < limit).sort((a, b) => a - b);
      let cursor = prev;
      const zeroFill = (endMs: number): void => {
        if (e.lastActiveMs === undefined) return;
        const last = e.lastActiveMs;
        for (let t = Math.max(cursor, last + B); t < endMs && t - last <= idle; t += B) {
          closed.push(this.#close(e, t, undefined));
        }
      };
      for (const s of starts) {
        zeroFill(s);
        const b = e.open.get(s) as OpenBucket;
        e.open.delete(s);
        closed.push(this.#close(e, s, b));
        cursor = s + B;
      }
      zeroFill(limit);
    }
    this.#closedUpToMs = limit;
    this.#prune(limit);
    closed.sort(
      (a, b) =>
        a.fromMs - b.fromMs ||
        compareStrings(a.service, b.service) ||
        compareStrings(a.endpoint, b.endpoint),
    );
    return { closed, samples: this.#samples(closed) };
  }

  #close(e: EndpointState, startMs: number, b: OpenBucket | undefined): EndpointStats {
    const baseline = e.baseline.value();
    const bucket: ClosedBucket =
      b === undefined || b.count === 0
        ? { startMs, count: 0, errors: 0, sumUs: 0, sketch: null, status: new Map(), baseline }
        : {
            startMs,
            count: b.count,
            errors: b.errors,
            sumUs: b.sumUs,
            sketch: b.sketch,
            status: b.status,
            baseline,
          };
    e.closed.push(bucket);
    if (bucket.count > 0) {
      e.lastActiveMs = startMs;
      e.baseline.update(bucket.sumUs / 1000 / bucket.count, bucket.errors / bucket.count);
    }
    return this.#toStats(e, startMs, startMs + this.#o.bucketMs, [bucket]);
  }

  #prune(limit: number): void {
    const cutoff = limit - this.#o.historyMs;
    for (const [key, e] of this.#endpoints) {
      let drop = 0;
      while (drop < e.closed.length && (e.closed[drop] as ClosedBucket).startMs < cutoff) drop++;
      if (drop > 0) e.closed = e.closed.slice(drop);
      if (e.closed.length === 0 && e.open.size === 0) this.#endpoints.delete(key);
    }
  }

  #toStats(
    e: EndpointState,
    fromMs: number,
    toMs: number,
    buckets: readonly ClosedBucket[],
  ): EndpointStats {
    let count = 0;
    let errors = 0;
    let sumUs = 0;
    const status = new Map<string, number>();
    const sketches: QuantileSketch[] = [];
    for (const b of buckets) {
      count += b.count;
      errors += b.errors;
      sumUs += b.sumUs;
      if (b.sketch !== null) sketches.push(b.sketch);
      for (const [k, v] of b.status) status.set(k, (status.get(k) ?? 0) + v);
    }
    let sketch: QuantileSketch | undefined;
    if (sketches.length === 1) sketch = sketches[0];
    else if (sketches.length > 1) {
      sketch = new QuantileSketch();
      for (const s of sketches) sketch.merge(s);
    }
    const q = (p: number): number => roundUs(sketch?.quantile(p) ?? 0);
    const baseline = buckets.length > 0 ? buckets[buckets.length - 1]?.baseline : undefined;
    return {
      service: e.service,
      endpoint: e.endpoint,
      fromMs,
      toMs,
      requestCount: count,
      errorCount: errors,
      errorRate: count > 0 ? errors / count : 0,
      avgLatencyMs: count > 0 ? roundUs(sumUs / 1000 / count) : 0,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      statusDistribution: sortedRecord(status),
      ...(baseline === undefined
        ? {}
        : {
            baselineLatencyMs: roundUs(baseline.latencyMs),
            baselineErrorRate: baseline.errorRate,
          }),
    };
  }

  #samples(closed: readonly EndpointStats[]): SampleBatch {
    const perSec = 1000 / this.#o.bucketMs;
    const series = new Map<
      string,
      { metric: string; labels: Record<string, string>; ts: number[]; vs: number[] }
    >();
    const put = (s: EndpointStats, metric: string, value: number): void => {
      const key = `${metric}\u0000${endpointKey(s.service, s.endpoint)}`;
      let acc = series.get(key);
      if (acc === undefined) {
        acc = {
          metric,
          labels: { [SERVICE_LABEL]: s.service, [ENDPOINT_LABEL]: s.endpoint },
          ts: [],
          vs: [],
        };
        series.set(key, acc);
      }
      acc.ts.push(s.toMs);
      acc.vs.push(value);
    };
    for (const s of closed) {
      put(s, RED_METRICS.requestRate, s.requestCount * perSec);
      put(s, RED_METRICS.errorRate, s.errorCount * perSec);
      if (s.requestCount > 0) {
        put(s, RED_METRICS.latencyMean, s.avgLatencyMs);
        put(s, RED_METRICS.latencyP95, s.p95Ms);
        put(s, RED_METRICS.latencyP99, s.p99Ms);
      }
    }
    const out: SeriesSamples[] = [];
    for (const acc of series.values()) {
      out.push({ metric: acc.metric, labels: acc.labels, timestampsMs: acc.ts, values: acc.vs });
    }
    return out;
  }

  /**
   * Closed buckets lying entirely inside [fromMs, toMs] merged per endpoint, sorted by (service,
   * endpoint). `fromMs`/`toMs` of each result are the covered bucket range [first start, last
   * end). Endpoints without a closed bucket there are left out; zero-filled buckets count (an
   * endpoint that went quiet is listed with requestCount 0). The baseline is the one learned
   * before the window's last bucket.
   */
  stats(fromMs: number, toMs: number, filter: { readonly service?: string } = {}): EndpointStats[] {
    const out: EndpointStats[] = [];
    const B = this.#o.bucketMs;
    for (const e of this.#endpoints.values()) {
      if (filter.service !== undefined && e.service !== filter.service) continue;
      const inWindow = e.closed.filter((b) => b.startMs >= fromMs && b.startMs + B <= toMs);
      if (inWindow.length === 0) continue;
      const first = inWindow[0] as ClosedBucket;
      const last = inWindow[inWindow.length - 1] as ClosedBucket;
      out.push(this.#toStats(e, first.startMs, last.startMs + B, inWindow));
    }
    out.sort(
      (a, b) => compareStrings(a.service, b.service) || compareStrings(a.endpoint, b.endpoint),
    );
    return out;
  }

  /** The current baseline of one endpoint (undefined while learning or unknown). */
  baseline(service: string, endpoint: string): BaselineValue | undefined {
    return this.#endpoints.get(endpointKey(service, endpoint))?.baseline.value();
  }
}

/** Code-unit order, so output order never depends on the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
