/**
 * @module
 * The shop trace simulator: requests arrive at the topology's entry endpoints (a Poisson process
 * with a slow traffic wave) and every request becomes one trace, OpenTelemetry-shaped: a server
 * span per served request, a client span per call, exact parent/child ids and W3C-shaped ids,
 * durations built from each endpoint's own work plus its calls, exceptions as span events.
 * Faults (shop-faults.ts) change what happens inside their window.
 *
 * Spans are delivered when they END, as an OTel SDK exports them: `spansBetween(from, to)` gives
 * the spans whose end lies in [from, to). A child ends before its parent, so it usually arrives
 * first; a span of a request that hangs never arrives. Generation is stateless per second of
 * arrivals (seeded by (seed, second, request)), so any chunking of time gives the same spans,
 * byte for byte, and memory is bounded by a small cache of recent seconds.
 */
import {
  type AttributeValue,
  normal,
  OpsError,
  type Rng,
  type Span,
  type SpanAttributes,
  type SpanEvent,
  type SpanKind,
} from '../contract/index.ts';
import { rngAt } from './seed.ts';
import {
  type ShopFault,
  type ShopFaultLabel,
  toShopFaultLabel,
  validateShopFaults,
} from './shop-faults.ts';
import {
  DEFAULT_SHOP_TOPOLOGY,
  type ShopCall,
  type ShopEndpoint,
  type ShopTopology,
  validateShopTopology,
} from './shop-topology.ts';

export interface ShopSimulatorOptions {
  /** Any integer; same options → byte-identical spans. */
  readonly seed: number;
  readonly topology: ShopTopology;
  /** First possible request arrival, epoch ms. */
  readonly startMs: number;
  /** Arrivals lie in [startMs, startMs + durationMs); Infinity for an endless run. */
  readonly durationMs: number;
  /** Mean requests per second entering the shop (before the traffic wave). */
  readonly requestsPerSecond: number;
  /** Relative amplitude of the traffic wave in [0, 0.9] (0.1 = ±10 %). */
  readonly trafficAmplitude: number;
  readonly trafficPeriodMs: number;
  /** A client gives up on a call after this long (its span ends with an error). */
  readonly clientTimeoutMs: number;
  /** Median one-way network time between services, ms. */
  readonly networkMs: number;
  readonly faults: readonly ShopFault[];
}

export function defaultShopSimulatorOptions(): ShopSimulatorOptions {
  return {
    seed: 42,
    topology: DEFAULT_SHOP_TOPOLOGY,
    startMs: Date.UTC(2026, 0, 1),
    durationMs: Number.POSITIVE_INFINITY,
    requestsPerSecond: 20,
    trafficAmplitude: 0.1,
    trafficPeriodMs: 15 * 60_000,
    clientTimeoutMs: 3000,
    networkMs: 0.5,
    faults: [],
  };
}

/** Arrivals are generated (and cached) one second at a time. */
const BUCKET_MS = 1000;
/** Samples of a log-normal are capped at e^(CAP_SIGMAS * sigma) times the median. */
const CAP_SIGMAS = 4;
/** Utilisation beyond which a saturated service sheds load, and the most latency grows. */
const SHED_RHO = 0.95;
const MAX_RHO = 0.97;
const CONNECT_REFUSED_MS = 1;
const PORT = 8080;

export interface ShopSimulator {
  readonly options: ShopSimulatorOptions;
  readonly startMs: number;
  readonly endMs: number;
  /** Spans that end in [fromMs, toMs), ordered by end time, then span id. */
  spansBetween(fromMs: number, toMs: number): Span[];
  /** Ground truth, one label per fault, in the order given. */
  labels(): ShopFaultLabel[];
}

/**
 * Builds a simulator over `defaultShopSimulatorOptions()`. Throws OpsError CONFIG_INVALID naming
 * every bad option (topology, faults, numbers).
 *
 * @example
 * const sim = createShopSimulator({
 *   seed: 7, startMs: Date.UTC(2026, 0, 1), requestsPerSecond: 50,
 *   faults: [{ service: 'payment', kind: 'delay', value: 400, startMs: T0 + 600_000, endMs: T0 + 900_000 }],
 * });
 * const firstFiveSeconds = sim.spansBetween(sim.startMs, sim.startMs + 5_000);
 */
