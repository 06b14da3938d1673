import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../contract/index.ts';
import type { FleetRuntime } from '../pipeline/index.ts';
import type { FleetReading, VehicleProfile } from '../simulate/index.ts';
import { startDemoFleet } from './demo-fleet.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 400);

/** Records what the demo hands to the runtime (the same call POST /telemetry makes). */
function fakeFleet() {
  const bodies: FleetReading[][] = [];
  const profiles: VehicleProfile[] = [];
  const fleet = {
    ingest: async (body: unknown) => {
      const readings = body as FleetReading[];
      bodies.push(readings);
      return {
        received: readings.length,
        accepted: readings.length,
        partial: 0,
        rejected: 0,
        samples: 0,
        issueCount: 0,
        issues: [],
      };
    },
    setProfiles: (p: readonly VehicleProfile[]) => profiles.push(...p),
  };
  return { fleet: fleet as unknown as FleetRuntime, bodies, profiles };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('demo fleet', () => {
  it('backfills, streams each second through ingest, and overheats on demand', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeFleet();
    const demo = await startDemoFleet({
      fleet: f.fleet,
      clock,
      logger: pino({ level: 'silent' }),
      seed: 42,
      vehicles: 3,
      backfillMs: 120_000,
      tickMs: 5,
    });
    try {
      expect(f.profiles.map((p) => p.vehicle_id)).toEqual(demo.vehicleIds());
      const backfill = f.bodies.flat();
      // 120 whole seconds ending at (and including) 12:00:00, 3 vehicles each.
      expect(backfill).toHaveLength(3 * 121);
      expect(backfill[0]?.ts).toBe('2026-01-01T11:58:00.000Z');
      expect(backfill.at(-1)?.ts).toBe('2026-01-01T12:00:00.000Z');
      const id = demo.vehicleIds()[2] as string;
      const a = demo.inject({ kind: 'coolant_overheat', vehicleId: id, durationS: 20 });
      expect(a).toMatchObject({ vehicleId: id, startMs: Date.UTC(2026, 0, 1, 12, 0, 1) });
      clock.advance(4_000);
      const hot = (): boolean =>
        f.bodies.flat().some((r) => r.vehicle_id === id && r.coolant_temp_f > 230);
      await until('an overheating reading', hot);
      expect(demo.anomalies()).toEqual([a]);
      // Never ahead of the clock.
      expect(Math.max(...f.bodies.flat().map((r) => Date.parse(r.ts)))).toBeLessThanOrEqual(
        clock.nowMs(),
      );
    } finally {
      await demo.stop();
    }
  });

  it('is deterministic for the same seed and clock', async () => {
    const run = async (): Promise<string> => {
      const f = fakeFleet();
      const demo = await startDemoFleet({
        fleet: f.fleet,
        clock: new VirtualClock(T0),
        logger: pino({ level: 'silent' }),
        seed: 9,
        vehicles: 7,
        backfillMs: 60_000,
      });
      await demo.stop();
      return JSON.stringify(f.bodies);
    };
    expect(await run()).toBe(await run());
  });
});
