import { describe, expect, it } from 'vitest';
import type { EndpointStats, FaultKind, Incident, ServiceMap, Signal } from '../contract/index.ts';
import { createRng, OpsError } from '../contract/index.ts';
import {
  defaultIncidentOptions,
  type IncidentChange,
  IncidentEngine,
  type IncidentInputs,
  type IncidentOptions,
} from './engine.ts';
import type { RcaInput, RcaResult, RootCauseAnalyzer } from './rca-types.ts';

const MIN = 60_000;
const T0 = 1_800_000_000_000;

/** frontend → checkout → payment, checkout → shipping, frontend → catalog; reports → warehouse. */
const MAP: ServiceMap = {
  fromMs: 0,
  toMs: 0,
  nodes: [],
  edges: [
    ['frontend', 'checkout'],
    ['checkout', 'payment'],
    ['checkout', 'shipping'],
    ['frontend', 'catalog'],
    ['reports', 'warehouse'],
  ].map(([from, to]) => ({
    from: from as string,
    to: to as string,
    calls: 100,
    callRatePerS: 1,
    errorRate: 0,
    p95Ms: 10,
    lastSeenMs: 0,
  })),
};

/**
 * A small fake analyzer: the root cause is the signalled service no other signalled service is
 * called by... i.e. the deepest one (it calls no other signalled service), earliest signal first.
 */
const fakeAnalyzer: RootCauseAnalyzer & { calls: RcaInput[] } = Object.assign(
  (input: RcaInput): RcaResult => {
    fakeAnalyzer.calls.push(input);
    const services = [...new Set(input.signals.map((s) => s.service))].sort();
    const calls = (a: string, b: string) => input.map.edges.some((e) => e.from === a && e.to === b);
    const deepest = services.filter((s) => !services.some((t) => calls(s, t)));
    const root = [...input.signals]
      .filter((s) => deepest.includes(s.service))
      .sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : 1))[0];
    const endpoints = [
      ...new Set(input.signals.flatMap((s) => (s.endpoint ? [`${s.service} ${s.endpoint}`] : []))),
    ].sort();
    return {
      ...(root === undefined
        ? {}
        : {
            rootCause: {
              service: root.service,
              ...(root.endpoint === undefined ? {} : { endpoint: root.endpoint }),
              kind: root.kind,
              confidence: 0.8,
              description: `${root.service} is where it starts`,
            },
          }),
      candidates: [],
      affectedServices: services,
      affectedEndpoints: endpoints,
      impact: { services, endpoints, requests: input.spans.length, failedRequests: 0 },
      totalTraces: input.spans.length,
      sampleTraces: [],
    };
  },
  { calls: [] as RcaInput[] },
);

function sig(service: string, kind: FaultKind, atMs: number, over: Partial<Signal> = {}): Signal {
  return {
    id: over.id ?? `alert:${service}:${kind}`,
    source: 'alert',
    service,
    kind,
    atMs,
    lastAtMs: over.lastAtMs ?? atMs,
    observed: 1,
    baseline: 0,
    unit: 'value',
    alertSeverity: 'warning',
    description: `${service} ${kind}`,
    ...over,
  };
}

function inputs(watermarkMs: number, stats: readonly EndpointStats[] = []): IncidentInputs {
  return { watermarkMs, stats, map: MAP, spans: () => [] };
}

function engine(over: Partial<IncidentOptions> = {}): IncidentEngine {
  fakeAnalyzer.calls = [];
  return new IncidentEngine({ ...defaultIncidentOptions(), ...over }, fakeAnalyzer);
}

/** Adds the signals and advances to `wm`. */
function step(
  e: IncidentEngine,
  wm: number,
  signals: readonly Signal[] = [],
  stats: readonly EndpointStats[] = [],
): IncidentChange[] {
  e.addSignals(signals);
  return e.advance(inputs(wm, stats));
}

const kinds = (changes: readonly IncidentChange[]) =>
  changes.map((c) => `${c.kind} ${c.incident.id}`);

function stat(
  service: string,
  endpoint: string,
  toMs: number,
  over: Partial<EndpointStats> = {},
): EndpointStats {
  return {
    service,
    endpoint,
    fromMs: toMs - 10_000,
    toMs,
    requestCount: 100,
    errorCount: 0,
    errorRate: 0,
    avgLatencyMs: 50,
    p50Ms: 40,
    p95Ms: 100,
    p99Ms: 150,
    statusDistribution: { '200': 100 },
    baselineLatencyMs: 50,
    baselineErrorRate: 0,
    ...over,
  };
}

