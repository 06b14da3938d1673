import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChaosControl, type ChaosFault, OpsError } from '../contract/index.ts';
import { installErrorBoundary } from './error-boundary.ts';
import { openHarness, T0 } from './harness.test-support.ts';
import { registerChaosRoutes } from './routes-chaos.ts';

/** A fake shop: two endpoints, faults in a list, the real implementation's parameter checks. */
function fakeChaos(): ChaosControl & { cleared: number } {
  let faults: ChaosFault[] = [];
  const known = (e: string): string => {
    if (e !== '/payment' && e !== '/inventory') {
      throw new OpsError('INVALID_PARAMETER', `endpoint: unknown endpoint "${e}"`, {
        items: [{ field: 'endpoint', reason: 'unknown endpoint' }],
      });
    }
    return e;
  };
  const set = (endpoint: string, kind: ChaosFault['kind'], value: number): ChaosFault => {
    const f = { endpoint: known(endpoint), kind, value, sinceMs: T0 };
    faults = [...faults.filter((x) => !(x.endpoint === endpoint && x.kind === kind)), f];
    return f;
  };
  return {
    cleared: 0,
    endpoints: () => ['/payment', '/inventory'],
    delay(endpoint, durationMs) {
      if (!(durationMs > 0 && durationMs <= 60_000)) {
        throw new OpsError('INVALID_PARAMETER', 'duration: out of range', {
          items: [{ field: 'duration', reason: 'out of range' }],
        });
      }
      return set(endpoint, 'delay', durationMs);
    },
    error(endpoint, rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new OpsError('INVALID_PARAMETER', 'rate: out of range', {
          items: [{ field: 'rate', reason: 'out of range' }],
        });
      }
      return set(endpoint, 'error', rate);
    },
    timeout: (endpoint) => set(endpoint, 'timeout', 0),
    clear() {
      this.cleared++;
      faults = [];
    },
    status: () => faults,
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function withChaos(chaos: ChaosControl): Promise<FastifyInstance> {
  app = Fastify({ ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true } } });
  installErrorBoundary(app, () => false);
  registerChaosRoutes(app, chaos);
  await app.ready();
  return app;
}

describe('chaos routes', () => {
  it('sets faults from the query string or a JSON body and reports them', async () => {
    const a = await withChaos(fakeChaos());
    let res = await a.inject({
      method: 'POST',
      url: '/simulate/delay?endpoint=/payment&duration=1500',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ok: true,
      fault: {
        endpoint: '/payment',
        kind: 'delay',
        value: 1500,
        sinceMs: T0,
        since: new Date(T0).toISOString(),
      },
    });
    res = await a.inject({
      method: 'POST',
      url: '/simulate/error',
      payload: { endpoint: '/inventory', rate: 0.25 },
    });
    expect(res.statusCode).toBe(200);
    res = await a.inject({
      method: 'POST',
      url: '/simulate/delay',
      payload: { endpoint: '/inventory', duration_ms: 300 },
    });
    expect(res.json().fault).toMatchObject({ kind: 'delay', value: 300 });
    res = await a.inject({ method: 'POST', url: '/simulate/timeout?endpoint=/payment' });
    expect(res.json().fault).toMatchObject({ kind: 'timeout', endpoint: '/payment' });

    res = await a.inject({ method: 'GET', url: '/simulate/status' });
    expect(res.statusCode).toBe(200);
    const status = res.json();
    expect(status.active).toBe(true);
    expect(status.endpoints).toEqual(['/payment', '/inventory']);
    expect(status.faults.map((f: ChaosFault) => `${f.kind} ${f.endpoint}`)).toEqual([
      'delay /payment',
      'error /inventory',
      'delay /inventory',
      'timeout /payment',
    ]);

    res = await a.inject({ method: 'POST', url: '/simulate/clear' });
    expect(res.json()).toEqual({ ok: true, cleared: 4 });
    res = await a.inject({ method: 'GET', url: '/simulate/status' });
    expect(res.json()).toMatchObject({ active: false, faults: [] });
  });

  it.each([
    { url: '/simulate/delay?duration=100', field: 'endpoint' },
    { url: '/simulate/delay?endpoint=/nope&duration=100', field: 'endpoint' },
    { url: '/simulate/delay?endpoint=/payment', field: 'duration' },
    { url: '/simulate/delay?endpoint=/payment&duration=abc', field: 'duration' },
    { url: '/simulate/delay?endpoint=/payment&duration=-1', field: 'duration' },
    { url: '/simulate/delay?endpoint=/payment&duration=600000', field: 'duration' },
    { url: '/simulate/error?endpoint=/payment&rate=1.5', field: 'rate' },
    { url: '/simulate/error?endpoint=/payment', field: 'rate' },
    { url: '/simulate/timeout', field: 'endpoint' },
  ])('$url answers 400 naming $field', async ({ url, field }) => {
    const a = await withChaos(fakeChaos());
    const res = await a.inject({ method: 'POST', url });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.code).toBe('INVALID_PARAMETER');
    expect(problem.errors[0].field).toBe(field);
  });
});

describe('chaos routes in the server', () => {
  it('answer 503 CHAOS_UNAVAILABLE without a shop', async () => {
    const h = await openHarness();
    try {
      for (const [method, url] of [
        ['GET', '/simulate/status'],
        ['POST', '/simulate/clear'],
        ['POST', '/simulate/delay?endpoint=/payment&duration=10'],
      ] as const) {
        const res = await h.app.inject({ method, url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json().code).toBe('CHAOS_UNAVAILABLE');
      }
    } finally {
      await h.close();
    }
  });

  it('need the API key when keys are configured', async () => {
    const key = 'chaos-test-key-0123456789';
    const h = await openHarness({ apiKeys: [key] });
    try {
      let res = await h.app.inject({ method: 'POST', url: '/simulate/clear' });
      expect(res.statusCode).toBe(401);
      res = await h.app.inject({
        method: 'POST',
        url: '/simulate/clear',
        headers: { 'x-api-key': key },
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await h.close();
    }
  });
});
