/**
 * @module
 * Root-cause analysis of one incident: four independent methods score every candidate
 * (service, endpoint) in [0, 1], and a weighted mean ranks them (docs/rca.md).
 *
 * - trace:  share of faulty traces whose fault originates at the candidate (rca-trace.ts);
 * - graph:  personalised PageRank over the anomalous service graph (rca-graph.ts);
 * - timing: who went anomalous first, within a tolerance (buckets are ~10 s);
 * - change: how far the candidate moved from its baseline, robust z (rca-change.ts).
 *
 * Each method's scores are divided by their largest, so the method's best candidate gets 1. A
 * method with no information (no spans, no signals with times, no baselines) is left out and the
 * remaining weights are renormalised, so metrics-only incidents are ranked by graph, timing and
 * change. Pure and deterministic: inputs are sorted before use, so their order does not matter.
 */
import {
  type EndpointStats,
  type FaultKind,
  OpsError,
  type RcaCandidate,
  type RootCause,
  type Signal,
} from '../contract/index.ts';
import { type ChangeOptions, endpointChange, severityOfZ, signalZ } from './rca-change.ts';
import { graphScores } from './rca-graph.ts';
import { analyzeTraces, type UnitOrigins, unitKey } from './rca-trace.ts';
import type { RcaInput, RcaResult } from './rca-types.ts';

export interface RcaWeights {
  readonly trace: number;
  readonly graph: number;
  readonly timing: number;
  readonly change: number;
}

export interface RcaOptions {
  /** Candidates returned, best first. Default 5. */
  readonly maxCandidates: number;
  /** Weights of the methods in the combined score (renormalised over informative methods). */
  readonly weights: RcaWeights;
  /** Trace ids kept per candidate and in the result's sample. Default 5. */
  readonly sampleTraces: number;
  /** An instance is slow when its self time ≥ this × its baseline self time ... Default 2. */
  readonly latencyFactor: number;
  /** ... and exceeds it by at least this much. Default 20 ms. */
  readonly minLatencyExcessMs: number;
  /** A failed call with no callee span this long is a timeout. Default 1,000 ms. */
  readonly timeoutMinMs: number;
  /** Anomalies this close in time count as simultaneous (one ~10 s bucket). Default 10 s. */
  readonly timingToleranceMs: number;
  /** Robust z scale: max(baseline × relativeScale, floor). Default 0.25. */
  readonly relativeScale: number;
  /** Default 10 ms. */
  readonly latencyFloorMs: number;
  /** Default 0.01 (one percentage point). */
  readonly errorRateFloor: number;
  /** z giving severity 0.5 in the random walk's personalisation. Default 3. */
  readonly zHalf: number;
  /** An endpoint whose change z reaches this is a candidate without any signal. Default 3. */
  readonly minChangeZ: number;
  /** Severity of a service with a signal whose size cannot be judged. Default 0.5. */
  readonly minSignalSeverity: number;
  /** Weight of a step back from a callee to its caller, relative to a forward step. Default 0.3. */
  readonly backWeight: number;
  /** Random-walk damping. Default 0.85. */
  readonly damping: number;
  /**
   * Fewer faulty traces than this weaken the trace method: its weight (and the trace share in
   * the random walk's severities) is scaled by faulty / minFaultyTraces. Default 5.
   */
  readonly minFaultyTraces: number;
  /** No root cause is named when the best combined score is below this. Default 0.2. */
  readonly minRootScore: number;
}

export function defaultRcaOptions(): RcaOptions {
  return {
    maxCandidates: 5,
    weights: { trace: 0.4, graph: 0.25, timing: 0.15, change: 0.2 },
    sampleTraces: 5,
    latencyFactor: 2,
    minLatencyExcessMs: 20,
    timeoutMinMs: 1_000,
    timingToleranceMs: 10_000,
    relativeScale: 0.25,
    latencyFloorMs: 10,
    errorRateFloor: 0.01,
    zHalf: 3,
    minChangeZ: 3,
    minSignalSeverity: 0.5,
    backWeight: 0.3,
    damping: 0.85,
    minFaultyTraces: 5,
    minRootScore: 0.2,
  };
}