describe('IncidentEngine: opening', () => {
  it('opens an incident for a first signal, analyses it and titles it', () => {
    const e = engine();
    const spansAsked: [number, number, readonly string[]][] = [];
    e.addSignals([
      sig('payment', 'latency', T0, {
        endpoint: '/payment',
        unit: 'ms',
        observed: 520,
        baseline: 100,
        source: 'endpoint',
        id: 'endpoint:payment:/payment:latency',
      }),
    ]);
    const changes = e.advance({
      ...inputs(T0 + 10_000),
      spans: (from, to, services) => {
        spansAsked.push([from, to, services]);
        return [];
      },
    });
    expect(kinds(changes)).toEqual(['opened inc-000001']);
    const inc = changes[0]?.incident as Incident;
    expect(inc).toMatchObject({
      status: 'active',
      severity: 'high', // 5.2× > 5× baseline
      firstDetectedMs: T0,
      openedAtMs: T0 + 10_000,
      lastSignalAtMs: T0,
      signalCount: 1,
      reopenCount: 0,
      analyzedAtMs: T0 + 10_000,
      rootCause: { service: 'payment', endpoint: '/payment', kind: 'latency' },
      affectedServices: ['payment'],
      affectedEndpoints: ['payment /payment'],
    });
    expect(inc.title).toBe('payment /payment: latency 5.2× baseline');
    expect(inc.timeline.map((t) => [t.action, t.by])).toEqual([
      ['opened', 'opsight'],
      ['root_cause', 'opsight'],
    ]);
    // RCA sees a minute before the first signal up to the watermark, the service and its
    // neighbours in the map.
    expect(spansAsked).toEqual([[T0 - MIN, T0 + 10_000, ['checkout', 'payment']]]);
    expect(fakeAnalyzer.calls[0]).toMatchObject({ fromMs: T0 - MIN, toMs: T0 + 10_000 });
    expect(e.get('inc-000001')).toEqual(inc);
  });

  it('ignores a signal that was over before it arrived', () => {
    const e = engine();
    expect(step(e, T0 + 3 * MIN, [sig('payment', 'errors', T0)])).toEqual([]);
    expect(e.list()).toEqual([]);
  });

  it('titles with the affected services', () => {
    const e = engine();
    step(e, T0, [
      sig('payment', 'latency', T0, {
        endpoint: '/payment',
        unit: 'ms',
        observed: 520,
        baseline: 100,
      }),
      sig('checkout', 'latency', T0 + 1),
      sig('frontend', 'errors', T0 + 2),
    ]);
    expect(e.list()[0]?.title).toBe(
      'payment /payment: latency 5.2× baseline (checkout, frontend affected)',
    );
  });
});

