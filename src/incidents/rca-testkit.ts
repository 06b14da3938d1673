/**
 * @module
 * Small deterministic builders for root-cause tests: a trace from a call tree, endpoint stats
 * computed from server spans, signals and a service map. Ids are counters, times are laid out
 * sequentially (own work first, then each call in turn), so the same spec gives the same spans.
 * For tests only; nothing in production imports it.
 */
import type {
  EndpointStats,
  FaultKind,
  ServiceMap,
  Signal,
  Span,
  SpanAttributes,
} from '../contract/index.ts';

export interface CallSpec {
  readonly service: string;
  readonly endpoint: string;
  /** Own work of the server span before its calls. Default 5 ms. */
  readonly selfMs?: number;
  /** The server span fails with this message. */
  readonly error?: string;
  readonly calls?: readonly CallSpec[];
  /**
   * The callee never answers: no server span (nor anything below it) is emitted and the
   * caller's client span fails after this many milliseconds.
   */
  readonly timeoutAfterMs?: number;
  /** Attributes of the client span calling this (e.g. `peer.service`). */
  readonly clientAttributes?: SpanAttributes;
  /** When a call fails, the caller fails too (default true), quoting the callee's message. */
  readonly propagate?: boolean;
}

const NETWORK_MS = 1;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The spans of one trace (trace id from `traceNo`), root server span starting at `startMs`. */
export function traceSpans(traceNo: number, startMs: number, root: CallSpec): Span[] {
  const traceId = hex(traceNo + 1, 32);
  const spans: Span[] = [];
  let next = 0;
  const newId = (): string => hex(traceNo * 4096 + ++next, 16);

  /** Emits the server span of `spec` and below; returns its end, whether it failed and why. */
  const serve = (
    spec: CallSpec,
    at: number,
    parentSpanId: string | undefined,
  ): { endMs: number; failed: boolean; message?: string } => {
    const spanId = newId();
    const index = spans.length;
    spans.push(undefined as unknown as Span); // placeholder keeps parents before children
    let cursor = at + (spec.selfMs ?? 5);
    let childFailure: string | undefined;
    let childFailed = false;
    for (const call of spec.calls ?? []) {
      const clientId = newId();
      const clientIndex = spans.length;
      spans.push(undefined as unknown as Span);
      let endMs: number;
      let failed: boolean;
      let message: string | undefined;
      if (call.timeoutAfterMs !== undefined) {
        endMs = cursor + call.timeoutAfterMs;
        failed = true;
      } else {
        const r = serve(call, cursor + NETWORK_MS, clientId);
        endMs = r.endMs + NETWORK_MS;
        failed = r.failed;
        message = r.message;
      }
      spans[clientIndex] = {
        traceId,
        spanId: clientId,
        parentSpanId: spanId,
        service: spec.service,
        name: `GET ${call.endpoint}`,
        kind: 'client',
        endpoint: call.endpoint,
        startMs: cursor,
        durationMs: endMs - cursor,
        status: failed ? 'error' : 'unset',
        ...(failed && call.timeoutAfterMs === undefined ? { httpStatus: 500 } : {}),
        ...(message === undefined ? {} : { errorMessage: message }),
        attributes: call.clientAttributes ?? {},
      };
      if (failed && (call.propagate ?? true)) {
        childFailed = true;
        childFailure ??= message ?? `call to ${call.service} failed`;
      }
      cursor = endMs;
    }
    const ownError = spec.error;
    const failed = ownError !== undefined || childFailed;
    const message =
      ownError ?? (childFailed ? `upstream error: ${childFailure ?? 'unknown'}` : undefined);
    spans[index] = {
      traceId,
      spanId,
      ...(parentSpanId === undefined ? {} : { parentSpanId }),
      service: spec.service,
      name: `GET ${spec.endpoint}`,
      kind: 'server',
      endpoint: spec.endpoint,
      startMs: at,
      durationMs: cursor - at,
      status: failed ? 'error' : 'unset',
      httpStatus: failed ? 500 : 200,
      ...(message === undefined ? {} : { errorMessage: message }),
      attributes: {},
    };
    return { endMs: cursor, failed, ...(message === undefined ? {} : { message }) };
  };
  serve(root, startMs, undefined);
  return spans;
}

