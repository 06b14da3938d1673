/**
 * @module
 * The fleet validation layer: every reading is checked field by field against documented rules
 * (docs/fleet.md#validation): missing fields, wrong types, ranges, stale or future timestamps,
 * stuck sensors and impossible jumps. Nothing is dropped silently: the valid fields of a partly
 * bad reading are kept and the bad ones are marked, every issue is counted per vehicle and field
 * and returned as a data-quality event with its reason. Pure and stateful per vehicle (stuck and
 * jump rules compare with earlier readings); time comes in as an argument.
 */
import { VEHICLE_ID_RE } from '../contract/index.ts';

/** Signals a reading carries (the original fleet lab's field names). */
export const FLEET_FIELDS = [
  'coolant_temp_f',
  'intake_air_temp_f',
  'engine_rpm',
  'speed_mph',
  'vibration_score',
  'engine_hours',
] as const;
export type FleetField = (typeof FLEET_FIELDS)[number];

export interface FieldRule {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** Largest believable change per second against the last valid value (absent: no check). */
  readonly maxChangePerS?: number;
  /** The value may never go down (engine hours). */
  readonly monotonic?: boolean;
  /** Identical readings in a row, with the engine running, that mean a stuck sensor (absent: no check). */
  readonly stuckAfter?: number;
  readonly why: string;
}

/** The documented per-field rules (docs/fleet.md#validation). */
export const FLEET_FIELD_RULES: Readonly<Record<FleetField, FieldRule>> = {
  coolant_temp_f: {
    min: -30,
    max: 300,
    unit: '°F',
    maxChangePerS: 30,
    stuckAfter: 120,
    why: 'OBD-II PID 0x05 reads -40 °F when the sensor is disconnected; above 300 °F the engine would be destroyed',
  },
  intake_air_temp_f: {
    min: -30,
    max: 250,
    unit: '°F',
    maxChangePerS: 30,
    stuckAfter: 120,
    why: 'PID 0x0F; -40 °F is the open-circuit floor',
  },
  engine_rpm: {
    min: 0,
    max: 8_000,
    unit: 'rpm',
    maxChangePerS: 4_000,
    stuckAfter: 60,
    why: 'PID 0x0C; no road engine here revs past 8,000',
  },
  speed_mph: {
    min: 0,
    max: 160,
    unit: 'mph',
    maxChangePerS: 25,
    why: 'PID 0x0D tops out at 255 km/h (158 mph); 25 mph in a second is beyond any truck',
  },
  vibration_score: {
    min: 0,
    max: 10,
    unit: 'score',
    stuckAfter: 120,
    why: 'the accelerometer score is 0..10',
  },
  engine_hours: {
    min: 0,
    max: 1_000_000,
    unit: 'h',
    maxChangePerS: 0.01,
    monotonic: true,
    why: 'engine hours only grow, by at most 1 s per second (0.01 h allows for rounding)',
  },
};

export type QualityRule =
  | 'missing_field'
  | 'wrong_type'
  | 'out_of_range'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_timestamp'
  | 'bad_vehicle_id'
  | 'stuck_sensor'
  | 'impossible_jump'
  | 'not_an_object';

/** One data-quality finding: which vehicle and field, what rule, and why. */
export interface QualityIssue {
  /** The vehicle, or `unknown` when the reading did not name one usable. */
  readonly vehicleId: string;
  /** The field, or `reading` for the reading as a whole, `ts` for its time. */
  readonly field: string;
  readonly rule: QualityRule;
  readonly reason: string;
  /** The offending value, as sent (JSON-safe). */
  readonly value?: unknown;
  /** Event time of the reading when known, else the time it was checked. */
  readonly atMs: number;
  /** Index of the reading in its request. */
  readonly item?: number;
}

/** The usable part of a reading: its valid fields, and the names of the rejected ones. */
export interface CheckedReading {
  readonly vehicleId: string;
  readonly timestampMs: number;
  readonly values: Partial<Record<FleetField, number>>;
  readonly invalidFields: readonly FleetField[];
}

export interface CheckResult {
  /** Absent when nothing was usable (no vehicle, no time, or no valid field). */
  readonly reading?: CheckedReading;
  readonly issues: readonly QualityIssue[];
}

export interface FleetQualityOptions {
  /** Readings older than this (vs the check time) are stale. */
  readonly maxAgeMs: number;
  /** Readings further ahead than this are from the future. */
  readonly maxAheadMs: number;
  readonly rules: Readonly<Record<FleetField, FieldRule>>;
  /** Vehicles whose history is kept for the stuck and jump rules (least recent evicted). */
  readonly maxVehicles: number;
}

export function defaultFleetQualityOptions(): FleetQualityOptions {
  return {
    maxAgeMs: 24 * 3_600_000,
    maxAheadMs: 60_000,
    rules: FLEET_FIELD_RULES,
    maxVehicles: 100_000,
  };
}

