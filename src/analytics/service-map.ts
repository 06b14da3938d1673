/**
 * @module
 * The service map learned from spans: who calls whom, how often, how slowly and how badly, in
 * the same event-time buckets as the RED metrics (red.ts), so a replay gives the same map at any
 * speed (docs/red-metrics.md, "Service map").
 *
 * Edges. A client (or producer) span of service A whose child server (or consumer) span — same
 * traceId, parentSpanId = the client's spanId — belongs to service B is one call A → B. The two
 * halves may arrive in either order and in different batches: each waits in a bounded buffer
 * for its partner. A client span still unmatched when its bucket closes falls back to its
 * `peer.service`, `server.address` or `net.peer.name` attribute (an uninstrumented callee such as
 * a database); without one it is counted as unresolved and dropped. A call counts in the bucket
 * of the client span's END; its error and duration are the client's (what the caller saw).
 *
 * Buckets close `matchWaitMs` behind the caller's watermark, so a callee whose clock runs up to
 * that much ahead still matches. A matched pair whose bucket already closed is late (counted,
 * dropped). A buffered server span is given up one bucket after its own bucket closes.
 *
 * Nodes carry server-side RED per service (from its server spans); a node known only as a
 * callee (no server spans of its own) gets its RED from the calls into it. Health by
 * `redHealth` (red-health.ts) on the node's p95 against its learned p95 baseline.
 */
import type { ServiceEdge, ServiceMap, ServiceNode, Span } from '../contract/index.ts';
import { spanFailed } from '../contract/index.ts';
import { compareStrings, roundUs, spanEndMs, validSpanTimes } from './red.ts';
import {
  type BaselineValue,
  defaultRedBaselineOptions,
  RedBaseline,
  type RedBaselineOptions,
} from './red-baseline.ts';
import { redHealth } from './red-health.ts';
import { QuantileSketch } from './sketch.ts';

/** Attributes naming the callee of an unmatched client span, tried in this order. */
export const PEER_ATTRIBUTES = ['peer.service', 'server.address', 'net.peer.name'] as const;

export interface ServiceMapOptions {
  /** Event-time bucket width; the same as the RED metrics'. Default 10 s. */
  readonly bucketMs: number;
  /** Closed buckets kept. Default 60 min. */
  readonly historyMs: number;
  /** Buckets close this long behind the watermark, for partners that lag. Default 5 s. */
  readonly matchWaitMs: number;
  /** Most client spans and most server spans buffered while unmatched (each). Default 100,000. */
  readonly maxPendingSpans: number;
  /** Most edges and most services tracked. Default 10,000 and 5,000. */
  readonly maxEdges: number;
  readonly maxServices: number;
  /** Learning of each node's p95 and error rate (red-baseline.ts). */
  readonly baseline: RedBaselineOptions;
}

export function defaultServiceMapOptions(): ServiceMapOptions {
  return {
    bucketMs: 10_000,
    historyMs: 60 * 60_000,
    matchWaitMs: 5_000,
    maxPendingSpans: 100_000,
    maxEdges: 10_000,
    maxServices: 5_000,
    baseline: defaultRedBaselineOptions(),
  };
}

export interface ServiceMapCounters {
  /** Calls learned from a client/server pair. */
  readonly matchedCalls: number;
  /** Calls learned from a client span's peer attribute. */
  readonly peerCalls: number;
  /** Client spans with neither a partner nor a peer attribute. */
  readonly unresolvedClientSpans: number;
  /** Calls and server spans whose bucket had already closed. */
  readonly lateSpans: number;
  /** Buffered spans pushed out by `maxPendingSpans`, and spans beyond maxEdges/maxServices. */
  readonly droppedSpans: number;
  readonly pendingClientSpans: number;
  readonly pendingServerSpans: number;
}

interface Bucket {
  startMs: number;
  count: number;
  errors: number;
  sketch: QuantileSketch;
  lastSeenMs: number;
  /** Node buckets: the node's baseline learned before this bucket. */
  baseline?: BaselineValue | undefined;
}

interface Track {
  readonly open: Map<number, Bucket>;
  closed: Bucket[];
}

interface NodeState extends Track {
  readonly service: string;
  readonly baseline: RedBaseline;
}

