/**
 * @module
 * The AIOps engine's own checks of each (service, endpoint): closed windows of `EndpointStats`
 * (one every ~10 s) in, held `Signal`s (`source: 'endpoint'`) out. Five kinds:
 *
 * - **latency**: mean above `latencyRatio` × the mean baseline, or p95 above `latencyRatio` ×
 *   the learned p95, at least `latencyMinDeltaMs` above it, with at least `minRequests`
 *   requests in the window.
 * - **errors**: error rate above baseline + `errorMargin` and above `errorFloor`.
 * - **timeout**: requests that ended in a timeout (`timeoutCount`, else HTTP 504 and status 0
 *   from `statusDistribution`): at least `timeoutMinCount` and a share above the learned
 *   timeout share + `errorMargin` and above `errorFloor`.
 * - **traffic**: request rate below `trafficDropRatio` × or above `trafficSpikeRatio` × the
 *   learned rate (a window with no requests at all is absence, not a drop).
 * - **absence**: an endpoint that had steady traffic reports none for `absenceAfterMs` of
 *   event time, as judged at the watermark. A hung service whose spans never finish produces
 *   no server spans, hence no stats: this is how it shows up.
 *
 * Baselines: `baselineLatencyMs`/`baselineErrorRate` of the stats when present, else what this
 * detector learned itself (an EWMA over windows in which that kind did not hold, after
 * `warmupWindows`). The request rate is always learned here (the stats carry no rate baseline).
 *
 * Hysteresis: a kind is raised after `raiseAfterWindows` consecutive windows that break the
 * threshold; while raised it keeps holding at `holdFraction` of the threshold (e.g. latency
 * keeps holding above 0.8 × 2 = 1.6× baseline), and clears after `clearAfterWindows`
 * consecutive windows that do not hold. So a value hovering around a threshold does not flap.
 *
 * Signal ids are stable: `endpoint:<service>:<endpoint>:<kind>`. `atMs` is where the new data
 * of the first window that broke the threshold starts (the window start, or the previous
 * window's end when windows overlap) (for absence: the end of the last window with traffic);
 * `lastAtMs` the end of the latest window that held (for absence: the watermark).
 * The state is plain JSON (`snapshot()`/`restore()`), so it survives restarts.
 */
import { LATENCY_ANOMALY_RATIO } from '../analytics/index.ts';
import type { EndpointStats, FaultKind, Signal } from '../contract/index.ts';

export interface EndpointDetectorOptions {
  /** Requests a window needs before latency, errors or traffic spikes are judged. */
  readonly minRequests: number;
  /**
   * Latency holds when p95 or mean > latencyRatio × baseline ... Default `LATENCY_ANOMALY_RATIO`
   * from analytics, the ratio above which the RED baseline stops learning: the two must agree,
   * or a step between them is learned as normal before it is detected.
   */
  readonly latencyRatio: number;
  /** ... and is at least this many ms above it. */
  readonly latencyMinDeltaMs: number;
  /** Error rate must exceed baseline + margin ... */
  readonly errorMargin: number;
  /** ... and this floor (a ratio 0..1). */
  readonly errorFloor: number;
  /** Timeouts a window needs before the timeout share is judged. */
  readonly timeoutMinCount: number;
  /** Traffic holds below dropRatio × learned rate or above spikeRatio × learned rate. */
  readonly trafficDropRatio: number;
  readonly trafficSpikeRatio: number;
  /** Learned rate (req/s) below which traffic and absence are not judged (too quiet to tell). */
  readonly minBaselineRatePerS: number;
  /** No traffic for this long (event time, at the watermark) after steady traffic: absence. */
  readonly absenceAfterMs: number;
  /** Windows learned before own baselines (and steady traffic for absence) count. */
  readonly warmupWindows: number;
  /** EWMA weight of a new window in learned baselines. */
  readonly learnAlpha: number;
  readonly raiseAfterWindows: number;
  readonly clearAfterWindows: number;
  /** A raised kind keeps holding at this fraction of its threshold (hysteresis band). */
  readonly holdFraction: number;
  /** An endpoint with no traffic for this long is forgotten (and its absence signal cleared). */
  readonly forgetAfterMs: number;
}

export function defaultEndpointDetectorOptions(): EndpointDetectorOptions {
  return {
    minRequests: 5,
    latencyRatio: LATENCY_ANOMALY_RATIO,
    latencyMinDeltaMs: 50,
    errorMargin: 0.05,
    errorFloor: 0.05,
    timeoutMinCount: 2,
    trafficDropRatio: 0.3,
    trafficSpikeRatio: 3,
    minBaselineRatePerS: 0.2,
    absenceAfterMs: 30_000,
    warmupWindows: 6,
    learnAlpha: 0.1,
    raiseAfterWindows: 2,
    clearAfterWindows: 3,
    holdFraction: 0.8,
    forgetAfterMs: 6 * 3_600_000,
  };
}

