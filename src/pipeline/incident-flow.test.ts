/**
 * The incident runtime with the real pieces around it: spans → TraceAnalytics (RED, service map,
 * watermark) → IncidentEngine with analyzeRootCause → state store, on a virtual clock. Spans are
 * built by hand: frontend → checkout → payment, healthy, then payment slow and failing.
 */
import { describe, expect, it } from 'vitest';
import { type Anomaly, type Incident, type Span, VirtualClock } from '../contract/index.ts';
import { analyzeRootCause, defaultIncidentOptions, IncidentEngine } from '../incidents/index.ts';
import { MemoryStateStore, type StateStore } from '../store/index.ts';
import { INCIDENTS_COLLECTION, IncidentRuntime } from './incident-runtime.ts';
import { TraceAnalytics } from './trace-analytics.ts';

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const silent = { info() {}, warn() {}, error() {} };

interface Fault {
  readonly fromMs: number;
  /** Payment latency added, ms, and failure probability (deterministic by trace number). */
  readonly delayMs: number;
  readonly errorEvery: number;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * `perSecond` traces a second over [fromMs, toMs): frontend GET /checkout → checkout
 * POST /checkout → payment POST /pay (and, with `endpoints`, more payment and checkout endpoints
 * round robin). Deterministic: ids and timings depend on the trace number only.
 */
function shopSpans(
  fromMs: number,
  toMs: number,
  perSecond: number,
  fault?: Fault,
  endpoints = 1,
): Span[] {
  const out: Span[] = [];
  let n = Math.floor(fromMs / 1000) * perSecond;
  for (let t = fromMs; t < toMs; t += 1000 / perSecond) {
    n += 1;
    const traceId = hex(n, 32);
    const faulty = fault !== undefined && t >= fault.fromMs;
    const fails = faulty && n % fault.errorEvery === 0;
    const k = n % endpoints;
    const payEp = k === 0 ? '/pay' : `/pay-${k}`;
    const coEp = k === 0 ? '/checkout' : `/checkout-${k}`;
    const payMs = 20 + (n % 7) + (faulty ? fault.delayMs : 0);
    const coMs = payMs + 30;
    const feMs = coMs + 10;
    const id = (i: number) => hex(n * 8 + i, 16);
    const base = { traceId, attributes: {} } as const;
    out.push(
      {
        ...base,
        spanId: id(1),
        service: 'frontend',
        name: 'GET /checkout',
        kind: 'server',
        endpoint: '/checkout',
        startMs: t,
        durationMs: feMs,
        status: fails ? 'error' : 'unset',
        httpStatus: fails ? 502 : 200,
      },
      {
        ...base,
        spanId: id(2),
        parentSpanId: id(1),
        service: 'frontend',
        name: `POST ${coEp}`,
        kind: 'client',
        endpoint: coEp,
        startMs: t + 2,
        durationMs: coMs + 4,
        status: fails ? 'error' : 'unset',
        httpStatus: fails ? 502 : 200,
      },
      {
        ...base,
        spanId: id(3),
        parentSpanId: id(2),
        service: 'checkout',
        name: `POST ${coEp}`,
        kind: 'server',
        endpoint: coEp,
        startMs: t + 4,
        durationMs: coMs,
        status: fails ? 'error' : 'unset',
        httpStatus: fails ? 502 : 200,
      },
      {
        ...base,
        spanId: id(4),
        parentSpanId: id(3),
        service: 'checkout',
        name: `POST ${payEp}`,
        kind: 'client',
        endpoint: payEp,
        startMs: t + 6,
        durationMs: payMs + 2,
        status: fails ? 'error' : 'unset',
        httpStatus: fails ? 500 : 200,
      },
      {
        ...base,
        spanId: id(5),
        parentSpanId: id(4),
        service: 'payment',
        name: `POST ${payEp}`,
        kind: 'server',
        endpoint: payEp,
        startMs: t + 7,
        durationMs: payMs,
        status: fails ? 'error' : 'unset',
        httpStatus: fails ? 500 : 200,
        ...(fails ? { errorMessage: 'card processor unavailable' } : {}),
      },
    );
  }
  return out;
}

async function rig(state: StateStore = new MemoryStateStore()) {
  const clock = new VirtualClock(T0);
  const analytics = new TraceAnalytics({
    store: { append: async () => ({ samples: 0, newSeries: 0 }) },
    bus: { publish: async () => undefined },
    clock,
    logger: silent,
  });
  const engine = new IncidentEngine(defaultIncidentOptions(), (input) => analyzeRootCause(input));
  const listeners = new Set<(a: Anomaly) => void>();
  const detection = {
    onAnomaly(l: (a: Anomaly) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const rt = await IncidentRuntime.open(
    { state, clock, engine, traceAnalytics: analytics, detection },
    { idleAdvanceMs: 0 },
  );
  return {
    rt,
    analytics,
    state,
    anomaly: (a: Anomaly) => {
      for (const l of listeners) l(a);
    },
  };
}

/** Feeds spans in chunks of `chunkMs` of event time (each chunk one `add`). */
async function feed(
  analytics: TraceAnalytics,
  spans: readonly Span[],
  chunkMs: number,
): Promise<void> {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  let i = 0;
  while (i < sorted.length) {
    const start = (sorted[i] as Span).startMs;
    const chunk: Span[] = [];
    while (i < sorted.length && (sorted[i] as Span).startMs < start + chunkMs) {
      chunk.push(sorted[i] as Span);
      i += 1;
    }
    await analytics.add(chunk);
  }
}

const HEALTHY_MS = 5 * 60_000;
const FAULT_MS = 2 * 60_000;
const FAULT: Fault = { fromMs: T0 + HEALTHY_MS, delayMs: 800, errorEvery: 4 };

// Tens of thousands of spans each; generous on a shared machine.
describe('incident runtime with trace analytics and the real engine', { timeout: 60_000 }, () => {
  it('opens one incident with payment as the root cause, stored durably', async () => {
    const r = await rig();
    await feed(r.analytics, shopSpans(T0, T0 + HEALTHY_MS + FAULT_MS, 5, FAULT), 2_000);
    await r.rt.analyzeNow();
    await r.rt.idle();
    const open = r.rt.list({ status: ['active'] });
    expect(open).toHaveLength(1);
    const inc = open[0] as Incident;
    expect(inc.rootCause?.service).toBe('payment');
    expect(inc.affectedServices).toEqual(expect.arrayContaining(['payment', 'checkout']));
    // An endpoint signal starts where its stats window (1 min) starts.
    expect(inc.firstDetectedMs).toBeGreaterThanOrEqual(FAULT.fromMs - 60_000);
    expect(inc.firstDetectedMs).toBeLessThan(FAULT.fromMs + 60_000);
    const stored = await r.state.collection<Incident>(INCIDENTS_COLLECTION).get(inc.id);
    expect(stored?.id).toBe(inc.id);
    expect(stored?.status).toBe('active');
    await r.rt.close();
  });

  it('gives identical incidents whether telemetry arrives in small or large chunks', async () => {
    const spans = shopSpans(T0, T0 + HEALTHY_MS + FAULT_MS, 5, FAULT);
    const results: Incident[][] = [];
    for (const chunkMs of [1_000, 30_000]) {
      const r = await rig();
      await feed(r.analytics, spans, chunkMs);
      await r.analytics.flush();
      await r.rt.idle();
      results.push(r.rt.list());
      await r.rt.close();
    }
    expect(results[0]?.length).toBeGreaterThan(0);
    expect(results[1]).toEqual(results[0]);
  });

  it('folds 50+ signals of one fault on connected services into exactly one incident', async () => {
    const r = await rig();
    // Six endpoints of checkout and of payment fail together, plus anomalies on their metrics.
    await feed(r.analytics, shopSpans(T0, T0 + HEALTHY_MS, 12, undefined, 6), 5_000);
    const faultSpans = shopSpans(T0 + HEALTHY_MS, T0 + HEALTHY_MS + FAULT_MS, 12, FAULT, 6);
    let sent = 0;
    for (let k = 0; k < 60; k++) {
      const service = k % 2 === 0 ? 'payment' : 'checkout';
      r.anomaly({
        metric: k % 3 === 0 ? 'errors_per_second' : 'latency_ms',
        labels: { service, endpoint: `/ep-${k}` },
        timestampMs: FAULT.fromMs + 20_000 + k * 500,
        value: 900,
        score: 0.95,
        expected: 40,
        lower: 20,
        upper: 60,
        deviation: 860,
        detector: 'ewma',
        reason: 'far above normal',
      });
      sent += 1;
    }
    await feed(r.analytics, faultSpans, 5_000);
    await r.rt.analyzeNow();
    await r.rt.idle();
    const all = r.rt.list();
    expect(all).toHaveLength(1);
    const inc = all[0] as Incident;
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(inc.signalCount).toBeGreaterThanOrEqual(50);
    expect(inc.rootCause?.service).toBe('payment');
    await r.rt.close();
  });

  it('resolves once payment recovers and the incident survives a restart', async () => {
    const state = new MemoryStateStore();
    const a = await rig(state);
    const endMs = T0 + HEALTHY_MS + FAULT_MS;
    await feed(a.analytics, shopSpans(T0, endMs, 5, FAULT), 5_000);
    await a.analytics.flush();
    await a.rt.idle();
    const id = a.rt.list()[0]?.id ?? '';
    expect(id).not.toBe('');
    await a.rt.acknowledge(id, 'ana', 'looking at payment');
    await a.rt.close();

    const b = await rig(state);
    expect((await b.rt.get(id)).status).toBe('acknowledged');
    // Healthy again for 5 minutes of event time: auto-resolved, in the same incident.
    await feed(b.analytics, shopSpans(endMs, endMs + 5 * 60_000, 5), 5_000);
    await b.analytics.flush();
    await b.rt.idle();
    const inc = await b.rt.get(id);
    expect(inc.status).toBe('resolved');
    expect(inc.timeline.map((e) => e.action)).toEqual(
      expect.arrayContaining(['opened', 'acknowledged', 'auto_resolved']),
    );
    expect(b.rt.list()).toHaveLength(1);
    await b.rt.close();
  });
});
