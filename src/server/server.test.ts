import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kpi, KpiReport, Overview, Problem } from '../contract/index.ts';
import { event, type Harness, openHarness, postEvents, T0 } from './harness.test-support.ts';
import { createServer } from './server.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  code: string,
): Problem {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const p = res.json() as Problem;
  expect(p).toMatchObject({ status, code, type: `/docs/errors#${code}` });
  expect(typeof p.title).toBe('string');
  expect(typeof p.detail).toBe('string');
  return p;
}

/** Ten minutes of one service's well-known metrics at a 10 s cadence, ending just before T0. */
function serviceEvents(
  service: string,
  opts: { errorsPerSecond?: number; latencyMs?: number; source?: string; minutes?: number } = {},
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const minutes = opts.minutes ?? 10;
  for (let ts = T0 - minutes * 60_000; ts < T0; ts += 10_000) {
    const common = { source_id: opts.source ?? `${service}-1`, timestampMs: ts, tags: { service } };
    out.push(event({ ...common, metric_name: 'requests_per_second', metric_value: 100 }));
    out.push(
      event({
        ...common,
        metric_name: 'errors_per_second',
        metric_value: opts.errorsPerSecond ?? 0.1,
      }),
    );
    out.push(event({ ...common, metric_name: 'latency_ms', metric_value: opts.latencyMs ?? 120 }));
    out.push(event({ ...common, metric_name: 'cpu_usage_percent', metric_value: 35 }));
  }
  return out;
}

describe('probes and documents', () => {
  beforeEach(async () => {
    h = await openHarness();
  });

  it('GET /healthz answers 200', async () => {
    const res = await h.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the store is open', async () => {
    const res = await h.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
  });

  it('GET /readyz answers 503 NOT_READY once the store is closed', async () => {
    await h.store.close();
    expectProblem(await h.app.inject('/readyz'), 503, 'NOT_READY');
  });

  it('GET /api/openapi.json lists every route', async () => {
    const res = await h.app.inject('/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/events',
      '/api/v1/write',
      '/write',
      '/api/v2/write',
      '/api/v1/series',
      '/api/v1/labels/{name}/values',
      '/api/v1/query_range',
      '/api/v1/kpis',
      '/api/v1/overview',
      '/api/v1/live/overview',
      '/api/v1/live/query',
      '/api/v1/schemas/telemetry-event',
      '/healthz',
      '/readyz',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
  });

  it('GET /api/docs serves the browsable UI', async () => {
    const res = await h.app.inject('/api/docs');
    expect([200, 302]).toContain(res.statusCode);
    const page = res.statusCode === 302 ? await h.app.inject(String(res.headers.location)) : res;
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/swagger/i);
  });

  it('GET /api/v1/schemas/telemetry-event is the TelemetryEvent JSON Schema', async () => {
    const res = await h.app.inject('/api/v1/schemas/telemetry-event');
    expect(res.statusCode).toBe(200);
    const schema = res.json() as { title: string; required: string[]; $id: string };
    expect(schema.title).toBe('TelemetryEvent');
    expect(schema.required).toEqual(
      expect.arrayContaining(['timestamp', 'source_id', 'metric_name', 'metric_value']),
    );
  });

  it('unknown routes are 404 problems; a wrong method is 405 with Allow', async () => {
    expectProblem(await h.app.inject('/api/v1/nope'), 404, 'NOT_FOUND');
    const res = await h.app.inject('/api/v1/events');
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
  });
});