/** The kinds this detector judges, in the order it reports them. */
export const ENDPOINT_SIGNAL_KINDS = [
  'latency',
  'errors',
  'timeout',
  'traffic',
  'absence',
] as const satisfies readonly FaultKind[];
export type EndpointSignalKind = (typeof ENDPOINT_SIGNAL_KINDS)[number];

/** Hysteresis of one kind on one endpoint. */
export interface KindState {
  readonly raised: boolean;
  /** Consecutive windows that broke the threshold (while not raised) or did not hold (raised). */
  readonly streak: number;
  /** Start of the current bad streak / of the raised condition. */
  readonly sinceMs: number;
  readonly lastAtMs: number;
  readonly observed: number;
  readonly baseline: number;
  readonly description: string;
}

export interface EndpointState {
  readonly service: string;
  readonly endpoint: string;
  /** End of the newest window taken in (older or equal windows are ignored). */
  readonly lastWindowToMs: number;
  /** End of the newest window that had requests. */
  readonly lastTrafficMs: number;
  /** Windows learned into the baselines below. */
  readonly learned: number;
  readonly rateEwma: number;
  readonly latencyEwma: number;
  readonly p95Ewma: number;
  readonly errorEwma: number;
  readonly timeoutEwma: number;
  readonly kinds: Readonly<Partial<Record<EndpointSignalKind, KindState>>>;
}

export interface EndpointDetectorState {
  /** By `service endpoint`. */
  readonly endpoints: Readonly<Record<string, EndpointState>>;
}

/** What one window says about one kind: breaks the threshold, holds the relaxed one, or neither. */
interface Verdict {
  readonly breaks: boolean;
  readonly holds: boolean;
  readonly observed: number;
  readonly baseline: number;
  readonly description: string;
}

/** Timeouts of a window: the explicit count, else HTTP 504 and status 0. */
export function timeoutsOf(s: EndpointStats): number {
  if (s.timeoutCount !== undefined) return s.timeoutCount;
  return (s.statusDistribution['504'] ?? 0) + (s.statusDistribution['0'] ?? 0);
}

export function endpointSignalId(service: string, endpoint: string, kind: FaultKind): string {
  return `endpoint:${service}:${endpoint}:${kind}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${round(x * 100, 1)}%`;
}

export class EndpointDetector {
  readonly #o: EndpointDetectorOptions;
  #endpoints = new Map<string, EndpointState>();

  constructor(options: EndpointDetectorOptions = defaultEndpointDetectorOptions()) {
    this.#o = options;
  }

