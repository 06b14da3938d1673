import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Incident,
  type IncidentQuery,
  type ServiceMap,
  VirtualClock,
} from '../contract/index.ts';
import {
  createInProcessBus,
  INCIDENTS_COLLECTION,
  type IncidentChange,
  type IncidentEnginePort,
  IncidentRuntime,
  type TraceAnalyticsPort,
  type TraceWindow,
} from '../pipeline/index.ts';
import { MemoryStateStore, type Store } from '../store/index.ts';
import { compatIncident } from './incident-compat.ts';
import { createServer } from './server.ts';

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const EMPTY_MAP: ServiceMap = { fromMs: 0, toMs: 0, nodes: [], edges: [] };

function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    title: 'payment /pay is slow',
    status: 'active',
    severity: 'high',
    firstDetectedMs: T0,
    openedAtMs: T0 + 10_000,
    updatedAtMs: T0 + 10_000,
    lastSignalAtMs: T0 + 10_000,
    rootCause: {
      service: 'payment',
      endpoint: '/pay',
      kind: 'latency',
      confidence: 0.82,
      description: 'payment /pay p95 910 ms (baseline 42 ms)',
    },
    candidates: [
      {
        service: 'checkout',
        endpoint: '/checkout',
        kind: 'latency',
        score: 0.3,
        evidence: {
          traceIds: [],
          signals: [],
          path: ['frontend', 'checkout'],
          methods: {},
          notes: [],
        },
      },
      {
        service: 'payment',
        endpoint: '/pay',
        kind: 'latency',
        score: 0.82,
        evidence: {
          traceIds: ['a'.repeat(32)],
          signals: [],
          path: ['frontend', 'checkout', 'payment'],
          firstAnomalousMs: T0,
          methods: { trace: 0.9, graph: 0.7 },
          notes: ['payment is the deepest slow service'],
        },
      },
    ],
    affectedServices: ['frontend', 'checkout', 'payment'],
    affectedEndpoints: ['checkout /checkout', 'payment /pay'],
    impact: {
      services: ['frontend', 'checkout', 'payment'],
      endpoints: [],
      requests: 50,
      failedRequests: 4,
    },
    signals: [],
    signalCount: 3,
    totalTraces: 50,
    sampleTraces: ['a'.repeat(32)],
    timeline: [{ atMs: T0 + 10_000, action: 'opened', by: 'opsight' }],
    reopenCount: 0,
    analyzedAtMs: T0 + 10_000,
    ...over,
  };
}

/** Holds incidents and applies the manual actions; advance reports what `next` holds. */
class StubEngine implements IncidentEnginePort {
  readonly incidents = new Map<string, Incident>();
  next: IncidentChange[] = [];
  restore(list: readonly Incident[]): void {
    for (const i of list) this.incidents.set(i.id, i);
  }
  addSignals(): void {}
  advance(): IncidentChange[] {
    const out = this.next;
    this.next = [];
    for (const c of out) this.incidents.set(c.incident.id, c.incident);
    return out;
  }
  #act(
    id: string,
    status: Incident['status'],
    by: string,
    note: string | undefined,
    atMs: number,
  ): IncidentChange {
    const i = this.incidents.get(id);
    if (i === undefined) throw new Error('unknown');
    const action = status === 'resolved' ? 'resolved' : 'acknowledged';
    const inc: Incident = {
      ...i,
      status,
      updatedAtMs: atMs,
      ...(status === 'resolved' ? { resolvedAtMs: atMs } : { acknowledgedAtMs: atMs }),
      timeline: [...i.timeline, { atMs, action, by, ...(note === undefined ? {} : { note }) }],
    };
    this.incidents.set(id, inc);
    return { kind: action, incident: inc };
  }
  acknowledge(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    return this.#act(id, 'acknowledged', by, note, atMs);
  }
  resolve(id: string, by: string, note: string | undefined, atMs: number): IncidentChange {
    return this.#act(id, 'resolved', by, note, atMs);
  }
  get(id: string): Incident | undefined {
    return this.incidents.get(id);
  }
  list(q: IncidentQuery): Incident[] {
    return [...this.incidents.values()]
      .filter((i) => q.status === undefined || q.status.includes(i.status))
      .filter((i) => q.severity === undefined || q.severity.includes(i.severity))
      .slice(0, q.limit);
  }
}

