import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetRuntime } from '../pipeline/index.ts';
import { createFleetSimulator, type FleetSimulator } from '../simulate/index.ts';
import { type Harness, openHarness, T0 } from './harness.test-support.ts';
import type { FleetDemoControl } from './options.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function reading(id: string, atMs: number, over: Record<string, unknown> = {}) {
  return {
    ts: new Date(atMs).toISOString(),
    vehicle_id: id,
    coolant_temp_f: 195,
    intake_air_temp_f: 88,
    engine_rpm: 1600,
    speed_mph: 40,
    vibration_score: 1.1,
    engine_hours: 4120,
    ...over,
  };
}

interface Opened {
  h: Harness;
  fleet: FleetRuntime;
  sim: FleetSimulator;
}

async function open(
  o: { demo?: boolean; apiKeys?: string[]; mqtt?: boolean } = {},
): Promise<Opened> {
  let fleet: FleetRuntime | undefined;
  const sim = createFleetSimulator({ seed: 3, startMs: T0, vehicles: 4, faultyReadingChance: 0 });
  const demo: FleetDemoControl = {
    inject: (a) => sim.inject(a),
    vehicleIds: () => sim.vehicleIds(),
    anomalies: () => sim.anomalies(),
    profiles: () => sim.profiles(),
  };
  h = await openHarness(o.apiKeys === undefined ? {} : { apiKeys: o.apiKeys }, (base) => {
    fleet = new FleetRuntime({ ...base, logger: pino({ level: 'silent' }) });
    return {
      fleet,
      ...(o.demo === true ? { fleetDemo: demo } : {}),
      ...(o.mqtt === true
        ? {
            fleetMqtt: {
              stats: () => ({
                connected: true,
                messages: 3,
                readings: 2,
                stored: 2,
                malformed: 1,
                mismatched: 0,
                failed: 0,
                reconnects: 0,
              }),
            },
          }
        : {}),
    };
  });
  return { h, fleet: fleet as FleetRuntime, sim };
}