/** Options as callers pass them: any subset, weights too. */
export type RcaOptionsInput = Partial<Omit<RcaOptions, 'weights'>> & {
  readonly weights?: Partial<RcaWeights>;
};

const METHODS = ['trace', 'graph', 'timing', 'change'] as const;
type Method = (typeof METHODS)[number];

function resolveOptions(input: RcaOptionsInput | undefined): RcaOptions {
  const d = defaultRcaOptions();
  const o: RcaOptions = { ...d, ...input, weights: { ...d.weights, ...input?.weights } };
  const bad: { field: string; reason: string }[] = [];
  const check = (field: string, v: number, ok: boolean, reason: string): void => {
    if (!Number.isFinite(v) || !ok) bad.push({ field, reason });
  };
  check(
    'maxCandidates',
    o.maxCandidates,
    Number.isInteger(o.maxCandidates) && o.maxCandidates >= 1,
    'must be an integer ≥ 1',
  );
  check(
    'sampleTraces',
    o.sampleTraces,
    Number.isInteger(o.sampleTraces) && o.sampleTraces >= 0,
    'must be an integer ≥ 0',
  );
  for (const m of METHODS) check(`weights.${m}`, o.weights[m], o.weights[m] >= 0, 'must be ≥ 0');
  const sum = METHODS.reduce((s, m) => s + o.weights[m], 0);
  if (bad.length === 0 && !(sum > 0)) {
    bad.push({ field: 'weights', reason: 'at least one weight must be > 0' });
  }
  for (const f of [
    'latencyFactor',
    'minLatencyExcessMs',
    'timeoutMinMs',
    'relativeScale',
    'latencyFloorMs',
    'errorRateFloor',
    'zHalf',
    'minChangeZ',
    'minSignalSeverity',
    'backWeight',
    'minFaultyTraces',
    'minRootScore',
  ] as const) {
    check(f, o[f], o[f] >= 0, 'must be ≥ 0');
  }
  check('timingToleranceMs', o.timingToleranceMs, o.timingToleranceMs > 0, 'must be > 0');
  check('damping', o.damping, o.damping >= 0 && o.damping < 1, 'must be in [0, 1)');
  check('zHalf', o.zHalf, o.zHalf > 0, 'must be > 0');
  if (bad.length > 0) {
    throw new OpsError(
      'CONFIG_INVALID',
      `invalid RCA options: ${bad.map((b) => b.field).join(', ')}`,
      {
        items: bad,
      },
    );
  }
  return o;
}