class StubTraces implements TraceAnalyticsPort {
  readonly options = { bucketMs: 10_000, statsWindowMs: 60_000, mapWindowMs: 300_000 };
  readonly listeners = new Set<(w: TraceWindow) => void>();
  watermark: number | undefined = T0 + 20_000;
  onWindow(l: (w: TraceWindow) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  endpointStats() {
    return [];
  }
  serviceMap() {
    return EMPTY_MAP;
  }
  recentSpans() {
    return [];
  }
  watermarkMs() {
    return this.watermark;
  }
  flush() {}
  window(watermarkMs: number) {
    for (const l of this.listeners) l({ watermarkMs, stats: [], map: EMPTY_MAP });
  }
}

describe('incident routes', () => {
  let app: FastifyInstance;
  let rt: IncidentRuntime;
  let engine: StubEngine;
  let traces: StubTraces;
  let state: MemoryStateStore;

  beforeEach(async () => {
    state = new MemoryStateStore();
    await state.collection<Incident>(INCIDENTS_COLLECTION).put('inc-1', incident('inc-1'));
    await state
      .collection<Incident>(INCIDENTS_COLLECTION)
      .put('inc-0', incident('inc-0', { status: 'resolved', severity: 'low', resolvedAtMs: T0 }));
    engine = new StubEngine();
    traces = new StubTraces();
    const clock = new VirtualClock(T0 + 3_600_000);
    rt = await IncidentRuntime.open(
      {
        state,
        clock,
        engine,
        traceAnalytics: traces,
        signals: { fromAnomaly: () => undefined, fromAlert: () => undefined },
      },
      { idleAdvanceMs: 0 },
    );
    app = await createServer({
      store: {} as Store,
      clock,
      bus: createInProcessBus({ clock }),
      logger: pino({ level: 'silent' }),
      incidents: rt,
    });
  });

  afterEach(async () => {
    await app.close();
    await rt.close();
  });

  const req = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
  };

  it('lists incidents with filters', async () => {
    const all = await req('GET', '/api/v1/incidents');
    expect(all.status).toBe(200);
    expect(all.body.incidents.map((i: Incident) => i.id).sort()).toEqual(['inc-0', 'inc-1']);
    // Every field of the contract survives serialisation (none dropped by the schema).
    expect(all.body.incidents.find((i: Incident) => i.id === 'inc-1')).toEqual(incident('inc-1'));
    const active = await req('GET', '/api/v1/incidents?status=active,acknowledged&severity=high');
    expect(active.body.incidents.map((i: Incident) => i.id)).toEqual(['inc-1']);
    expect((await req('GET', '/api/v1/incidents?limit=1')).body.incidents).toHaveLength(1);
  });

  it.each([
    ['status=open', 'status'],
    ['severity=urgent', 'severity'],
    ['from=2026-11-22T04:00:00Z&to=2026-11-22T03:00:00Z', 'from'],
    ['from=yesterday', 'from'],
  ])('rejects %s naming %s', async (qs, field) => {
    const res = await req('GET', `/api/v1/incidents?${qs}`);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body.errors[0].field).toBe(field);
  });

