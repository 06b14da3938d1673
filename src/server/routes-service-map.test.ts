import { afterEach, describe, expect, it } from 'vitest';
import { span, traces } from '../analytics/spans.test-support.ts';
import type { EndpointStats, Overview, ServiceMap } from '../contract/index.ts';
import { TraceAnalytics } from '../pipeline/index.ts';
import { type Harness, openHarness, T0 } from './harness.test-support.ts';
import { aiopsMetrics } from './routes-service-map.ts';

const S = 1_000;
const silent = { info() {}, warn() {}, error() {} };
let h: Harness | undefined;
let ta: TraceAnalytics | undefined;

afterEach(async () => {
  await ta?.close();
  await h?.close();
  h = undefined;
  ta = undefined;
});

async function open(): Promise<{ h: Harness; ta: TraceAnalytics }> {
  h = await openHarness({}, ({ store, bus, clock }) => {
    ta = new TraceAnalytics({ store, bus, clock, logger: silent });
    return { traceAnalytics: ta };
  });
  return { h, ta: ta as TraceAnalytics };
}

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await (h as Harness).app.inject({ method: 'GET', url: path });
  return { status: res.statusCode, body: res.json() as T };
}

describe('service map and endpoint routes', () => {
  it('GET /api/v1/service-map: edges and nodes learned from spans, over a window', async () => {
    const { ta } = await open();
    // Two minutes of traces ending before T0, then one span to move the watermark past them.
    await ta.add(traces(3, 240, T0 - 120 * S, 110 * S));
    await ta.add([span({ service: 'frontend', endpoint: '/checkout', endMs: T0 + 20 * S })]);
    const res = await get<ServiceMap>('/api/v1/service-map?window=5m');
    expect(res.status).toBe(200);
    expect(res.body.edges.map((e) => `${e.from}→${e.to}`)).toEqual([
      'checkout→payment',
      'checkout→postgres',
      'frontend→checkout',
    ]);
    expect(res.body.edges.every((e) => e.calls === 240)).toBe(true);
    expect(res.body.nodes.map((n) => [n.service, n.health])).toEqual([
      ['checkout', expect.any(String)],
      ['frontend', expect.any(String)],
      ['payment', expect.any(String)],
      ['postgres', 'green'],
    ]);
    expect(res.body.toMs).toBe(ta.windowEndMs('map'));
    expect(res.body).toEqual(ta.serviceMap());
    // from/to: an empty window far before
    const before = await get<ServiceMap>(
      `/api/v1/service-map?from=${T0 - 3_600_000}&to=${T0 - 3_000_000}`,
    );
    expect(before.body.edges).toEqual([]);
  });

  it('GET /api/v1/endpoints: per (service, endpoint), filtered by service', async () => {
    const { ta } = await open();
    await ta.add(traces(4, 60, T0 - 60 * S, 50 * S));
    await ta.add([span({ service: 'tick', endMs: T0 + 10 * S })]);
    const all = await get<{ endpoints: EndpointStats[] }>('/api/v1/endpoints?window=2m');
    expect(all.body.endpoints.map((e) => `${e.service} ${e.endpoint}`)).toEqual([
      'checkout /checkout',
      'frontend /checkout',
      'payment /pay',
    ]);
    expect(all.body.endpoints.reduce((n, e) => n + e.requestCount, 0)).toBe(180);
    const pay = await get<{ endpoints: EndpointStats[] }>(
      '/api/v1/endpoints?service=payment&window=2m',
    );
    expect(pay.body.endpoints).toHaveLength(1);
    expect(pay.body.endpoints[0]).toMatchObject({
      service: 'payment',
      endpoint: '/pay',
      requestCount: 60,
    });
    expect(pay.body.endpoints[0]?.statusDistribution).toBeDefined();
  });

  it('GET /aiops/metrics: the AIOps shape, keyed by service when two share a path', async () => {
    const { ta } = await open();
    await ta.add(traces(5, 40, T0 - 120 * S, 100 * S)); // 10 buckets: past the 6-bucket warm-up
    await ta.add([span({ service: 'tick', endMs: T0 + 10 * S })]);
    const res = await get<Record<string, Record<string, unknown>>>('/aiops/metrics');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      '/pay',
      'checkout /checkout',
      'frontend /checkout',
    ]);
    expect(res.body['/pay']).toEqual({
      service: 'payment',
      request_count: 40,
      avg_latency_ms: expect.any(Number),
      error_rate: expect.any(Number),
      baseline_latency_ms: expect.any(Number),
      status_distribution: expect.any(Object),
      health: {
        health_score: expect.any(Number),
        status: expect.stringMatching(/^(healthy|degraded|critical)$/),
      },
    });
  });

  it('bad parameters are problems naming the field', async () => {
    await open();
    const res = await get<{ errors: { field: string }[] }>('/api/v1/service-map?window=soon');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]?.field).toBe('window');
    const order = await get<{ errors: { field: string }[] }>(
      `/api/v1/endpoints?from=${T0}&to=${T0 - 1}`,
    );
    expect(order.status).toBe(400);
    expect(order.body.errors[0]?.field).toBe('from');
  });

  it('answers empty before any span and 503 without trace analytics', async () => {
    await open();
    expect((await get('/api/v1/service-map')).body).toEqual({
      fromMs: 0,
      toMs: 0,
      nodes: [],
      edges: [],
    });
    expect((await get('/api/v1/endpoints')).body).toEqual({ endpoints: [] });
    expect((await get('/aiops/metrics')).body).toEqual({});
    await h?.close();
    h = await openHarness();
    const res = await get<{ code: string }>('/aiops/metrics');
    expect([res.status, res.body.code]).toEqual([503, 'NOT_READY']);
  });

  it('services fed only by spans get KPIs and a traffic light on the overview', async () => {
    const { h, ta } = await open();
    await ta.add(traces(6, 300, T0 - 5 * 60 * S, 290 * S));
    h.clock.set(T0);
    await ta.add([span({ service: 'tick', endMs: T0 + 10 * S })]);
    const res = await get<Overview>('/api/v1/overview?window=5m');
    const payment = res.body.services.find((s) => s.id === 'payment');
    expect(payment).toBeDefined();
    expect(payment?.light).not.toBe('grey');
    const kpi = (name: string) => payment?.kpis.find((k) => k.name === name)?.value;
    // 300 requests over about 5 minutes
    expect(kpi('throughput')).toBeGreaterThan(0.5);
    expect(kpi('throughput')).toBeLessThan(1.5);
    expect(kpi('error_rate')).toBeLessThan(20);
    expect(kpi('latency_p95')).toBeGreaterThan(20);
  });
});