export interface StatsBaseline {
  readonly latencyMs?: number;
  readonly errorRate?: number;
}

/** RED stats per (service, endpoint) from server spans, with the given baselines. */
export function statsFromSpans(
  spans: readonly Span[],
  fromMs: number,
  toMs: number,
  baselines: Readonly<Record<string, StatsBaseline>> = {},
): EndpointStats[] {
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    if (s.kind !== 'server') continue;
    const k = `${s.service} ${s.endpoint}`;
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [s]);
    else list.push(s);
  }
  const out: EndpointStats[] = [];
  for (const k of [...groups.keys()].sort()) {
    const list = groups.get(k)!;
    const d = list.map((s) => s.durationMs).sort((a, b) => a - b);
    const q = (p: number): number => d[Math.min(d.length - 1, Math.ceil(p * d.length) - 1)]!;
    const errors = list.filter((s) => s.status === 'error').length;
    const dist: Record<string, number> = {};
    for (const s of list) {
      const code = s.httpStatus === undefined ? 'unset' : String(s.httpStatus);
      dist[code] = (dist[code] ?? 0) + 1;
    }
    const b = baselines[k];
    out.push({
      service: list[0]!.service,
      endpoint: list[0]!.endpoint,
      fromMs,
      toMs,
      requestCount: list.length,
      errorCount: errors,
      errorRate: errors / list.length,
      avgLatencyMs: d.reduce((a, v) => a + v, 0) / d.length,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      statusDistribution: dist,
      ...(b?.latencyMs === undefined ? {} : { baselineLatencyMs: b.latencyMs }),
      ...(b?.errorRate === undefined ? {} : { baselineErrorRate: b.errorRate }),
    });
  }
  return out;
}

/** Stats given directly (for metrics-only cases). */
export function endpointStats(
  service: string,
  endpoint: string,
  v: {
    requests: number;
    errors?: number;
    p95Ms: number;
    baselineLatencyMs?: number;
    baselineErrorRate?: number;
  },
  fromMs = 0,
  toMs = 60_000,
): EndpointStats {
  const errors = v.errors ?? 0;
  return {
    service,
    endpoint,
    fromMs,
    toMs,
    requestCount: v.requests,
    errorCount: errors,
    errorRate: v.requests > 0 ? errors / v.requests : 0,
    avgLatencyMs: v.p95Ms / 2,
    p50Ms: v.p95Ms / 2,
    p95Ms: v.p95Ms,
    p99Ms: v.p95Ms,
    statusDistribution: { '200': v.requests - errors, ...(errors > 0 ? { '500': errors } : {}) },
    ...(v.baselineLatencyMs === undefined ? {} : { baselineLatencyMs: v.baselineLatencyMs }),
    ...(v.baselineErrorRate === undefined ? {} : { baselineErrorRate: v.baselineErrorRate }),
  };
}

export function signal(
  service: string,
  endpoint: string | undefined,
  kind: FaultKind,
  atMs: number,
  observed: number,
  baseline: number,
): Signal {
  const unit =
    kind === 'latency' || kind === 'timeout' ? 'ms' : kind === 'errors' ? 'ratio' : 'value';
  return {
    id: `endpoint:${service}:${endpoint ?? '*'}:${kind}`,
    source: 'endpoint',
    service,
    ...(endpoint === undefined ? {} : { endpoint }),
    kind,
    atMs,
    lastAtMs: atMs + 30_000,
    observed,
    baseline,
    unit,
    description: `${service} ${endpoint ?? ''} ${kind}`,
  };
}

/** A map with the given call edges (`[from, to]`) and a node per service named. */
export function serviceMap(
  edges: readonly (readonly [string, string])[],
  extra: readonly string[] = [],
): ServiceMap {
  const names = new Set<string>(extra);
  for (const [f, t] of edges) {
    names.add(f);
    names.add(t);
  }
  return {
    fromMs: 0,
    toMs: 60_000,
    nodes: [...names].sort().map((service) => ({
      service,
      requestRatePerS: 1,
      errorRate: 0,
      p95Ms: 100,
      health: 'green' as const,
    })),
    edges: edges.map(([from, to]) => ({
      from,
      to,
      calls: 100,
      callRatePerS: 1,
      errorRate: 0,
      p95Ms: 100,
      lastSeenMs: 60_000,
    })),
  };
}