describe('IncidentEngine: correlation', () => {
  it.each([
    {
      name: 'same service 4 min later',
      second: sig('payment', 'errors', T0 + 4 * MIN),
      incidents: 1,
    },
    {
      name: 'same service 6 min later',
      second: sig('payment', 'errors', T0 + 6 * MIN),
      incidents: 2,
    },
    {
      name: 'a direct neighbour (callee → caller)',
      second: sig('checkout', 'errors', T0 + MIN),
      incidents: 1,
    },
    {
      name: 'a direct neighbour (caller → callee)',
      second: sig('shipping', 'errors', T0 + MIN),
      incidents: 2,
    },
    {
      name: 'two hops through an unaffected service',
      second: sig('frontend', 'errors', T0 + MIN),
      incidents: 2,
    },
    { name: 'an unconnected service', second: sig('warehouse', 'errors', T0 + MIN), incidents: 2 },
    { name: 'a service not in the map', second: sig('vm-7', 'saturation', T0 + MIN), incidents: 2 },
  ])('$name → $incidents incident(s)', ({ second, incidents }) => {
    // recovery 10 min so the first incident is still open however late the second comes.
    const e = engine({ recoveryMs: 10 * MIN });
    step(e, T0, [sig('payment', 'latency', T0)]);
    step(e, second.atMs, [second]);
    expect(e.list()).toHaveLength(incidents);
  });

  it('correlates through services that are themselves affected', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'latency', T0), sig('checkout', 'latency', T0 + 1)]);
    step(e, T0 + MIN, [sig('frontend', 'errors', T0 + MIN)]);
    step(e, T0 + MIN, [sig('catalog', 'traffic', T0 + MIN)]); // via frontend, affected now
    expect(e.list().map((i) => i.affectedServices)).toEqual([
      ['catalog', 'checkout', 'frontend', 'payment'],
    ]);
  });

  it('correlates services outside the map by service only', () => {
    const e = engine();
    step(e, T0, [
      sig('vm-7', 'saturation', T0, { id: 'a' }),
      sig('vm-8', 'saturation', T0, { id: 'b' }),
    ]);
    step(e, T0 + MIN, [sig('vm-7', 'latency', T0 + MIN, { id: 'c' })]);
    expect(e.list().map((i) => [i.affectedServices, i.signalCount])).toEqual([
      [['vm-8'], 1],
      [['vm-7'], 2],
    ]);
  });

  it('folds repeats of a signal id: one copy, latest lastAtMs and observation', () => {
    const e = engine();
    const first = sig('payment', 'errors', T0, { observed: 0.2, unit: 'ratio' });
    step(e, T0, [first, { ...first, lastAtMs: T0 + 5_000, observed: 0.25 }]);
    const changes = step(e, T0 + 20_000, [{ ...first, lastAtMs: T0 + 20_000, observed: 0.3 }]);
    expect(changes).toEqual([]); // a fold alone is not news
    const inc = e.list()[0] as Incident;
    expect(inc.signalCount).toBe(1);
    expect(inc.signals).toEqual([{ ...first, lastAtMs: T0 + 20_000, observed: 0.3 }]);
    expect(inc.lastSignalAtMs).toBe(T0 + 20_000);
    expect(inc.timeline.filter((t) => t.action === 'signal')).toEqual([]);
  });

  it('adds a joining signal to the timeline and reports the incident updated', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'latency', T0)]);
    const changes = step(e, T0 + 10_000, [sig('checkout', 'errors', T0 + 10_000)]);
    expect(kinds(changes)).toEqual(['updated inc-000001']);
    expect(changes[0]?.incident.timeline.map((t) => t.action)).toContain('signal');
  });

  it('merges two open incidents a new signal bridges, keeping the older id', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'latency', T0)]);
    step(e, T0 + 10_000, [sig('frontend', 'errors', T0 + 10_000)]);
    expect(e.list({ status: ['active'] })).toHaveLength(2);
    const changes = step(e, T0 + 20_000, [sig('checkout', 'errors', T0 + 20_000)]);
    expect(kinds(changes)).toEqual(['resolved inc-000002', 'updated inc-000001']);
    const kept = e.get('inc-000001') as Incident;
    expect(kept.status).toBe('active');
    expect(kept.signalCount).toBe(3);
    expect(kept.signals.map((s) => s.service)).toEqual(['payment', 'frontend', 'checkout']);
    expect(kept.firstDetectedMs).toBe(T0);
    expect(kept.timeline.find((t) => t.action === 'note')?.note).toMatch(/^merged inc-000002 /);
    const gone = e.get('inc-000002') as Incident;
    expect(gone.status).toBe('resolved');
    expect(gone.timeline.at(-1)).toMatchObject({
      action: 'resolved',
      by: 'opsight',
      note: 'merged into inc-000001',
    });
    // The merged incident's signals now belong to the kept one.
    step(e, T0 + 30_000, [sig('frontend', 'errors', T0 + 10_000, { lastAtMs: T0 + 30_000 })]);
    expect(e.get('inc-000001')?.signalCount).toBe(3);
    expect(e.get('inc-000001')?.lastSignalAtMs).toBe(T0 + 30_000);
  });

  it('turns 50 alerts of one fault across connected services into exactly one incident', () => {
    const rng = createRng(42);
    const e = engine();
    // The fault starts at payment and spreads upstream; every service fires 10 alerts
    // (different rules and endpoints), delivered over two minutes, re-fed while firing.
    const order = ['payment', 'checkout', 'shipping', 'frontend', 'catalog'];
    const alerts: Signal[] = [];
    order.forEach((service, k) => {
      for (let j = 0; j < 10; j++) {
        const atMs = T0 + k * 20_000 + Math.floor(rng.next() * 20_000);
        alerts.push(
          sig(service, (['latency', 'errors', 'timeout'] as const)[j % 3] ?? 'errors', atMs, {
            id: `alert:${service}-${j}`,
            endpoint: `/e${j}`,
          }),
        );
      }
    });
    const all: IncidentChange[] = [];
    for (let wm = T0; wm <= T0 + 2 * MIN; wm += 10_000) {
      const firing = alerts.filter((a) => a.atMs <= wm).map((a) => ({ ...a, lastAtMs: wm }));
      all.push(...step(e, wm, firing));
    }
    expect(e.list()).toHaveLength(1);
    const inc = e.list()[0] as Incident;
    expect(inc.signalCount).toBe(50);
    expect(inc.signals).toHaveLength(50);
    expect(inc.affectedServices).toEqual([...order].sort());
    expect(inc.rootCause?.service).toBe('payment');
    expect(all.filter((c) => c.kind === 'opened')).toHaveLength(1);
  });

  it('turns 50 alerts arriving in one batch in any order into one incident', () => {
    const rng = createRng(7);
    const services = ['payment', 'checkout', 'shipping', 'frontend', 'catalog'];
    const alerts = Array.from({ length: 50 }, (_, j) =>
      sig(
        services[Math.floor(rng.next() * services.length)] as string,
        'errors',
        T0 + Math.floor(rng.next() * 60_000),
        {
          id: `alert:${j}`,
        },
      ),
    );
    const e = engine();
    step(e, T0 + MIN, alerts);
    expect(e.list()).toHaveLength(1);
    expect(e.list()[0]?.signalCount).toBe(50);
  });

  it('correlates with services RCA found affected, not only signalled ones', () => {
    // RCA names shipping as affected (no signal there yet); a later shipping signal joins.
    const analyzer: RootCauseAnalyzer = (input) => ({
      ...fakeAnalyzer(input),
      affectedServices: ['payment', 'shipping'],
    });
    const e = new IncidentEngine(defaultIncidentOptions(), analyzer);
    step(e, T0, [sig('payment', 'errors', T0)]);
    step(e, T0 + 10_000, [sig('shipping', 'errors', T0 + 10_000)]);
    expect(e.list()).toHaveLength(1);
    expect(engineWith(fakeAnalyzer)).toHaveLength(2);
    function engineWith(a: RootCauseAnalyzer): Incident[] {
      const plain = new IncidentEngine(defaultIncidentOptions(), a);
      step(plain, T0, [sig('payment', 'errors', T0)]);
      step(plain, T0 + 10_000, [sig('shipping', 'errors', T0 + 10_000)]);
      return plain.list();
    }
  });

  it('bounds the timeline, dropping signal entries before lifecycle ones', () => {
    const e = engine({ maxTimelineEntries: 10 });
    step(e, T0, [sig('payment', 'errors', T0)]);
    e.acknowledge('inc-000001', 'ana', undefined, T0 + 1);
    for (let j = 0; j < 20; j++) {
      step(e, T0 + 2 + j, [sig('payment', 'errors', T0 + 2 + j, { id: `s${j}` })]);
    }
    const t = e.get('inc-000001')?.timeline ?? [];
    expect(t).toHaveLength(10);
    expect(t.map((x) => x.action).slice(0, 2)).toEqual(['opened', 'acknowledged']);
    expect(t.at(-1)?.note).toBe('payment errors');
    expect(e.get('inc-000001')?.signalCount).toBe(21);
  });

  it('gives the same incidents whatever order a batch arrives in', () => {
    const rng = createRng(3);
    const services = ['payment', 'checkout', 'warehouse', 'reports', 'vm-7', 'frontend'];
    const batch = Array.from({ length: 30 }, (_, j) =>
      sig(services[j % services.length] as string, 'errors', T0 + Math.floor(rng.next() * 30_000), {
        id: `a${j}`,
      }),
    );
    const run = (signals: Signal[]) => {
      const e = engine();
      step(e, T0 + 30_000, signals);
      return e.list();
    };
    const want = run(batch);
    expect(want.length).toBeGreaterThan(1);
    for (let k = 0; k < 5; k++) {
      const shuffled = [...batch];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as Signal, shuffled[i] as Signal];
      }
      expect(run(shuffled)).toEqual(want);
    }
  });

  it('keeps at most maxSignalsKept signals but counts them all', () => {
    const e = engine({ maxSignalsKept: 3 });
    step(
      e,
      T0,
      Array.from({ length: 5 }, (_, j) => sig('payment', 'errors', T0 + j, { id: `s${j}` })),
    );
    step(e, T0 + 10_000, [sig('payment', 'errors', T0 + 4, { id: 's4', lastAtMs: T0 + 10_000 })]);
    const inc = e.list()[0] as Incident;
    expect(inc.signals.map((s) => s.id)).toEqual(['s0', 's1', 's2']);
    expect(inc.signalCount).toBe(5);
    expect(inc.lastSignalAtMs).toBe(T0 + 10_000);
  });
});

