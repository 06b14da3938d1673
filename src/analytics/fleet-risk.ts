/**
 * @module
 * Health and risk per vehicle, and what it may cost. From the validated readings of each vehicle
 * the model keeps per-minute means for the last hour and scores contributing factors: coolant
 * level against its baseline and its trend, vibration against its baseline, hours since service,
 * data quality, and live danger (overheating now, running away). Points add up to a 0–100 score
 * and a band (low, medium, high, critical). Each factor belongs to a failure mode; the business
 * view turns the modes' points into a chance of failure in the horizon, then into downtime hours
 * at risk and cost, with every assumption returned beside the figures. Pure: times come in.
 * Rules and worked examples: docs/fleet.md#risk.
 */
import type { CheckedReading, FleetField } from './fleet-quality.ts';

export const RISK_BANDS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

export const FAILURE_MODES = ['overheating', 'drivetrain', 'maintenance', 'sensor'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface RiskFactor {
  readonly name: string;
  readonly mode: FailureMode;
  /** Points this factor adds to the 0–100 score. */
  readonly points: number;
  /** One sentence with the numbers behind it. */
  readonly detail: string;
}

export interface BusinessAssumptions {
  /** What an hour of a vehicle off the road costs (lost work, replacement), in `currency`. */
  readonly costPerDowntimeHour: number;
  readonly currency: string;
  /** Days ahead the chance of failure is judged over. */
  readonly horizonDays: number;
  /** Per failure mode: hours off the road and repair cost when it fails. */
  readonly modes: Readonly<Record<FailureMode, { downtimeHours: number; repairCost: number }>>;
  /** Score points of one mode that mean a certain failure in the horizon (chance = points / this, capped). */
  readonly pointsForCertainFailure: number;
  readonly maxFailureChance: number;
}

export function defaultBusinessAssumptions(): BusinessAssumptions {
  return {
    costPerDowntimeHour: 180,
    currency: 'USD',
    horizonDays: 7,
    modes: {
      overheating: { downtimeHours: 16, repairCost: 3_500 },
      drivetrain: { downtimeHours: 24, repairCost: 5_200 },
      maintenance: { downtimeHours: 6, repairCost: 650 },
      sensor: { downtimeHours: 2, repairCost: 240 },
    },
    pointsForCertainFailure: 60,
    maxFailureChance: 0.9,
  };
}

export interface FleetRiskOptions {
  /** Engine hours between services. */
  readonly serviceIntervalHours: number;
  readonly business: BusinessAssumptions;
  /** Score thresholds of the medium, high and critical bands. */
  readonly bandThresholds: readonly [number, number, number];
}

export function defaultFleetRiskOptions(): FleetRiskOptions {
  return {
    serviceIntervalHours: 250,
    business: defaultBusinessAssumptions(),
    bandThresholds: [25, 50, 75],
  };
}

/** What is known of a vehicle beforehand (its profile). */
export interface VehicleBaseline {
  readonly coolant_temp_f?: number;
  readonly vibration_score?: number;
  /** Hours since service at `engineHoursAt` engine hours. */
  readonly hoursSinceService?: number;
  readonly engineHoursAt?: number;
}

export interface ModeExposure {
  readonly mode: FailureMode;
  readonly points: number;
  readonly failureChance: number;
  readonly downtimeHours: number;
  readonly cost: number;
}

export interface VehicleRisk {
  readonly vehicleId: string;
  readonly score: number;
  readonly band: RiskBand;
  /** Largest first. */
  readonly factors: readonly RiskFactor[];
  readonly lastSeenMs: number;
  readonly latest: Partial<Record<FleetField, number>>;
  /** Expected downtime hours in the horizon (sum over modes of chance × downtime). */
  readonly downtimeHoursAtRisk: number;
  /** Expected cost in the horizon (downtime cost plus repair, weighted by chance). */
  readonly costAtRisk: number;
  readonly exposure: readonly ModeExposure[];
  readonly readings: number;
  readonly issues: number;
}

export interface FleetImpact {
  readonly vehicles: number;
  readonly byBand: Readonly<Record<RiskBand, number>>;
  readonly downtimeHoursAtRisk: number;
  readonly costAtRisk: number;
  /** The vehicles carrying most of the cost, largest first (at most 10). */
  readonly topVehicles: readonly { vehicleId: string; costAtRisk: number; band: RiskBand }[];
  readonly assumptions: BusinessAssumptions & { readonly serviceIntervalHours: number };
}

const MINUTE_MS = 60_000;
const HISTORY_MINUTES = 60;

interface Minute {
  minute: number;
  coolantSum: number;
  coolantN: number;
  vibrationSum: number;
  vibrationN: number;
  readings: number;
  issues: number;
}

interface VehicleState {
  baseline: VehicleBaseline;
  minutes: Minute[];
  latest: Partial<Record<FleetField, number>>;
  lastSeenMs: number;
  readings: number;
  issues: number;
  /** Learned when the profile gives none: a slow mean of the first calm hour. */
  learnedCoolant?: number;
  learnedVibration?: number;
}

/**
 * @example
 * const risk = new FleetRisk();
 * risk.setBaseline('truck-01', { coolant_temp_f: 196, vibration_score: 1.1, hoursSinceService: 180, engineHoursAt: 4120 });
 * risk.observe(checked.reading, checked.issues.length);
 * risk.assess('truck-01', nowMs); // score, band, factors, cost
 */
export class FleetRisk {
  readonly options: FleetRiskOptions;
  readonly #vehicles = new Map<string, VehicleState>();

  constructor(options: Partial<FleetRiskOptions> = {}) {
    this.options = { ...defaultFleetRiskOptions(), ...options };
  }

  setBaseline(vehicleId: string, baseline: VehicleBaseline): void {
    this.#state(vehicleId).baseline = baseline;
  }

  /** Records a validated reading (and how many issues it had). */
  observe(reading: CheckedReading, issues = 0): void {
    const v = this.#state(reading.vehicleId);
    const minute = Math.floor(reading.timestampMs / MINUTE_MS);
    let m = v.minutes[v.minutes.length - 1];
    if (m === undefined || m.minute !== minute) {
      if (m !== undefined && minute < m.minute) {
        // An older reading: fold it into its minute if still kept, else ignore it.
        m = v.minutes.find((x) => x.minute === minute);
        if (m === undefined) return;
      } else {
        m = {
          minute,
          coolantSum: 0,
          coolantN: 0,
          vibrationSum: 0,
          vibrationN: 0,
          readings: 0,
          issues: 0,
        };
        v.minutes.push(m);
        while (
          v.minutes.length > 0 &&
          (v.minutes[0] as Minute).minute <= minute - HISTORY_MINUTES
        ) {
          v.minutes.shift();
        }
      }
    }
    const c = reading.values.coolant_temp_f;
    const vib = reading.values.vibration_score;
    if (c !== undefined) {
      m.coolantSum += c;
      m.coolantN++;
      if (v.baseline.coolant_temp_f === undefined && c < 225) {
        v.learnedCoolant =
          v.learnedCoolant === undefined ? c : v.learnedCoolant + 0.001 * (c - v.learnedCoolant);
      }
    }
    if (vib !== undefined) {
      m.vibrationSum += vib;
      m.vibrationN++;
      if (v.baseline.vibration_score === undefined) {
        v.learnedVibration =
          v.learnedVibration === undefined
            ? vib
            : v.learnedVibration + 0.001 * (vib - v.learnedVibration);
      }
    }
    m.readings++;
    m.issues += issues;
    v.readings++;
    v.issues += issues;
    if (reading.timestampMs >= v.lastSeenMs) {
      v.lastSeenMs = reading.timestampMs;
      Object.assign(v.latest, reading.values);
    }
  }

  /** Counts issues of a reading that could not be used at all (e.g. a bad timestamp). */
  observeIssuesOnly(vehicleId: string, atMs: number, issues: number): void {
    const v = this.#state(vehicleId);
    const minute = Math.floor(atMs / MINUTE_MS);
    const m = v.minutes[v.minutes.length - 1];
    if (m !== undefined && m.minute === minute) m.issues += issues;
    v.issues += issues;
  }

  vehicleIds(): string[] {
    return [...this.#vehicles.keys()].sort();
  }

  assess(vehicleId: string): VehicleRisk | undefined {
    const v = this.#vehicles.get(vehicleId);
    if (v === undefined || v.readings === 0) return undefined;
    const factors: RiskFactor[] = [];
    const add = (name: string, mode: FailureMode, points: number, detail: string): void => {
      if (points > 0) factors.push({ name, mode, points: Math.round(points * 10) / 10, detail });
    };
    const recent = v.minutes.slice(-5);
    const mean = (sum: (m: Minute) => number, n: (m: Minute) => number, of: readonly Minute[]) => {
      const total = of.reduce((s, m) => s + n(m), 0);
      return total === 0 ? undefined : of.reduce((s, m) => s + sum(m), 0) / total;
    };
    // Coolant: level now vs baseline, live overheating, and the trend over the hour.
    const coolantBase = v.baseline.coolant_temp_f ?? v.learnedCoolant;
    const coolantNow = mean(
      (m) => m.coolantSum,
      (m) => m.coolantN,
      recent,
    );
    const latestCoolant = v.latest.coolant_temp_f;
    if (latestCoolant !== undefined && latestCoolant >= 230) {
      add(
        'overheating now',
        'overheating',
        45,
        `coolant reads ${fmt(latestCoolant)} °F (≥ 230 °F)`,
      );
    } else if (coolantNow !== undefined && coolantBase !== undefined) {
      const above = coolantNow - coolantBase;
      if (above > 8) {
        add(
          'coolant above baseline',
          'overheating',
          Math.min(35, (above - 8) * 1.6 + 4),
          `coolant ${fmt(coolantNow)} °F over the last 5 min, ${fmt(above)} °F above its ${fmt(coolantBase)} °F baseline`,
        );
      }
    }
    const slope = trendPerHour(v.minutes, (m) =>
      m.coolantN === 0 ? undefined : m.coolantSum / m.coolantN,
    );
    if (slope !== undefined && slope > 2) {
      add(
        'coolant trending up',
        'overheating',
        Math.min(20, (slope - 2) * 2.5 + 3),
        `coolant rising ${fmt(slope)} °F per hour over the last ${v.minutes.length} min`,
      );
    }
    // Vibration against its baseline.
    const vibBase = v.baseline.vibration_score ?? v.learnedVibration;
    const vibNow = mean(
      (m) => m.vibrationSum,
      (m) => m.vibrationN,
      recent,
    );
    if (vibNow !== undefined && vibBase !== undefined && vibBase > 0) {
      const ratio = vibNow / vibBase;
      if (ratio > 1.25) {
        add(
          'vibration above baseline',
          'drivetrain',
          Math.min(45, (ratio - 1.25) * 30 + 5),
          `vibration ${fmt(vibNow, 2)} over the last 5 min, ${fmt(ratio, 2)}× its ${fmt(vibBase, 2)} baseline`,
        );
      }
    }
    // Hours since service.
    const interval = this.options.serviceIntervalHours;
    const since = this.#hoursSinceService(v);
    if (since !== undefined && since > interval * 0.8) {
      const over = since - interval;
      add(
        'service due',
        'maintenance',
        over <= 0 ? 5 : Math.min(25, 5 + (over / interval) * 40),
        over <= 0
          ? `${fmt(since)} engine hours since service, due at ${interval}`
          : `${fmt(since)} engine hours since service, ${fmt(over)} h overdue (interval ${interval} h)`,
      );
    }
    // Live danger: running away.
    const speed = v.latest.speed_mph;
    if (speed !== undefined && speed > 100) {
      add('speed anomaly', 'drivetrain', 20, `speed reads ${fmt(speed)} mph`);
    }
    // Data quality over the hour.
    const readings = v.minutes.reduce((s, m) => s + m.readings, 0);
    const issues = v.minutes.reduce((s, m) => s + m.issues, 0);
    const share = readings > 0 ? issues / readings : 0;
    if (share > 0.02) {
      add(
        'poor data quality',
        'sensor',
        Math.min(15, share * 100),
        `${issues} data-quality issues in ${readings} readings over the last hour (${fmt(share * 100)}%)`,
      );
    }
    factors.sort((a, b) => b.points - a.points || (a.name < b.name ? -1 : 1));
    const score = Math.min(100, Math.round(factors.reduce((s, f) => s + f.points, 0)));
    const exposure = this.#exposure(factors);
    return {
      vehicleId,
      score,
      band: bandOf(score, this.options.bandThresholds),
      factors,
      lastSeenMs: v.lastSeenMs,
      latest: { ...v.latest },
      downtimeHoursAtRisk: round2(exposure.reduce((s, e) => s + e.downtimeHours, 0)),
      costAtRisk: Math.round(exposure.reduce((s, e) => s + e.cost, 0)),
      exposure,
      readings: v.readings,
      issues: v.issues,
    };
  }

  assessAll(): VehicleRisk[] {
    const out: VehicleRisk[] = [];
    for (const id of this.vehicleIds()) {
      const r = this.assess(id);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  impact(risks: readonly VehicleRisk[] = this.assessAll()): FleetImpact {
    const byBand: Record<RiskBand, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    for (const r of risks) byBand[r.band]++;
    const top = [...risks]
      .filter((r) => r.costAtRisk > 0)
      .sort((a, b) => b.costAtRisk - a.costAtRisk || (a.vehicleId < b.vehicleId ? -1 : 1))
      .slice(0, 10)
      .map((r) => ({ vehicleId: r.vehicleId, costAtRisk: r.costAtRisk, band: r.band }));
    return {
      vehicles: risks.length,
      byBand,
      downtimeHoursAtRisk: round2(risks.reduce((s, r) => s + r.downtimeHoursAtRisk, 0)),
      costAtRisk: Math.round(risks.reduce((s, r) => s + r.costAtRisk, 0)),
      topVehicles: top,
      assumptions: {
        ...this.options.business,
        serviceIntervalHours: this.options.serviceIntervalHours,
      },
    };
  }

  #exposure(factors: readonly RiskFactor[]): ModeExposure[] {
    const b = this.options.business;
    return FAILURE_MODES.map((mode): ModeExposure => {
      const points = factors.filter((f) => f.mode === mode).reduce((s, f) => s + f.points, 0);
      const chance = Math.min(b.maxFailureChance, points / b.pointsForCertainFailure);
      const m = b.modes[mode];
      return {
        mode,
        points: round2(points),
        failureChance: round2(chance),
        downtimeHours: round2(chance * m.downtimeHours),
        cost: Math.round(chance * (m.downtimeHours * b.costPerDowntimeHour + m.repairCost)),
      };
    }).filter((e) => e.points > 0);
  }

  #hoursSinceService(v: VehicleState): number | undefined {
    const b = v.baseline;
    if (b.hoursSinceService === undefined) return undefined;
    const hours = v.latest.engine_hours;
    const ran =
      hours !== undefined && b.engineHoursAt !== undefined
        ? Math.max(0, hours - b.engineHoursAt)
        : 0;
    return b.hoursSinceService + ran;
  }

  #state(vehicleId: string): VehicleState {
    let v = this.#vehicles.get(vehicleId);
    if (v === undefined) {
      v = { baseline: {}, minutes: [], latest: {}, lastSeenMs: 0, readings: 0, issues: 0 };
      this.#vehicles.set(vehicleId, v);
    }
    return v;
  }
}

export function bandOf(
  score: number,
  [medium, high, critical]: readonly [number, number, number],
): RiskBand {
  return score >= critical
    ? 'critical'
    : score >= high
      ? 'high'
      : score >= medium
        ? 'medium'
        : 'low';
}

/**
 * Least-squares slope per hour of per-minute values; undefined with under 30 minutes, because a
 * shorter slope extrapolated to an hour mostly measures an engine warming up or noise.
 */
function trendPerHour(
  minutes: readonly Minute[],
  value: (m: Minute) => number | undefined,
): number | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const m of minutes) {
    const y = value(m);
    if (y !== undefined) {
      xs.push(m.minute);
      ys.push(y);
    }
  }
  if (xs.length < 30) return undefined;
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
