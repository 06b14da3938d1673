import { describe, expect, it } from 'vitest';
import {
  type Anomaly,
  type EndpointStats,
  type Incident,
  type IncidentQuery,
  OpsError,
  type ServiceMap,
  type Signal,
  type Span,
  VirtualClock,
} from '../contract/index.ts';
import type { EndpointDetectorState } from '../incidents/index.ts';
import { checkNotification, type Notification } from '../notify/index.ts';
import { MemoryStateStore, type StateStore } from '../store/index.ts';
import type { AlertView } from './alerting-runtime.ts';
import { notificationFromIncidentChange } from './incident-notifications.ts';
import {
  INCIDENT_RUNTIME_COLLECTION,
  INCIDENT_TIMELINE_LOG,
  INCIDENTS_COLLECTION,
  type IncidentAdvanceInput,
  type IncidentChange,
  type IncidentEnginePort,
  IncidentRuntime,
  type IncidentRuntimeOptions,
  type TraceAnalyticsPort,
  type TraceWindow,
} from './incident-runtime.ts';

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const EMPTY_MAP: ServiceMap = { fromMs: 0, toMs: 0, nodes: [], edges: [] };

function incident(id: string, atMs: number, over: Partial<Incident> = {}): Incident {
  return {
    id,
    title: `payment latency (${id})`,
    status: 'active',
    severity: 'high',
    firstDetectedMs: atMs,
    openedAtMs: atMs,
    updatedAtMs: atMs,
    lastSignalAtMs: atMs,
    rootCause: {
      service: 'payment',
      endpoint: '/pay',
      kind: 'latency',
      confidence: 0.8,
      description: 'payment /pay p95 900 ms, normally 40 ms',
    },
    candidates: [],
    affectedServices: ['checkout', 'payment'],
    affectedEndpoints: ['checkout /checkout', 'payment /pay'],
    impact: { services: ['checkout', 'payment'], endpoints: [], requests: 100, failedRequests: 7 },
    signals: [],
    signalCount: 1,
    totalTraces: 100,
    sampleTraces: [],
    timeline: [{ atMs, action: 'opened', by: 'opsight' }],
    reopenCount: 0,
    ...over,
  };
}

/**
 * A small stand-in for the incident engine: pending signals open (or update) one incident per
 * step; an incident without a signal for 60 s of event time resolves.
 */
class FakeEngine implements IncidentEnginePort {
  readonly incidents = new Map<string, Incident>();
  readonly added: Signal[] = [];
  readonly steps: { watermarkMs: number; spans: readonly Span[] }[] = [];
  #pending: Signal[] = [];
  #next = 1;

