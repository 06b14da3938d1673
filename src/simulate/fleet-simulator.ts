/**
 * @module
 * The vehicle-fleet emulator: N vehicles streaming OBD-II-style readings once a second. Each
 * vehicle follows drive cycles (idle, city, highway) that set its speed and engine speed; coolant
 * and intake air follow the load with thermal lag; vibration follows engine speed and wear;
 * engine hours accumulate while the engine runs. Per-vehicle wear drifts slowly (a failing
 * thermostat, a worn mount), and demo anomalies (overheat, vibration spike, speed anomaly) can be
 * injected; they show in the readings within seconds and end on their own.
 *
 * Vehicles come from a profile (JSON, see examples/fleet-profile.json): baselines per signal and
 * hours since the last service. Stateful but deterministic: the same profile, seed and start give
 * the same readings, second by second.
 */
import { createRng, normal, OpsError, type Rng, VEHICLE_ID_RE } from '../contract/index.ts';

/** The signals of one reading, in the field names of the original fleet lab. */
export const FLEET_SIGNALS = [
  'coolant_temp_f',
  'intake_air_temp_f',
  'engine_rpm',
  'speed_mph',
  'vibration_score',
  'engine_hours',
] as const;
export type FleetSignal = (typeof FLEET_SIGNALS)[number];

/** One reading as POST /telemetry takes it. */
export interface FleetReading {
  /** ISO 8601 with Z. */
  readonly ts: string;
  readonly vehicle_id: string;
  readonly coolant_temp_f: number;
  readonly intake_air_temp_f: number;
  readonly engine_rpm: number;
  readonly speed_mph: number;
  readonly vibration_score: number;
  readonly engine_hours: number;
}

export type FleetBaselines = Readonly<Record<FleetSignal, number>>;

export interface VehicleProfile {
  readonly vehicle_id: string;
  readonly model?: string;
  /** Warm running values (engine_hours: the odometer of hours at start). */
  readonly baselines: FleetBaselines;
  readonly hours_since_service: number;
}

export interface FleetProfile {
  readonly vehicles: readonly VehicleProfile[];
}

export const FLEET_ANOMALY_KINDS = [
  'coolant_overheat',
  'vibration_spike',
  'speed_anomaly',
] as const;
export type FleetAnomalyKind = (typeof FLEET_ANOMALY_KINDS)[number];

export interface FleetAnomaly {
  readonly vehicleId: string;
  readonly kind: FleetAnomalyKind;
  readonly startMs: number;
  readonly endMs: number;
}

export type DriveMode = 'idle' | 'city' | 'highway';

export interface FleetSimulatorOptions {
  readonly seed: number;
  /** Event time of the first reading, epoch ms (whole seconds). */
  readonly startMs: number;
  /** Vehicles; more than the profile has are derived from it with seeded variation. */
  readonly vehicles: number;
  readonly profile: FleetProfile;
  /** Chance per vehicle-second that a reading is sent damaged (for the validation layer). */
  readonly faultyReadingChance: number;
}

/** The built-in profile (the same vehicles as examples/fleet-profile.json). */
export const DEFAULT_FLEET_PROFILE: FleetProfile = {
  vehicles: [
    vehicle('truck-01', 'box truck', 196, 88, 1650, 42, 1.1, 4120, 180),
    vehicle('truck-02', 'box truck', 198, 90, 1700, 44, 1.3, 6210, 410),
    vehicle('van-03', 'delivery van', 192, 84, 1900, 31, 0.9, 2310, 60),
    vehicle('van-04', 'delivery van', 194, 86, 1850, 33, 1.0, 3380, 290),
    vehicle('tractor-05', 'tractor unit', 201, 92, 1450, 55, 1.6, 9870, 520),
    vehicle('pickup-06', 'pickup', 190, 82, 2000, 38, 0.8, 1540, 30),
  ],
};