interface FieldHistory {
  lastValid: number;
  lastMs: number;
  same: number;
  /** Jump rejections in a row: after 10 the new level is accepted (a re-based sensor). */
  rejects: number;
}

/**
 * @example
 * const quality = new FleetQuality();
 * const { reading, issues } = quality.check(body[0], Date.now(), 0);
 */
export class FleetQuality {
  readonly options: FleetQualityOptions;
  readonly #history = new Map<string, Map<FleetField, FieldHistory>>();
  /** vehicle → field → rule → count. */
  readonly #counts = new Map<string, Map<string, Map<QualityRule, number>>>();
  #checked = 0;
  #withIssues = 0;

  constructor(options: Partial<FleetQualityOptions> = {}) {
    this.options = { ...defaultFleetQualityOptions(), ...options };
  }

  /** Checks one reading as received (any JSON value) at `nowMs`. */
  check(raw: unknown, nowMs: number, item?: number): CheckResult {
    this.#checked++;
    const issues: QualityIssue[] = [];
    const at = item === undefined ? {} : { item };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push({
        vehicleId: 'unknown',
        field: 'reading',
        rule: 'not_an_object',
        reason: `a reading is a JSON object, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`,
        atMs: nowMs,
        ...at,
      });
      return this.#done(issues);
    }
    const r = raw as Record<string, unknown>;
    const id = r.vehicle_id;
    let vehicleId = 'unknown';
    if (typeof id !== 'string' || !VEHICLE_ID_RE.test(id)) {
      issues.push({
        vehicleId,
        field: 'vehicle_id',
        rule: id === undefined ? 'missing_field' : 'bad_vehicle_id',
        reason:
          id === undefined
            ? 'vehicle_id is required'
            : 'vehicle_id must be 1-64 letters, digits, _ . : -',
        ...(id === undefined ? {} : { value: jsonSafe(id) }),
        atMs: nowMs,
        ...at,
      });
    } else {
      vehicleId = id;
    }
    const ts = r.ts;
    let timestampMs: number | undefined;
    if (ts === undefined) {
      issues.push({
        vehicleId,
        field: 'ts',
        rule: 'missing_field',
        reason: 'ts is required',
        atMs: nowMs,
        ...at,
      });
    } else {
      const ms = typeof ts === 'string' ? parseIso(ts) : typeof ts === 'number' ? ts : Number.NaN;
      if (!Number.isFinite(ms)) {
        issues.push({
          vehicleId,
          field: 'ts',
          rule: 'bad_timestamp',
          reason: 'ts must be ISO 8601 with a zone (2026-01-01T00:00:00Z) or epoch milliseconds',
          value: jsonSafe(ts),
          atMs: nowMs,
          ...at,
        });
      } else if (ms < nowMs - this.options.maxAgeMs) {
        issues.push({
          vehicleId,
          field: 'ts',
          rule: 'stale_timestamp',
          reason: `ts is ${fmtAge(nowMs - ms)} old; readings older than ${fmtAge(this.options.maxAgeMs)} are stale`,
          value: jsonSafe(ts),
          atMs: ms,
          ...at,
        });
      } else if (ms > nowMs + this.options.maxAheadMs) {
        issues.push({
          vehicleId,
          field: 'ts',
          rule: 'future_timestamp',
          reason: `ts is ${fmtAge(ms - nowMs)} in the future (clock skew allowed: ${fmtAge(this.options.maxAheadMs)})`,
          value: jsonSafe(ts),
          atMs: nowMs,
          ...at,
        });
      } else {
        timestampMs = ms;
      }
    }
    // Field checks run even when the reading cannot be kept, so every problem is reported.
    const whenMs = timestampMs ?? nowMs;
    const values: Partial<Record<FleetField, number>> = {};
    const invalid: FleetField[] = [];
    const history = vehicleId === 'unknown' ? undefined : this.#historyOf(vehicleId);
    for (const field of FLEET_FIELDS) {
      const rule = this.options.rules[field];
      const v = r[field];
      const fail = (q: QualityRule, reason: string, withValue = true): void => {
        invalid.push(field);
        issues.push({
          vehicleId,
          field,
          rule: q,
          reason,
          ...(withValue ? { value: jsonSafe(v) } : {}),
          atMs: whenMs,
          ...at,
        });
      };
      if (v === undefined || v === null) {
        fail('missing_field', `${field} is required`, false);
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(
          'wrong_type',
          `${field} must be a finite number, got ${typeof v === 'number' ? String(v) : typeof v === 'string' ? 'a string' : typeof v}`,
        );
        continue;
      }
      if (v < rule.min || v > rule.max) {
        fail(
          'out_of_range',
          `${field} ${v} ${rule.unit} is outside ${rule.min}..${rule.max}: ${rule.why}`,
        );
        continue;
      }
      const h = history?.get(field);
      if (h !== undefined && timestampMs !== undefined && timestampMs > h.lastMs) {
        const dtS = (timestampMs - h.lastMs) / 1000;
        const change = v - h.lastValid;
        const reason =
          rule.monotonic === true && change < 0
            ? `${field} went down from ${h.lastValid} to ${v}; it only grows`
            : rule.maxChangePerS !== undefined &&
                Math.abs(change) > rule.maxChangePerS * Math.max(dtS, 1)
              ? `${field} changed ${round(change)} ${rule.unit} in ${round(dtS)} s from ${h.lastValid}; at most ${rule.maxChangePerS} ${rule.unit}/s is believable`
              : undefined;
        if (reason !== undefined) {
          fail('impossible_jump', reason);
          // A sensor that stays at the new level was re-based (a replaced unit): adopt it.
          if (++h.rejects >= 10) {
            h.lastValid = v;
            h.lastMs = timestampMs;
            h.rejects = 0;
          }
          continue;
        }
        h.rejects = 0;
      }
      values[field] = v;
    }
    // Stuck sensors: identical values in a row while the engine runs (rpm > 0 and changing).
    if (history !== undefined && timestampMs !== undefined) {
      const rpmHistory = history.get('engine_rpm');
      const running =
        values.engine_rpm !== undefined &&
        values.engine_rpm > 0 &&
        (rpmHistory === undefined ||
          rpmHistory.lastValid !== values.engine_rpm ||
          rpmHistory.same < 3);
      for (const field of FLEET_FIELDS) {
        const v = values[field];
        if (v === undefined) continue;
        let h = history.get(field);
        if (h === undefined) {
          h = { lastValid: v, lastMs: timestampMs, same: 0, rejects: 0 };
          history.set(field, h);
          continue;
        }
        if (timestampMs <= h.lastMs) continue; // a resend or an older reading: no history update
        h.same = v === h.lastValid ? h.same + 1 : 0;
        h.lastValid = v;
        h.lastMs = timestampMs;
        const stuckAfter = this.options.rules[field].stuckAfter;
        if (stuckAfter !== undefined && running && h.same >= stuckAfter) {
          delete values[field];
          invalid.push(field);
          issues.push({
            vehicleId,
            field,
            rule: 'stuck_sensor',
            reason: `${field} has read exactly ${v} for ${h.same + 1} readings in a row while the engine runs`,
            value: v,
            atMs: timestampMs,
            ...at,
          });
        }
      }
    }
    const usable =
      vehicleId !== 'unknown' && timestampMs !== undefined && Object.keys(values).length > 0;
    return this.#done(
      issues,
      usable
        ? { vehicleId, timestampMs: timestampMs as number, values, invalidFields: invalid }
        : undefined,
    );
  }

  #historyOf(vehicleId: string): Map<FleetField, FieldHistory> {
    let h = this.#history.get(vehicleId);
    if (h === undefined) {
      if (this.#history.size >= this.options.maxVehicles) {
        const oldest = this.#history.keys().next().value;
        if (oldest !== undefined) this.#history.delete(oldest);
      }
      h = new Map();
    } else {
      this.#history.delete(vehicleId); // re-insert: the map's order is least recent first
    }
    this.#history.set(vehicleId, h);
    return h;
  }

  #done(issues: QualityIssue[], reading?: CheckedReading): CheckResult {
    if (issues.length > 0) this.#withIssues++;
    for (const i of issues) {
      let byField = this.#counts.get(i.vehicleId);
      if (byField === undefined) {
        byField = new Map();
        this.#counts.set(i.vehicleId, byField);
      }
      let byRule = byField.get(i.field);
      if (byRule === undefined) {
        byRule = new Map();
        byField.set(i.field, byRule);
      }
      byRule.set(i.rule, (byRule.get(i.rule) ?? 0) + 1);
    }
    return reading === undefined ? { issues } : { reading, issues };
  }

  /** Issue counts: vehicle → field → rule → count. */
  counts(vehicleId?: string): Record<string, Record<string, Partial<Record<QualityRule, number>>>> {
    const out: Record<string, Record<string, Partial<Record<QualityRule, number>>>> = {};
    for (const [v, byField] of this.#counts) {
      if (vehicleId !== undefined && v !== vehicleId) continue;
      const f: Record<string, Partial<Record<QualityRule, number>>> = {};
      for (const [field, byRule] of byField) f[field] = Object.fromEntries(byRule);
      out[v] = f;
    }
    return out;
  }

  /** Readings checked, and how many had at least one issue. */
  totals(): { checked: number; withIssues: number } {
    return { checked: this.#checked, withIssues: this.#withIssues };
  }
}

function parseIso(text: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
    ? Date.parse(text)
    : Number.NaN;
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.length > 200) return `${v.slice(0, 200)}…`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? '[array]' : '[object]';
  return v;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmtAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}
