/**
 * @module
 * Trace-based root-cause evidence: for every failing or slow trace, the (service, endpoint) where
 * the fault originates, and the path of services it propagated along (docs/rca.md, "Trace").
 *
 * Spans are grouped into "instances": one server (or consumer, or fragment-root) span together
 * with its internal/producer descendants, plus the client span that called it. A client span's
 * own time (its duration minus the callee's server span) is the callee's, because a caller's
 * client span carries its callee's latency. A client span with no server span below it (the
 * callee never finished, or is not instrumented) gets a virtual instance of the callee named by
 * `peer.service`, `server.address`, `net.peer.name` or the caller's only map edge.
 *
 * - Errors: the originator is the deepest failed span with no failed descendant (a span failing
 *   because its child failed only propagates); a failed span whose own message differs from (and
 *   does not quote) its failed descendants' messages is an originator too, but the trace's
 *   primary originator is the deepest one.
 * - Latency: an instance's self time is the union-free time of its spans (duration minus the
 *   union of its children's intervals). It is slow when self ≥ latencyFactor × baseline and the
 *   excess ≥ minLatencyExcessMs; the trace's originator is its instance with the largest excess.
 *   Baseline self time per endpoint: min(stats baseline, median self time in traces without
 *   failures) when the stats have one, else that median.
 *
 * - Cause of a failure, where the spans tell it: a failed call with no callee span that was
 *   refused at connect (ECONNREFUSED / "connection refused" / unreachable, or 502 from the
 *   caller's client) counts as `refused` (the callee is not there: absence); a failed answer
 *   that sheds load (503, or "overloaded" / "too many requests" / "shed") counts as `shed`
 *   (saturation).
 * - Shape of a slowdown: `slowSpreadRatio` compares the spread of log self time in the slow
 *   traces with that of the unit's ordinary self times. A fixed added delay d shifts every
 *   request by d, which narrows the spread of log self time (by about m / (m + d) for median
 *   m, at most 1/2 once the unit is twice as slow); a saturated unit (queueing) multiplies
 *   its self times, which keeps the spread (and a ramping load widens it).
 *
 * Cost: spans are indexed by trace once; each trace is sorted (k log k) and walked twice.
 */
import type { EndpointStats, ServiceMap, Span } from '../contract/index.ts';

/** A (service, endpoint) pair; `key` joins them with NUL so names with spaces stay distinct. */
export interface UnitRef {
  readonly key: string;
  readonly service: string;
  readonly endpoint: string;
}

export type TraceFaultKind = 'latency' | 'errors' | 'timeout';

export interface TraceRcaOptions {
  /** Slow when self time ≥ this × baseline self time. */
  readonly latencyFactor: number;
  /** ... and exceeds it by at least this many milliseconds. */
  readonly minLatencyExcessMs: number;
  /** A failed call with no callee span lasting at least this long is a timeout. */
  readonly timeoutMinMs: number;
}

/** What the traces say about one unit: how many faulty traces originate there, and samples. */
export interface UnitOrigins {
  readonly unit: UnitRef;
  /** Faulty traces whose primary originator is this unit, by kind. */
  readonly latency: number;
  readonly errors: number;
  readonly timeout: number;
  /** Traces that originate here, most telling first (errors, then by excess), then by id. */
  readonly traceIds: readonly string[];
  /** The most common service path from a trace root down to this unit. */
  readonly path: readonly string[];
  /** Start of the earliest originating span. */
  readonly firstMs: number;
  /** Median self time here in originating slow traces, and the baseline it was compared to. */
  readonly medianSlowSelfMs?: number;
  readonly baselineSelfMs?: number;
  /** Of `errors`: failed calls refused at connect with no callee span (the callee was absent). */
  readonly refused: number;
  /** Of `errors`: answers that shed load (503 or an overload message: saturation). */
  readonly shed: number;
  /**
   * Spread (interquartile range) of log self time in the slow traces originating here over the
   * same for this unit's ordinary (not slow, not failed) self times; set when both have at
   * least `MIN_SPREAD_SAMPLES`. About ≤ 0.5 for an added fixed delay, ≈ 1 or more when self
   * times are multiplied (saturation).
   */
  readonly slowSpreadRatio?: number;
  /** Callers whose calls to this unit timed out or failed with no callee span, and how long. */
  readonly orphanCallers: readonly string[];
  readonly medianOrphanMs?: number;
}