interface EdgeState extends Track {
  readonly from: string;
  readonly to: string;
}

interface PendingClient {
  readonly service: string;
  readonly endMs: number;
  readonly durationMs: number;
  readonly failed: boolean;
  readonly peer: string | undefined;
}

interface PendingServer {
  readonly service: string;
  readonly bucketMs: number;
}

function peerOf(span: Span): string | undefined {
  for (const name of PEER_ATTRIBUTES) {
    const v = span.attributes[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function newBucket(startMs: number): Bucket {
  return { startMs, count: 0, errors: 0, sketch: new QuantileSketch(), lastSeenMs: 0 };
}

function record(
  track: Track,
  startMs: number,
  endMs: number,
  durationMs: number,
  failed: boolean,
): void {
  let b = track.open.get(startMs);
  if (b === undefined) {
    b = newBucket(startMs);
    track.open.set(startMs, b);
  }
  b.count++;
  if (failed) b.errors++;
  b.sketch.add(durationMs);
  if (endMs > b.lastSeenMs) b.lastSeenMs = endMs;
}

function merge(buckets: readonly Bucket[]): {
  count: number;
  errors: number;
  p95: number;
  last: number;
} {
  let count = 0;
  let errors = 0;
  let last = 0;
  const sketch = new QuantileSketch();
  for (const b of buckets) {
    count += b.count;
    errors += b.errors;
    if (b.lastSeenMs > last) last = b.lastSeenMs;
    sketch.merge(b.sketch);
  }
  return { count, errors, p95: roundUs(sketch.quantile(0.95) ?? 0), last };
}

export class ServiceMapBuilder {
  readonly #o: ServiceMapOptions;
  readonly #nodes = new Map<string, NodeState>();
  readonly #edges = new Map<string, EdgeState>();
  /** traceId/spanId of the client → the client. */
  readonly #clients = new Map<string, PendingClient>();
  /** Bucket start (of the client's end) → keys of clients buffered there (may be stale). */
  readonly #clientsByBucket = new Map<number, string[]>();
  /** traceId/parentSpanId of a server span → the server span's service. */
  readonly #servers = new Map<string, PendingServer>();
  #closedUpToMs = Number.NEGATIVE_INFINITY;
  /** Start of the earliest bucket that ever got data: windows (and rates) start no earlier. */
  #firstBucketMs = Number.POSITIVE_INFINITY;
  #matched = 0;
  #peer = 0;
  #unresolved = 0;
  #late = 0;
  #dropped = 0;

  constructor(options: Partial<ServiceMapOptions> = {}) {
    this.#o = { ...defaultServiceMapOptions(), ...options };
    if (!(this.#o.bucketMs > 0) || !Number.isInteger(this.#o.bucketMs)) {
      throw new RangeError(`bucketMs must be a positive integer, got ${this.#o.bucketMs}`);
    }
  }

  /** Every bucket starting before this is closed; -Infinity before the first advance. */
  closedUpToMs(): number {
    return this.#closedUpToMs;
  }

  counters(): ServiceMapCounters {
    return {
      matchedCalls: this.#matched,
      peerCalls: this.#peer,
      unresolvedClientSpans: this.#unresolved,
      lateSpans: this.#late,
      droppedSpans: this.#dropped,
      pendingClientSpans: this.#clients.size,
      pendingServerSpans: this.#servers.size,
    };
  }

  #bucket(timeMs: number): number {
    return Math.floor(timeMs / this.#o.bucketMs) * this.#o.bucketMs;
  }

  add(spans: readonly Span[]): void {
    for (const span of spans) {
      if (!validSpanTimes(span)) continue;
      const endMs = spanEndMs(span);
      if (span.kind === 'server' || span.kind === 'consumer') {
        if (span.kind === 'server') this.#recordNode(span, endMs);
        if (span.parentSpanId === undefined) continue;
        const key = `${span.traceId}/${span.parentSpanId}`;
        const client = this.#clients.get(key);
        if (client !== undefined) {
          this.#clients.delete(key);
          this.#matched++;
          this.#recordEdge(client, span.service);
        } else {
          this.#servers.set(key, { service: span.service, bucketMs: this.#bucket(endMs) });
          this.#bound(this.#servers);
        }
      } else if (span.kind === 'client' || span.kind === 'producer') {
        const client: PendingClient = {
          service: span.service,
          endMs,
          durationMs: span.durationMs,
          failed: spanFailed(span),
          peer: peerOf(span),
        };
        const key = `${span.traceId}/${span.spanId}`;
        const server = this.#servers.get(key);
        if (server !== undefined) {
          this.#servers.delete(key);
          this.#matched++;
          this.#recordEdge(client, server.service);
          continue;
        }
        const start = this.#bucket(endMs);
        if (start < this.#closedUpToMs) {
          this.#late++;
          continue;
        }
        this.#clients.set(key, client);
        const keys = this.#clientsByBucket.get(start);
        if (keys === undefined) this.#clientsByBucket.set(start, [key]);
        else keys.push(key);
        this.#bound(this.#clients);
      }
    }
  }

  /** Drops the oldest buffered entries beyond maxPendingSpans (Map order is insertion order). */
  #bound(m: Map<string, unknown>): void {
    while (m.size > this.#o.maxPendingSpans) {
      const oldest = m.keys().next().value as string;
      m.delete(oldest);
      this.#dropped++;
    }
  }

  #recordNode(span: Span, endMs: number): void {
    const start = this.#bucket(endMs);
    if (start < this.#closedUpToMs) {
      this.#late++;
      return;
    }
    let n = this.#nodes.get(span.service);
    if (n === undefined) {
      if (this.#nodes.size >= this.#o.maxServices) {
        this.#dropped++;
        return;
      }
      n = {
        service: span.service,
        open: new Map(),
        closed: [],
        baseline: new RedBaseline(this.#o.baseline),
      };
      this.#nodes.set(span.service, n);
    }
    if (start < this.#firstBucketMs) this.#firstBucketMs = start;
    record(n, start, endMs, span.durationMs, spanFailed(span));
  }

  #recordEdge(client: PendingClient, to: string): void {
    const start = this.#bucket(client.endMs);
    if (start < this.#closedUpToMs) {
      this.#late++;
      return;
    }
    const key = `${client.service}\u0000${to}`;
    let e = this.#edges.get(key);
    if (e === undefined) {
      if (this.#edges.size >= this.#o.maxEdges) {
        this.#dropped++;
        return;
      }
      e = { from: client.service, to, open: new Map(), closed: [] };
      this.#edges.set(key, e);
    }
    if (start < this.#firstBucketMs) this.#firstBucketMs = start;
    record(e, start, client.endMs, client.durationMs, client.failed);
  }

  /**
   * Moves the map's event time to `watermarkMs`: buckets ending at or before
   * watermarkMs − matchWaitMs close. Unmatched client spans of closing buckets fall back to their
   * peer attribute first.
   */
  advance(watermarkMs: number): void {
    const B = this.#o.bucketMs;
    const limit = Math.floor((watermarkMs - this.#o.matchWaitMs) / B) * B;
    if (!(limit > this.#closedUpToMs)) return;
    // 1. Clients whose bucket closes now and that found no partner: peer attribute or nothing.
    const due = [...this.#clientsByBucket.keys()].filter((s) => s < limit).sort((a, b) => a - b);
    for (const s of due) {
      for (const key of this.#clientsByBucket.get(s) as string[]) {
        const c = this.#clients.get(key);
        if (c === undefined) continue;
        this.#clients.delete(key);
        if (c.peer === undefined) this.#unresolved++;
        else {
          this.#peer++;
          this.#recordEdge(c, c.peer);
        }
      }
      this.#clientsByBucket.delete(s);
    }
    // 2. Server spans waiting for a client: given up one bucket after their own closes.
    for (const [key, srv] of this.#servers) {
      if (srv.bucketMs < limit - B) this.#servers.delete(key);
    }
    // 3. Close buckets, nodes in bucket order so their baselines learn in event-time order.
    for (const n of this.#nodes.values()) {
      for (const b of closeTrack(n, limit)) {
        b.baseline = n.baseline.value();
        n.baseline.update(b.sketch.quantile(0.95) ?? 0, b.errors / b.count);
      }
    }
    for (const e of this.#edges.values()) closeTrack(e, limit);
    this.#closedUpToMs = limit;
    const cutoff = limit - this.#o.historyMs;
    for (const [k, n] of this.#nodes) if (pruneTrack(n, cutoff)) this.#nodes.delete(k);
    for (const [k, e] of this.#edges) if (pruneTrack(e, cutoff)) this.#edges.delete(k);
  }

  /**
   * The map over the closed buckets lying entirely inside [fromMs, toMs]. `fromMs`/`toMs` of the
   * answer are the covered range [first bucket start, end of the last closed bucket), starting
   * no earlier than the first bucket that ever got data, and rates are per second of it. Nodes: every service with server spans in the history (grey without
   * requests in the window) plus every callee of an edge in the window; sorted by name. Edges:
   * those with calls in the window, sorted by (from, to).
   */
  map(fromMs: number, toMs: number): ServiceMap {
    const B = this.#o.bucketMs;
    // Rates are per second of the covered buckets: not before the first data (a map asked for
    // the last 5 min of a system up for 1 min divides by 60 s, not 300 s).
    const first = Number.isFinite(this.#firstBucketMs) ? this.#firstBucketMs : fromMs;
    const a = Math.max(Math.ceil(fromMs / B) * B, first);
    const b = Math.min(Math.floor(toMs / B) * B, this.#closedUpToMs);
    const windowS = b > a ? (b - a) / 1000 : 0;
    const inside = (t: Track): Bucket[] =>
      t.closed.filter((x) => x.startMs >= a && x.startMs + B <= b);
    const edges: ServiceEdge[] = [];
    const incoming = new Map<string, Bucket[]>();
    for (const e of this.#edges.values()) {
      const buckets = inside(e);
      const m = merge(buckets);
      if (m.count === 0) continue;
      edges.push({
        from: e.from,
        to: e.to,
        calls: m.count,
        callRatePerS: windowS > 0 ? m.count / windowS : 0,
        errorRate: m.errors / m.count,
        p95Ms: m.p95,
        lastSeenMs: m.last,
      });
      const list = incoming.get(e.to);
      if (list === undefined) incoming.set(e.to, [...buckets]);
      else list.push(...buckets);
    }
    edges.sort((x, y) => compareStrings(x.from, y.from) || compareStrings(x.to, y.to));
    const nodes: ServiceNode[] = [];
    const node = (service: string, buckets: readonly Bucket[], baseline?: BaselineValue): void => {
      const m = merge(buckets);
      const errorRate = m.count > 0 ? m.errors / m.count : 0;
      const { light } = redHealth({
        requests: m.count,
        errorRate,
        latencyMs: m.p95,
        baselineLatencyMs: baseline?.latencyMs,
      });
      nodes.push({
        service,
        requestRatePerS: windowS > 0 ? m.count / windowS : 0,
        errorRate,
        p95Ms: m.p95,
        health: light,
      });
    };
    for (const n of this.#nodes.values()) {
      const buckets = inside(n);
      const last = buckets[buckets.length - 1];
      node(n.service, buckets, last === undefined ? n.baseline.value() : last.baseline);
    }
    for (const [service, buckets] of incoming) {
      if (!this.#nodes.has(service)) node(service, buckets);
    }
    nodes.sort((x, y) => compareStrings(x.service, y.service));
    return { fromMs: a, toMs: Math.max(a, b), nodes, edges };
  }
}

/** Moves the open buckets starting before `limit` to closed (ascending) and returns them. */
function closeTrack(t: Track, limit: number): Bucket[] {
  const starts = [...t.open.keys()].filter((s) => s < limit).sort((x, y) => x - y);
  const out: Bucket[] = [];
  for (const s of starts) {
    const b = t.open.get(s) as Bucket;
    t.open.delete(s);
    t.closed.push(b);
    out.push(b);
  }
  return out;
}

/** Drops closed buckets starting before `cutoff`; true when the track is empty. */
function pruneTrack(t: Track, cutoff: number): boolean {
  let drop = 0;
  while (drop < t.closed.length && (t.closed[drop] as Bucket).startMs < cutoff) drop++;
  if (drop > 0) t.closed = t.closed.slice(drop);
  return t.closed.length === 0 && t.open.size === 0;
}