interface Candidate {
  readonly key: string;
  readonly service: string;
  readonly endpoint?: string;
  readonly signals: Signal[];
  readonly stats?: EndpointStats;
  readonly origins?: UnitOrigins;
  firstAnomalousMs?: number;
  latencyZ: number;
  errorZ: number;
  /** Raw per-method values before normalisation. */
  raw: Record<Method, number>;
  norm: Record<Method, number>;
  score: number;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 2140 → "2,140"; 0.5 → "0.5"; keeps at most `digits` decimals. */
function fmtNum(v: number, digits = 0): string {
  const fixed = Math.abs(v) >= 100 ? Math.round(v).toString() : v.toFixed(digits);
  const [int, frac] = fixed.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined || /^0+$/.test(frac)
    ? grouped
    : `${grouped}.${frac.replace(/0+$/, '')}`;
}

function fmtPct(ratio: number): string {
  const pct = ratio * 100;
  return `${fmtNum(pct, pct < 1 ? 2 : pct < 10 ? 1 : 0)}%`;
}

function fmtSignalValue(v: number, unit: Signal['unit']): string {
  if (unit === 'ms') return `${fmtNum(v)} ms`;
  if (unit === 'ratio') return fmtPct(v);
  if (unit === 'per_s') return `${fmtNum(v, 2)}/s`;
  return fmtNum(v, 2);
}

function label(service: string, endpoint: string | undefined): string {
  return endpoint === undefined ? service : `${service} ${endpoint}`;
}

/**
 * Ranks root-cause candidates for one incident and measures its impact.
 *
 * @example
 * const r = analyzeRootCause({ fromMs, toMs, signals, spans, map, stats });
 * r.rootCause?.description; // "payment /payment: p95 2,140 ms vs 95 ms baseline; ..."
 */
export function analyzeRootCause(input: RcaInput, options?: RcaOptionsInput): RcaResult {
  const o = resolveOptions(options);
  const changeOpts: ChangeOptions = o;

  const signals = [...input.signals].sort(
    (a, b) => cmpStr(a.id, b.id) || a.atMs - b.atMs || cmpStr(a.service, b.service),
  );
  const stats = [...input.stats].sort(
    (a, b) =>
      cmpStr(a.service, b.service) ||
      cmpStr(a.endpoint, b.endpoint) ||
      b.requestCount - a.requestCount,
  );
  const statsByKey = new Map<string, EndpointStats>();
  for (const s of stats) {
    const k = unitKey(s.service, s.endpoint);
    if (!statsByKey.has(k)) statsByKey.set(k, s);
  }
  const traces = analyzeTraces(input.spans, stats, input.map, o);

  // Candidates: endpoints with signals, trace origins, and endpoints that changed a lot.
  const candidates = new Map<string, Candidate>();
  const add = (service: string, endpoint: string | undefined): Candidate => {
    const key = unitKey(service, endpoint ?? '');
    let c = candidates.get(key);
    if (c === undefined) {
      const st = endpoint === undefined ? undefined : statsByKey.get(key);
      const or = endpoint === undefined ? undefined : traces.origins.get(key);
      c = {
        key,
        service,
        ...(endpoint === undefined ? {} : { endpoint }),
        signals: [],
        ...(st === undefined ? {} : { stats: st }),
        ...(or === undefined ? {} : { origins: or }),
        latencyZ: 0,
        errorZ: 0,
        raw: { trace: 0, graph: 0, timing: 0, change: 0 },
        norm: { trace: 0, graph: 0, timing: 0, change: 0 },
        score: 0,
      };
      candidates.set(key, c);
    }
    return c;
  };
  const changes = new Map<string, { latencyZ: number; errorZ: number }>();
  for (const s of stats) {
    const k = unitKey(s.service, s.endpoint);
    if (!changes.has(k)) changes.set(k, endpointChange(s, changeOpts));
  }
  for (const sig of signals) if (sig.endpoint !== undefined) add(sig.service, sig.endpoint);
  for (const or of traces.origins.values()) add(or.unit.service, or.unit.endpoint);
  for (const s of stats) {
    const ch = changes.get(unitKey(s.service, s.endpoint))!;
    if (Math.max(ch.latencyZ, ch.errorZ) >= o.minChangeZ) add(s.service, s.endpoint);
  }
  const servicesWithEndpoints = new Set([...candidates.values()].map((c) => c.service));
  for (const sig of signals) {
    if (sig.endpoint === undefined && !servicesWithEndpoints.has(sig.service)) {
      add(sig.service, undefined);
    }
  }
  // Signals: a candidate's own endpoint's, plus its service's endpoint-less ones.
  for (const sig of signals) {
    for (const c of candidates.values()) {
      if (
        c.service === sig.service &&
        (sig.endpoint === undefined || sig.endpoint === c.endpoint)
      ) {
        c.signals.push(sig);
      }
    }
  }

  // Per-service severity for the random walk: the largest change, signal or trace share.
  const severity = new Map<string, number>();
  const bump = (service: string, v: number): void => {
    if (v > (severity.get(service) ?? 0)) severity.set(service, v);
  };
  for (const s of stats) {
    const ch = changes.get(unitKey(s.service, s.endpoint))!;
    bump(s.service, severityOfZ(Math.max(ch.latencyZ, ch.errorZ), o.zHalf));
  }
  for (const sig of signals) {
    bump(
      sig.service,
      Math.max(o.minSignalSeverity, severityOfZ(signalZ(sig, changeOpts), o.zHalf)),
    );
  }
  const faulty = traces.faultyTraces;
  /** How far to trust the traces: 1 from `minFaultyTraces` faulty traces on. */
  const traceTrust = o.minFaultyTraces > 0 ? Math.min(1, faulty / o.minFaultyTraces) : 1;
  for (const or of traces.origins.values()) {
    const share = faulty > 0 ? (or.latency + or.errors + or.timeout) / faulty : 0;
    bump(or.unit.service, share * traceTrust);
  }
  const graph = graphScores(severity, input.map, o.backWeight, {
    damping: o.damping,
    maxIterations: 200,
    tolerance: 1e-12,
  });

  // Raw method values.
  const list = [...candidates.values()].sort((a, b) => cmpStr(a.key, b.key));
  for (const c of list) {
    if (c.origins !== undefined && faulty > 0) {
      c.raw.trace = (c.origins.latency + c.origins.errors + c.origins.timeout) / faulty;
    }
    c.raw.graph = graph.get(c.service) ?? 0;
    const own: { latencyZ: number; errorZ: number }[] = [];
    if (c.endpoint !== undefined) {
      const ch = changes.get(c.key);
      if (ch !== undefined) own.push(ch);
    } else {
      for (const s of stats)
        if (s.service === c.service) own.push(changes.get(unitKey(s.service, s.endpoint))!);
    }
    for (const ch of own) {
      c.latencyZ = Math.max(c.latencyZ, ch.latencyZ);
      c.errorZ = Math.max(c.errorZ, ch.errorZ);
    }
    let z = Math.max(c.latencyZ, c.errorZ);
    for (const sig of c.signals) z = Math.max(z, signalZ(sig, changeOpts));
    c.raw.change = z;
    let first: number | undefined;
    for (const sig of c.signals) if (first === undefined || sig.atMs < first) first = sig.atMs;
    if (first === undefined && c.origins !== undefined) first = c.origins.firstMs;
    if (first !== undefined) c.firstAnomalousMs = first;
  }
  let t0 = Number.POSITIVE_INFINITY;
  for (const c of list) if (c.firstAnomalousMs !== undefined) t0 = Math.min(t0, c.firstAnomalousMs);
  for (const c of list) {
    if (c.firstAnomalousMs === undefined) continue;
    const lateMs = Math.max(0, c.firstAnomalousMs - t0 - o.timingToleranceMs);
    c.raw.timing = 1 / (1 + lateMs / o.timingToleranceMs);
  }

  // Normalise per method, drop methods without information, combine.
  const activeWeight: Partial<Record<Method, number>> = {};
  let weightSum = 0;
  for (const m of METHODS) {
    let max = 0;
    for (const c of list) max = Math.max(max, c.raw[m]);
    for (const c of list) c.norm[m] = max > 0 ? c.raw[m] / max : 0;
    const w = m === 'trace' ? o.weights[m] * traceTrust : o.weights[m];
    if (max > 0 && w > 0) {
      activeWeight[m] = w;
      weightSum += w;
    }
  }
  for (const c of list) {
    let s = 0;
    for (const m of METHODS) s += (activeWeight[m] ?? 0) * c.norm[m];
    c.score = weightSum > 0 ? s / weightSum : 0;
  }
  list.sort(
    (a, b) =>
      b.score - a.score ||
      b.raw.trace - a.raw.trace ||
      b.raw.change - a.raw.change ||
      cmpStr(a.key, b.key),
  );
  const ranked = list.slice(0, o.maxCandidates);

  // Other services' first anomaly, for "anomalous N s before X".
  const firstByService = new Map<string, number>();
  for (const c of list) {
    if (c.firstAnomalousMs === undefined) continue;
    const prev = firstByService.get(c.service);
    if (prev === undefined || c.firstAnomalousMs < prev)
      firstByService.set(c.service, c.firstAnomalousMs);
  }
  for (const sig of signals) {
    const prev = firstByService.get(sig.service);
    if (prev === undefined || sig.atMs < prev) firstByService.set(sig.service, sig.atMs);
  }

  const graphRank = [...graph.entries()].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]));
  const out: RcaCandidate[] = ranked.map((c) => {
    const kind = faultKindOf(c, changeOpts);
    const notes = notesOf(c, kind, traces.faultyTraces, graphRank);
    const path = c.origins?.path ?? mapPath(c.service, severity, input.map);
    return {
      service: c.service,
      ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
      kind,
      score: round(c.score),
      evidence: {
        traceIds: (c.origins?.traceIds ?? []).slice(0, o.sampleTraces),
        signals: c.signals,
        path,
        ...(c.firstAnomalousMs === undefined ? {} : { firstAnomalousMs: c.firstAnomalousMs }),
        methods: {
          trace: round(c.norm.trace),
          graph: round(c.norm.graph),
          timing: round(c.norm.timing),
          change: round(c.norm.change),
        },
        notes,
      },
    };
  });

  const top = ranked[0];
  const second = ranked[1];
  let rootCause: RootCause | undefined;
  if (top !== undefined && top.score >= o.minRootScore) {
    const kind = out[0]!.kind;
    rootCause = {
      service: top.service,
      ...(top.endpoint === undefined ? {} : { endpoint: top.endpoint }),
      kind,
      confidence: round(Math.min(1, Math.max(0, top.score - (second?.score ?? 0) / 2))),
      description: describe(top, kind, traces, firstByService, o),
    };
  }

  // Impact: the top candidate, everything with signals or a big change, and what its faulty
  // traces passed through.
  const affectedServices = new Set<string>();
  const affectedKeys = new Set<string>();
  if (top !== undefined) {
    affectedServices.add(top.service);
    if (top.endpoint !== undefined) affectedKeys.add(top.key);
    for (const s of traces.faultyServicesByOrigin.get(top.key) ?? []) affectedServices.add(s);
    for (const k of traces.faultyUnitsByOrigin.get(top.key) ?? []) affectedKeys.add(k);
  }
  for (const sig of signals) {
    affectedServices.add(sig.service);
    if (sig.endpoint !== undefined) affectedKeys.add(unitKey(sig.service, sig.endpoint));
  }
  for (const [k, ch] of changes) {
    if (Math.max(ch.latencyZ, ch.errorZ) < o.minChangeZ) continue;
    affectedKeys.add(k);
    affectedServices.add(statsByKey.get(k)!.service);
  }
  const keyLabel = (k: string): string => k.replace('\u0000', ' ');
  const services = [...affectedServices].sort((a, b) =>
    a === top?.service ? -1 : b === top?.service ? 1 : cmpStr(a, b),
  );
  const endpointKeys = [...affectedKeys].sort(cmpStr);
  let requests = 0;
  let failedRequests = 0;
  for (const k of endpointKeys) {
    const s = statsByKey.get(k);
    if (s === undefined) continue;
    requests += s.requestCount;
    failedRequests += s.errorCount;
  }
  const totalTraces = traces.countTracesTouching(affectedKeys);
  const sample: string[] = [];
  for (const c of out) {
    for (const id of c.evidence.traceIds) {
      if (sample.length >= o.sampleTraces) break;
      if (!sample.includes(id)) sample.push(id);
    }
  }

  return {
    ...(rootCause === undefined ? {} : { rootCause }),
    candidates: out,
    affectedServices: services,
    affectedEndpoints: endpointKeys.map(keyLabel),
    impact: {
      services,
      endpoints: endpointKeys.map(keyLabel),
      requests,
      failedRequests,
    },
    totalTraces,
    sampleTraces: sample,
  };
}