export function createShopSimulator(options: Partial<ShopSimulatorOptions> = {}): ShopSimulator {
  return new ShopSimulatorImpl({ ...defaultShopSimulatorOptions(), ...options });
}

interface Bucket {
  /** Sorted by (endMs, spanId). */
  readonly spans: readonly Span[];
}

/** What a served (or not served) request looked like to its caller. */
type Outcome =
  | { readonly kind: 'refused' }
  | { readonly kind: 'hung' }
  | {
      readonly kind: 'served';
      readonly endMs: number;
      readonly httpStatus: number;
      readonly errorMessage?: string;
    };

class ShopSimulatorImpl implements ShopSimulator {
  readonly options: ShopSimulatorOptions;
  readonly startMs: number;
  readonly endMs: number;
  readonly #endpoints = new Map<string, ShopEndpoint>();
  readonly #entries: readonly { service: string; endpoint: ShopEndpoint; cumWeight: number }[];
  readonly #totalWeight: number;
  /** Longest a trace can last from its first span's start to its last span's end, ms. */
  readonly #lookbackMs: number;
  readonly #cache = new Map<number, Bucket>();
  readonly #cacheSize: number;

  constructor(options: ShopSimulatorOptions) {
    const problems = [
      ...validateShopTopology(options.topology).map((p) => ({
        ...p,
        field: `topology.${p.field}`,
      })),
      ...validateShopFaults(options.topology, options.faults),
    ];
    const positive = (field: keyof ShopSimulatorOptions, v: number): void => {
      if (!(v > 0 && Number.isFinite(v))) problems.push({ field, reason: 'must be a number > 0' });
    };
    if (!Number.isSafeInteger(options.seed)) {
      problems.push({ field: 'seed', reason: 'must be an integer' });
    }
    if (!Number.isFinite(options.startMs)) {
      problems.push({ field: 'startMs', reason: 'must be a finite epoch ms' });
    }
    if (!(options.durationMs > 0)) problems.push({ field: 'durationMs', reason: 'must be > 0' });
    positive('requestsPerSecond', options.requestsPerSecond);
    positive('trafficPeriodMs', options.trafficPeriodMs);
    positive('clientTimeoutMs', options.clientTimeoutMs);
    positive('networkMs', options.networkMs);
    if (!(options.trafficAmplitude >= 0 && options.trafficAmplitude <= 0.9)) {
      problems.push({ field: 'trafficAmplitude', reason: 'must be in 0..0.9' });
    }
    if (options.requestsPerSecond > 100_000) {
      problems.push({ field: 'requestsPerSecond', reason: 'must be at most 100000' });
    }
    if (problems.length > 0) {
      throw new OpsError(
        'CONFIG_INVALID',
        `invalid shop simulator options: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
        { items: problems },
      );
    }
    this.options = options;
    this.startMs = options.startMs;
    this.endMs = options.startMs + options.durationMs;
    for (const s of options.topology.services) {
      for (const e of s.endpoints) this.#endpoints.set(key(s.name, e.route), e);
    }
    let cum = 0;
    this.#entries = options.topology.entries.map((e) => {
      cum += e.weight;
      return {
        service: e.service,
        endpoint: this.#endpoint(e.service, e.endpoint),
        cumWeight: cum,
      };
    });
    this.#totalWeight = cum;
    this.#lookbackMs = this.#traceBoundMs();
    this.#cacheSize = Math.ceil(this.#lookbackMs / BUCKET_MS) + 64;
  }

  labels(): ShopFaultLabel[] {
    return this.options.faults.map((f, i) => toShopFaultLabel(this.options.topology, f, i));
  }

  spansBetween(fromMs: number, toMs: number): Span[] {
    if (!(toMs > fromMs)) return [];
    const firstMs = Math.max(this.startMs, fromMs - this.#lookbackMs);
    const lastMs = Math.min(this.endMs, toMs);
    if (!(lastMs > firstMs)) return [];
    const k0 = Math.floor((firstMs - this.startMs) / BUCKET_MS);
    const k1 = Math.ceil((lastMs - this.startMs) / BUCKET_MS);
    const out: Span[] = [];
    for (let k = k0; k < k1; k++) {
      const spans = this.#bucket(k).spans;
      for (let i = lowerBound(spans, fromMs); i < spans.length; i++) {
        const s = spans[i]!;
        if (s.startMs + s.durationMs >= toMs) break;
        out.push(s);
      }
    }
    return out.sort(byEndThenId);
  }

  #endpoint(service: string, route: string): ShopEndpoint {
    const e = this.#endpoints.get(key(service, route));
    if (e === undefined) throw new Error(`unknown endpoint ${service} ${route}`); // validated
    return e;
  }

  /**
   * An upper bound on any trace's length: along one chain of nested calls each endpoint appears
   * at most once (the graph is a DAG), and before its child starts an endpoint spends at most
   * its capped self time plus a client timeout per earlier call, so the sum over all endpoints
   * bounds every span's end relative to its trace's start.
   */
  #traceBoundMs(): number {
    const o = this.options;
    let total = 0;
    for (const s of o.topology.services) {
      for (const e of s.endpoints) {
        let self = e.latency.medianMs * Math.exp(CAP_SIGMAS * e.latency.sigma);
        for (const f of o.faults) {
          if (f.service !== s.name || (f.endpoint !== undefined && f.endpoint !== e.route))
            continue;
          if (f.kind === 'saturation') self *= 1 / (1 - MAX_RHO);
        }
        for (const f of o.faults) {
          if (f.service !== s.name || (f.endpoint !== undefined && f.endpoint !== e.route))
            continue;
          if (f.kind === 'delay') self += f.value;
        }
        total +=
          self +
          e.calls.length * (o.clientTimeoutMs + 2 * o.networkMs * Math.exp(CAP_SIGMAS * 0.3));
      }
    }
    return Math.ceil(total) + BUCKET_MS;
  }

  #bucket(k: number): Bucket {
    const cached = this.#cache.get(k);
    if (cached !== undefined) return cached;
    const bucket = this.#generate(k);
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(k, bucket);
    return bucket;
  }

  /** Every span of the requests arriving in second `k` of the run. */
  #generate(k: number): Bucket {
    const o = this.options;
    const bucketStartMs = this.startMs + k * BUCKET_MS;
    const bucketEndMs = Math.min(this.endMs, bucketStartMs + BUCKET_MS);
    const arrivals = rngAt(o.seed, 1, bucketStartMs);
    const load = this.#load(bucketStartMs + BUCKET_MS / 2);
    const n = poisson(
      arrivals,
      (o.requestsPerSecond * load * (bucketEndMs - bucketStartMs)) / BUCKET_MS,
    );
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      times.push(bucketStartMs + arrivals.next() * (bucketEndMs - bucketStartMs));
    }
    times.sort((a, b) => a - b);
    const spans: Span[] = [];
    times.forEach((atMs, i) => {
      const rng = rngAt(o.seed, 2, bucketStartMs, i);
      const pick = rng.next() * this.#totalWeight;
      const entry = this.#entries.find((e) => pick < e.cumWeight) ?? this.#entries.at(-1)!;
      const ctx: TraceContext = { rng, traceId: hex(rng, 4), spans: [] };
      const outcome = this.#serve(ctx, entry.service, entry.endpoint, us(atMs), undefined);
      // A refused or hung entry request leaves no trace at all.
      if (outcome.kind === 'served') spans.push(...ctx.spans);
    });
    spans.sort(byEndThenId);
    return { spans };
  }

  /** Traffic relative to nominal at `tMs`: a sine wave on absolute time. */
  #load(tMs: number): number {
    const o = this.options;
    return 1 + o.trafficAmplitude * Math.sin((2 * Math.PI * tMs) / o.trafficPeriodMs);
  }

  #activeFaults(service: string, route: string, atMs: number): ShopFault[] {
    return this.options.faults.filter(
      (f) =>
        f.service === service &&
        (f.endpoint === undefined || f.endpoint === route) &&
        f.startMs <= atMs &&
        atMs < f.endMs,
    );
  }

  /**
   * Serves one request at `service endpoint` arriving at `startMs`: appends the server span and
   * everything below it to `ctx.spans` (unless the request hangs) and says how it ended.
   */
  #serve(
    ctx: TraceContext,
    service: string,
    endpoint: ShopEndpoint,
    startMs: number,
    parentSpanId: string | undefined,
  ): Outcome {
    const rng = ctx.rng;
    const faults = this.#activeFaults(service, endpoint.route, startMs);
    if (faults.some((f) => f.kind === 'absence')) return { kind: 'refused' };
    for (const f of faults) {
      if (f.kind === 'timeout' && rng.next() < f.value) return { kind: 'hung' };
    }
    const spanId = hex(rng, 2);
    const l = endpoint.latency;
    let selfMs = l.medianMs * Math.exp(clamp(normal(rng), -CAP_SIGMAS, CAP_SIGMAS) * l.sigma);
    let shed = false;
    for (const f of faults) {
      if (f.kind === 'saturation') {
        const rampMs = Math.min(120_000, (f.endMs - f.startMs) / 3);
        const ramp = Math.min(1, (startMs - f.startMs) / rampMs);
        const rho = Math.min(MAX_RHO, f.value * ramp * this.#load(startMs));
        selfMs /= 1 - rho;
        if (rho > SHED_RHO && rng.next() < Math.min(0.5, (rho - SHED_RHO) * 10)) shed = true;
      }
      if (f.kind === 'delay') selfMs += f.value;
    }
    const spans = ctx.spans;
    if (shed) {
      const endMs = us(startMs + Math.min(selfMs, 1 + rng.next()));
      const message = `${service} is overloaded: request shed`;
      spans.push(
        serverSpan(ctx.traceId, spanId, parentSpanId, service, endpoint, startMs, endMs, 503, [
          exception(endMs, 'OverloadedError', message),
        ]),
      );
      return { kind: 'served', endMs, httpStatus: 503, errorMessage: message };
    }
    const preShare = 0.3 + 0.4 * rng.next();
    let cursorMs = us(startMs + selfMs * preShare);
    let failure: Failure | undefined;
    for (const c of endpoint.calls) {
      if (c.probability < 1 && rng.next() >= c.probability) continue;
      const result = this.#call(ctx, service, spanId, c, cursorMs);
      cursorMs = result.endMs;
      if (result.failure !== undefined && c.onError === 'fail') {
        failure = result.failure;
        break;
      }
    }
    const endMs = us(cursorMs + selfMs * (1 - preShare));
    if (failure === undefined) {
      let errorShare = endpoint.errorRate;
      for (const f of faults) if (f.kind === 'error') errorShare = Math.max(errorShare, f.value);
      if (errorShare > 0 && rng.next() < errorShare) {
        failure = {
          type: 'InternalError',
          message: `${service} ${endpoint.route} failed`,
          httpStatus: 500,
        };
      }
    }
    const httpStatus = failure === undefined ? 200 : failure.httpStatus;
    const events =
      failure === undefined ? undefined : [exception(endMs, failure.type, failure.message)];
    spans.push(
      serverSpan(
        ctx.traceId,
        spanId,
        parentSpanId,
        service,
        endpoint,
        startMs,
        endMs,
        httpStatus,
        events,
      ),
    );
    return failure === undefined
      ? { kind: 'served', endMs, httpStatus }
      : { kind: 'served', endMs, httpStatus, errorMessage: failure.message };
  }

  /** One client call from `caller` starting at `startMs`: the client span and the callee's tree. */
  #call(
    ctx: TraceContext,
    caller: string,
    parentSpanId: string,
    c: ShopCall,
    startMs: number,
  ): { endMs: number; failure?: Failure } {
    const o = this.options;
    const rng = ctx.rng;
    const spanId = hex(rng, 2);
    const callee = this.#endpoint(c.service, c.endpoint);
    const netOut = this.#network(rng);
    const netBack = this.#network(rng);
    const outcome = this.#serve(ctx, c.service, callee, us(startMs + netOut), spanId);
    const deadlineMs = us(startMs + o.clientTimeoutMs);
    let endMs: number;
    let httpStatus: number | undefined;
    let failure: Failure | undefined;
    if (outcome.kind === 'refused') {
      endMs = us(startMs + CONNECT_REFUSED_MS * (0.5 + rng.next()));
      failure = {
        type: 'ConnectionRefusedError',
        message: `connect ECONNREFUSED ${c.service}:${PORT}`,
        httpStatus: 502,
      };
    } else if (outcome.kind === 'hung' || outcome.endMs + netBack > deadlineMs) {
      endMs = deadlineMs;
      failure = {
        type: 'TimeoutError',
        message: `${c.service} ${c.endpoint}: no answer within ${o.clientTimeoutMs} ms`,
        httpStatus: 504,
      };
    } else {
      endMs = us(outcome.endMs + netBack);
      httpStatus = outcome.httpStatus;
      if (httpStatus >= 500) {
        failure = {
          type: 'UpstreamError',
          message: `${c.service} ${c.endpoint} answered ${httpStatus}`,
          httpStatus: 500,
        };
      }
    }
    ctx.spans.push(
      makeSpan(
        ctx.traceId,
        spanId,
        parentSpanId,
        caller,
        `${callee.method} ${c.endpoint}`,
        'client',
        c.endpoint,
        startMs,
        endMs,
        httpStatus,
        failure?.message,
        clientAttributes(caller, c, callee, httpStatus),
        failure === undefined ? undefined : [exception(endMs, failure.type, failure.message)],
      ),
    );
    return failure === undefined ? { endMs } : { endMs, failure };
  }

  #network(rng: Rng): number {
    return this.options.networkMs * Math.exp(clamp(normal(rng), -CAP_SIGMAS, CAP_SIGMAS) * 0.3);
  }
}

/**
 * Why a request failed, and what its server answers: 500 for its own error or a failed
 * dependency, 502 when a dependency refused the connection, 504 when one timed out (what a
 * service in front of another answers by convention, RFC 9110 15.6.3 and 15.6.5).
 */
interface Failure {
  readonly type: string;
  readonly message: string;
  readonly httpStatus: number;
}

interface TraceContext {
  readonly rng: Rng;
  readonly traceId: string;
  readonly spans: Span[];
}

function serverSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  service: string,
  endpoint: ShopEndpoint,
  startMs: number,
  endMs: number,
  httpStatus: number,
  events: readonly SpanEvent[] | undefined,
): Span {
  const attributes = serverAttributes(service, endpoint, httpStatus);
  const message = events?.[0]?.attributes['exception.message'];
  return makeSpan(
    traceId,
    spanId,
    parentSpanId,
    service,
    `${endpoint.method} ${endpoint.route}`,
    'server',
    endpoint.route,
    startMs,
    endMs,
    httpStatus,
    typeof message === 'string' ? message : undefined,
    attributes,
    events,
  );
}

/**
 * Attribute sets are shared between spans (they are readonly): a few per endpoint and status
 * instead of one per span, which keeps a long run's memory and GC time down.
 */
const SERVER_ATTRIBUTES = new WeakMap<ShopEndpoint, Map<number, SpanAttributes>>();
const CLIENT_ATTRIBUTES = new WeakMap<ShopCall, Map<string, SpanAttributes>>();

function serverAttributes(service: string, e: ShopEndpoint, httpStatus: number): SpanAttributes {
  let byStatus = SERVER_ATTRIBUTES.get(e);
  if (byStatus === undefined) {
    byStatus = new Map();
    SERVER_ATTRIBUTES.set(e, byStatus);
  }
  let a = byStatus.get(httpStatus);
  if (a === undefined) {
    a = Object.freeze({
      'service.name': service,
      'http.request.method': e.method,
      'http.route': e.route,
      'url.path': e.route,
      'server.address': service,
      'server.port': PORT,
      'http.response.status_code': httpStatus,
    });
    byStatus.set(httpStatus, a);
  }
  return a;
}

function clientAttributes(
  caller: string,
  c: ShopCall,
  callee: ShopEndpoint,
  httpStatus: number | undefined,
): SpanAttributes {
  let byKey = CLIENT_ATTRIBUTES.get(c);
  if (byKey === undefined) {
    byKey = new Map();
    CLIENT_ATTRIBUTES.set(c, byKey);
  }
  // A call object may be shared by several callers' endpoints only within one service.
  const key = `${caller} ${httpStatus ?? '-'}`;
  let a = byKey.get(key);
  if (a === undefined) {
    const attrs: Record<string, AttributeValue> = {
      'service.name': caller,
      'http.request.method': callee.method,
      'url.full': `http://${c.service}:${PORT}${c.endpoint}`,
      'url.path': c.endpoint,
      'server.address': c.service,
      'server.port': PORT,
      'peer.service': c.service,
    };
    if (httpStatus !== undefined) attrs['http.response.status_code'] = httpStatus;
    a = Object.freeze(attrs);
    byKey.set(key, a);
  }
  return a;
}

/**
 * One span, its fields always in the same order and optional ones left out when absent. Built by
 * assignment rather than conditional spreads: this is the hot path (a few hundred thousand
 * spans per simulated minute at high rates) and it keeps every span the same object shape.
 */
function makeSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  service: string,
  name: string,
  kind: SpanKind,
  endpoint: string,
  startMs: number,
  endMs: number,
  httpStatus: number | undefined,
  errorMessage: string | undefined,
  attributes: SpanAttributes,
  events: readonly SpanEvent[] | undefined,
): Span {
  const s: { -readonly [K in keyof Span]?: Span[K] } = {};
  s.traceId = traceId;
  s.spanId = spanId;
  if (parentSpanId !== undefined) s.parentSpanId = parentSpanId;
  s.service = service;
  s.name = name;
  s.kind = kind;
  s.endpoint = endpoint;
  s.startMs = startMs;
  s.durationMs = us(endMs - startMs);
  s.status = errorMessage !== undefined || (httpStatus ?? 0) >= 500 ? 'error' : 'unset';
  if (httpStatus !== undefined) s.httpStatus = httpStatus;
  if (errorMessage !== undefined) s.errorMessage = errorMessage;
  s.attributes = attributes;
  if (events !== undefined) s.events = events;
  return s as Span;
}