  restoredDetector: unknown;
  lastStepMs = 0;
  restore(incidents: readonly Incident[], detector?: EndpointDetectorState): void {
    for (const i of incidents) this.incidents.set(i.id, i);
    this.#next = incidents.length + 1;
    this.restoredDetector = detector;
  }
  detectorState(): EndpointDetectorState {
    return { learnedUpToMs: this.lastStepMs } as unknown as EndpointDetectorState;
  }
  addSignals(signals: readonly Signal[]): void {
    this.added.push(...signals);
    this.#pending.push(...signals);
  }
  advance(input: IncidentAdvanceInput): IncidentChange[] {
    const w = input.watermarkMs;
    this.lastStepMs = w;
    this.steps.push({ watermarkMs: w, spans: input.spans(w - 60_000, w, ['payment']) });
    const changes: IncidentChange[] = [];
    const open = [...this.incidents.values()].find((i) => i.status !== 'resolved');
    if (this.#pending.length > 0) {
      const last = Math.max(...this.#pending.map((s) => s.lastAtMs));
      this.#pending = [];
      if (open === undefined) {
        const inc = incident(`inc-${this.#next++}`, w);
        this.incidents.set(inc.id, inc);
        changes.push({ kind: 'opened', incident: inc });
      } else {
        const inc = {
          ...open,
          lastSignalAtMs: last,
          updatedAtMs: w,
          signalCount: open.signalCount + 1,
        };
        this.incidents.set(inc.id, inc);
        changes.push({ kind: 'updated', incident: inc });
      }
    } else if (open !== undefined && w - open.lastSignalAtMs >= 60_000) {
      const inc: Incident = { ...open, status: 'resolved', resolvedAtMs: w, updatedAtMs: w };
      this.incidents.set(inc.id, inc);
      changes.push({ kind: 'resolved', incident: inc });
    }
    return changes;
  }
  acknowledge(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    const i = this.incidents.get(id);
    if (i === undefined) throw new Error('unknown');
    const inc: Incident = {
      ...i,
      status: 'acknowledged',
      acknowledgedAtMs: atMs,
      updatedAtMs: atMs,
      timeline: [...i.timeline, { atMs, action: 'acknowledged', by, ...(note ? { note } : {}) }],
    };
    this.incidents.set(id, inc);
    return { kind: 'acknowledged', incident: inc };
  }
  resolve(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    const i = this.incidents.get(id);
    if (i === undefined) throw new Error('unknown');
    const inc: Incident = {
      ...i,
      status: 'resolved',
      resolvedAtMs: atMs,
      updatedAtMs: atMs,
      timeline: [...i.timeline, { atMs, action: 'resolved', by, ...(note ? { note } : {}) }],
    };
    this.incidents.set(id, inc);
    return { kind: 'resolved', incident: inc };
  }
  get(id: string): Incident | undefined {
    return this.incidents.get(id);
  }
  list(q: IncidentQuery): Incident[] {
    return [...this.incidents.values()].filter(
      (i) => q.status === undefined || q.status.includes(i.status),
    );
  }
}

class FakeTraces implements TraceAnalyticsPort {
  readonly options = { bucketMs: 10_000, statsWindowMs: 60_000, mapWindowMs: 300_000 };
  readonly listeners = new Set<(w: TraceWindow) => void>();
  readonly spanQueries: {
    fromMs: number;
    toMs: number;
    services?: readonly string[];
    limit?: number;
  }[] = [];
  watermark: number | undefined;
  flushes = 0;
  onWindow(l: (w: TraceWindow) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  endpointStats(): EndpointStats[] {
    return [];
  }
  serviceMap(): ServiceMap {
    return EMPTY_MAP;
  }
  recentSpans(
    fromMs: number,
    toMs: number,
    o: { services?: readonly string[]; limit?: number },
  ): Span[] {
    this.spanQueries.push({ fromMs, toMs, ...o });
    return [];
  }
  watermarkMs(): number | undefined {
    return this.watermark;
  }
  flush(): void {
    this.flushes += 1;
    if (this.watermark !== undefined) this.window(this.watermark);
  }
  window(watermarkMs: number): void {
    this.watermark = watermarkMs;
    for (const l of this.listeners) l({ watermarkMs, stats: [], map: EMPTY_MAP });
  }
}

class FakeDetection {
  readonly listeners = new Set<(a: Anomaly) => void>();
  onAnomaly(l: (a: Anomaly) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(a: Anomaly): void {
    for (const l of this.listeners) l(a);
  }
}

class FakeAlerts {
  readonly listeners = new Set<(a: readonly AlertView[]) => void>();
  onAlerts(l: (a: readonly AlertView[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(a: readonly AlertView[]): void {
    for (const l of this.listeners) l(a);
  }
}

function anomaly(timestampMs: number): Anomaly {
  return {
    metric: 'latency_ms',
    labels: { service: 'payment' },
    timestampMs,
    value: 900,
    score: 0.9,
    expected: 40,
    lower: 20,
    upper: 60,
    deviation: 860,
    detector: 'ewma',
    reason: 'latency_ms 900 is far above 40',
  };
}

function signalOf(id: string, atMs: number): Signal {
  return {
    id,
    source: 'anomaly',
    service: 'payment',
    kind: 'latency',
    atMs,
    lastAtMs: atMs,
    observed: 900,
    baseline: 40,
    unit: 'ms',
    description: 'slow',
  };
}

function alertView(id: string, over: Partial<AlertView> = {}): AlertView {
  return {
    id,
    ruleName: 'HighLatency',
    labels: { service: 'payment', alertname: 'HighLatency', severity: 'critical' },
    annotations: {},
    state: 'firing',
    severity: 'critical',
    activeAtMs: T0,
    lastActiveAtMs: T0,
    silenced: false,
    inhibited: false,
    silencedBy: [],
    inhibitedBy: [],
    ...over,
  };
}

interface Harness {
  rt: IncidentRuntime;
  engine: FakeEngine;
  traces: FakeTraces;
  detection: FakeDetection;
  alerts: FakeAlerts;
  state: StateStore;
  clock: VirtualClock;
  sent: Notification[];
}

async function harness(
  opts: { state?: StateStore; engine?: FakeEngine; options?: Partial<IncidentRuntimeOptions> } = {},
): Promise<Harness> {
  const engine = opts.engine ?? new FakeEngine();
  const traces = new FakeTraces();
  const detection = new FakeDetection();
  const alerts = new FakeAlerts();
  const state = opts.state ?? new MemoryStateStore();
  const clock = new VirtualClock(T0 + 3_600_000);
  const sent: Notification[] = [];
  const rt = await IncidentRuntime.open(
    {
      state,
      clock,
      engine,
      traceAnalytics: traces,
      signals: {
        fromAnomaly: (a) => signalOf(`anomaly:${a.metric}`, a.timestampMs),
        fromAlert: (a) => ({ ...signalOf(`alert:${a.id}`, a.activeAtMs), source: 'alert' }),
      },
      detection,
      alerting: alerts,
      notifier: {
        notify: async (n) => {
          sent.push(n);
        },
      },
    },
    { idleAdvanceMs: 0, ...opts.options },
  );
  return { rt, engine, traces, detection, alerts, state, clock, sent };
}

describe('IncidentRuntime', () => {
  it('opens an incident on a window, stores it, notifies and tells listeners', async () => {
    const h = await harness();
    const changes: IncidentChange[] = [];
    h.rt.onChange((c) => changes.push(c));
    h.detection.emit(anomaly(T0));
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    expect(changes.map((c) => c.kind)).toEqual(['opened']);
    const id = changes[0]?.incident.id ?? '';
    const stored = await h.state.collection<Incident>(INCIDENTS_COLLECTION).get(id);
    expect(stored?.status).toBe('active');
    const log = await h.state
      .log<{ incidentId: string; kind: string }>(INCIDENT_TIMELINE_LOG)
      .read();
    expect(log.map((e) => [e.record.incidentId, e.record.kind])).toEqual([[id, 'opened']]);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({
      kind: 'opened',
      url: `/incidents/${id}`,
      dedupKey: `inc-${id}`,
    });
    // A plain update is stored but does not notify.
    h.detection.emit(anomaly(T0 + 5_000));
    h.traces.window(T0 + 20_000);
    await h.rt.idle();
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'updated']);
    expect(h.sent).toHaveLength(1);
    // Quiet for 60 s of event time: resolved, notified.
    h.traces.window(T0 + 90_000);
    await h.rt.idle();
    expect(h.sent.map((n) => n.kind)).toEqual(['opened', 'resolved']);
    expect(h.sent[1]?.endsAt).toBe(new Date(T0 + 90_000).toISOString());
    await h.rt.close();
  });

  it('stores a change before it is announced', async () => {
    const inner = new MemoryStateStore();
    const events: string[] = [];
    const state: StateStore = {
      collection<T>(name: string) {
        const c = inner.collection<T>(name);
        return {
          ...c,
          put: async (id: string, doc: T) => {
            await c.put(id, doc);
            events.push(`stored ${id}`);
          },
          get: (id: string) => c.get(id),
          list: () => c.list(),
          delete: (id: string) => c.delete(id),
        };
      },
      log: (name) => inner.log(name),
      close: () => inner.close(),
    };
    const h = await harness({ state });
    h.rt.onChange((c) => events.push(`announced ${c.incident.id}`));
    h.detection.emit(anomaly(T0));
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    expect(events.filter((e) => e !== 'stored detector')).toEqual([
      'stored inc-1',
      'announced inc-1',
    ]);
    await h.rt.close();
  });

  it('restores persisted incidents into a new engine after a restart', async () => {
    const state = new MemoryStateStore();
    const a = await harness({ state });
    a.detection.emit(anomaly(T0));
    a.traces.window(T0 + 10_000);
    await a.rt.idle();
    await a.rt.acknowledge('inc-1', 'ana', 'looking');
    await a.rt.close();

    const b = await harness({ state });
    const inc = await b.rt.get('inc-1');
    expect(inc.status).toBe('acknowledged');
    expect(inc.timeline.map((e) => e.action)).toEqual(['opened', 'acknowledged']);
    // Before any new telemetry the restored watermark stamps manual actions.
    const resolved = await b.rt.resolve('inc-1', 'ana', 'fixed');
    expect(resolved.resolvedAtMs).toBe(T0 + 10_000);
    await b.rt.close();
  });

  it('saves the engine detector state (at most once a minute of event time) and restores it', async () => {
    const state = new MemoryStateStore();
    const a = await harness({ state });
    a.traces.window(T0);
    a.traces.window(T0 + 10_000);
    await a.rt.idle();
    const doc = () =>
      state.collection<{ learnedUpToMs: number }>(INCIDENT_RUNTIME_COLLECTION).get('detector');
    expect((await doc())?.learnedUpToMs).toBe(T0);
    a.traces.window(T0 + 60_000);
    await a.rt.idle();
    expect((await doc())?.learnedUpToMs).toBe(T0 + 60_000);
    a.traces.window(T0 + 70_000);
    await a.rt.close();
    // Closing saves the latest.
    expect((await doc())?.learnedUpToMs).toBe(T0 + 70_000);
    const b = await harness({ state });
    expect(b.engine.restoredDetector).toEqual({ learnedUpToMs: T0 + 70_000 });
    await b.rt.close();
  });

  it('holds a signal from later in event time until the watermark reaches it', async () => {
    const h = await harness();
    h.traces.window(T0);
    await h.rt.idle();
    h.detection.emit(anomaly(T0 + 30_000));
    expect(h.engine.added).toHaveLength(0);
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    expect(h.engine.added).toHaveLength(0);
    h.traces.window(T0 + 30_000);
    await h.rt.idle();
    expect(h.engine.added).toHaveLength(1);
    expect(h.rt.list().map((i) => i.id)).toEqual(['inc-1']);
    await h.rt.close();
  });

  it('gives the same incidents whatever the arrival order within a step (replay speed)', async () => {
    // Slow replay: the anomaly arrives once its window is reached. Fast replay: it arrives
    // early, before the windows before it closed. Both must open the incident at T0 + 30 s.
    const slow = await harness();
    for (const w of [T0, T0 + 10_000, T0 + 20_000]) slow.traces.window(w);
    await slow.rt.idle();
    slow.detection.emit(anomaly(T0 + 25_000));
    slow.traces.window(T0 + 30_000);
    await slow.rt.idle();

    const fast = await harness();
    fast.traces.window(T0);
    await fast.rt.idle();
    fast.detection.emit(anomaly(T0 + 25_000));
    for (const w of [T0 + 10_000, T0 + 20_000, T0 + 30_000]) fast.traces.window(w);
    await fast.rt.idle();

    expect(fast.rt.list()).toEqual(slow.rt.list());
    expect(fast.rt.list()[0]?.openedAtMs).toBe(T0 + 30_000);
    await slow.rt.close();
    await fast.rt.close();
  });

  it('never moves the watermark back and reads spans of the step window', async () => {
    const h = await harness({ options: { maxSpans: 123 } });
    h.traces.window(T0 + 20_000);
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    expect(h.engine.steps.map((s) => s.watermarkMs)).toEqual([T0 + 20_000, T0 + 20_000]);
    expect(h.traces.spanQueries[0]).toEqual({
      fromMs: T0 - 40_000,
      toMs: T0 + 20_000,
      services: ['payment'],
      limit: 123,
    });
    expect(h.rt.watermarkMs()).toBe(T0 + 20_000);
    await h.rt.close();
  });

  it('maps only firing, unmuted alerts to signals', async () => {
    const h = await harness();
    h.alerts.emit([
      alertView('a1'),
      alertView('a2', { state: 'pending' }),
      alertView('a3', { silenced: true, silencedBy: ['s1'] }),
      alertView('a4', { inhibited: true, inhibitedBy: ['x'] }),
    ]);
    expect(h.engine.added.map((s) => s.id)).toEqual(['alert:a1']);
    await h.rt.close();
  });

  it('acknowledge and resolve: NOT_FOUND, INCIDENT_CONFLICT, watermark stamps', async () => {
    const h = await harness();
    await expect(h.rt.acknowledge('nope', 'ana')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.rt.resolve('nope', 'ana')).rejects.toBeInstanceOf(OpsError);
    h.detection.emit(anomaly(T0));
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    h.traces.watermark = T0 + 15_000;
    const acked = await h.rt.acknowledge('inc-1', 'ana', 'on it');
    expect(acked.acknowledgedAtMs).toBe(T0 + 15_000);
    const resolved = await h.rt.resolve('inc-1', 'ben');
    expect(resolved.status).toBe('resolved');
    await expect(h.rt.acknowledge('inc-1', 'ana')).rejects.toMatchObject({
      code: 'INCIDENT_CONFLICT',
    });
    // Resolving again changes nothing.
    expect((await h.rt.resolve('inc-1', 'ben')).timeline).toHaveLength(3);
    await h.rt.idle();
    // Manual resolve notifies; acknowledge does not.
    expect(h.sent.map((n) => n.kind)).toEqual(['opened', 'resolved']);
    const stored = await h.state.collection<Incident>(INCIDENTS_COLLECTION).get('inc-1');
    expect(stored?.timeline.map((e) => [e.action, e.by])).toEqual([
      ['opened', 'opsight'],
      ['acknowledged', 'ana'],
      ['resolved', 'ben'],
    ]);
    await h.rt.close();
  });

  it('stamps a manual action with the wall clock when no data ever arrived', async () => {
    const engine = new FakeEngine();
    engine.restore([]);
    const h = await harness({ engine });
    engine.incidents.set('x', incident('x', T0));
    const acked = await h.rt.acknowledge('x', 'ana');
    expect(acked.acknowledgedAtMs).toBe(h.clock.nowMs());
    await h.rt.close();
  });

  it('analyzeNow flushes trace analytics and returns the open incidents', async () => {
    const h = await harness();
    h.detection.emit(anomaly(T0));
    h.traces.watermark = T0 + 5_000;
    const open = await h.rt.analyzeNow();
    expect(h.traces.flushes).toBe(1);
    expect(open.map((i) => i.id)).toEqual(['inc-1']);
    await h.rt.close();
  });

  it('advances on signals alone when no trace window closes (idle tick)', async () => {
    const h = await harness();
    h.detection.emit(anomaly(T0));
    await h.rt.idleTick();
    expect(h.engine.steps.map((s) => s.watermarkMs)).toEqual([T0]);
    expect(h.rt.list()).toHaveLength(1);
    // A window in the meantime: the idle tick leaves the step to the windows.
    h.traces.window(T0 + 10_000);
    await h.rt.idle();
    h.detection.emit(anomaly(T0 + 11_000));
    await h.rt.idleTick();
    expect(h.engine.steps).toHaveLength(2);
    await h.rt.close();
  });

  it('stops listening when closed', async () => {
    const h = await harness();
    await h.rt.close();
    h.detection.emit(anomaly(T0));
    h.traces.window(T0 + 10_000);
    expect(h.engine.added).toHaveLength(0);
    expect(h.engine.steps).toHaveLength(0);
  });
});

describe('notificationFromIncidentChange', () => {
  it('renders opened, escalated, resolved and reopened as valid notifications', () => {
    const inc = incident('inc-7', T0);
    const opened = notificationFromIncidentChange({ kind: 'opened', incident: inc });
    expect(opened).toBeDefined();
    expect(checkNotification(opened)).toEqual([]);
    expect(opened?.summary).toContain('Root cause: payment /pay (latency, confidence 80%)');
    expect(opened?.summary).toContain('Affected services: checkout, payment');
    expect(opened?.annotations.link).toBe('/incidents/inc-7');
    const esc = notificationFromIncidentChange(
      { kind: 'escalated', incident: { ...inc, severity: 'critical' }, previousSeverity: 'high' },
      { linkBase: 'https://ops.example' },
    );
    expect(esc).toMatchObject({
      kind: 'escalated',
      severity: 'critical',
      url: 'https://ops.example/incidents/inc-7',
    });
    expect(esc?.summary).toContain('Severity high → critical.');
    const resolved = notificationFromIncidentChange({
      kind: 'resolved',
      incident: { ...inc, status: 'resolved', resolvedAtMs: T0 + 60_000, updatedAtMs: T0 + 60_000 },
    });
    expect(checkNotification(resolved)).toEqual([]);
    expect(resolved?.endsAt).toBe(new Date(T0 + 60_000).toISOString());
    const reopened = notificationFromIncidentChange({
      kind: 'reopened',
      incident: { ...inc, reopenCount: 1 },
    });
    expect(reopened?.kind).toBe('opened');
    expect(
      new Set([opened?.dedupKey, esc?.dedupKey, resolved?.dedupKey, reopened?.dedupKey]).size,
    ).toBe(1);
    expect(new Set([opened?.id, esc?.id, resolved?.id]).size).toBe(3);
  });

  it.each(['updated', 'acknowledged'] as const)('%s does not notify', (kind) => {
    expect(notificationFromIncidentChange({ kind, incident: incident('i', T0) })).toBeUndefined();
  });
});