/** Four significant decimals, so scores print and compare stably. */
function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/**
 * A saturated unit multiplies its self times (queueing), so the spread of log self time in its
 * slow traces stays about what it usually is; an added fixed delay narrows it to at most about
 * half once the unit is twice as slow (rca-trace.ts, `slowSpreadRatio`). Between the two, on a
 * log scale: √½ ≈ 0.7, rounded up.
 */
export const SATURATION_SPREAD_RATIO = 0.75;

/**
 * From trace evidence (most traces; timeout, errors, latency on ties), else the strongest signal.
 * Then the cause, where the evidence tells it: failures that are mostly refused connections to a
 * callee with no spans, or an absence signal on the service with nothing else from it, are
 * `absence`; failures that are mostly shed load (503), or a slowdown that multiplies self times
 * rather than adding to them, are `saturation`.
 */
function faultKindOf(c: Candidate, o: ChangeOptions): FaultKind {
  const or = c.origins;
  if (or !== undefined) {
    const best = Math.max(or.timeout, or.errors, or.latency);
    if (best > 0) {
      if (or.timeout === best) return 'timeout';
      if (or.errors === best) {
        if (or.refused * 2 >= or.errors) return 'absence';
        if (or.shed * 2 >= or.errors) return 'saturation';
        return 'errors';
      }
      return (or.slowSpreadRatio ?? 0) >= SATURATION_SPREAD_RATIO ? 'saturation' : 'latency';
    }
  }
  let bestSig: Signal | undefined;
  let bestZ = -1;
  for (const sig of c.signals) {
    const z = signalZ(sig, o);
    if (z > bestZ || (z === bestZ && bestSig !== undefined && sig.atMs < bestSig.atMs)) {
      bestSig = sig;
      bestZ = z;
    }
  }
  if (bestSig !== undefined) return bestSig.kind;
  return c.errorZ > c.latencyZ ? 'errors' : 'latency';
}