export interface TraceAnalysis {
  readonly traceCount: number;
  readonly faultyTraces: number;
  readonly failingTraces: number;
  readonly slowTraces: number;
  /** Units where at least one faulty trace originates, by key. */
  readonly origins: ReadonlyMap<string, UnitOrigins>;
  /** Per origin unit key, the services on the paths of the faulty traces originating there. */
  readonly faultyServicesByOrigin: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per origin unit key, the unit keys on the paths of the faulty traces originating there. */
  readonly faultyUnitsByOrigin: ReadonlyMap<string, ReadonlySet<string>>;
  /** Distinct traces with a span in one of these units (server side or as the callee of a call). */
  countTracesTouching(unitKeys: ReadonlySet<string>): number;
  /** Unit key → its unit, for every unit seen. */
  readonly units: ReadonlyMap<string, UnitRef>;
}

export function unitKey(service: string, endpoint: string): string {
  return `${service}\u0000${endpoint}`;
}

const TIMEOUT_RE = /time[ d-]?out|deadline/i;
const REFUSED_RE = /ECONNREFUSED|connection refused|EHOSTUNREACH|ENOTFOUND|unreachable/i;
const SHED_RE = /overload|too many requests|shed|capacity/i;
/** Samples each side needs before `slowSpreadRatio` is computed. */
export const MIN_SPREAD_SAMPLES = 8;

/** Interquartile range of log values (values must be > 0; others are left out). */
function logIqr(values: readonly number[]): number | undefined {
  const logs = sortedNumbers(values.filter((v) => v > 0).map((v) => Math.log(v)));
  if (logs.length < MIN_SPREAD_SAMPLES) return undefined;
  const q = (p: number): number => {
    const x = p * (logs.length - 1);
    const lo = Math.floor(x);
    const hi = Math.min(logs.length - 1, lo + 1);
    return logs[lo]! + (logs[hi]! - logs[lo]!) * (x - lo);
  };
  return q(0.75) - q(0.25);
}

function isFailed(s: Span): boolean {
  return s.status === 'error' || (s.httpStatus !== undefined && s.httpStatus >= 500);
}

