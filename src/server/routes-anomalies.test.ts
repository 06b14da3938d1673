import { mkdtemp, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Anomaly, createRng, normal, VirtualClock } from '../contract/index.ts';
import { createInProcessBus, DetectionWorker } from '../pipeline/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore } from '../store/index.ts';
import { event, postEvents, T0 } from './harness.test-support.ts';
import { createServer } from './server.ts';

const DEADLINE_MS = 5_000;
const STEP_MS = 10_000;
const START = T0 - 2 * 3_600_000;

interface Rig {
  readonly app: FastifyInstance;
  readonly worker: DetectionWorker | undefined;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openRig(withDetection = true): Promise<Rig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'opsight-anomaly-routes-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const clock = new VirtualClock(T0);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(dataDir, 'store'),
    clock,
    maintenanceIntervalMs: 0,
  });
  cleanups.push(() => store.close());
  const bus = createInProcessBus({ clock });
  let worker: DetectionWorker | undefined;
  if (withDetection) {
    const w = new DetectionWorker(
      { store, bus, clock },
      { stateDir: undefined, checkIntervalMs: 0, snapshotIntervalMs: 0 },
    );
    await w.start();
    cleanups.push(() => w.close());
    worker = w;
  }
  const app = await createServer(
    {
      store,
      clock,
      bus,
      logger: pino({ level: 'silent' }),
      ...(worker ? { detection: worker } : {}),
    },
    {},
  );
  cleanups.push(() => app.close());
  return { app, worker };
}

/** 300 steady samples of `metric` (10 s apart), a spike at #250 when `spike` is set. */
async function postSeries(rig: Rig, metric: string, spike: boolean, source = 'api-1') {
  const rng = createRng(5);
  const events = Array.from({ length: 300 }, (_, i) =>
    event({
      metric_name: metric,
      source_id: source,
      metric_value: spike && i === 250 ? 1000 : 100 + 2 * normal(rng),
      timestampMs: START + i * STEP_MS,
    }),
  );
  for (let i = 0; i < events.length; i += 100) await postEvents(rig.app, events.slice(i, i + 100));
  await rig.worker?.idle();
}

async function getJson(app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() };
}