function exception(timeMs: number, type: string, message: string): SpanEvent {
  return {
    name: 'exception',
    timeMs,
    attributes: { 'exception.type': type, 'exception.message': message },
  };
}

function key(service: string, route: string): string {
  return `${service} ${route}`;
}

/** Rounds to whole microseconds, the precision OTLP nanoseconds keep in a float of ms. */
function us(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `words` 32-bit words of lower-case hex from `rng` (4 → a trace id, 2 → a span id). */
function hex(rng: Rng, words: number): string {
  let s = '';
  for (let i = 0; i < words; i++) {
    // A word of zero would be legal; an all-zero id is not (W3C), so the top word avoids it.
    let w = Math.floor(rng.next() * 4_294_967_296) >>> 0;
    if (i === 0 && w === 0) w = 1;
    s +=
      HEX_BYTE[w >>> 24]! +
      HEX_BYTE[(w >>> 16) & 255]! +
      HEX_BYTE[(w >>> 8) & 255]! +
      HEX_BYTE[w & 255]!;
  }
  return s;
}

/** Poisson deviate: Knuth's product method for small means, a rounded normal for large ones. */
function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

function spanEndMs(s: Span): number {
  return s.startMs + s.durationMs;
}

function byEndThenId(a: Span, b: Span): number {
  return (
    spanEndMs(a) - spanEndMs(b) ||
    (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0) ||
    (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)
  );
}

/** First index whose span ends at or after `ms` (spans sorted by end). */
function lowerBound(spans: readonly Span[], ms: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spanEndMs(spans[mid]!) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