describe('aiopsMetrics', () => {
  const stats = (p: Partial<EndpointStats>): EndpointStats => ({
    service: 'api',
    endpoint: '/x',
    fromMs: 0,
    toMs: 60_000,
    requestCount: 10,
    errorCount: 0,
    errorRate: 0,
    avgLatencyMs: 50,
    p50Ms: 50,
    p95Ms: 50,
    p99Ms: 50,
    statusDistribution: { '200': 10 },
    ...p,
  });

  it('scores health from error rate and latency against the baseline; skips idle endpoints', () => {
    expect(
      aiopsMetrics([
        stats({ endpoint: '/ok', baselineLatencyMs: 50 }),
        stats({ endpoint: '/slow', avgLatencyMs: 150, baselineLatencyMs: 50 }),
        stats({ endpoint: '/bad', errorCount: 3, errorRate: 0.3, baselineLatencyMs: 50 }),
        stats({ endpoint: '/idle', requestCount: 0 }),
        stats({ endpoint: '/new' }),
      ]),
    ).toEqual({
      '/ok': expect.objectContaining({
        baseline_latency_ms: 50,
        health: { health_score: 100, status: 'healthy' },
      }),
      '/slow': expect.objectContaining({ health: { health_score: 70, status: 'degraded' } }),
      '/bad': expect.objectContaining({
        error_rate: 0.3,
        health: { health_score: 43.8, status: 'critical' },
      }),
      '/new': expect.objectContaining({
        baseline_latency_ms: null,
        health: { health_score: 100, status: 'healthy' },
      }),
    });
  });
});