describe('GET /api/v1/anomalies', () => {
  it('lists stored anomalies newest first with their explanation', async () => {
    const rig = await openRig();
    await postSeries(rig, 'latency_ms', true);
    await postSeries(rig, 'queue_depth', true, 'worker-1');
    const all = await getJson(rig.app, `/api/v1/anomalies?from=${START}&to=${T0}`);
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(2);
    const [first] = all.body as Anomaly[];
    expect(Object.keys(first as Anomaly).sort()).toEqual(
      [
        'metric',
        'labels',
        'timestampMs',
        'value',
        'score',
        'expected',
        'lower',
        'upper',
        'deviation',
        'detector',
        'reason',
      ].sort(),
    );
    expect(first).toMatchObject({ value: 1000, timestampMs: START + 250 * STEP_MS });

    const one = await getJson(
      rig.app,
      `/api/v1/anomalies?metric=latency_ms&match[]=${encodeURIComponent('source_id="api-1"')}&from=${START}&to=${T0}`,
    );
    expect(one.body).toHaveLength(1);
    expect(one.body[0]).toMatchObject({ metric: 'latency_ms', labels: { source_id: 'api-1' } });

    const bySelector = await getJson(
      rig.app,
      `/api/v1/anomalies?match[]=${encodeURIComponent('{source_id="worker-1"}')}&from=${START}&to=${T0}`,
    );
    expect(bySelector.body.map((a: Anomaly) => a.metric)).toEqual(['queue_depth']);

    const limited = await getJson(rig.app, `/api/v1/anomalies?from=${START}&to=${T0}&limit=1`);
    expect(limited.body).toHaveLength(1);
    const strict = await getJson(rig.app, `/api/v1/anomalies?from=${START}&to=${T0}&min_score=1`);
    expect(strict.body.every((a: Anomaly) => a.score >= 1)).toBe(true);
    const silence = await getJson(
      rig.app,
      `/api/v1/anomalies?from=${START}&to=${T0}&match[]=${encodeURIComponent('detector="silence"')}`,
    );
    expect(silence.body).toEqual([]);
    // The default window is the last 24 h before now (the virtual T0).
    expect((await getJson(rig.app, '/api/v1/anomalies')).body).toHaveLength(2);
  });

  it.each([
    ['min_score above 1', 'min_score=1.5', 'INVALID_PARAMETER'],
    ['min_score not a number', 'min_score=high', 'INVALID_PARAMETER'],
    ['limit 0', 'limit=0', 'INVALID_PARAMETER'],
    ['limit too large', 'limit=5000', 'INVALID_PARAMETER'],
    ['bad from', 'from=yesterday', 'INVALID_PARAMETER'],
    ['from after to', 'from=now&to=now-1h', 'QUERY_INVALID_RANGE'],
    ['bad selector', `match[]=${encodeURIComponent('{a=')}`, 'INVALID_PARAMETER'],
    ['bad metric', 'metric=1bad', 'INVALID_PARAMETER'],
  ])('answers 400 problem+json for %s', async (_name, query, code) => {
    const rig = await openRig(false);
    const res = await getJson(rig.app, `/api/v1/anomalies?${query}`);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.code).toBe(code);
    expect(res.body.errors?.length ?? 0).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/baseline', () => {
  it('returns [ts, expected, lower, upper] per series in step buckets', async () => {
    const rig = await openRig();
    await postSeries(rig, 'latency_ms', false);
    const res = await getJson(
      rig.app,
      `/api/v1/baseline?metric=latency_ms&from=${START}&to=${T0}&step=5m`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0].labels).toEqual({ source_id: 'api-1' });
    const points = res.body[0].points as [number, number, number, number][];
    expect(points.length).toBeGreaterThan(5);
    for (const [t, e, lo, hi] of points) {
      expect(t % 300_000).toBe(0);
      expect(lo).toBeLessThanOrEqual(e);
      expect(hi).toBeGreaterThanOrEqual(e);
      expect(e).toBeGreaterThan(90);
      expect(e).toBeLessThan(110);
    }
  });

  it.each([
    ['no metric', 'from=now-1h', 400, 'INVALID_PARAMETER'],
    ['bad step', 'metric=m&step=fast', 400, 'INVALID_PARAMETER'],
    ['too many buckets', 'metric=m&from=now-30d&step=1s', 422, 'QUERY_TOO_MANY_POINTS'],
  ])('rejects %s', async (_name, query, status, code) => {
    const rig = await openRig(false);
    const res = await getJson(rig.app, `/api/v1/baseline?${query}`);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
  });
});

describe('GET /api/v1/live/anomalies', () => {
  it('pushes each new anomaly that matches the filter', async () => {
    const rig = await openRig();
    await rig.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = rig.app.server.address() as AddressInfo;
    const all = await openSse(`http://127.0.0.1:${port}/api/v1/live/anomalies`);
    const onlyQueue = await openSse(
      `http://127.0.0.1:${port}/api/v1/live/anomalies?metric=queue_depth`,
    );
    expect(all.status).toBe(200);
    await postSeries(rig, 'latency_ms', true);
    await postSeries(rig, 'queue_depth', true, 'worker-1');
    const first = await all.next();
    expect(first.event).toBe('anomaly');
    expect(JSON.parse(first.data)).toMatchObject({ metric: 'latency_ms', value: 1000 });
    const q = await onlyQueue.next();
    expect(JSON.parse(q.data)).toMatchObject({ metric: 'queue_depth', value: 1000 });
    all.close();
    onlyQueue.close();
  });

  it('answers 400 before streaming for a bad filter, 503 without detection', async () => {
    const rig = await openRig();
    const bad = await getJson(
      rig.app,
      `/api/v1/live/anomalies?match[]=${encodeURIComponent('{x')}`,
    );
    expect(bad.status).toBe(400);
    const none = await openRig(false);
    const res = await getJson(none.app, '/api/v1/live/anomalies');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('NOT_READY');
  });
});

async function openSse(url: string) {
  const res = await withDeadline(
    new Promise<IncomingMessage>((resolve, reject) => {
      get(url, { agent: false }, resolve).on('error', reject);
    }),
  );
  const chunks = res[Symbol.asyncIterator]();
  let buffer = '';
  return {
    status: res.statusCode,
    async next(): Promise<{ event: string; data: string }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const ev = /^event: (.*)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (ev !== null && data !== null) return { event: ev[1] ?? '', data: data[1] ?? '' };
          continue;
        }
        const { value, done } = await withDeadline(chunks.next());
        if (done === true) throw new Error('stream ended');
        buffer += (value as Buffer).toString('utf8');
      }
    },
    close: () => res.destroy(),
  };
}

async function withDeadline<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