function notesOf(
  c: Candidate,
  kind: FaultKind,
  faulty: number,
  graphRank: readonly (readonly [string, number])[],
): string[] {
  const notes: string[] = [];
  const or = c.origins;
  if (or !== undefined && faulty > 0) {
    const n = or.latency + or.errors + or.timeout;
    const parts = [
      or.latency > 0 ? `${or.latency} slow` : '',
      or.errors > 0 ? `${or.errors} failing` : '',
      or.timeout > 0 ? `${or.timeout} timed out` : '',
    ].filter((p) => p !== '');
    notes.push(
      `${n} of ${faulty} faulty traces (${fmtPct(n / faulty)}) originate here: ${parts.join(', ')}.`,
    );
    if (or.medianSlowSelfMs !== undefined) {
      notes.push(
        `Median self time in those slow traces ${fmtNum(or.medianSlowSelfMs)} ms vs ${fmtNum(or.baselineSelfMs ?? 0)} ms baseline.`,
      );
    }
    if (or.orphanCallers.length > 0) {
      notes.push(
        `Calls from ${or.orphanCallers.join(', ')} got no span from ${c.service} (median ${fmtNum(or.medianOrphanMs ?? 0)} ms).`,
      );
    }
  }
  const st = c.stats;
  if (st?.baselineLatencyMs !== undefined && c.latencyZ > 0) {
    notes.push(
      `p95 ${fmtNum(st.p95Ms)} ms vs ${fmtNum(st.baselineLatencyMs)} ms baseline (z ${fmtNum(c.latencyZ, 1)}).`,
    );
  }
  if (st?.baselineErrorRate !== undefined && c.errorZ > 0) {
    notes.push(
      `Error rate ${fmtPct(st.errorRate)} vs ${fmtPct(st.baselineErrorRate)} baseline (z ${fmtNum(c.errorZ, 1)}).`,
    );
  }
  const rank = graphRank.findIndex(([s]) => s === c.service);
  if (rank >= 0) {
    notes.push(
      `Random walk over the anomalous service graph ranks ${c.service} ${rank + 1} of ${graphRank.length}.`,
    );
  }
  if (c.firstAnomalousMs !== undefined) {
    notes.push(`First anomalous at ${new Date(c.firstAnomalousMs).toISOString()}.`);
  }
  if (kind === 'timeout' && or === undefined) notes.push('Signals report timeouts here.');
  return notes;
}