function vehicle(
  id: string,
  model: string,
  coolant: number,
  intake: number,
  rpm: number,
  speed: number,
  vibration: number,
  hours: number,
  sinceService: number,
): VehicleProfile {
  return {
    vehicle_id: id,
    model,
    baselines: {
      coolant_temp_f: coolant,
      intake_air_temp_f: intake,
      engine_rpm: rpm,
      speed_mph: speed,
      vibration_score: vibration,
      engine_hours: hours,
    },
    hours_since_service: sinceService,
  };
}

export function defaultFleetSimulatorOptions(): FleetSimulatorOptions {
  return {
    seed: 1,
    startMs: Date.UTC(2026, 0, 1),
    vehicles: 6,
    profile: DEFAULT_FLEET_PROFILE,
    faultyReadingChance: 0.002,
  };
}

/**
 * Checks a parsed profile file; every problem is reported at once with its JSON path.
 * Returns the profile typed when valid.
 */
export function parseFleetProfile(value: unknown): FleetProfile {
  const problems: { field: string; reason: string }[] = [];
  const vehicles = (value as { vehicles?: unknown } | null)?.vehicles;
  if (!Array.isArray(vehicles) || vehicles.length === 0) {
    throw new OpsError('CONFIG_INVALID', 'a fleet profile needs a non-empty "vehicles" array', {
      items: [{ field: 'vehicles', reason: 'must be a non-empty array' }],
    });
  }
  const ids = new Set<string>();
  vehicles.forEach((v: unknown, i) => {
    const at = `vehicles[${i}]`;
    const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    if (typeof r.vehicle_id !== 'string' || !VEHICLE_ID_RE.test(r.vehicle_id)) {
      problems.push({ field: `${at}.vehicle_id`, reason: 'must be 1-64 letters, digits, _ . : -' });
    } else if (ids.has(r.vehicle_id)) {
      problems.push({ field: `${at}.vehicle_id`, reason: `duplicates ${r.vehicle_id}` });
    } else {
      ids.add(r.vehicle_id);
    }
    const b = (
      typeof r.baselines === 'object' && r.baselines !== null ? r.baselines : {}
    ) as Record<string, unknown>;
    for (const s of FLEET_SIGNALS) {
      const x = b[s];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        problems.push({ field: `${at}.baselines.${s}`, reason: 'must be a number >= 0' });
      }
    }
    const h = r.hours_since_service;
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0) {
      problems.push({ field: `${at}.hours_since_service`, reason: 'must be a number >= 0' });
    }
  });
  if (problems.length > 0) {
    throw new OpsError(
      'CONFIG_INVALID',
      `invalid fleet profile: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
      { items: problems },
    );
  }
  return value as FleetProfile;
}

interface VehicleState {
  readonly profile: VehicleProfile;
  readonly rng: Rng;
  mode: DriveMode;
  modeLeftS: number;
  speed: number;
  targetSpeed: number;
  rpm: number;
  coolant: number;
  intake: number;
  hours: number;
  /** Slow wear: extra coolant °F and vibration share that grow over the run. */
  readonly coolantDriftPerHour: number;
  readonly vibrationDriftPerHour: number;
  elapsedS: number;
  stuck: { field: FleetSignal; value: number; leftS: number } | undefined;
  /** Speed while a speed anomaly runs (the physics' own speed is kept beside it). */
  runaway: number | undefined;
}

/** How a damaged reading is damaged (ground truth for the validation tests). */
export type ReadingFault =
  | 'missing_field'
  | 'wrong_type'
  | 'out_of_range'
  | 'stuck_sensor'
  | 'impossible_jump';

export interface SimulatedReading {
  /** The reading as sent; a damaged one may break the schema (hence `unknown` fields). */
  readonly reading: FleetReading | Record<string, unknown>;
  readonly fault?: ReadingFault;
  readonly mode: DriveMode;
}

export function createFleetSimulator(options: Partial<FleetSimulatorOptions> = {}): FleetSimulator {
  return new FleetSimulator({ ...defaultFleetSimulatorOptions(), ...options });
}

/**
 * @example
 * const fleet = createFleetSimulator({ seed: 7, vehicles: 20 });
 * const firstSecond = fleet.step(); // one reading per vehicle
 * fleet.inject({ kind: 'coolant_overheat', durationS: 60 }); // a random vehicle, from now
 */
export class FleetSimulator {
  readonly options: FleetSimulatorOptions;
  readonly #vehicles: VehicleState[];
  readonly #rng: Rng;
  readonly #anomalies: FleetAnomaly[] = [];
  #nowMs: number;

  constructor(options: FleetSimulatorOptions) {
    const profile = parseFleetProfile(options.profile);
    if (!Number.isInteger(options.vehicles) || options.vehicles < 1 || options.vehicles > 10_000) {
      throw new OpsError('CONFIG_INVALID', 'vehicles must be an integer in 1..10000', {
        items: [{ field: 'vehicles', reason: 'must be an integer in 1..10000' }],
      });
    }
    this.options = options;
    this.#rng = createRng(options.seed ^ 0x0f1ee7);
    this.#nowMs = Math.floor(options.startMs / 1000) * 1000;
    this.#vehicles = [];
    for (let i = 0; i < options.vehicles; i++) {
      const base = profile.vehicles[i % profile.vehicles.length] as VehicleProfile;
      const rng = createRng((options.seed * 7919 + i * 104_729) | 0);
      const p = i < profile.vehicles.length ? base : derive(base, i, rng);
      const wear = rng.next();
      this.#vehicles.push({
        profile: p,
        rng,
        mode: 'idle',
        modeLeftS: 5 + Math.floor(rng.next() * 60),
        speed: 0,
        targetSpeed: 0,
        rpm: 750,
        coolant: p.baselines.coolant_temp_f - 10 * rng.next(),
        intake: p.baselines.intake_air_temp_f,
        hours: p.baselines.engine_hours,
        // About one vehicle in five wears noticeably.
        coolantDriftPerHour: wear > 0.8 ? 1.5 + 3 * rng.next() : 0.05 * rng.next(),
        vibrationDriftPerHour: wear > 0.85 ? 0.04 + 0.08 * rng.next() : 0.002 * rng.next(),
        elapsedS: 0,
        stuck: undefined,
        runaway: undefined,
      });
    }
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  vehicleIds(): string[] {
    return this.#vehicles.map((v) => v.profile.vehicle_id);
  }

  profiles(): VehicleProfile[] {
    return this.#vehicles.map((v) => v.profile);
  }

  /** Injected anomalies so far (ground truth). */
  anomalies(): readonly FleetAnomaly[] {
    return this.#anomalies;
  }

  /**
   * Starts a demo anomaly now on `vehicleId` (default: a seeded pick) for `durationS` seconds.
   * Throws OpsError NOT_FOUND for an unknown vehicle.
   */
  inject(o: { kind: FleetAnomalyKind; vehicleId?: string; durationS: number }): FleetAnomaly {
    const id =
      o.vehicleId ??
      (this.#vehicles[Math.floor(this.#rng.next() * this.#vehicles.length)] as VehicleState).profile
        .vehicle_id;
    if (!this.#vehicles.some((v) => v.profile.vehicle_id === id)) {
      throw new OpsError('NOT_FOUND', `no vehicle ${id} in the fleet`, {
        items: [{ field: 'vehicle_id', reason: `unknown vehicle ${id}` }],
      });
    }
    const a: FleetAnomaly = {
      vehicleId: id,
      kind: o.kind,
      startMs: this.#nowMs,
      endMs: this.#nowMs + Math.max(1, Math.round(o.durationS)) * 1000,
    };
    this.#anomalies.push(a);
    return a;
  }

  /** One second: a reading per vehicle at the current time, then the clock moves on. */
  step(): SimulatedReading[] {
    const t = this.#nowMs;
    const out = this.#vehicles.map((v) => this.#stepVehicle(v, t));
    this.#nowMs += 1000;
    return out;
  }

  /** Every second before `toMs`. */
  runUntil(toMs: number): SimulatedReading[] {
    const out: SimulatedReading[] = [];
    while (this.#nowMs < toMs) out.push(...this.step());
    return out;
  }

  #active(v: VehicleState, t: number, kind: FleetAnomalyKind): FleetAnomaly | undefined {
    for (const a of this.#anomalies) {
      if (
        a.vehicleId === v.profile.vehicle_id &&
        a.kind === kind &&
        t >= a.startMs &&
        t < a.endMs
      ) {
        return a;
      }
    }
    return undefined;
  }

  #stepVehicle(v: VehicleState, t: number): SimulatedReading {
    const r = v.rng;
    const b = v.profile.baselines;
    v.elapsedS++;
    // A runaway that just ended hands its speed back to the physics, which brakes normally.
    if (v.runaway !== undefined && this.#active(v, t, 'speed_anomaly') === undefined) {
      v.speed = v.runaway;
      v.runaway = undefined;
    }
    // Drive cycle: pick a new mode when the current one runs out.
    if (--v.modeLeftS <= 0) {
      const u = r.next();
      v.mode = u < 0.2 ? 'idle' : u < 0.65 ? 'city' : 'highway';
      v.modeLeftS =
        v.mode === 'idle' ? 20 + Math.floor(r.next() * 90) : 60 + Math.floor(r.next() * 400);
    }
    if (v.mode === 'idle') v.targetSpeed = 0;
    else if (v.mode === 'city') {
      // Stop and go: a new target every so often.
      if (r.next() < 0.08) v.targetSpeed = r.next() < 0.3 ? 0 : 15 + 25 * r.next();
    } else if (r.next() < 0.03 || v.targetSpeed < 45) {
      v.targetSpeed = Math.max(45, b.speed_mph + 12 + 8 * normal(r));
    }
    // Speed moves toward the target at a plausible acceleration (≤ ~6 mph/s).
    const dv = Math.max(-6, Math.min(4, (v.targetSpeed - v.speed) * 0.35));
    v.speed = Math.max(0, v.speed + dv + 0.3 * normal(r));
    if (v.targetSpeed === 0 && v.speed < 1) v.speed = 0;
    // Engine speed: idle ~750, then by gear-ish ratio with load from acceleration.
    const ratio = b.engine_rpm / Math.max(10, b.speed_mph);
    const rpmTarget =
      v.speed < 1 ? 750 : Math.min(3200, 900 + v.speed * ratio * 0.55 + Math.max(0, dv) * 120);
    v.rpm += (rpmTarget - v.rpm) * 0.5 + 25 * normal(r);
    v.rpm = Math.max(600, v.rpm);
    const load = Math.min(1.2, (v.rpm - 700) / 2200);
    const hoursRun = v.elapsedS / 3600;
    // Coolant follows load with lag around a thermostat-held baseline, plus wear drift.
    const coolantTarget = b.coolant_temp_f + 8 * (load - 0.4) + v.coolantDriftPerHour * hoursRun;
    v.coolant += (coolantTarget - v.coolant) * 0.02 + 0.15 * normal(r);
    const intakeTarget = b.intake_air_temp_f + 10 * load - 0.08 * v.speed;
    v.intake += (intakeTarget - v.intake) * 0.05 + 0.2 * normal(r);
    v.hours += 1 / 3600;
    let vibration =
      b.vibration_score *
        (0.7 + 0.5 * (v.rpm / Math.max(1, b.engine_rpm))) *
        (1 + v.vibrationDriftPerHour * hoursRun) +
      0.05 * normal(r);
    let coolant = v.coolant;
    let speed = v.speed;
    let rpm = v.rpm;

    // Demo anomalies: ramp in over ~3 s so they read as a fault, not a glitch.
    // Demo anomalies drive the vehicle's own state, so when one ends the physics takes it back
    // gradually (coolant cools with its thermal lag, the vehicle brakes at a normal rate) rather
    // than jumping in a way no sensor could report.
    const overheat = this.#active(v, t, 'coolant_overheat');
    if (overheat !== undefined) {
      // Ramps in over ~3 s (at most ~30 °F/s from a cold engine) to 52-56 °F above baseline.
      const s = (t - overheat.startMs) / 1000;
      v.coolant = Math.max(
        v.coolant,
        b.coolant_temp_f + Math.min(1, (s + 1) / 3) * (52 + 4 * r.next()),
      );
      coolant = v.coolant;
    }
    const spike = this.#active(v, t, 'vibration_spike');
    if (spike !== undefined) {
      const s = (t - spike.startMs) / 1000;
      vibration = vibration * (1 + Math.min(1, (s + 1) / 2) * (2.5 + r.next()));
    }
    const speedy = this.#active(v, t, 'speed_anomaly');
    if (speedy !== undefined) {
      // A runaway climb of 22 mph a second to ~115 mph: past 90 mph within 5 s even from a
      // standstill, yet a change a sensor can report (validation flags > 25 mph/s).
      v.runaway = Math.min(114 + 4 * r.next(), (v.runaway ?? v.speed) + 22);
      speed = v.runaway;
      rpm = Math.max(rpm, 3_900 + 300 * r.next());
    }

    const reading: FleetReading = {
      ts: new Date(t).toISOString(),
      vehicle_id: v.profile.vehicle_id,
      coolant_temp_f: round1(coolant),
      intake_air_temp_f: round1(v.intake),
      engine_rpm: Math.round(rpm),
      speed_mph: round1(speed),
      vibration_score: Math.round(Math.max(0, vibration) * 1000) / 1000,
      engine_hours: Math.round(v.hours * 1000) / 1000,
    };
    return this.#maybeDamage(v, reading);
  }

  /** Occasionally sends a damaged reading, as real telematics units do. */
  #maybeDamage(v: VehicleState, reading: FleetReading): SimulatedReading {
    const r = v.rng;
    if (v.stuck !== undefined) {
      const stuck = v.stuck;
      if (--stuck.leftS <= 0) v.stuck = undefined;
      return {
        reading: { ...reading, [stuck.field]: stuck.value },
        fault: 'stuck_sensor',
        mode: v.mode,
      };
    }
    if (r.next() >= this.options.faultyReadingChance) return { reading, mode: v.mode };
    const u = r.next();
    if (u < 0.2) {
      const { intake_air_temp_f: _dropped, ...rest } = reading;
      return { reading: rest, fault: 'missing_field', mode: v.mode };
    }
    if (u < 0.35) {
      return {
        reading: { ...reading, engine_rpm: String(reading.engine_rpm) },
        fault: 'wrong_type',
        mode: v.mode,
      };
    }
    if (u < 0.6) {
      return { reading: { ...reading, coolant_temp_f: -40 }, fault: 'out_of_range', mode: v.mode };
    }
    if (u < 0.8) {
      // Three minutes: longer than validation's 120-reading stuck rule, so it is caught.
      v.stuck = { field: 'intake_air_temp_f', value: reading.intake_air_temp_f, leftS: 180 };
      return { reading, mode: v.mode };
    }
    return {
      reading: { ...reading, engine_hours: reading.engine_hours + 500 },
      fault: 'impossible_jump',
      mode: v.mode,
    };
  }
}

/** A vehicle beyond the profile: the base one with seeded variation and its own id. */
function derive(base: VehicleProfile, i: number, rng: Rng): VehicleProfile {
  const jitter = (x: number, share: number): number =>
    Math.round(x * (1 + share * (2 * rng.next() - 1)) * 100) / 100;
  const b = base.baselines;
  return {
    vehicle_id: `${base.vehicle_id.replace(/-\d+$/, '')}-${String(i + 1).padStart(2, '0')}`,
    ...(base.model === undefined ? {} : { model: base.model }),
    baselines: {
      coolant_temp_f: jitter(b.coolant_temp_f, 0.02),
      intake_air_temp_f: jitter(b.intake_air_temp_f, 0.05),
      engine_rpm: jitter(b.engine_rpm, 0.08),
      speed_mph: jitter(b.speed_mph, 0.15),
      vibration_score: jitter(b.vibration_score, 0.2),
      engine_hours: jitter(b.engine_hours, 0.6),
    },
    hours_since_service: Math.round(rng.next() * 600),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