async function post(app: Harness['app'], url: string, body: unknown, type = 'application/json') {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': type },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /telemetry (lab compatible)', () => {
  it('takes one reading and answers the lab counts', async () => {
    const { h } = await open();
    const res = await post(h.app, '/telemetry', reading('truck-01', T0 - 1000));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      received: 1,
      accepted: 1,
      partial: 0,
      rejected: 0,
      samples: 6,
      issue_count: 0,
      issues: [],
    });
    // curl -d sends application/x-www-form-urlencoded: still read as JSON.
    const form = await post(
      h.app,
      '/telemetry',
      reading('truck-01', T0),
      'application/x-www-form-urlencoded',
    );
    expect(form.statusCode).toBe(200);
  });

  it('keeps the valid fields of a partly bad reading and names the bad ones', async () => {
    const { h } = await open();
    const res = await post(h.app, '/telemetry', [
      reading('van-03', T0 - 2000),
      reading('van-03', T0 - 1000, { coolant_temp_f: -40, engine_rpm: 'fast' }),
      { vehicle_id: 'van-03' },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ received: 3, accepted: 1, partial: 1, rejected: 1 });
    expect(body.issues).toContainEqual({
      item: 1,
      vehicle_id: 'van-03',
      field: 'coolant_temp_f',
      rule: 'out_of_range',
      reason: expect.stringContaining('-40'),
      value: -40,
    });
    expect(body.issues).toContainEqual(
      expect.objectContaining({ item: 1, field: 'engine_rpm', rule: 'wrong_type', value: 'fast' }),
    );
    expect(body.issues).toContainEqual(
      expect.objectContaining({ item: 2, field: 'ts', rule: 'missing_field' }),
    );
    const got = await h.app.inject({ url: '/telemetry?vehicle_id=van-03' });
    expect(got.statusCode).toBe(200);
    const rows = got.json().readings;
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      ts: new Date(T0 - 1000).toISOString(),
      vehicle_id: 'van-03',
      intake_air_temp_f: 88,
      speed_mph: 40,
      vibration_score: 1.1,
      engine_hours: 4120,
      invalid_fields: ['coolant_temp_f', 'engine_rpm'],
      received_at: new Date(T0).toISOString(),
    });
  });

  it('answers 422 naming every item when nothing was usable, and still counts the issues', async () => {
    const { h } = await open();
    const res = await post(h.app, '/telemetry', [
      { vehicle_id: 'x-1', ts: 'yesterday', coolant_temp_f: 190 },
      'garbage',
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const p = res.json();
    expect(p.code).toBe('FLEET_READINGS_INVALID');
    expect(p.errors).toContainEqual({
      index: 0,
      field: 'ts',
      reason: expect.stringMatching(/^bad_timestamp: /),
    });
    expect(p.errors).toContainEqual({
      index: 1,
      field: 'reading',
      reason: expect.stringMatching(/^not_an_object: /),
    });
    const q = await h.app.inject({ url: '/api/v1/fleet/quality' });
    expect(q.json().totals).toEqual({ checked: 2, withIssues: 2 });
    expect(q.json().counts['x-1'].ts).toEqual({ bad_timestamp: 1 });
    expect(q.json().recent.length).toBeGreaterThanOrEqual(2);
    const empty = await post(h.app, '/telemetry', []);
    expect(empty.statusCode).toBe(422);
  });

  it('answers 400 for a body that is not JSON or not a reading', async () => {
    const { h } = await open();
    for (const body of ['{"ts": ', '42', 'null', '']) {
      const res = await post(h.app, '/telemetry', body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().code).toBe('BAD_REQUEST');
      expect(res.json().errors[0].field).toBe('body');
    }
  });

  it('needs the API key when keys are set (with or without a trailing slash)', async () => {
    const key = 'k'.repeat(20);
    const { h } = await open({ apiKeys: [key], demo: true });
    for (const url of ['/telemetry', '/telemetry/']) {
      expect((await post(h.app, url, reading('a', T0))).statusCode).toBe(401);
      expect((await h.app.inject({ url })).statusCode).toBe(401);
    }
    expect((await post(h.app, '/simulate_anomaly', { kind: 'vibration_spike' })).statusCode).toBe(
      401,
    );
    const ok = await h.app.inject({
      method: 'POST',
      url: '/telemetry',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      payload: JSON.stringify(reading('a', T0)),
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('GET /telemetry', () => {
  it('filters by vehicle, since and limit, oldest first', async () => {
    const { h } = await open();
    const rows = [];
    for (let i = 10; i >= 1; i--) rows.push(reading(i % 2 === 0 ? 'a-1' : 'b-2', T0 - i * 1000));
    expect((await post(h.app, '/telemetry', rows)).statusCode).toBe(200);
    const all = (await h.app.inject({ url: '/telemetry' })).json().readings;
    expect(all).toHaveLength(10);
    expect(all[0].ts).toBe(new Date(T0 - 10_000).toISOString());
    const a = (await h.app.inject({ url: '/telemetry?vehicle_id=a-1&limit=2' })).json().readings;
    expect(a.map((r: { ts: string }) => r.ts)).toEqual([
      new Date(T0 - 4000).toISOString(),
      new Date(T0 - 2000).toISOString(),
    ]);
    const since = new Date(T0 - 3000).toISOString();
    const s = (await h.app.inject({ url: `/telemetry?since=${since}` })).json().readings;
    expect(s).toHaveLength(3);
    const ms = (await h.app.inject({ url: `/telemetry?since=${T0 - 3000}` })).json().readings;
    expect(ms).toEqual(s);
  });

  it('answers 400 naming a bad parameter', async () => {
    const { h } = await open();
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=5001', 'limit'],
      ['limit=ten', 'limit'],
      ['since=yesterday', 'since'],
      ['vehicle_id=a%20b', 'vehicle_id'],
    ] as const) {
      const res = await h.app.inject({ url: `/telemetry?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code).toBe('INVALID_PARAMETER');
      expect(res.json().errors[0].field).toBe(field);
    }
  });
});

describe('POST /simulate_anomaly', () => {
  it('answers 503 without an emulator', async () => {
    const { h } = await open();
    const res = await post(h.app, '/simulate_anomaly', { kind: 'coolant_overheat' });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('FLEET_DEMO_UNAVAILABLE');
  });

  it('starts an anomaly (default 30 s) and answers 202 with its window', async () => {
    const { h, sim } = await open({ demo: true });
    const res = await post(h.app, '/simulate_anomaly', {
      vehicle_id: 'van-03',
      kind: 'coolant_overheat',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      vehicle_id: 'van-03',
      kind: 'coolant_overheat',
      starts_at: new Date(T0).toISOString(),
      ends_at: new Date(T0 + 30_000).toISOString(),
    });
    expect(sim.anomalies()).toHaveLength(1);
    const picked = await post(h.app, '/simulate_anomaly', { kind: 'speed_anomaly', duration_s: 5 });
    expect(picked.statusCode).toBe(202);
    // The per-unit view gets an emulated vehicle's profile (baselines) with its summary.
    await post(h.app, '/telemetry', reading('van-03', T0 - 1000));
    const unit = (await h.app.inject({ url: '/api/v1/fleet/vehicles/van-03' })).json();
    expect(unit.profile).toMatchObject({
      vehicle_id: 'van-03',
      baselines: { coolant_temp_f: 192, vibration_score: 0.9 },
      hours_since_service: 60,
    });
    expect(sim.vehicleIds()).toContain(picked.json().vehicle_id);
    const demo = (await h.app.inject({ url: '/api/v1/fleet/demo' })).json();
    expect(demo.available).toBe(true);
    expect(demo.anomalies[0]).toMatchObject({ kind: 'speed_anomaly', active: true });
  });

  it('answers 404 for an unknown vehicle and 400 for a bad kind or duration', async () => {
    const { h } = await open({ demo: true });
    const unknown = await post(h.app, '/simulate_anomaly', {
      vehicle_id: 'nope-99',
      kind: 'vibration_spike',
    });
    expect(unknown.statusCode).toBe(404);
    for (const [body, field] of [
      [{ kind: 'meltdown' }, 'kind'],
      [{}, 'kind'],
      [{ kind: 'vibration_spike', duration_s: 0 }, 'duration_s'],
      [{ kind: 'vibration_spike', duration_s: 3601 }, 'duration_s'],
      [{ kind: 'vibration_spike', duration_s: 'long' }, 'duration_s'],
    ] as const) {
      const res = await post(h.app, '/simulate_anomaly', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errors[0].field).toBe(field);
    }
  });
});

describe('native fleet API', () => {
  async function withTwoVehicles(): Promise<Opened> {
    const o = await open({ mqtt: true });
    o.fleet.setProfiles([
      {
        vehicle_id: 'hot-1',
        model: 'box truck',
        baselines: {
          coolant_temp_f: 196,
          intake_air_temp_f: 88,
          engine_rpm: 1600,
          speed_mph: 40,
          vibration_score: 1,
          engine_hours: 100,
        },
        hours_since_service: 10,
      },
    ]);
    await post(o.h.app, '/telemetry', [
      reading('hot-1', T0 - 1000, { coolant_temp_f: 245, engine_hours: 100 }),
      reading('calm-2', T0 - 1000),
    ]);
    return o;
  }

  it('lists vehicles sorted by risk, filtered by band and text', async () => {
    const { h } = await withTwoVehicles();
    const all = (await h.app.inject({ url: '/api/v1/fleet/vehicles' })).json().vehicles;
    expect(all.map((v: { vehicleId: string }) => v.vehicleId)).toEqual(['hot-1', 'calm-2']);
    expect(all[0].factors[0]).toMatchObject({ name: 'overheating now', mode: 'overheating' });
    expect(all[0].model).toBe('box truck');
    expect(all[0].latest.coolant_temp_f).toBe(245);
    const byId = (await h.app.inject({ url: '/api/v1/fleet/vehicles?sort=id' })).json().vehicles;
    expect(byId.map((v: { vehicleId: string }) => v.vehicleId)).toEqual(['calm-2', 'hot-1']);
    const low = (await h.app.inject({ url: '/api/v1/fleet/vehicles?band=low' })).json().vehicles;
    expect(low.map((v: { vehicleId: string }) => v.vehicleId)).toEqual(['calm-2']);
    const q = (await h.app.inject({ url: '/api/v1/fleet/vehicles?q=TRUCK' })).json().vehicles;
    expect(q.map((v: { vehicleId: string }) => v.vehicleId)).toEqual(['hot-1']);
    for (const url of ['/api/v1/fleet/vehicles?band=red', '/api/v1/fleet/vehicles?sort=age']) {
      expect((await h.app.inject({ url })).statusCode).toBe(400);
    }
  });

  it('shows one vehicle, 404 for an unknown one', async () => {
    const { h } = await withTwoVehicles();
    const res = await h.app.inject({ url: '/api/v1/fleet/vehicles/hot-1' });
    expect(res.statusCode).toBe(200);
    const v = res.json().vehicle;
    expect(v.band).not.toBe('low');
    expect(v.exposure[0]).toMatchObject({ mode: 'overheating' });
    expect((await h.app.inject({ url: '/api/v1/fleet/vehicles/ghost' })).statusCode).toBe(404);
  });

  it('reports business impact with its assumptions, quality with mqtt counters, and rules', async () => {
    const { h } = await withTwoVehicles();
    const impact = (await h.app.inject({ url: '/api/v1/fleet/impact' })).json();
    expect(impact.vehicles).toBe(2);
    expect(impact.costAtRisk).toBeGreaterThan(0);
    expect(impact.topVehicles[0].vehicleId).toBe('hot-1');
    expect(impact.assumptions).toMatchObject({
      costPerDowntimeHour: 180,
      currency: 'USD',
      serviceIntervalHours: 250,
    });
    expect(impact.assumptions.modes.overheating).toEqual({ downtimeHours: 16, repairCost: 3500 });
    const quality = (await h.app.inject({ url: '/api/v1/fleet/quality?limit=5' })).json();
    expect(quality.mqtt).toMatchObject({ malformed: 1, connected: true });
    const rules = (await h.app.inject({ url: '/api/v1/fleet/rules' })).json().rules;
    expect(rules.coolant_temp_f).toMatchObject({ min: -30, max: 300, maxChangePerS: 30 });
  });

  it('documents the fleet routes in the OpenAPI document', async () => {
    const { h } = await open();
    const doc = (await h.app.inject({ url: '/api/openapi.json' })).json();
    for (const path of [
      '/telemetry',
      '/simulate_anomaly',
      '/api/v1/fleet/vehicles',
      '/api/v1/fleet/vehicles/{id}',
      '/api/v1/fleet/impact',
      '/api/v1/fleet/quality',
      '/api/v1/live/fleet',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/telemetry'].post.tags).toEqual(['fleet']);
  });
});

describe('GET /api/v1/live/fleet', () => {
  it('sends a snapshot at once and another after readings arrive', async () => {
    const { h } = await open();
    await post(h.app, '/telemetry', reading('a-1', T0 - 1000));
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const ctrl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/live/fleet`, {
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events = (): { vehicles: { vehicleId: string }[]; impact: unknown }[] =>
      [...text.matchAll(/event: fleet\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1] as string));
    const deadline = Date.now() + 10_000;
    const until = async (cond: () => boolean): Promise<void> => {
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`no such event in time:\n${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(() => events().length >= 1);
    expect(events()[0]?.vehicles.map((v) => v.vehicleId)).toEqual(['a-1']);
    await post(h.app, '/telemetry', reading('b-2', T0 - 500));
    await until(() => events().length >= 2);
    expect(
      events()[1]
        ?.vehicles.map((v) => v.vehicleId)
        .sort(),
    ).toEqual(['a-1', 'b-2']);
    ctrl.abort();
  });
});