describe('IncidentEngine: severity', () => {
  it.each<{ name: string; signals: Signal[]; stats?: EndpointStats[]; want: string }>([
    {
      name: 'error rate 60% → critical',
      signals: [sig('payment', 'errors', T0, { unit: 'ratio', observed: 0.6 })],
      want: 'critical',
    },
    {
      name: 'error rate 30% → high',
      signals: [sig('payment', 'errors', T0, { unit: 'ratio', observed: 0.3 })],
      want: 'high',
    },
    {
      name: 'latency 6× → high',
      signals: [sig('payment', 'latency', T0, { unit: 'ms', observed: 600, baseline: 100 })],
      want: 'high',
    },
    {
      name: 'latency 3× → medium',
      signals: [sig('payment', 'latency', T0, { unit: 'ms', observed: 300, baseline: 100 })],
      want: 'medium',
    },
    {
      name: 'only info alerts → low',
      signals: [sig('payment', 'traffic', T0, { alertSeverity: 'info' })],
      want: 'low',
    },
    {
      name: 'info and warning alerts → medium',
      signals: [
        sig('payment', 'traffic', T0, { alertSeverity: 'info' }),
        sig('payment', 'errors', T0, { alertSeverity: 'warning' }),
      ],
      want: 'medium',
    },
    {
      name: 'current stats of the signalled endpoint: 55% errors → critical',
      signals: [sig('payment', 'latency', T0, { endpoint: '/pay' })],
      stats: [stat('payment', '/pay', T0, { errorRate: 0.55, errorCount: 55 })],
      want: 'critical',
    },
    {
      name: 'stats of an endpoint no signal names do not count',
      signals: [sig('payment', 'latency', T0, { endpoint: '/pay' })],
      stats: [stat('payment', '/refund', T0, { errorRate: 0.55, errorCount: 55 })],
      want: 'medium',
    },
    {
      name: 'a service-level signal takes every endpoint of the service',
      signals: [sig('payment', 'latency', T0)],
      stats: [stat('payment', '/refund', T0, { avgLatencyMs: 300 })],
      want: 'high',
    },
    {
      name: 'too few requests are not trusted with a rate',
      signals: [sig('payment', 'latency', T0, { endpoint: '/pay' })],
      stats: [stat('payment', '/pay', T0, { requestCount: 2, errorCount: 2, errorRate: 1 })],
      want: 'medium',
    },
  ])('default rules: $name', ({ signals, stats, want }) => {
    const e = engine();
    const changes = step(e, T0, signals, stats ?? []);
    expect(changes[0]?.incident.severity).toBe(want);
  });

  it('uses configured rules, first match wins', () => {
    const e = engine({
      severityRules: [
        { severity: 'critical', when: { kinds: ['absence'] } },
        { severity: 'low', when: { errorRateAbove: 0.01, kinds: ['errors'] } },
      ],
    });
    step(e, T0, [
      sig('payment', 'absence', T0),
      sig('warehouse', 'errors', T0, { unit: 'ratio', observed: 0.9 }),
      sig('vm-7', 'saturation', T0),
    ]);
    expect(e.list().map((i) => [i.affectedServices[0], i.severity])).toEqual([
      ['warehouse', 'low'],
      ['vm-7', 'medium'],
      ['payment', 'critical'],
    ]);
  });

  it('escalates when the affected endpoints get worse, and never de-escalates', () => {
    const e = engine();
    const s = sig('payment', 'errors', T0, { endpoint: '/pay', unit: 'ratio', observed: 0.1 });
    expect(step(e, T0, [s])[0]?.incident.severity).toBe('medium');
    const up = step(e, T0 + 10_000, [{ ...s, lastAtMs: T0 + 10_000, observed: 0.3 }]);
    expect(up.map((c) => [c.kind, c.incident.severity, c.previousSeverity])).toEqual([
      ['escalated', 'high', 'medium'],
    ]);
    const crit = step(
      e,
      T0 + 20_000,
      [{ ...s, lastAtMs: T0 + 20_000 }],
      [stat('payment', '/pay', T0 + 20_000, { errorRate: 0.7, errorCount: 70 })],
    );
    expect(crit.map((c) => [c.kind, c.incident.severity, c.previousSeverity])).toEqual([
      ['escalated', 'critical', 'high'],
    ]);
    expect(step(e, T0 + 30_000, [{ ...s, lastAtMs: T0 + 30_000, observed: 0.1 }])).toEqual([]);
    const inc = e.get('inc-000001') as Incident;
    expect(inc.severity).toBe('critical');
    expect(inc.timeline.filter((t) => t.action === 'severity').map((t) => [t.from, t.to])).toEqual([
      ['medium', 'high'],
      ['high', 'critical'],
    ]);
  });
});