  snapshot(): EndpointDetectorState {
    const endpoints: Record<string, EndpointState> = {};
    for (const [k, v] of [...this.#endpoints].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      endpoints[k] = v;
    }
    return { endpoints };
  }

  restore(state: EndpointDetectorState): void {
    this.#endpoints = new Map(Object.entries(state.endpoints));
  }

  /**
   * Takes in the closed windows in `stats` (any order; windows already seen are ignored),
   * judges absence at `watermarkMs`, and returns every raised signal, sorted by id.
   */
  observe(stats: readonly EndpointStats[], watermarkMs: number): Signal[] {
    const fresh = [...stats]
      .filter((s) => s.toMs > s.fromMs)
      .sort((a, b) => a.toMs - b.toMs || key(a).localeCompare(key(b)));
    const touched = new Set<string>();
    for (const s of fresh) {
      const k = key(s);
      const prev = this.#endpoints.get(k);
      if (prev !== undefined && s.toMs <= prev.lastWindowToMs) continue;
      this.#endpoints.set(k, this.#window(prev, s));
      touched.add(k);
    }
    for (const [k, e] of this.#endpoints) {
      if (watermarkMs - e.lastTrafficMs >= this.#o.forgetAfterMs) {
        this.#endpoints.delete(k);
        continue;
      }
      this.#endpoints.set(k, this.#absence(e, watermarkMs, touched.has(k)));
    }
    const out: Signal[] = [];
    for (const e of this.#endpoints.values()) {
      for (const kind of ENDPOINT_SIGNAL_KINDS) {
        const ks = e.kinds[kind];
        if (ks?.raised) out.push(toSignal(e, kind, ks));
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #window(prev: EndpointState | undefined, s: EndpointStats): EndpointState {
    const o = this.#o;
    const e: EndpointState = prev ?? {
      service: s.service,
      endpoint: s.endpoint,
      lastWindowToMs: s.fromMs,
      lastTrafficMs: s.toMs,
      learned: 0,
      rateEwma: 0,
      latencyEwma: 0,
      p95Ewma: 0,
      errorEwma: 0,
      timeoutEwma: 0,
      kinds: {},
    };
    const seconds = (s.toMs - s.fromMs) / 1000;
    const rate = s.requestCount / seconds;
    const timeouts = timeoutsOf(s);
    const timeoutShare = s.requestCount > 0 ? timeouts / s.requestCount : 0;
    const warm = e.learned >= o.warmupWindows;
    const enough = s.requestCount >= o.minRequests;
    // Where this window's new data starts: windows may overlap (a sliding minute every 10 s),
    // and a fault first seen in this window began in the part not seen before, as far as the
    // stats can tell. Dating it by the window start would put it up to a window too early.
    const newFromMs = prev === undefined ? s.fromMs : Math.max(s.fromMs, e.lastWindowToMs);
    const kinds: Partial<Record<EndpointSignalKind, KindState>> = { ...e.kinds };
    const judge = (kind: EndpointSignalKind, v: Verdict | undefined): void => {
      const next = this.#step(kinds[kind], v, newFromMs, s.toMs);
      if (next === undefined) delete kinds[kind];
      else kinds[kind] = next;
    };

    // latency: the mean against the stats' baseline (a mean, from analytics' RED baseline) or
    // the learned mean, and p95 against the learned p95 (a p95 is not comparable to a mean)
    const meanBase = s.baselineLatencyMs ?? (warm ? e.latencyEwma : undefined);
    const p95Base = warm ? e.p95Ewma : undefined;
    const candidates: { what: string; observed: number; base: number }[] = [];
    if (meanBase !== undefined && meanBase > 0) {
      candidates.push({ what: 'mean', observed: s.avgLatencyMs, base: meanBase });
    }
    if (p95Base !== undefined && p95Base > 0) {
      candidates.push({ what: 'p95', observed: s.p95Ms, base: p95Base });
    }
    const worst = candidates.sort((x, y) => y.observed / y.base - x.observed / x.base)[0];
    if (enough && worst !== undefined) {
      const { what, observed, base } = worst;
      const ratio = observed / base;
      const over = (k: number, d: number) => ratio > k && observed - base >= d;
      const f = o.holdFraction;
      judge('latency', {
        breaks: over(o.latencyRatio, o.latencyMinDeltaMs),
        holds: over(1 + (o.latencyRatio - 1) * f, o.latencyMinDeltaMs * f),
        observed,
        baseline: base,
        description: `${what} latency ${round(observed, 0)} ms vs ${round(base, 0)} ms baseline (${round(ratio, 1)}×)`,
      });
    } else judge('latency', undefined);

    // errors and timeouts: a share above baseline + margin and above the floor
    const share = (
      observed: number,
      base: number,
      what: string,
      extra: boolean,
    ): Verdict | undefined => {
      if (!extra) return undefined;
      const f = o.holdFraction;
      return {
        breaks: observed > base + o.errorMargin && observed > o.errorFloor,
        holds: observed > base + o.errorMargin * f && observed > o.errorFloor * f,
        observed,
        baseline: base,
        description: `${what} ${pct(observed)} vs ${pct(base)} baseline`,
      };
    };
    const errBase = s.baselineErrorRate ?? (warm ? e.errorEwma : 0);
    judge('errors', share(s.errorRate, errBase, 'error rate', enough));
    judge(
      'timeout',
      share(
        timeoutShare,
        warm ? e.timeoutEwma : 0,
        `${timeouts} timeouts,`,
        timeouts >= o.timeoutMinCount || kinds.timeout?.raised === true,
      ),
    );

    // traffic, against the learned rate; a window with no requests is absence's business
    if (warm && e.rateEwma >= o.minBaselineRatePerS && s.requestCount > 0) {
      const ratio = rate / e.rateEwma;
      const f = o.holdFraction;
      const drop = ratio < o.trafficDropRatio;
      const spike = ratio > o.trafficSpikeRatio && s.requestCount >= o.minRequests;
      judge('traffic', {
        breaks: drop || spike,
        holds:
          ratio < o.trafficDropRatio / f ||
          (ratio > 1 + (o.trafficSpikeRatio - 1) * f && s.requestCount >= o.minRequests),
        observed: rate,
        baseline: e.rateEwma,
        description: `traffic ${ratio < 1 ? 'dropped' : 'spiked'} to ${round(rate, 2)}/s vs ${round(e.rateEwma, 2)}/s baseline`,
      });
    } else if (s.requestCount > 0) judge('traffic', undefined);

    // learn, from windows where the kind being learned did not hold
    const a = e.learned === 0 ? 1 : o.learnAlpha;
    const ew = (old: number, x: number, skip: boolean) => (skip ? old : old + a * (x - old));
    // (also not from a window that broke the threshold but has not raised it yet)
    const quiet = (k: EndpointSignalKind) => kinds[k] === undefined;
    const learnable = s.requestCount > 0;
    return {
      service: e.service,
      endpoint: e.endpoint,
      lastWindowToMs: s.toMs,
      lastTrafficMs: s.requestCount > 0 ? s.toMs : e.lastTrafficMs,
      learned: learnable ? e.learned + 1 : e.learned,
      rateEwma: ew(e.rateEwma, rate, !learnable || !quiet('traffic') || !quiet('absence')),
      latencyEwma: ew(e.latencyEwma, s.avgLatencyMs, !learnable || !quiet('latency')),
      p95Ewma: ew(e.p95Ewma, s.p95Ms, !learnable || !quiet('latency')),
      errorEwma: ew(e.errorEwma, s.errorRate, !learnable || !quiet('errors')),
      timeoutEwma: ew(e.timeoutEwma, timeoutShare, !learnable || !quiet('timeout')),
      kinds,
    };
  }

  /** Absence at the watermark: no traffic for absenceAfterMs after steady traffic. */
  #absence(e: EndpointState, watermarkMs: number, newWindow: boolean): EndpointState {
    const o = this.#o;
    const silentMs = watermarkMs - e.lastTrafficMs;
    const steady = e.learned >= o.warmupWindows && e.rateEwma >= o.minBaselineRatePerS;
    const prev = e.kinds.absence;
    const trafficNow = newWindow && e.lastTrafficMs === e.lastWindowToMs;
    let next: KindState | undefined;
    if (steady && silentMs >= o.absenceAfterMs) {
      // Raised at once: absenceAfterMs is the debounce.
      next = {
        raised: true,
        streak: 0,
        sinceMs: prev?.raised ? prev.sinceMs : e.lastTrafficMs,
        lastAtMs: watermarkMs,
        observed: 0,
        baseline: e.rateEwma,
        description: `no requests for ${Math.round(silentMs / 1000)} s; usually ${round(e.rateEwma, 2)}/s`,
      };
    } else if (prev?.raised && trafficNow) {
      const streak = prev.streak + 1;
      next = streak >= o.clearAfterWindows ? undefined : { ...prev, streak };
    } else if (prev?.raised && newWindow) {
      next = { ...prev, streak: 0, lastAtMs: Math.max(prev.lastAtMs, e.lastWindowToMs) };
    } else next = prev;
    const kinds = { ...e.kinds };
    if (next === undefined) delete kinds.absence;
    else kinds.absence = next;
    return { ...e, kinds };
  }

  /** One hysteresis step of one kind for one window [fromMs, toMs]. */
  #step(
    prev: KindState | undefined,
    v: Verdict | undefined,
    fromMs: number,
    toMs: number,
  ): KindState | undefined {
    const o = this.#o;
    if (prev?.raised) {
      if (v?.holds) {
        return {
          ...prev,
          streak: 0,
          lastAtMs: toMs,
          observed: v.observed,
          baseline: v.baseline,
          description: v.description,
        };
      }
      const streak = prev.streak + 1;
      return streak >= o.clearAfterWindows ? undefined : { ...prev, streak };
    }
    if (v === undefined || !v.breaks) return undefined;
    const streak = (prev?.streak ?? 0) + 1;
    return {
      raised: streak >= o.raiseAfterWindows,
      streak: streak >= o.raiseAfterWindows ? 0 : streak,
      sinceMs: prev?.sinceMs ?? fromMs,
      lastAtMs: toMs,
      observed: v.observed,
      baseline: v.baseline,
      description: v.description,
    };
  }
}

function key(s: { service: string; endpoint: string }): string {
  return `${s.service} ${s.endpoint}`;
}

const UNITS: Readonly<Record<EndpointSignalKind, Signal['unit']>> = {
  latency: 'ms',
  errors: 'ratio',
  timeout: 'ratio',
  traffic: 'per_s',
  absence: 'per_s',
};

function toSignal(e: EndpointState, kind: EndpointSignalKind, ks: KindState): Signal {
  return {
    id: endpointSignalId(e.service, e.endpoint, kind),
    source: 'endpoint',
    service: e.service,
    endpoint: e.endpoint,
    kind,
    atMs: ks.sinceMs,
    lastAtMs: ks.lastAtMs,
    observed: ks.observed,
    baseline: ks.baseline,
    unit: UNITS[kind],
    description: `${e.service} ${e.endpoint}: ${ks.description}`,
  };
}