function compareSpans(a: Span, b: Span): number {
  if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function sortedNumbers(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

function attrString(s: Span, name: string): string | undefined {
  const v = s.attributes[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Per trace, what pass 1 learned. Instances are indexes into the flat instance arrays. */
interface TraceRecord {
  readonly traceId: string;
  readonly failed: boolean;
  readonly instFrom: number;
  readonly instTo: number;
  /** Primary error originator instance, or -1. */
  readonly errorInst: number;
  readonly errorKind: TraceFaultKind;
  /** What the originating span says caused the failure, when it says. */
  readonly errorCause: 'refused' | 'shed' | undefined;
  readonly errorStartMs: number;
}

/**
 * Finds where each faulty trace's fault originates. Spans may come in any order and may be a
 * sample (a span whose parent is absent starts a fragment of its own).
 */
export function analyzeTraces(
  spans: readonly Span[],
  stats: readonly EndpointStats[],
  map: ServiceMap,
  options: TraceRcaOptions,
): TraceAnalysis {
  // Index spans by trace once, then visit traces in id order so the output is order-free.
  // Spans usually arrive grouped by trace: reuse the last list while the id repeats.
  const byTrace = new Map<string, Span[]>();
  let lastId: string | undefined;
  let lastList: Span[] = [];
  for (const s of spans) {
    if (s.traceId === lastId) {
      lastList.push(s);
      continue;
    }
    let list = byTrace.get(s.traceId);
    if (list === undefined) {
      list = [];
      byTrace.set(s.traceId, list);
    }
    list.push(s);
    lastId = s.traceId;
    lastList = list;
  }
  const traceLists = [...byTrace.entries()].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  );

  // A client span's callee when no server span answers it: the only map edge of its service.
  const outEdges = new Map<string, string[]>();
  for (const e of map.edges) {
    const list = outEdges.get(e.from);
    if (list === undefined) outEdges.set(e.from, [e.to]);
    else list.push(e.to);
  }

  // Units interned by service then endpoint (no key string built per span).
  const units = new Map<string, UnitRef>();
  const unitsByService = new Map<string, Map<string, UnitRef>>();
  const unitOf = (service: string, endpoint: string): UnitRef => {
    let byEndpoint = unitsByService.get(service);
    if (byEndpoint === undefined) {
      byEndpoint = new Map();
      unitsByService.set(service, byEndpoint);
    }
    let u = byEndpoint.get(endpoint);
    if (u === undefined) {
      const key = unitKey(service, endpoint);
      u = { key, service, endpoint };
      byEndpoint.set(endpoint, u);
      units.set(key, u);
    }
    return u;
  };

  // Flat instance arrays (one entry per server span or orphan client call).
  const instUnit: UnitRef[] = [];
  const instSelfMs: number[] = [];
  const instDepth: number[] = [];
  const instParent: number[] = [];
  const instStartMs: number[] = [];
  /** For orphan (virtual) instances: the calling service and the call's duration; else ''. */
  const instCaller: string[] = [];
  const instOrphanMs: number[] = [];
  const newInst = (
    unit: UnitRef,
    d: number,
    parentInst: number,
    startMs: number,
    caller = '',
    orphanMs = 0,
  ): number => {
    instUnit.push(unit);
    instSelfMs.push(0);
    instDepth.push(d);
    instParent.push(parentInst);
    instStartMs.push(startMs);
    instCaller.push(caller);
    instOrphanMs.push(orphanMs);
    return instUnit.length - 1;
  };

  // Per-trace scratch, grown to the largest trace and reused (no allocation per trace).
  let cap = 0;
  let parent = new Int32Array(0);
  let depth = new Int32Array(0);
  let inst = new Int32Array(0);
  let visited = new Uint8Array(0);
  let failedBelow = new Uint8Array(0);
  /** Children in CSR form: the children of i are childList[childStart[i] .. childStart[i + 1]). */
  let childStart = new Int32Array(1);
  let childFill = new Int32Array(0);
  let childList = new Int32Array(0);
  const grow = (n: number): void => {
    if (n <= cap) return;
    cap = Math.max(n, cap * 2, 64);
    parent = new Int32Array(cap);
    depth = new Int32Array(cap);
    inst = new Int32Array(cap);
    visited = new Uint8Array(cap);
    failedBelow = new Uint8Array(cap);
    childStart = new Int32Array(cap + 1);
    childFill = new Int32Array(cap);
    childList = new Int32Array(cap);
  };
  const order: number[] = [];
  const stack: number[] = [];
  const belowMessages: (string[] | undefined)[] = [];
  let indexById = new Map<string, number>();
  /** Up to this many spans, a parent is found by a linear scan (cheaper than a Map). */
  const SMALL_TRACE = 24;

  const records: TraceRecord[] = [];

  for (const [traceId, list] of traceLists) {
    if (list.length > 1) list.sort(compareSpans);
    const n = list.length;
    grow(n);
    const small = n <= SMALL_TRACE;
    if (!small) {
      indexById = new Map();
      // A duplicate span id keeps its first (earliest) copy.
      for (let i = 0; i < n; i++) {
        if (!indexById.has(list[i]!.spanId)) indexById.set(list[i]!.spanId, i);
      }
    }
    const firstIndex = (id: string): number => {
      if (!small) return indexById.get(id) ?? -1;
      for (let j = 0; j < n; j++) if (list[j]!.spanId === id) return j;
      return -1;
    };
    let anyFailed = false;
    childStart.fill(0, 0, n + 1);
    for (let i = 0; i < n; i++) {
      const s = list[i]!;
      if (isFailed(s)) anyFailed = true;
      const p = s.parentSpanId;
      const pi = p === undefined ? -1 : firstIndex(p);
      parent[i] = pi < 0 || pi === i || firstIndex(s.spanId) !== i ? -1 : pi;
      if (parent[i]! >= 0) childStart[parent[i]! + 1]!++;
      depth[i] = 0;
      inst[i] = -1;
      visited[i] = 0;
      failedBelow[i] = 0;
    }
    for (let i = 0; i < n; i++) {
      childStart[i + 1]! += childStart[i]!;
      childFill[i] = childStart[i]!;
    }
    // Filled in index order, so each span's children are in start order.
    for (let i = 0; i < n; i++) {
      const p = parent[i]!;
      if (p >= 0) childList[childFill[p]!++] = i;
    }

    // Pass 1, preorder: depth and instance of every span.
    order.length = 0;
    stack.length = 0;
    for (let r = n - 1; r >= 0; r--) if (parent[r] === -1) stack.push(r);
    const instFrom = instUnit.length;
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (visited[i] === 1) continue;
      visited[i] = 1;
      order.push(i);
      const s = list[i]!;
      const p = parent[i]!;
      depth[i] = p < 0 ? 0 : depth[p]! + 1;
      const parentInst = p < 0 ? -1 : inst[p]!;
      const c0 = childStart[i]!;
      const c1 = childStart[i + 1]!;
      if (inst[i]! < 0) {
        if ((p < 0 && s.kind !== 'client') || s.kind === 'server' || s.kind === 'consumer') {
          inst[i] = newInst(unitOf(s.service, s.endpoint), depth[i]!, parentInst, s.startMs);
        } else if (s.kind === 'client') {
          let callee = -1;
          for (let c = c0; c < c1; c++) {
            const ks = list[childList[c]!]!.kind;
            if (ks === 'server' || ks === 'consumer') {
              callee = childList[c]!;
              break;
            }
          }
          if (callee >= 0) {
            const cs = list[callee]!;
            const ci = newInst(
              unitOf(cs.service, cs.endpoint),
              depth[i]! + 1,
              parentInst,
              cs.startMs,
            );
            inst[callee] = ci;
            inst[i] = ci;
          } else {
            const edges = outEdges.get(s.service);
            const calleeService =
              attrString(s, 'peer.service') ??
              attrString(s, 'server.address') ??
              attrString(s, 'net.peer.name') ??
              (edges !== undefined && edges.length === 1 ? edges[0] : undefined);
            inst[i] =
              calleeService === undefined
                ? parentInst >= 0
                  ? parentInst
                  : newInst(unitOf(s.service, s.endpoint), depth[i]!, -1, s.startMs)
                : newInst(
                    unitOf(calleeService, s.endpoint),
                    depth[i]! + 1,
                    parentInst,
                    s.startMs,
                    s.service,
                    s.durationMs,
                  );
          }
        } else {
          inst[i] = parentInst;
        }
      }
      for (let c = c1 - 1; c >= c0; c--) stack.push(childList[c]!);
    }

    // Self time: duration minus the union of the children's intervals, clipped to the span.
    for (const i of order) {
      const s = list[i]!;
      const end = s.startMs + s.durationMs;
      let covered = 0;
      let curFrom = Number.NaN;
      let curTo = Number.NaN;
      for (let c = childStart[i]!; c < childStart[i + 1]!; c++) {
        const ch = list[childList[c]!]!;
        const from = Math.max(ch.startMs, s.startMs);
        const to = Math.min(ch.startMs + ch.durationMs, end);
        if (!(to > from)) continue; // also skips NaN times
        // Children are in start order, so one sweep merges overlapping intervals.
        if (Number.isNaN(curFrom) || from > curTo) {
          if (!Number.isNaN(curFrom)) covered += curTo - curFrom;
          curFrom = from;
          curTo = to;
        } else if (to > curTo) {
          curTo = to;
        }
      }
      if (!Number.isNaN(curFrom)) covered += curTo - curFrom;
      const self = s.durationMs - covered > 0 ? s.durationMs - covered : 0; // NaN → 0
      const ii = inst[i]!;
      if (ii >= 0) instSelfMs[ii]! += self;
    }

    /** Depth of the fault a span shows: its instance's (a client call's is the callee's). */
    const depthOf = (i: number): number => {
      const ii = inst[i]!;
      return ii >= 0 ? instDepth[ii]! : depth[i]!;
    };

    // Errors, postorder: a failed span is explained when a failed descendant carries its message.
    let failed = false;
    let errorSpan = -1;
    if (anyFailed) {
      belowMessages.length = 0;
      for (let o = order.length - 1; o >= 0; o--) {
        const i = order[o]!;
        const s = list[i]!;
        let below = false;
        let msgs: string[] | undefined;
        for (let c = childStart[i]!; c < childStart[i + 1]!; c++) {
          const k = childList[c]!;
          if (isFailed(list[k]!)) {
            below = true;
            const m = list[k]!.errorMessage;
            if (m !== undefined) {
              msgs ??= [];
              msgs.push(m);
            }
          } else if (failedBelow[k] === 1) {
            below = true;
            const km = belowMessages[k];
            if (km !== undefined) {
              msgs ??= [];
              msgs.push(...km);
            }
          }
        }
        if (below) failedBelow[i] = 1;
        belowMessages[i] = msgs;
        if (!isFailed(s)) continue;
        failed = true;
        const own = s.errorMessage;
        const originates =
          !below ||
          (own !== undefined &&
            (msgs?.every((m) => m !== own && !own.includes(m) && !m.includes(own)) ?? false));
        if (!originates) continue;
        if (errorSpan < 0) {
          errorSpan = i;
          continue;
        }
        // Deepest wins; then the earliest start, then the span id (the list order).
        const di = depthOf(i);
        const de = depthOf(errorSpan);
        if (di > de || (di === de && i < errorSpan)) errorSpan = i;
      }
    }

    let errorInst = -1;
    let errorKind: TraceFaultKind = 'errors';
    let errorCause: 'refused' | 'shed' | undefined;
    let errorStartMs = 0;
    if (errorSpan >= 0) {
      const s = list[errorSpan]!;
      errorInst = inst[errorSpan]!;
      errorStartMs = s.startMs;
      const orphan = errorInst >= 0 && instCaller[errorInst] !== '' && s.kind === 'client';
      if (
        (s.errorMessage !== undefined && TIMEOUT_RE.test(s.errorMessage)) ||
        s.httpStatus === 504 ||
        (orphan && s.durationMs >= options.timeoutMinMs)
      ) {
        errorKind = 'timeout';
      } else if (
        orphan &&
        ((s.errorMessage !== undefined && REFUSED_RE.test(s.errorMessage)) || s.httpStatus === 502)
      ) {
        errorCause = 'refused';
      } else if (
        s.httpStatus === 503 ||
        (s.errorMessage !== undefined && SHED_RE.test(s.errorMessage))
      ) {
        errorCause = 'shed';
      }
    }
    records.push({
      traceId,
      failed,
      instFrom,
      instTo: instUnit.length,
      errorInst,
      errorKind,
      errorCause,
      errorStartMs,
    });
  }

  // Baseline self time per unit.
  const healthySelf = new Map<string, number[]>();
  for (const r of records) {
    if (r.failed) continue;
    for (let k = r.instFrom; k < r.instTo; k++) {
      const key = instUnit[k]!.key;
      const list = healthySelf.get(key);
      if (list === undefined) healthySelf.set(key, [instSelfMs[k]!]);
      else list.push(instSelfMs[k]!);
    }
  }
  const statsBaseline = new Map<string, number>();
  for (const s of stats) {
    if (s.baselineLatencyMs !== undefined && Number.isFinite(s.baselineLatencyMs)) {
      statsBaseline.set(unitKey(s.service, s.endpoint), s.baselineLatencyMs);
    }
  }
  const baselineSelf = new Map<string, number>();
  for (const key of units.keys()) {
    const h = healthySelf.get(key);
    const med = h === undefined ? undefined : median(sortedNumbers(h));
    const b = statsBaseline.get(key);
    const v = b === undefined ? med : med === undefined ? b : Math.min(b, med);
    if (v !== undefined) baselineSelf.set(key, v);
  }

  // Pass 2: each faulty trace's primary originator.
  interface Acc {
    latency: number;
    errors: number;
    timeout: number;
    refused: number;
    shed: number;
    /** [rank (0 error, 1 latency), -excess, traceId] for ordering the samples. */
    samples: [number, number, string][];
    paths: Map<string, number>;
    firstMs: number;
    slowSelf: number[];
    orphanCallers: Set<string>;
    orphanMs: number[];
  }
  const acc = new Map<string, Acc>();
  const faultyServicesByOrigin = new Map<string, Set<string>>();
  const faultyUnitsByOrigin = new Map<string, Set<string>>();
  let failingTraces = 0;
  let slowTraces = 0;
  const pathOf = (i: number): string[] => {
    const out: string[] = [];
    for (let k = i; k >= 0; k = instParent[k]!) {
      const svc = instUnit[k]!.service;
      if (out[out.length - 1] !== svc) out.push(svc);
    }
    return out.reverse();
  };
  for (const r of records) {
    let origin = -1;
    let cause: 'refused' | 'shed' | undefined;
    let kind: TraceFaultKind = 'latency';
    let excess = 0;
    let startMs = 0;
    if (r.failed) {
      failingTraces++;
      origin = r.errorInst;
      kind = r.errorKind;
      cause = r.errorCause;
      startMs = r.errorStartMs;
    }
    if (origin < 0) {
      let best = -1;
      let bestExcess = 0;
      for (let k = r.instFrom; k < r.instTo; k++) {
        const b = baselineSelf.get(instUnit[k]!.key) ?? 0;
        const self = instSelfMs[k]!;
        const ex = self - b;
        // Written so NaN (a malformed span's time) never counts as slow.
        if (!(self >= b * options.latencyFactor) || !(ex >= options.minLatencyExcessMs)) continue;
        if (
          best < 0 ||
          ex > bestExcess ||
          (ex === bestExcess && instDepth[k]! > instDepth[best]!)
        ) {
          best = k;
          bestExcess = ex;
        }
      }
      if (best >= 0) {
        if (!r.failed) slowTraces++;
        origin = best;
        excess = bestExcess;
        startMs = instStartMs[best]!;
        kind = 'latency';
      }
    }
    if (origin < 0) continue;
    const unit = instUnit[origin]!;
    let a = acc.get(unit.key);
    if (a === undefined) {
      a = {
        latency: 0,
        errors: 0,
        timeout: 0,
        refused: 0,
        shed: 0,
        samples: [],
        paths: new Map(),
        firstMs: startMs,
        slowSelf: [],
        orphanCallers: new Set(),
        orphanMs: [],
      };
      acc.set(unit.key, a);
    }
    a[kind]++;
    if (kind === 'errors' && cause !== undefined) a[cause]++;
    a.samples.push([kind === 'latency' ? 1 : 0, -excess, r.traceId]);
    if (startMs < a.firstMs) a.firstMs = startMs;
    if (kind === 'latency') a.slowSelf.push(instSelfMs[origin]!);
    if (instCaller[origin] !== '') {
      a.orphanCallers.add(instCaller[origin]!);
      a.orphanMs.push(instOrphanMs[origin]!);
    }
    const path = pathOf(origin);
    const pk = path.join('\u0000');
    a.paths.set(pk, (a.paths.get(pk) ?? 0) + 1);
    let svcs = faultyServicesByOrigin.get(unit.key);
    if (svcs === undefined) {
      svcs = new Set();
      faultyServicesByOrigin.set(unit.key, svcs);
    }
    for (const svc of path) svcs.add(svc);
    let onPath = faultyUnitsByOrigin.get(unit.key);
    if (onPath === undefined) {
      onPath = new Set();
      faultyUnitsByOrigin.set(unit.key, onPath);
    }
    for (let k = origin; k >= 0; k = instParent[k]!) onPath.add(instUnit[k]!.key);
  }

  const origins = new Map<string, UnitOrigins>();
  for (const key of [...acc.keys()].sort()) {
    const a = acc.get(key)!;
    a.samples.sort(
      (x, y) => x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0),
    );
    let bestPath = '';
    let bestCount = -1;
    for (const [p, c] of a.paths) {
      if (c > bestCount || (c === bestCount && p < bestPath)) {
        bestPath = p;
        bestCount = c;
      }
    }
    const base = baselineSelf.get(key);
    let slowSpreadRatio: number | undefined;
    if (a.slowSelf.length >= MIN_SPREAD_SAMPLES && base !== undefined) {
      const ordinary = (healthySelf.get(key) ?? []).filter(
        (v) => v < base * options.latencyFactor || v - base < options.minLatencyExcessMs,
      );
      const slow = logIqr(a.slowSelf);
      const usual = logIqr(ordinary);
      if (slow !== undefined && usual !== undefined && usual > 0) {
        slowSpreadRatio = Math.round((slow / usual) * 1000) / 1000;
      }
    }
    origins.set(key, {
      unit: units.get(key)!,
      latency: a.latency,
      errors: a.errors,
      timeout: a.timeout,
      refused: a.refused,
      shed: a.shed,
      ...(slowSpreadRatio === undefined ? {} : { slowSpreadRatio }),
      traceIds: a.samples.map((s) => s[2]),
      path: bestPath.split('\u0000'),
      firstMs: a.firstMs,
      ...(a.slowSelf.length > 0 ? { medianSlowSelfMs: median(sortedNumbers(a.slowSelf)) } : {}),
      ...(base !== undefined ? { baselineSelfMs: base } : {}),
      orphanCallers: [...a.orphanCallers].sort(),
      ...(a.orphanMs.length > 0 ? { medianOrphanMs: median(sortedNumbers(a.orphanMs)) } : {}),
    });
  }

  return {
    traceCount: records.length,
    faultyTraces: failingTraces + slowTraces,
    failingTraces,
    slowTraces,
    origins,
    faultyServicesByOrigin,
    faultyUnitsByOrigin,
    countTracesTouching(unitKeys: ReadonlySet<string>): number {
      let count = 0;
      for (const r of records) {
        for (let k = r.instFrom; k < r.instTo; k++) {
          if (unitKeys.has(instUnit[k]!.key)) {
            count++;
            break;
          }
        }
      }
      return count;
    },
    units,
  };
}