  it('gets one incident; an unknown id is a 404 naming it', async () => {
    expect((await req('GET', '/api/v1/incidents/inc-1')).body.incident.id).toBe('inc-1');
    const missing = await req('GET', '/api/v1/incidents/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect(missing.body.detail).toContain('"nope"');
    expect((await req('POST', '/api/v1/incidents/nope/resolve')).status).toBe(404);
    expect((await req('GET', '/aiops/incidents/nope')).status).toBe(404);
  });

  it('acknowledges and resolves with who, note and the watermark; 409 on a resolved one', async () => {
    const ack = await req('POST', '/api/v1/incidents/inc-1/acknowledge', {
      by: 'ana',
      note: 'on it',
    });
    expect(ack.status).toBe(200);
    expect(ack.body.incident).toMatchObject({
      status: 'acknowledged',
      acknowledgedAtMs: T0 + 20_000,
    });
    expect(ack.body.incident.timeline.at(-1)).toEqual({
      atMs: T0 + 20_000,
      action: 'acknowledged',
      by: 'ana',
      note: 'on it',
    });
    // No body at all: `by` defaults to api.
    const res = await req('POST', '/api/v1/incidents/inc-1/resolve');
    expect(res.status).toBe(200);
    expect(res.body.incident.timeline.at(-1)).toMatchObject({ action: 'resolved', by: 'api' });
    const again = await req('POST', '/api/v1/incidents/inc-1/acknowledge', { by: 'ana' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INCIDENT_CONFLICT');
    // Stored durably.
    const stored = await state.collection<Incident>(INCIDENTS_COLLECTION).get('inc-1');
    expect(stored?.status).toBe('resolved');
    // A note over 4,000 characters is a 400 naming it.
    const long = await req('POST', '/api/v1/incidents/inc-1/resolve', { note: 'x'.repeat(4_001) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain('note');
  });

  it('answers the AIOps compatibility routes in snake_case with ISO times', async () => {
    const list = await req('GET', '/aiops/incidents');
    expect(list.status).toBe(200);
    expect(list.body.incident_count).toBe(1);
    const c = list.body.active_incidents[0];
    expect(c).toEqual(compatIncident(incident('inc-1')));
    expect(c.first_detected).toBe(new Date(T0).toISOString());
    expect(c.root_cause).toEqual({
      service: 'payment',
      endpoint: '/pay',
      kind: 'latency',
      confidence: 0.82,
      description: 'payment /pay p95 910 ms (baseline 42 ms)',
    });
    expect(c.candidates.map((x: { service: string }) => x.service)).toEqual([
      'payment',
      'checkout',
    ]);
    expect(c.candidates[0].evidence.trace_ids).toEqual(['a'.repeat(32)]);
    expect(c.timeline[0]).toEqual({
      at: new Date(T0 + 10_000).toISOString(),
      action: 'opened',
      by: 'opsight',
    });
    expect((await req('GET', '/aiops/incidents/inc-1')).body.id).toBe('inc-1');
    const resolved = await req('POST', '/aiops/incidents/inc-1/resolve', { by: 'ana' });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      resolved_at: new Date(T0 + 20_000).toISOString(),
    });
    expect((await req('GET', '/aiops/incidents')).body).toEqual({
      incident_count: 0,
      active_incidents: [],
    });
  });

  it('POST /aiops/analyze advances now and answers the open incidents', async () => {
    engine.next = [{ kind: 'opened', incident: incident('inc-2', { severity: 'critical' }) }];
    const res = await req('POST', '/aiops/analyze');
    expect(res.status).toBe(200);
    expect(res.body.analyzed_at).toBe(new Date(T0 + 20_000).toISOString());
    expect(res.body.incident_count).toBe(2);
    expect(res.body.active_incidents.map((i: { id: string }) => i.id).sort()).toEqual([
      'inc-1',
      'inc-2',
    ]);
  });

  it('needs the API key on /api/v1/incidents and /aiops when keys are set', async () => {
    const clock = new VirtualClock(T0);
    const locked = await createServer(
      {
        store: {} as Store,
        clock,
        bus: createInProcessBus({ clock }),
        logger: pino({ level: 'silent' }),
        incidents: rt,
      },
      { apiKeys: ['k1'] },
    );
    try {
      for (const url of ['/api/v1/incidents', '/aiops/incidents', '/aiops/incidents/inc-1']) {
        expect((await locked.inject({ method: 'GET', url })).statusCode, url).toBe(401);
      }
      expect((await locked.inject({ method: 'POST', url: '/aiops/analyze' })).statusCode).toBe(401);
      const ok = await locked.inject({
        method: 'GET',
        url: '/aiops/incidents',
        headers: { 'x-api-key': 'k1' },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await locked.close();
    }
  });

  it('lists the incident routes in the OpenAPI document', async () => {
    const doc = (await req('GET', '/api/openapi.json')).body;
    for (const p of [
      '/api/v1/incidents',
      '/api/v1/incidents/{id}',
      '/api/v1/incidents/{id}/acknowledge',
      '/api/v1/incidents/{id}/resolve',
      '/api/v1/live/incidents',
      '/aiops/incidents',
      '/aiops/incidents/{id}',
      '/aiops/incidents/{id}/resolve',
      '/aiops/analyze',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/api/v1/incidents'].get.tags).toContain('incidents');
  });

  it('streams changes on /api/v1/live/incidents', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const ctrl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/live/incidents`, {
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const next = async (event: string): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 5_000;
      const re = new RegExp(`event: ${event}\\ndata: (.*)\\n\\n`);
      for (;;) {
        const m = re.exec(text);
        if (m !== null) {
          text = text.slice((m.index ?? 0) + m[0].length);
          return JSON.parse(m[1] as string);
        }
        if (Date.now() > deadline) throw new Error(`no ${event} event in time`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    const first = (await next('incidents')) as { incidents: Incident[] };
    expect(first.incidents.map((i) => i.id)).toEqual(['inc-1']);
    engine.next = [
      {
        kind: 'escalated',
        incident: incident('inc-1', { severity: 'critical' }),
        previousSeverity: 'high',
      },
    ];
    traces.window(T0 + 30_000);
    const pushed = (await next('incident')) as {
      kind: string;
      incident: Incident;
      previousSeverity: string;
    };
    expect(pushed.kind).toBe('escalated');
    expect(pushed.previousSeverity).toBe('high');
    expect(pushed.incident.severity).toBe('critical');
    await req('POST', '/api/v1/incidents/inc-1/acknowledge', { by: 'ana' });
    expect(((await next('incident')) as { kind: string }).kind).toBe('acknowledged');
    ctrl.abort();
  });
});
