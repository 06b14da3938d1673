import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SampleBatch, VirtualClock } from '../contract/index.ts';
import { createFleetSimulator } from '../simulate/index.ts';
import {
  defaultEmbeddedStoreOptions,
  MemoryStateStore,
  openEmbeddedStore,
  type Store,
} from '../store/index.ts';
import { FLEET_QUALITY_LOG, FleetRuntime } from './fleet-runtime.ts';
import { createInProcessBus } from './in-process-bus.ts';

const T0 = Date.UTC(2026, 3, 1, 12);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig() {
  const home = await mkdtemp(join(tmpdir(), 'opsight-fleet-'));
  cleanups.push(() => rm(home, { recursive: true, force: true }));
  const clock = new VirtualClock(T0);
  const store: Store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: home,
    clock,
    maintenanceIntervalMs: 0,
    retentionMs: 30 * 86_400_000,
  });
  cleanups.push(() => store.close());
  const bus = createInProcessBus({ clock });
  const published: SampleBatch[] = [];
  bus.subscribe(({ batch }) => {
    published.push(batch);
  });
  const state = new MemoryStateStore();
  const logger = { warn: () => {}, error: () => {} };
  const fleet = await new FleetRuntime({ store, bus, clock, logger, state }).open();
  return { clock, store, bus, state, fleet, published };
}

const good = (over: Record<string, unknown> = {}, atMs = T0) => ({
  ts: new Date(atMs).toISOString(),
  vehicle_id: 'truck-01',
  coolant_temp_f: 196,
  intake_air_temp_f: 88,
  engine_rpm: 1650,
  speed_mph: 42,
  vibration_score: 1.1,
  engine_hours: 4120,
  ...over,
});

describe('FleetRuntime', () => {
  it('stores each valid field as a metric of the vehicle, durably, then publishes', async () => {
    const { fleet, store, published } = await rig();
    const res = await fleet.ingest(good());
    expect(res).toMatchObject({
      received: 1,
      accepted: 1,
      partial: 0,
      rejected: 0,
      samples: 6,
      issueCount: 0,
    });
    const pts = await store.select({
      metric: 'coolant_temp_f',
      matchers: [{ name: 'vehicle_id', op: '=', value: 'truck-01' }],
      fromMs: T0 - 1,
      toMs: T0 + 1,
    });
    expect(pts[0]?.points).toEqual([[T0, 196]]);
    await new Promise((r) => setImmediate(r));
    expect(published).toHaveLength(1);
  });

  it('keeps the valid fields of a partly bad reading, marks it, and stores the issue as an event', async () => {
    const { fleet, store, state } = await rig();
    const res = await fleet.ingest([
      good(),
      good({ vehicle_id: 'van-03', coolant_temp_f: -40, engine_rpm: 'x' }),
    ]);
    expect(res).toMatchObject({ received: 2, accepted: 1, partial: 1, rejected: 0, issueCount: 2 });
    expect(res.issues.map((i) => [i.item, i.vehicleId, i.field, i.rule])).toEqual([
      [1, 'van-03', 'coolant_temp_f', 'out_of_range'],
      [1, 'van-03', 'engine_rpm', 'wrong_type'],
    ]);
    const recent = fleet.recent({ vehicleId: 'van-03' });
    expect(recent).toHaveLength(1);
    expect(recent[0]).toMatchObject({
      vehicle_id: 'van-03',
      speed_mph: 42,
      invalid_fields: ['coolant_temp_f', 'engine_rpm'],
    });
    expect(recent[0]?.coolant_temp_f).toBeUndefined();
    const logged = await state.log(FLEET_QUALITY_LOG).read();
    expect(logged).toHaveLength(2);
    const marks = await store.select({
      metric: 'fleet_quality_issues',
      matchers: [{ name: 'vehicle_id', op: '=', value: 'van-03' }],
      fromMs: T0 - 1,
      toMs: T0 + 1,
    });
    expect(marks.map((s) => s.labels.rule).sort()).toEqual(['out_of_range', 'wrong_type']);
    expect(fleet.vehicle('van-03')?.quality).toEqual({
      coolant_temp_f: { out_of_range: 1 },
      engine_rpm: { wrong_type: 1 },
    });
  });

  it('a reading with nothing usable is counted and logged, never silently lost', async () => {
    const { fleet, state } = await rig();
    const res = await fleet.ingest([{ vehicle_id: 'truck-01' }, 42]);
    expect(res).toMatchObject({ received: 2, accepted: 0, partial: 0, rejected: 2 });
    expect(res.issueCount).toBeGreaterThanOrEqual(8); // no ts, six missing fields, not an object
    expect((await state.log(FLEET_QUALITY_LOG).read()).length).toBe(res.issueCount);
    expect(fleet.qualityReport().totals).toEqual({ checked: 2, withIssues: 2 });
  });

  it('rejects a body that is not a reading or a list of readings', async () => {
    const { fleet } = await rig();
    await expect(fleet.ingest('hello')).rejects.toThrow(/one reading as a JSON object/);
    await expect(fleet.ingest(null)).rejects.toThrow(/one reading as a JSON object/);
  });

  it('GET /telemetry window: filters by vehicle and since, newest kept under the limit', async () => {
    const { fleet, clock } = await rig();
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await fleet.ingest([good({}, T0 + i * 1000), good({ vehicle_id: 'van-03' }, T0 + i * 1000)]);
    }
    expect(fleet.recent({ limit: 1000 })).toHaveLength(60);
    const since = fleet.recent({ vehicleId: 'van-03', sinceMs: T0 + 25_000, limit: 1000 });
    expect(since.map((r) => r.ts)).toEqual(
      [25, 26, 27, 28, 29].map((s) => new Date(T0 + s * 1000).toISOString()),
    );
    expect(fleet.recent({ limit: 3 }).map((r) => r.ts)).toEqual([
      new Date(T0 + 28_000).toISOString(),
      new Date(T0 + 29_000).toISOString(),
      new Date(T0 + 29_000).toISOString(),
    ]);
  });

  it('the emulator fleet with an overheat: the vehicle turns high risk with the factor named', async () => {
    const { fleet, clock } = await rig();
    const sim = createFleetSimulator({ seed: 3, startMs: T0, vehicles: 6, faultyReadingChance: 0 });
    fleet.setProfiles(sim.profiles());
    for (let s = 0; s < 600; s++) {
      await fleet.ingest(sim.step().map((r) => r.reading));
      clock.advance(1000);
    }
    expect(fleet.vehicle('van-03')?.band).toBe('low');
    sim.inject({ kind: 'coolant_overheat', vehicleId: 'van-03', durationS: 600 });
    for (let s = 0; s < 300; s++) {
      await fleet.ingest(sim.step().map((r) => r.reading));
      clock.advance(1000);
    }
    const v = fleet.vehicle('van-03');
    expect(v?.factors[0]?.name).toBe('overheating now');
    expect(['high', 'critical']).toContain(v?.band);
    expect(fleet.vehicles()).toHaveLength(6);
    expect(fleet.impact().costAtRisk).toBeGreaterThan(0);
  });
});
