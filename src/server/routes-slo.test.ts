/** SLO and health routes by inject: status, definitions CRUD, burn series, health scores. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AlertingRig, openAlertingRig, T0 } from './routes-alerting.test-support.ts';

let rig: AlertingRig;
beforeEach(async () => {
  rig = await openAlertingRig();
});
afterEach(async () => {
  await rig.close();
});

async function req(method: string, url: string, payload?: unknown) {
  const r = await rig.app.inject({
    method: method as 'GET',
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: r.statusCode, type: r.headers['content-type'], body: r.body ? r.json() : null };
}

const checkout = {
  name: 'strict-availability',
  service: 'api',
  objective: 99.99,
  window: '28d',
  sli: { ratio: { total: 'requests_per_second', bad: 'errors_per_second' } },
};

describe('SLO routes', () => {
  it('reports the default SLOs of every service with budget, burn rates and state', async () => {
    await rig.feed(T0);
    await rig.rt.evaluate();
    const r = await req('GET', '/api/v1/slos');
    expect(r.status).toBe(200);
    const keys = r.body.slos.map(
      (s: { name: string; service: string }) => `${s.name}/${s.service}`,
    );
    expect(keys.sort()).toEqual([
      'availability/api',
      'availability/web',
      'latency/api',
      'latency/web',
    ]);
    const a = (await req('GET', '/api/v1/slos/availability?service=api')).body.slos[0];
    expect(a).toMatchObject({ source: 'default', page: 'ok', ticket: 'ok', passing: true });
    expect(a.evaluation.objective).toBe(0.999);
    expect(a.evaluation.sli).toBeCloseTo(0.9999, 6);
    expect(a.evaluation.budget.remainingFraction).toBeCloseTo(0.9, 6);
    expect(a.burnRates.map((b: { windowMs: number }) => b.windowMs)).toEqual([
      300_000, 1_800_000, 3_600_000, 21_600_000, 259_200_000,
    ]);
    expect(a.burnRates[0].burnRate).toBeCloseTo(0.1, 6);
    const lat = (await req('GET', '/api/v1/slos/latency?service=web')).body.slos[0];
    expect(lat.evaluation.sli).toBe(1);
  });

  it.each([
    [{ ...checkout, objective: 100 }, 'objective'],
    [{ ...checkout, window: 'forever' }, 'window'],
    [{ ...checkout, sli: { ratio: { total: 'requests_per_second' } } }, 'sli.ratio'],
    [{ ...checkout, colour: 'red' }, 'colour'],
  ])('POST /api/v1/slos refuses %j naming %s', async (body, field) => {
    const r = await req('POST', '/api/v1/slos', body);
    expect(r.status).toBe(422);
    expect(r.type).toMatch(/application\/problem\+json/);
    expect(r.body.errors.map((e: { field: string }) => e.field).join(' ')).toContain(field);
  });

  it('creates, evaluates, replaces and deletes an API SLO; defaults are not deletable', async () => {
    expect((await req('POST', '/api/v1/slos', checkout)).status).toBe(201);
    expect((await req('POST', '/api/v1/slos', checkout)).status).toBe(409);
    expect(
      (await req('POST', '/api/v1/slos', { ...checkout, name: 'availability', service: undefined }))
        .status,
    ).toBe(409);
    await rig.feed(T0);
    await rig.rt.evaluate();
    const got = await req('GET', '/api/v1/slos/strict-availability');
    expect(got.body.slos.map((s: { service: string }) => s.service)).toEqual(['api']);
    expect(got.body.slos[0]).toMatchObject({ source: 'api', passing: true });
    const put = await req('PUT', '/api/v1/slos/strict-availability', {
      ...checkout,
      objective: 95,
    });
    expect(put.body.definition.objective).toBeCloseTo(0.95, 9);
    expect((await req('DELETE', '/api/v1/slos/availability')).status).toBe(409);
    expect((await req('DELETE', '/api/v1/slos/strict-availability?service=api')).status).toBe(204);
    expect((await req('GET', '/api/v1/slos/strict-availability')).status).toBe(404);
  });

  it('serves burn-rate series per policy window, and refuses too many points', async () => {
    await rig.feed(T0 - 30 * 60_000);
    await rig.feed(T0, 1);
    await rig.rt.evaluate();
    const r = await req(
      'GET',
      `/api/v1/slos/availability/burn?service=api&from=${T0 - 3_600_000}&to=${T0}&step=5m`,
    );
    expect(r.status).toBe(200);
    const [series] = r.body.series;
    expect(series.service).toBe('api');
    const fiveMin = series.windows.find((w: { windowMs: number }) => w.windowMs === 300_000);
    expect(fiveMin.points).toHaveLength(13);
    // Data from T0 − 1 h; 1 % errors after T0 − 30 m: burn 10 over the last five minutes,
    // 0.1 in the first full window of data, 0 before any.
    expect(fiveMin.points.at(-1)[1]).toBeCloseTo(10, 6);
    expect(fiveMin.points[1][1]).toBeCloseTo(0.1, 6);
    expect(fiveMin.points[0][1]).toBe(0);
    const tooMany = await req('GET', '/api/v1/slos/availability/burn?from=now-30d&step=1s');
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.code).toBe('QUERY_TOO_MANY_POINTS');
    expect((await req('GET', '/api/v1/slos/nope/burn')).status).toBe(404);
  });

  it('serves the health score of every service with its parts', async () => {
    await rig.feed(T0);
    await rig.rt.evaluate();
    const r = await req('GET', '/api/v1/health');
    expect(r.body.services.map((s: { service: string }) => s.service)).toEqual(['api', 'web']);
    const api = r.body.services[0];
    expect(api).toMatchObject({ light: 'green', reasons: [] });
    expect(api.score).toBeGreaterThanOrEqual(80);
    expect(api.parts.map((p: { name: string }) => p.name)).toEqual([
      'errors',
      'latency',
      'saturation',
      'budget',
    ]);
    // The overview's lights follow the score.
    const overview = await req('GET', '/api/v1/overview');
    expect(overview.body.services.map((s: { light: string }) => s.light)).toEqual([
      'green',
      'green',
    ]);
    await rig.feed(T0 + 5 * 60_000, 30);
    await rig.rt.evaluate();
    const red = await req('GET', '/api/v1/overview');
    expect(red.body.services[0]).toMatchObject({ id: 'api', light: 'red' });
    expect(red.body.services[0].reasons.join(' ')).toMatch(/critical alert/);
  });
});