describe('IncidentEngine: lifecycle', () => {
  it('acknowledges and resolves with who, when, note and from/to', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0)]);
    const ack = e.acknowledge('inc-000001', 'ana', 'looking', T0 + 5_000);
    expect(ack.kind).toBe('acknowledged');
    expect(ack.incident).toMatchObject({ status: 'acknowledged', acknowledgedAtMs: T0 + 5_000 });
    expect(ack.incident.timeline.at(-1)).toEqual({
      atMs: T0 + 5_000,
      action: 'acknowledged',
      by: 'ana',
      note: 'looking',
      from: 'active',
      to: 'acknowledged',
    });
    // Acknowledging again only adds the note.
    const again = e.acknowledge('inc-000001', 'bo', 'me too', T0 + 6_000);
    expect(again.incident.timeline.at(-1)).toEqual({
      atMs: T0 + 6_000,
      action: 'note',
      by: 'bo',
      note: 'me too',
    });
    const res = e.resolve('inc-000001', 'ana', undefined, T0 + 7_000);
    expect(res.kind).toBe('resolved');
    expect(res.incident).toMatchObject({ status: 'resolved', resolvedAtMs: T0 + 7_000 });
    expect(res.incident.timeline.at(-1)).toEqual({
      atMs: T0 + 7_000,
      action: 'resolved',
      by: 'ana',
      from: 'acknowledged',
      to: 'resolved',
    });
  });

  it.each([
    {
      name: 'acknowledge a resolved incident',
      call: (e: IncidentEngine) => e.acknowledge('inc-000001', 'a', undefined, T0),
      code: 'INCIDENT_CONFLICT',
    },
    {
      name: 'resolve a resolved incident',
      call: (e: IncidentEngine) => e.resolve('inc-000001', 'a', undefined, T0),
      code: 'INCIDENT_CONFLICT',
    },
    {
      name: 'acknowledge an unknown incident',
      call: (e: IncidentEngine) => e.acknowledge('nope', 'a', undefined, T0),
      code: 'NOT_FOUND',
    },
    {
      name: 'resolve an unknown incident',
      call: (e: IncidentEngine) => e.resolve('nope', 'a', undefined, T0),
      code: 'NOT_FOUND',
    },
  ])('refuses to $name', ({ call, code }) => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0)]);
    e.resolve('inc-000001', 'a', undefined, T0);
    let caught: unknown;
    try {
      call(e);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OpsError);
    expect((caught as OpsError).code).toBe(code);
  });

  it('auto-resolves when no signal held for recoveryMs, also when acknowledged', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0)]);
    e.acknowledge('inc-000001', 'ana', undefined, T0 + 1_000);
    expect(step(e, T0 + 2 * MIN - 1)).toEqual([]);
    const changes = step(e, T0 + 2 * MIN);
    expect(kinds(changes)).toEqual(['resolved inc-000001']);
    expect(changes[0]?.incident.timeline.at(-1)).toEqual({
      atMs: T0 + 2 * MIN,
      action: 'auto_resolved',
      by: 'opsight',
      note: 'no signal for 120 s',
      from: 'acknowledged',
      to: 'resolved',
    });
  });

  it('reopens on a recurrence within reopenWithinMs, opens anew after it', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0, { id: 'first' })]);
    step(e, T0 + 2 * MIN); // auto-resolved at T0 + 2 min
    const back = step(e, T0 + 10 * MIN, [
      sig('payment', 'latency', T0 + 10 * MIN, { id: 'second' }),
    ]);
    expect(kinds(back)).toEqual(['reopened inc-000001']);
    expect(back[0]?.incident).toMatchObject({ status: 'active', reopenCount: 1 });
    expect(back[0]?.incident).not.toHaveProperty('resolvedAtMs');
    expect(back[0]?.incident.timeline.find((t) => t.action === 'reopened')).toEqual({
      atMs: T0 + 10 * MIN,
      action: 'reopened',
      by: 'opsight',
      note: 'payment latency',
      from: 'resolved',
      to: 'active',
    });
    // The same signal id recurring reopens too.
    step(e, T0 + 12 * MIN); // auto-resolved again at T0 + 12 min
    const same = step(e, T0 + 20 * MIN, [sig('payment', 'errors', T0 + 20 * MIN, { id: 'first' })]);
    expect(kinds(same)).toEqual(['reopened inc-000001']);
    expect(same[0]?.incident.reopenCount).toBe(2);
    step(e, T0 + 22 * MIN);
    // 31 minutes after the last resolve: a new incident.
    const late = step(e, T0 + 53 * MIN, [sig('payment', 'errors', T0 + 53 * MIN, { id: 'first' })]);
    expect(kinds(late)).toEqual(['opened inc-000002']);
  });

  it('allows resolving by hand while signals still hold; only a later recurrence reopens', () => {
    const e = engine();
    const a = sig('payment', 'errors', T0);
    step(e, T0, [a]);
    e.resolve('inc-000001', 'ana', 'deploy rolled back', T0 + 10_000);
    // The alert keeps firing (same occurrence, began before the resolve): nothing happens.
    expect(step(e, T0 + 20_000, [{ ...a, lastAtMs: T0 + 20_000 }])).toEqual([]);
    expect(e.get('inc-000001')?.status).toBe('resolved');
    // It resolves and fires again: a recurrence.
    const again = step(e, T0 + 5 * MIN, [{ ...a, atMs: T0 + 5 * MIN, lastAtMs: T0 + 5 * MIN }]);
    expect(kinds(again)).toEqual(['reopened inc-000001']);
    expect(again[0]?.incident.signals).toHaveLength(1);
    expect(again[0]?.incident.timeline.map((t) => t.action)).toEqual([
      'opened',
      'root_cause',
      'resolved',
      'reopened',
    ]);
  });

  it('judges a reopened incident afresh', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0, { unit: 'ratio', observed: 0.8 })]);
    step(e, T0 + 2 * MIN);
    const back = step(e, T0 + 5 * MIN, [sig('payment', 'latency', T0 + 5 * MIN)]);
    expect(back.map((c) => [c.kind, c.incident.severity])).toEqual([['reopened', 'critical']]);
    // The old errors signal is still among its signals (80% errors): still critical.
    const e2 = engine();
    step(e2, T0, [sig('payment', 'latency', T0, { unit: 'ms', observed: 900, baseline: 100 })]);
    expect(e2.get('inc-000001')?.severity).toBe('high');
    step(e2, T0 + 2 * MIN);
    const again = step(e2, T0 + 5 * MIN, [
      sig('payment', 'latency', T0 + 5 * MIN, { unit: 'ms', observed: 200, baseline: 100 }),
    ]);
    // Same signal id, now 2×: medium.
    expect(again.map((c) => [c.kind, c.incident.severity])).toEqual([['reopened', 'medium']]);
    expect(again[0]?.incident.timeline.at(-1)).toMatchObject({
      action: 'severity',
      from: 'high',
      to: 'medium',
    });
  });

  it('does not reopen an incident that was merged into another', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'latency', T0)]);
    step(e, T0, [sig('frontend', 'errors', T0)]);
    step(e, T0, [sig('checkout', 'errors', T0)]); // merges inc-000002 into inc-000001
    step(e, T0 + 2 * MIN); // inc-000001 auto-resolves
    const back = step(e, T0 + 5 * MIN, [sig('frontend', 'errors', T0 + 5 * MIN, { id: 'new' })]);
    expect(kinds(back)).toEqual(['reopened inc-000001']);
  });

  it('reruns RCA every rcaIntervalMs while open, and records a new root cause', () => {
    const e = engine();
    step(e, T0, [sig('checkout', 'latency', T0)]);
    expect(fakeAnalyzer.calls).toHaveLength(1);
    step(e, T0 + 30_000, [sig('checkout', 'latency', T0, { lastAtMs: T0 + 30_000 })]);
    expect(fakeAnalyzer.calls).toHaveLength(1);
    step(e, T0 + MIN, [sig('checkout', 'latency', T0, { lastAtMs: T0 + MIN })]);
    expect(fakeAnalyzer.calls).toHaveLength(2);
    // checkout still holds, and a deeper signal joins: the root cause moves.
    const changes = step(e, T0 + MIN + 10_000, [
      sig('checkout', 'latency', T0, { lastAtMs: T0 + MIN + 10_000 }),
      sig('payment', 'errors', T0 + MIN),
    ]);
    expect(fakeAnalyzer.calls).toHaveLength(3);
    const inc = changes[0]?.incident as Incident;
    expect(inc.rootCause?.service).toBe('payment');
    expect(inc.title).toBe('payment: errors (checkout affected)');
    expect(
      inc.timeline.filter((t) => t.action === 'root_cause').map((t) => [t.from, t.to]),
    ).toEqual([
      [undefined, 'checkout latency'],
      ['checkout latency', 'payment errors'],
    ]);
  });

  it('keeps the diagnosis made during the fault once its signals stop holding', () => {
    const e = engine({ recoveryMs: 10 * MIN });
    step(e, T0, [sig('checkout', 'latency', T0)]);
    step(e, T0 + MIN, [sig('checkout', 'latency', T0, { lastAtMs: T0 + MIN })]);
    expect(fakeAnalyzer.calls).toHaveLength(2);
    // Nothing holds any more: no reruns while it waits to auto-resolve.
    for (let k = 2; k <= 8; k++) step(e, T0 + k * MIN);
    expect(fakeAnalyzer.calls).toHaveLength(2);
    expect(e.get('inc-000001')?.analyzedAtMs).toBe(T0 + MIN);
  });

  it('after the fault at the root cause is over, only a more confident analysis replaces it', () => {
    const answers: { service: string; confidence: number }[] = [];
    const analyzer: RootCauseAnalyzer = (input) => {
      const a = answers.shift() ?? { service: 'payment', confidence: 0.5 };
      return {
        ...fakeAnalyzer(input),
        rootCause: {
          service: a.service,
          kind: 'errors',
          confidence: a.confidence,
          description: a.service,
        },
        candidates: [],
        sampleTraces: [a.service],
      };
    };
    const e = new IncidentEngine({ ...defaultIncidentOptions(), recoveryMs: 10 * MIN }, analyzer);
    answers.push({ service: 'payment', confidence: 0.7 });
    step(e, T0, [sig('payment', 'errors', T0), sig('checkout', 'errors', T0)]);
    // payment's fault ends; checkout's signal keeps holding, a rerun says shipping, weaker.
    answers.push({ service: 'shipping', confidence: 0.4 });
    step(e, T0 + MIN, [sig('checkout', 'errors', T0, { lastAtMs: T0 + MIN })]);
    expect(e.get('inc-000001')?.rootCause?.service).toBe('payment');
    expect(e.get('inc-000001')?.sampleTraces).toEqual(['payment']);
    // A more confident answer does replace it.
    answers.push({ service: 'checkout', confidence: 0.9 });
    step(e, T0 + 2 * MIN, [sig('checkout', 'errors', T0, { lastAtMs: T0 + 2 * MIN })]);
    expect(e.get('inc-000001')?.rootCause?.service).toBe('checkout');
    // While the root cause's own fault is live, newer evidence wins even if less confident.
    answers.push({ service: 'payment', confidence: 0.3 });
    step(e, T0 + 3 * MIN, [sig('checkout', 'errors', T0, { lastAtMs: T0 + 3 * MIN })]);
    expect(e.get('inc-000001')?.rootCause?.service).toBe('payment');
  });

  it('after the fault is over, a more confident answer naming a service without a live signal does not replace it', () => {
    const answers: { service: string; confidence: number }[] = [];
    const analyzer: RootCauseAnalyzer = (input) => {
      const a = answers.shift() ?? { service: 'payment', confidence: 0.5 };
      return {
        ...fakeAnalyzer(input),
        rootCause: {
          service: a.service,
          kind: 'latency',
          confidence: a.confidence,
          description: a.service,
        },
        candidates: [],
        sampleTraces: [a.service],
      };
    };
    const e = new IncidentEngine({ ...defaultIncidentOptions(), recoveryMs: 10 * MIN }, analyzer);
    answers.push({ service: 'payment', confidence: 0.5 });
    step(e, T0, [sig('payment', 'errors', T0), sig('checkout', 'errors', T0)]);
    // payment's fault is over; checkout still holds. After recovery the spans are healthy and an
    // analysis names users (no signal at all) with more confidence: noise, not a new fault.
    answers.push({ service: 'users', confidence: 0.9 });
    step(e, T0 + MIN, [sig('checkout', 'errors', T0, { lastAtMs: T0 + MIN })]);
    expect(e.get('inc-000001')?.rootCause?.service).toBe('payment');
    // Nor does a service whose signals stopped holding long ago.
    answers.push({ service: 'checkout', confidence: 0.9 });
    step(e, T0 + 3 * MIN, [sig('shipping', 'errors', T0 + 3 * MIN)]);
    expect(e.get('inc-000001')?.rootCause?.service).toBe('payment');
  });

  it('keeps correlating when the analyzer throws, and says so in the timeline once', () => {
    const e = new IncidentEngine(defaultIncidentOptions(), () => {
      throw new Error('boom');
    });
    step(e, T0, [sig('payment', 'errors', T0)]);
    step(e, T0 + 10_000, [sig('checkout', 'errors', T0 + 10_000)]);
    const inc = e.list()[0] as Incident;
    expect(inc.signalCount).toBe(2);
    expect(inc.title).toBe('payment: errors (checkout affected)');
    expect(inc.timeline.filter((t) => t.note === 'root-cause analysis failed: boom')).toHaveLength(
      1,
    );
  });

  it('lists newest first with status, severity, time and limit filters', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0, { unit: 'ratio', observed: 0.9 })]);
    step(e, T0 + MIN, [sig('warehouse', 'errors', T0 + MIN)]);
    step(e, T0 + 2 * MIN, [sig('vm-7', 'saturation', T0 + 2 * MIN)]); // payment auto-resolves
    const ids = (l: Incident[]) => l.map((i) => i.id);
    expect(ids(e.list())).toEqual(['inc-000003', 'inc-000002', 'inc-000001']);
    expect(ids(e.list({ status: ['resolved'] }))).toEqual(['inc-000001']);
    expect(ids(e.list({ severity: ['critical'] }))).toEqual(['inc-000001']);
    expect(ids(e.list({ limit: 2 }))).toEqual(['inc-000003', 'inc-000002']);
    expect(ids(e.list({ toMs: T0 + MIN - 1 }))).toEqual(['inc-000001']);
    expect(ids(e.list({ fromMs: T0 + 2 * MIN + 1 }))).toEqual(['inc-000003', 'inc-000002']);
  });
});