describe('POST /api/v1/events', () => {
  beforeEach(async () => {
    h = await openHarness({ maxBodyBytes: 64 * 1024, maxSeriesPerMetric: 3 });
  });

  const two = [
    event({ metric_name: 'cpu_usage_percent', metric_value: 12.5, timestampMs: T0 - 1_000 }),
    event({
      metric_name: 'cpu_usage_percent',
      metric_value: 13,
      timestampMs: T0 - 500,
      tags: { az: 'b' },
    }),
  ];

  it('stores a JSON array, answers after the append, and publishes the batch', async () => {
    const published: number[] = [];
    h.bus.subscribe((m) => {
      published.push(m.batch.length);
    });
    expect(await postEvents(h.app, two)).toEqual({ accepted: 2, samples: 2 });
    const series = await h.store.series({ metric: 'cpu_usage_percent', matchers: [] });
    expect(series).toHaveLength(2);
    expect(published).toEqual([2]);
  });

  it('stores NDJSON', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/x-ndjson; charset=utf-8' },
      payload: `${two.map((e) => JSON.stringify(e)).join('\n')}\n`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, samples: 2 });
  });

  it('rejects the whole batch when one item is bad, naming index and field', async () => {
    const bad = [
      ...two,
      { ...two[0], metric_value: 'high' },
      { ...two[0], timestamp: 'yesterday' },
    ];
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(bad),
    });
    const p = expectProblem(res, 400, 'INGEST_INVALID_BATCH');
    expect(p.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 2, field: 'metric_value' }),
        expect.objectContaining({ index: 3, field: 'timestamp' }),
      ]),
    );
    expect(await h.store.series({ matchers: [] })).toEqual([]);
  });

  it.each([
    {
      name: 'malformed JSON',
      type: 'application/json',
      body: '[{"a":',
      code: 'INGEST_DECODE_FAILED',
      status: 400,
    },
    {
      name: 'an object, not an array',
      type: 'application/json',
      body: '{}',
      code: 'INGEST_DECODE_FAILED',
      status: 400,
    },
    {
      name: 'text/plain',
      type: 'text/plain',
      body: 'x',
      code: 'UNSUPPORTED_MEDIA_TYPE',
      status: 415,
    },
    {
      name: 'protobuf',
      type: 'application/x-protobuf',
      body: 'x',
      code: 'UNSUPPORTED_MEDIA_TYPE',
      status: 415,
    },
  ])('answers $status $code for $name', async ({ type, body, code, status }) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': type },
      payload: body,
    });
    expectProblem(res, status, code);
  });

  it('answers 413 INGEST_BODY_TOO_LARGE over maxBodyBytes and stores nothing', async () => {
    const many = Array.from({ length: 2_000 }, (_, i) =>
      event({ metric_name: 'cpu_usage_percent', metric_value: i, timestampMs: T0 - i }),
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(many),
    });
    expectProblem(res, 413, 'INGEST_BODY_TOO_LARGE');
    expect((await h.store.stats()).samples).toBe(0);
  });

  it('answers 422 INGEST_CARDINALITY_LIMIT past maxSeriesPerMetric, storing nothing', async () => {
    const five = Array.from({ length: 5 }, (_, i) =>
      event({ metric_name: 'm', metric_value: 1, timestampMs: T0, source_id: `s${i}` }),
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(five),
    });
    expectProblem(res, 422, 'INGEST_CARDINALITY_LIMIT');
    expect(await h.store.series({ metric: 'm', matchers: [] })).toEqual([]);
  });

  it('survives a flood of bad requests and still serves good ones', async () => {
    const payloads = ['', '[', 'null', '[null]', '[[]]', '"x"', '[{"timestamp":1}]', '\u0000'];
    for (const payload of payloads) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, payload).toBeLessThan(500);
    }
    expect(await postEvents(h.app, two)).toEqual({ accepted: 2, samples: 2 });
  });
});

