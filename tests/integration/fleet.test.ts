/**
 * The fleet lab's API through the real CLI (`opsight start` with the demo fleet on, the cloud
 * demo cut to ten minutes, no shop, pipeline or detectors): POST /telemetry with one reading, many,
 * partly bad and all bad ones; GET /telemetry filters; POST /simulate_anomaly overheats an
 * emulated vehicle, which must show in GET /telemetry within 5 s and name "overheating now" in
 * the vehicle's risk factors. Every wait polls with a deadline.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

let op: OpsightProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDataDir('opsight-fleet-');
  const config = join(dataDir, 'opsight.yaml');
  writeFileSync(
    config,
    [
      'server:',
      '  demoBackfill: 10m',
      '  demoServices: 1',
      '  demoShop: false',
      '  demoPipeline: false',
      '  detect: false',
      '  demoFleetVehicles: 4',
    ].join('\n'),
  );
  op = await startOpsight({ dataDir, args: ['--config', config] });
});

afterAll(async () => {
  await op?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function reading(id: string, atMs: number, over: Record<string, unknown> = {}) {
  return {
    ts: new Date(atMs).toISOString(),
    vehicle_id: id,
    coolant_temp_f: 195.5,
    intake_air_temp_f: 88,
    engine_rpm: 1650,
    speed_mph: 41,
    vibration_score: 1.05,
    engine_hours: 4120.5,
    ...over,
  };
}

/** A JSON answer, read loosely: the assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: test code reads answers by path; expect() checks them.
type Json = any;

async function post(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${op.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function get(path: string): Promise<Json> {
  const res = await fetch(`${op.url}${path}`);
  expect(res.status, path).toBe(200);
  return res.json();
}

/** Polls `probe` until it returns a value, or fails after `ms`. */
async function within<T>(
  ms: number,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fleet lab API through the CLI', () => {
  it('takes one reading, and many', async () => {
    const now = Date.now();
    const one = await post('/telemetry', reading('lab-1', now - 1000));
    expect(one.status).toBe(200);
    expect(one.json).toEqual({
      received: 1,
      accepted: 1,
      partial: 0,
      rejected: 0,
      samples: 6,
      issue_count: 0,
      issues: [],
    });
    const many = await post('/telemetry', [
      reading('lab-2', now - 3000),
      reading('lab-2', now - 2000, { coolant_temp_f: 196 }),
      reading('lab-2', now - 1000, { coolant_temp_f: 196.5 }),
    ]);
    expect(many.status).toBe(200);
    expect(many.json).toMatchObject({ received: 3, accepted: 3, issue_count: 0 });
    const rows = (await get('/telemetry?vehicle_id=lab-2')).readings;
    expect(rows.map((r: { coolant_temp_f: number }) => r.coolant_temp_f)).toEqual([
      195.5, 196, 196.5,
    ]);
    // The values are stored as series too (the explore page and detectors see them).
    const series = await get('/api/v1/series?match[]=coolant_temp_f{vehicle_id="lab-2"}');
    expect(JSON.stringify(series)).toContain('lab-2');
  });

  it('keeps the valid fields of a partly bad reading, marked, and answers 422 when nothing is usable', async () => {
    const now = Date.now();
    const partly = await post('/telemetry', [
      reading('lab-3', now - 1000, { coolant_temp_f: -40, speed_mph: 'fast' }),
    ]);
    expect(partly.status).toBe(200);
    expect(partly.json).toMatchObject({ received: 1, accepted: 0, partial: 1, issue_count: 2 });
    const rows = (await get('/telemetry?vehicle_id=lab-3')).readings;
    expect(rows).toHaveLength(1);
    expect(rows[0].invalid_fields).toEqual(['coolant_temp_f', 'speed_mph']);
    expect(rows[0].coolant_temp_f).toBeUndefined();
    expect(rows[0].engine_rpm).toBe(1650);

    const bad = await post('/telemetry', [
      { vehicle_id: 'lab-4', ts: 'last tuesday', coolant_temp_f: 190 },
      { ts: new Date(now).toISOString(), coolant_temp_f: 190 },
    ]);
    expect(bad.status).toBe(422);
    expect(bad.json.code).toBe('FLEET_READINGS_INVALID');
    expect(bad.json.errors).toContainEqual(
      expect.objectContaining({
        index: 0,
        field: 'ts',
        reason: expect.stringContaining('bad_timestamp'),
      }),
    );
    expect(bad.json.errors).toContainEqual(
      expect.objectContaining({
        index: 1,
        field: 'vehicle_id',
        reason: expect.stringContaining('missing_field'),
      }),
    );
    // Counted and kept as data-quality events all the same.
    const quality = await get('/api/v1/fleet/quality');
    expect(quality.counts['lab-4'].ts).toEqual({ bad_timestamp: 1 });
    expect(quality.counts['lab-3'].coolant_temp_f).toEqual({ out_of_range: 1 });

    const notJson = await fetch(`${op.url}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"vehicle_id": ',
    });
    expect(notJson.status).toBe(400);
  });

  it('filters GET /telemetry by vehicle, since and limit, and names bad parameters', async () => {
    const now = Date.now();
    await post(
      '/telemetry',
      [5, 4, 3, 2, 1].map((s) => reading('lab-5', now - s * 1000, { engine_hours: 10 + s / 3600 })),
    );
    const rows = (await get('/telemetry?vehicle_id=lab-5')).readings;
    expect(rows).toHaveLength(5);
    const limited = (await get('/telemetry?vehicle_id=lab-5&limit=2')).readings;
    expect(limited.map((r: { ts: string }) => r.ts)).toEqual(
      rows.slice(3).map((r: { ts: string }) => r.ts),
    );
    const since = (await get(`/telemetry?vehicle_id=lab-5&since=${now - 2500}`)).readings;
    expect(since).toHaveLength(2);
    const res = await fetch(`${op.url}/telemetry?limit=99999`);
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].field).toBe('limit');
  });

  it('overheats an emulated vehicle on demand: coolant above 230 °F within 5 s, named in its risk', async () => {
    const demo = await get('/api/v1/fleet/demo');
    expect(demo.available).toBe(true);
    expect(demo.vehicleIds).toHaveLength(4);
    const id = demo.vehicleIds[1] as string;
    const posted = Date.now();
    const started = await post('/simulate_anomaly', {
      vehicle_id: id,
      kind: 'coolant_overheat',
      duration_s: 60,
    });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ vehicle_id: id, kind: 'coolant_overheat' });
    expect(Date.parse(started.json.ends_at) - Date.parse(started.json.starts_at)).toBe(60_000);
    const hot = await within(
      5_000 - (Date.now() - posted),
      'coolant > 230 °F in GET /telemetry',
      async () => {
        const rows = (
          await get(
            `/telemetry?vehicle_id=${id}&since=${encodeURIComponent(started.json.starts_at)}`,
          )
        ).readings as { coolant_temp_f?: number }[];
        return rows.find((r) => (r.coolant_temp_f ?? 0) > 230);
      },
    );
    expect(hot.coolant_temp_f).toBeGreaterThan(230);
    const vehicle = (await get(`/api/v1/fleet/vehicles/${id}`)).vehicle;
    expect(vehicle.factors.map((f: { name: string }) => f.name)).toContain('overheating now');
    expect(['medium', 'high', 'critical']).toContain(vehicle.band);
    const list = (await get('/api/v1/fleet/vehicles?sort=risk')).vehicles;
    expect(list[0].score).toBeGreaterThanOrEqual(vehicle.score);
    const impact = await get('/api/v1/fleet/impact');
    expect(impact.costAtRisk).toBeGreaterThan(0);
    expect(impact.assumptions.costPerDowntimeHour).toBe(180);

    const unknown = await post('/simulate_anomaly', {
      vehicle_id: 'ghost-1',
      kind: 'vibration_spike',
    });
    expect(unknown.status).toBe(404);
  });
});