describe('IncidentEngine: endpoint checks', () => {
  it('turns a hung payment service into one incident: absence there, timeouts upstream', () => {
    const e = engine();
    const base = (n: number) => [
      stat('payment', '/payment', T0 + n * 10_000),
      stat('checkout', '/checkout', T0 + n * 10_000),
    ];
    for (let n = 1; n <= 10; n++) expect(e.advance(inputs(T0 + n * 10_000, base(n)))).toEqual([]);
    // payment hangs: no payment stats; checkout's calls time out with 504s.
    const all: IncidentChange[] = [];
    for (let n = 11; n <= 16; n++) {
      const checkout = stat('checkout', '/checkout', T0 + n * 10_000, {
        errorCount: 60,
        errorRate: 0.6,
        avgLatencyMs: 5_000,
        p95Ms: 5_000,
        statusDistribution: { '200': 40, '504': 60 },
      });
      all.push(...e.advance(inputs(T0 + n * 10_000, [checkout])));
    }
    expect(e.list()).toHaveLength(1);
    const inc = e.list()[0] as Incident;
    expect(inc.signals.map((s) => s.id).sort()).toEqual([
      'endpoint:checkout:/checkout:errors',
      'endpoint:checkout:/checkout:latency',
      'endpoint:checkout:/checkout:timeout',
      'endpoint:payment:/payment:absence',
    ]);
    expect(inc.severity).toBe('critical');
    expect(inc.rootCause?.service).toBe('payment');
    expect(inc.title).toBe('payment /payment: stopped reporting requests (checkout affected)');
    // It recovers: traffic back, calm windows; auto-resolved two minutes after the last hold.
    let resolvedAt = 0;
    for (let n = 17; n <= 40 && resolvedAt === 0; n++) {
      const ch = e.advance(inputs(T0 + n * 10_000, base(n)));
      if (ch.some((c) => c.kind === 'resolved')) resolvedAt = n;
    }
    expect(e.list()[0]?.status).toBe('resolved');
    expect(resolvedAt).toBeGreaterThan(17);
  });
});