describe('query routes', () => {
  beforeEach(async () => {
    h = await openHarness({ maxPointsPerSeries: 1_000 });
    await postEvents(h.app, serviceEvents('api'));
    await postEvents(h.app, serviceEvents('db', { latencyMs: 30 }));
  });

  it('GET /api/v1/series with matchers and selectors', async () => {
    const all = await h.app.inject('/api/v1/series?metric=latency_ms');
    expect(all.json()).toHaveLength(2);
    for (const q of [
      'match[]=latency_ms{service="api"}',
      'metric=latency_ms&match[]=service%3D%22api%22',
      'match[]=__name__%3D%22latency_ms%22&match[]=service!%3D%22db%22',
      'metric=latency_ms&match[]=service%3D~%22a.*%22',
    ]) {
      const res = await h.app.inject(`/api/v1/series?${q}`);
      expect(res.statusCode, q).toBe(200);
      expect(res.json(), q).toEqual([
        { metric: 'latency_ms', labels: { service: 'api', source_id: 'api-1' } },
      ]);
    }
  });

  it('GET /api/v1/series rejects a bad matcher naming match[] and its index', async () => {
    const res = await h.app.inject('/api/v1/series?match[]=service%3D%22api%22&match[]=env%3D');
    const p = expectProblem(res, 400, 'INVALID_PARAMETER');
    expect(p.errors?.[0]).toMatchObject({ field: 'match[]', index: 1 });
  });

  it('GET /api/v1/series rejects a limit out of range naming the field', async () => {
    const p = expectProblem(await h.app.inject('/api/v1/series?limit=0'), 400, 'INVALID_PARAMETER');
    expect(p.errors?.[0]?.field).toBe('limit');
    const q = expectProblem(
      await h.app.inject('/api/v1/series?limit=abc'),
      400,
      'INVALID_PARAMETER',
    );
    expect(q.errors?.[0]?.field).toBe('limit');
  });

  it('GET /api/v1/labels/:name/values', async () => {
    expect((await h.app.inject('/api/v1/labels/service/values')).json()).toEqual(['api', 'db']);
    const names = (await h.app.inject('/api/v1/labels/__name__/values')).json() as string[];
    expect(names).toEqual(expect.arrayContaining(['latency_ms', 'requests_per_second']));
    expectProblem(await h.app.inject('/api/v1/labels/bad-name/values'), 400, 'INVALID_PARAMETER');
  });

  const from = T0 - 10 * 60_000;
  it.each([
    { name: 'epoch ms, step as duration', q: `from=${from}&to=${T0}&step=1m` },
    {
      name: 'ISO 8601, step in ms',
      q: `from=${new Date(from).toISOString()}&to=${new Date(T0).toISOString()}&step=60000`,
    },
    { name: 'relative to now', q: 'from=now-10m&to=now&step=60s' },
  ])('GET /api/v1/query_range: $name give the same answer', async ({ q }) => {
    const res = await h.app.inject(`/api/v1/query_range?metric=latency_ms&agg=avg&${q}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { labels: Record<string, string>; points: [number, number][] }[];
    expect(body).toHaveLength(2);
    const api = body.find((s) => s.labels.service === 'api');
    expect(api?.points).toHaveLength(10);
    expect(api?.points[0]).toEqual([from, 120]);
  });

  it.each([
    {
      name: 'absent: one result per series',
      groupBy: undefined,
      want: 2,
      labels: { service: 'api', source_id: 'api-1' },
    },
    { name: 'empty: all in one', groupBy: '', want: 1, labels: {} },
    { name: 'by service', groupBy: 'service', want: 2, labels: { service: 'api' } },
  ])('group_by $name', async ({ groupBy, want, labels }) => {
    const g = groupBy === undefined ? '' : `&group_by=${groupBy}`;
    const res = await h.app.inject(
      `/api/v1/query_range?metric=latency_ms&from=${from}&to=${T0}&step=5m&agg=max${g}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { labels: Record<string, string> }[];
    expect(body).toHaveLength(want);
    expect(body.map((s) => s.labels)).toContainEqual(labels);
  });

  it.each([
    {
      name: 'from after to',
      q: `metric=latency_ms&from=${T0}&to=${from}`,
      status: 400,
      code: 'QUERY_INVALID_RANGE',
      field: 'from',
    },
    {
      name: 'from equal to',
      q: `metric=latency_ms&from=${T0}&to=${T0}`,
      status: 400,
      code: 'QUERY_INVALID_RANGE',
      field: 'from',
    },
    {
      name: 'too many buckets',
      q: `metric=latency_ms&from=${from}&to=${T0}&step=100ms`,
      status: 422,
      code: 'QUERY_TOO_MANY_POINTS',
      field: 'step',
    },
    {
      name: 'bad step',
      q: 'metric=latency_ms&step=fast',
      status: 400,
      code: 'INVALID_PARAMETER',
      field: 'step',
    },
    {
      name: 'bad from',
      q: 'metric=latency_ms&from=2026-13-01',
      status: 400,
      code: 'INVALID_PARAMETER',
      field: 'from',
    },
    {
      name: 'bad agg',
      q: 'metric=latency_ms&agg=median',
      status: 400,
      code: 'INVALID_PARAMETER',
      field: 'agg',
    },
    {
      name: 'no metric',
      q: 'match[]=service%3D%22api%22',
      status: 400,
      code: 'INVALID_PARAMETER',
      field: 'metric',
    },
    {
      name: 'bad group_by',
      q: 'metric=latency_ms&group_by=a-b',
      status: 400,
      code: 'INVALID_PARAMETER',
      field: 'group_by',
    },
  ])('GET /api/v1/query_range rejects $name', async ({ q, status, code, field }) => {
    const p = expectProblem(await h.app.inject(`/api/v1/query_range?${q}`), status, code);
    expect(p.errors?.[0]?.field).toBe(field);
  });

  it('GET /api/v1/query_range refuses more points than maxQueryPoints across series', async () => {
    await h.close();
    h = await openHarness({ maxQueryPoints: 15 });
    await postEvents(h.app, serviceEvents('api'));
    await postEvents(h.app, serviceEvents('db'));
    const res = await h.app.inject(
      `/api/v1/query_range?metric=latency_ms&from=${from}&to=${T0}&step=1m`,
    );
    expectProblem(res, 422, 'QUERY_TOO_MANY_POINTS');
    const grouped = await h.app.inject(
      `/api/v1/query_range?metric=latency_ms&from=${from}&to=${T0}&step=1m&group_by=`,
    );
    expect(grouped.statusCode).toBe(200);
  });

  it('GET /api/v1/kpis?service= gives six judged KPIs', async () => {
    const res = await h.app.inject('/api/v1/kpis?service=api&window=10m');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as KpiReport;
    expect(report.subject).toEqual({ kind: 'service', id: 'api' });
    expect(report).toMatchObject({ fromMs: T0 - 10 * 60_000, toMs: T0 });
    const byName = Object.fromEntries(report.kpis.map((k: Kpi) => [k.name, k]));
    expect(Object.keys(byName).sort()).toEqual([
      'error_rate',
      'latency_p50',
      'latency_p95',
      'latency_p99',
      'throughput',
      'uptime',
    ]);
    expect(byName.error_rate).toMatchObject({ status: 'ok', comparator: '<=' });
    expect(byName.error_rate?.value).toBeCloseTo(0.1, 9);
    expect(byName.latency_p95).toMatchObject({ value: 120, status: 'ok' });
    expect(byName.throughput?.value).toBeCloseTo(100, 9);
    expect(byName.uptime?.value).toBe(100);
  });

  it('GET /api/v1/kpis?source= works; unknown subjects are 404; one of service/source is required', async () => {
    const res = await h.app.inject('/api/v1/kpis?source=db-1');
    expect(res.statusCode).toBe(200);
    expect((res.json() as KpiReport).subject).toEqual({ kind: 'source', id: 'db-1' });
    expectProblem(await h.app.inject('/api/v1/kpis?service=nope'), 404, 'NOT_FOUND');
    expectProblem(await h.app.inject('/api/v1/kpis'), 400, 'INVALID_PARAMETER');
    expectProblem(await h.app.inject('/api/v1/kpis?service=a&source=b'), 400, 'INVALID_PARAMETER');
    const p = expectProblem(
      await h.app.inject('/api/v1/kpis?service=api&window=30d'),
      400,
      'INVALID_PARAMETER',
    );
    expect(p.errors?.[0]?.field).toBe('window');
  });

  it('GET /api/v1/overview lights each service by the documented rules', async () => {
    await postEvents(h.app, serviceEvents('pay', { errorsPerSecond: 10 }));
    const res = await h.app.inject('/api/v1/overview?window=10m');
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json() as Overview;
    expect(o.generatedAtMs).toBe(T0);
    expect(o.windowMs).toBe(600_000);
    const lights = Object.fromEntries(o.services.map((s) => [s.id, s.light]));
    expect(lights).toEqual({ api: 'green', db: 'green', pay: 'red' });
    const pay = o.services.find((s) => s.id === 'pay');
    expect(pay?.reasons.join(' ')).toMatch(/Error rate/);
    expect(o.totals.series).toBe(12);
    expect(o.totals.ingestRate).toBe(0);

    // Two minutes later with nothing new: every service is silent, hence red.
    h.clock.advance(120_000);
    const later = (await h.app.inject('/api/v1/overview?window=10m')).json() as Overview;
    expect(later.services.map((s) => s.light)).toEqual(['red', 'red', 'red']);
    expect(later.services[0]?.reasons[0]).toMatch(/no data for 1\d\d s/);
  });
});

describe('authentication', () => {
  beforeEach(async () => {
    h = await openHarness({ apiKeys: ['k-one', 'k-two'] });
  });

  it.each([
    { name: 'no key', headers: {}, status: 401 },
    { name: 'wrong bearer', headers: { authorization: 'Bearer nope' }, status: 401 },
    { name: 'bearer', headers: { authorization: 'Bearer k-one' }, status: 200 },
    { name: 'X-API-Key', headers: { 'x-api-key': 'k-two' }, status: 200 },
  ])('GET /api/v1/series with $name → $status', async ({ headers, status }) => {
    const res = await h.app.inject({ url: '/api/v1/series', headers });
    if (status === 401) {
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    } else {
      expect(res.statusCode).toBe(status);
    }
  });

  it('protects ingest routes, including Influx /write', async () => {
    for (const url of ['/api/v1/events', '/api/v1/write', '/write', '/api/v2/write']) {
      const res = await h.app.inject({
        method: 'POST',
        url,
        payload: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(res, 401, 'UNAUTHORIZED');
    }
  });

  it('leaves the probes and the API docs open', async () => {
    expect((await h.app.inject('/healthz')).statusCode).toBe(200);
    expect((await h.app.inject('/readyz')).statusCode).toBe(200);
    expect((await h.app.inject('/api/openapi.json')).statusCode).toBe(200);
  });

  it('accepts ?api_key= on live streams only', async () => {
    expectProblem(await h.app.inject('/api/v1/series?api_key=k-one'), 401, 'UNAUTHORIZED');
    // A bad window fails validation after authentication passed: 400, not 401.
    const res = await h.app.inject('/api/v1/live/overview?api_key=k-one&window=x');
    expectProblem(res, 400, 'INVALID_PARAMETER');
  });
});

describe('the dashboard', () => {
  let webRoot: string;
  beforeEach(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'opsight-web-'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>opsight</title>');
    await writeFile(join(webRoot, 'app.js'), 'console.log(1)');
    h = await openHarness({ webRoot });
  });
  afterEach(async () => {
    await rm(webRoot, { recursive: true, force: true });
  });

  it.each(['/', '/services/api', '/explore'])('GET %s serves the app shell', async (url) => {
    const res = await h.app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>opsight</title>');
  });

  it('serves assets, and 404s missing assets and unknown API paths as problems', async () => {
    expect((await h.app.inject('/app.js')).body).toBe('console.log(1)');
    expectProblem(await h.app.inject('/missing.js'), 404, 'NOT_FOUND');
    expectProblem(await h.app.inject('/api/v1/missing'), 404, 'NOT_FOUND');
  });

  it('keeps the API docs and probes reachable next to the app', async () => {
    expect((await h.app.inject('/api/openapi.json')).statusCode).toBe(200);
    expect([200, 302]).toContain((await h.app.inject('/api/docs')).statusCode);
    expect((await h.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('the error boundary', () => {
  it('turns an unexpected error into a generic 500 that hides the cause', async () => {
    h = await openHarness();
    const broken = new Proxy(h.store, {
      get(target, prop, receiver) {
        if (prop === 'labelValues')
          return async () => Promise.reject(new Error('secret path /etc/x'));
        return Reflect.get(target, prop, receiver);
      },
    });
    const app = await createServer(
      { store: broken, clock: h.clock, bus: h.bus, logger: pino({ level: 'silent' }) },
      {},
    );
    try {
      const res = await app.inject('/api/v1/labels/service/values');
      const p = expectProblem(res, 500, 'INTERNAL');
      expect(p.detail).not.toContain('secret');
      expect(p.detail).toContain(`request ${String(res.headers['x-request-id'])}`);
    } finally {
      await app.close();
    }
  });
});
