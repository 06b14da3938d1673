/**
 * @module
 * The demo's vehicle fleet: the fleet emulator (src/simulate/fleet-simulator.ts) run one reading
 * per vehicle per second of wall time, each second's readings handed to `FleetRuntime.ingest` —
 * the same path as POST /telemetry and MQTT, so validation, storage, risk and the dashboard see
 * exactly what a real fleet would produce. At start it backfills a few minutes so the fleet view
 * and the per-unit charts are not empty. It also answers POST /simulate_anomaly
 * (`FleetDemoControl`): an injected anomaly starts with the next generated second.
 */
import type { Clock } from '../contract/index.ts';
import type { FleetRuntime } from '../pipeline/index.ts';
import type { FleetDemoControl } from '../server/index.ts';
import {
  createFleetSimulator,
  DEFAULT_FLEET_PROFILE,
  type FleetAnomaly,
  type FleetAnomalyKind,
  type FleetProfile,
  type FleetSimulator,
  type VehicleProfile,
} from '../simulate/index.ts';
import type { Logger } from './logger.ts';

export interface DemoFleetOptions {
  readonly fleet: FleetRuntime;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly seed: number;
  readonly vehicles: number;
  readonly profile?: FleetProfile;
  /** History generated at start, ending now. */
  readonly backfillMs: number;
  /** Period of the live loop (each tick generates every second up to now). */
  readonly tickMs?: number;
}

export interface RunningDemoFleet extends FleetDemoControl {
  profiles(): readonly VehicleProfile[];
  stop(): Promise<void>;
}

/** Seconds of readings per ingest while backfilling (× vehicles readings per request). */
const BACKFILL_SLICE_S = 60;

export async function startDemoFleet(o: DemoFleetOptions): Promise<RunningDemoFleet> {
  const nowMs = o.clock.nowMs();
  const startMs = Math.floor((nowMs - o.backfillMs) / 1000) * 1000;
  const sim: FleetSimulator = createFleetSimulator({
    seed: o.seed,
    startMs,
    vehicles: o.vehicles,
    profile: o.profile ?? DEFAULT_FLEET_PROFILE,
  });
  o.fleet.setProfiles(sim.profiles());

  const ingestUntil = async (toMs: number): Promise<number> => {
    const readings = sim.runUntil(toMs).map((r) => r.reading);
    if (readings.length === 0) return 0;
    const r = await o.fleet.ingest(readings);
    return r.accepted + r.partial;
  };

  let backfilled = 0;
  while (sim.nowMs + BACKFILL_SLICE_S * 1000 <= nowMs) {
    backfilled += await ingestUntil(sim.nowMs + BACKFILL_SLICE_S * 1000);
  }
  backfilled += await ingestUntil(nowMs);
  o.logger.info(
    { vehicles: o.vehicles, seed: o.seed, readings: backfilled, fromMs: startMs },
    'demo fleet backfilled recent readings',
  );

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        // Every whole second up to now: a late tick catches up, never skips a second.
        await ingestUntil(o.clock.nowMs() + 1);
      } catch (err) {
        o.logger.warn({ err }, 'demo fleet tick failed');
      }
    });
  };
  const timer = setInterval(tick, o.tickMs ?? 500);
  return {
    inject(a: { kind: FleetAnomalyKind; vehicleId?: string; durationS: number }): FleetAnomaly {
      const anomaly = sim.inject(a);
      // Show it now rather than at the next tick.
      tick();
      return anomaly;
    },
    vehicleIds: () => sim.vehicleIds(),
    anomalies: () => sim.anomalies(),
    profiles: () => sim.profiles(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