describe('IncidentEngine: restore', () => {
  /** A scenario in steps: signals and stats per watermark. */
  function scenario(): { wm: number; signals: Signal[]; stats: EndpointStats[] }[] {
    const steps: { wm: number; signals: Signal[]; stats: EndpointStats[] }[] = [];
    for (let n = 1; n <= 40; n++) {
      const wm = T0 + n * 10_000;
      const signals: Signal[] = [];
      if (n >= 12 && n <= 20)
        signals.push(sig('payment', 'errors', T0 + 120_000, { lastAtMs: wm }));
      if (n >= 14 && n <= 18)
        signals.push(sig('checkout', 'latency', T0 + 140_000, { lastAtMs: wm }));
      if (n >= 15 && n <= 16)
        signals.push(sig('frontend', 'errors', T0 + 150_000, { lastAtMs: wm }));
      if (n === 36) signals.push(sig('payment', 'errors', wm, { id: 'again' }));
      const bad = n >= 12 && n <= 22;
      const stats = [
        stat('payment', '/payment', wm, bad ? { errorCount: 40, errorRate: 0.4 } : {}),
        stat('checkout', '/checkout', wm),
      ];
      steps.push({ wm, signals, stats });
    }
    return steps;
  }

  function run(e: IncidentEngine, steps: ReturnType<typeof scenario>): IncidentChange[] {
    const out: IncidentChange[] = [];
    for (const s of steps) out.push(...step(e, s.wm, s.signals, s.stats));
    return out;
  }

  it.each([13, 15, 17, 25, 30])(
    'continues after a JSON round trip at step %i exactly as without a restart',
    (cut) => {
      const steps = scenario();
      const straight = engine();
      const expected = run(straight, steps);
      expect(expected.map((c) => c.kind)).toContain('reopened');

      const before = engine();
      const head = run(before, steps.slice(0, cut));
      const saved = JSON.parse(
        JSON.stringify({ incidents: before.list(), detector: before.detectorState() }),
      );
      const after = engine();
      after.restore(saved.incidents, saved.detector);
      const tail = run(after, steps.slice(cut));
      expect([...head, ...tail]).toEqual(expected);
      expect(after.list()).toEqual(straight.list());
    },
  );

  it('continues ids after a restore', () => {
    const e = engine();
    step(e, T0, [sig('payment', 'errors', T0)]);
    const r = engine();
    r.restore(e.list());
    step(r, T0 + MIN, [sig('warehouse', 'errors', T0 + MIN)]);
    expect(r.list().map((i) => i.id)).toEqual(['inc-000002', 'inc-000001']);
  });
});