/** "payment /payment: p95 2,140 ms vs 95 ms baseline; 87% of slow traces originate here; ..." */
function describe(
  c: Candidate,
  kind: FaultKind,
  traces: ReturnType<typeof analyzeTraces>,
  firstByService: ReadonlyMap<string, number>,
  o: RcaOptions,
): string {
  const parts: string[] = [];
  const st = c.stats;
  const or = c.origins;
  if (kind === 'timeout' && or !== undefined && or.orphanCallers.length > 0) {
    parts.push(
      `calls from ${or.orphanCallers.join(', ')} fail after ${fmtNum(or.medianOrphanMs ?? 0)} ms with no response (timeout)`,
    );
  } else if (kind === 'latency' && st?.baselineLatencyMs !== undefined) {
    parts.push(`p95 ${fmtNum(st.p95Ms)} ms vs ${fmtNum(st.baselineLatencyMs)} ms baseline`);
  } else if ((kind === 'errors' || kind === 'timeout') && st?.baselineErrorRate !== undefined) {
    parts.push(`error rate ${fmtPct(st.errorRate)} vs ${fmtPct(st.baselineErrorRate)} baseline`);
  } else if ((kind === 'errors' || kind === 'timeout') && st !== undefined && st.errorCount > 0) {
    parts.push(`error rate ${fmtPct(st.errorRate)} (no learned baseline)`);
  } else if (kind === 'latency' && or?.medianSlowSelfMs !== undefined) {
    parts.push(
      `self time ${fmtNum(or.medianSlowSelfMs)} ms vs ${fmtNum(or.baselineSelfMs ?? 0)} ms baseline`,
    );
  } else {
    let strongest: Signal | undefined;
    let bestZ = -1;
    for (const sig of c.signals) {
      const z = signalZ(sig, o);
      if (z > bestZ) {
        strongest = sig;
        bestZ = z;
      }
    }
    if (strongest !== undefined) {
      parts.push(
        `${strongest.metric ?? strongest.kind} ${fmtSignalValue(strongest.observed, strongest.unit)} vs ${fmtSignalValue(strongest.baseline, strongest.unit)} baseline`,
      );
    } else {
      parts.push(`${kind} anomaly`);
    }
  }
  if (or !== undefined) {
    if (kind === 'latency' && traces.slowTraces > 0 && or.latency > 0) {
      parts.push(`${fmtPct(or.latency / traces.slowTraces)} of slow traces originate here`);
    } else if (traces.failingTraces > 0 && or.errors + or.timeout > 0) {
      parts.push(
        `${fmtPct((or.errors + or.timeout) / traces.failingTraces)} of failing traces originate here`,
      );
    }
  }
  if (c.firstAnomalousMs !== undefined) {
    let next: [string, number] | undefined;
    for (const [svc, at] of [...firstByService.entries()].sort(
      (a, b) => a[1] - b[1] || cmpStr(a[0], b[0]),
    )) {
      if (svc !== c.service && at >= c.firstAnomalousMs) {
        next = [svc, at];
        break;
      }
    }
    if (next !== undefined && next[1] - c.firstAnomalousMs > o.timingToleranceMs) {
      parts.push(`anomalous ${fmtNum((next[1] - c.firstAnomalousMs) / 1000)} s before ${next[0]}`);
    }
  }
  return `${label(c.service, c.endpoint)}: ${parts.join('; ')}`;
}

/**
 * Without traces: the longest chain of anomalous callers above a service on the map, ending at
 * it (BFS over caller edges; ties broken by name).
 */
function mapPath(
  service: string,
  severity: ReadonlyMap<string, number>,
  map: RcaInput['map'],
): string[] {
  const callers = new Map<string, string[]>();
  for (const e of map.edges) {
    if (e.from === e.to || (severity.get(e.from) ?? 0) <= 0) continue;
    const list = callers.get(e.to);
    if (list === undefined) callers.set(e.to, [e.from]);
    else if (!list.includes(e.from)) list.push(e.from);
  }
  for (const list of callers.values()) list.sort(cmpStr);
  const prev = new Map<string, string>();
  const dist = new Map<string, number>([[service, 0]]);
  const queue = [service];
  let far = service;
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const up of callers.get(at) ?? []) {
      if (dist.has(up)) continue;
      dist.set(up, dist.get(at)! + 1);
      prev.set(up, at);
      queue.push(up);
      const d = dist.get(up)!;
      const fd = dist.get(far)!;
      if (d > fd || (d === fd && up < far)) far = up;
    }
  }
  const path = [far];
  for (let at = far; at !== service; ) {
    at = prev.get(at)!;
    path.push(at);
  }
  return path;
}
