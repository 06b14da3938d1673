import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isOpsError } from '../contract/index.ts';
import {
  createFleetSimulator,
  DEFAULT_FLEET_PROFILE,
  type FleetReading,
  parseFleetProfile,
  type SimulatedReading,
} from './fleet-simulator.ts';

const T0 = Date.UTC(2026, 0, 1);

describe('fleet emulator', () => {
  it('is deterministic by seed (pinned digest of the first 10 minutes)', () => {
    const digest = (seed: number): string => {
      const fleet = createFleetSimulator({ seed, startMs: T0, vehicles: 12 });
      return createHash('sha256')
        .update(JSON.stringify(fleet.runUntil(T0 + 600_000)))
        .digest('hex');
    };
    expect(digest(7)).toBe('025b58e34d777d0e90b01a78ca7e4b0421bfe31057b14e5664e138379be00181');
    expect(digest(8)).not.toBe(digest(7));
  });

  it('sends one reading per vehicle per second, with unique ids beyond the profile', () => {
    const fleet = createFleetSimulator({ seed: 1, startMs: T0, vehicles: 20 });
    const ids = fleet.vehicleIds();
    expect(new Set(ids).size).toBe(20);
    const second = fleet.step();
    expect(second).toHaveLength(20);
    expect(second.map((r) => r.reading.vehicle_id)).toEqual(ids);
    expect(fleet.step()[0]?.reading.ts).toBe(new Date(T0 + 1000).toISOString());
  });

  it('drives idle, city and highway cycles with plausible values', () => {
    const fleet = createFleetSimulator({
      seed: 2,
      startMs: T0,
      vehicles: 6,
      faultyReadingChance: 0,
    });
    const all = fleet.runUntil(T0 + 3_600_000);
    const modes = new Set(all.map((r) => r.mode));
    expect(modes).toEqual(new Set(['idle', 'city', 'highway']));
    const range = (f: keyof FleetReading): [number, number] => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const { reading } of all) {
        const x = (reading as FleetReading)[f] as number;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      return [lo, hi];
    };
    expect(all.every((r) => r.fault === undefined)).toBe(true);
    const [coolLo, coolHi] = range('coolant_temp_f');
    expect(coolLo).toBeGreaterThan(150);
    expect(coolHi).toBeLessThan(230);
    const [rpmLo, rpmHi] = range('engine_rpm');
    expect(rpmLo).toBeGreaterThanOrEqual(600);
    expect(rpmHi).toBeLessThanOrEqual(3400);
    const [speedLo, speedHi] = range('speed_mph');
    expect(speedLo).toBeGreaterThanOrEqual(0);
    expect(speedHi).toBeLessThan(95);
    expect(range('vibration_score')[0]).toBeGreaterThanOrEqual(0);
    const highway = all
      .filter((r) => r.mode === 'highway')
      .map((r) => (r.reading as FleetReading).speed_mph);
    expect(highway.reduce((s, x) => s + x, 0) / highway.length).toBeGreaterThan(40);
    // Engine hours grow by one per hour of running.
    const first = all[0]?.reading as FleetReading;
    const last = all[all.length - 6]?.reading as FleetReading;
    expect(last.engine_hours - first.engine_hours).toBeCloseTo(1, 1);
  });

  it('an overheat shows within 5 seconds well above 230 °F and ends on its own', () => {
    const fleet = createFleetSimulator({
      seed: 3,
      startMs: T0,
      vehicles: 6,
      faultyReadingChance: 0,
    });
    fleet.runUntil(T0 + 120_000);
    const a = fleet.inject({ kind: 'coolant_overheat', vehicleId: 'van-03', durationS: 30 });
    const coolant = (): number =>
      (
        (fleet.step().find((r) => r.reading.vehicle_id === 'van-03') as SimulatedReading)
          .reading as FleetReading
      ).coolant_temp_f;
    const firstFive = [coolant(), coolant(), coolant(), coolant(), coolant()];
    expect(Math.max(...firstFive)).toBeGreaterThan(235);
    // It cools down with the engine's thermal lag: back near normal within two minutes.
    fleet.runUntil(a.endMs + 120_000);
    expect(coolant()).toBeLessThan(215);
  });

  it('a vibration spike and a speed anomaly show at once and end', () => {
    const fleet = createFleetSimulator({
      seed: 4,
      startMs: T0,
      vehicles: 6,
      faultyReadingChance: 0,
    });
    const before = fleet.runUntil(T0 + 300_000).filter((r) => r.reading.vehicle_id === 'truck-02');
    const vib = before.map((r) => (r.reading as FleetReading).vibration_score);
    const normalMax = Math.max(...vib);
    fleet.inject({ kind: 'vibration_spike', vehicleId: 'truck-02', durationS: 10 });
    fleet.inject({ kind: 'speed_anomaly', vehicleId: 'truck-02', durationS: 10 });
    const during = fleet
      .runUntil(fleet.nowMs + 5_000)
      .filter((r) => r.reading.vehicle_id === 'truck-02');
    expect(
      Math.max(...during.map((r) => (r.reading as FleetReading).vibration_score)),
    ).toBeGreaterThan(normalMax * 1.8);
    const speeds = during.map((r) => (r.reading as FleetReading).speed_mph);
    expect(speeds[speeds.length - 1]).toBeGreaterThan(90); // within 5 s
    for (let i = 1; i < speeds.length; i++) {
      // Fast, but a jump a sensor can report (validation flags faster ones as impossible).
      expect((speeds[i] as number) - (speeds[i - 1] as number)).toBeLessThan(25);
    }
    const after = fleet
      .runUntil(fleet.nowMs + 30_000)
      .filter((r) => r.reading.vehicle_id === 'truck-02');
    const last = after[after.length - 1] as SimulatedReading;
    expect((last.reading as FleetReading).speed_mph).toBeLessThan(95);
  });

  it('damages a small share of readings in the ways the validation layer must catch', () => {
    const fleet = createFleetSimulator({
      seed: 5,
      startMs: T0,
      vehicles: 50,
      faultyReadingChance: 0.01,
    });
    const all = fleet.runUntil(T0 + 600_000);
    const faults = new Set(all.map((r) => r.fault).filter((f) => f !== undefined));
    expect(faults).toEqual(
      new Set(['missing_field', 'wrong_type', 'out_of_range', 'stuck_sensor', 'impossible_jump']),
    );
    const share =
      all.filter((r) => r.fault !== undefined && r.fault !== 'stuck_sensor').length / all.length;
    expect(share).toBeGreaterThan(0.004);
    expect(share).toBeLessThan(0.012);
  });

  it('unknown vehicles and bad profiles are named', () => {
    const fleet = createFleetSimulator({ seed: 1 });
    expect(() =>
      fleet.inject({ kind: 'coolant_overheat', vehicleId: 'nope', durationS: 5 }),
    ).toThrow(/no vehicle nope/);
    try {
      parseFleetProfile({ vehicles: [{ vehicle_id: 'a', baselines: { coolant_temp_f: 'hot' } }] });
      expect.unreachable();
    } catch (err) {
      expect(isOpsError(err) && err.items.map((i) => i.field)).toContain(
        'vehicles[0].baselines.coolant_temp_f',
      );
      expect(isOpsError(err) && err.items.map((i) => i.field)).toContain(
        'vehicles[0].hours_since_service',
      );
    }
  });

  it('the sample profile in examples/ is valid and is the built-in default', () => {
    const file = JSON.parse(
      readFileSync(new URL('../../examples/fleet-profile.json', import.meta.url), 'utf8'),
    );
    expect(parseFleetProfile(file)).toEqual(DEFAULT_FLEET_PROFILE);
  });
});
