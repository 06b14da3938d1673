import { describe, expect, it } from 'vitest';
import { FLEET_FIELD_RULES, FleetQuality, type QualityRule } from './fleet-quality.ts';

const T0 = Date.UTC(2026, 3, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function reading(over: Record<string, unknown> = {}, atMs = T0): Record<string, unknown> {
  return {
    ts: iso(atMs),
    vehicle_id: 'truck-01',
    coolant_temp_f: 196,
    intake_air_temp_f: 88,
    engine_rpm: 1650,
    speed_mph: 42,
    vibration_score: 1.1,
    engine_hours: 4120,
    ...over,
  };
}

describe('fleet validation: one rule at a time', () => {
  it('a clean reading passes with every field kept', () => {
    const q = new FleetQuality();
    const r = q.check(reading(), T0);
    expect(r.issues).toEqual([]);
    expect(r.reading).toEqual({
      vehicleId: 'truck-01',
      timestampMs: T0,
      values: {
        coolant_temp_f: 196,
        intake_air_temp_f: 88,
        engine_rpm: 1650,
        speed_mph: 42,
        vibration_score: 1.1,
        engine_hours: 4120,
      },
      invalidFields: [],
    });
  });

  // [case, input override, field, rule, whether the rest of the reading is still kept]
  const cases: [string, Record<string, unknown>, string, QualityRule, boolean][] = [
    ['missing field', { intake_air_temp_f: undefined }, 'intake_air_temp_f', 'missing_field', true],
    ['null field', { speed_mph: null }, 'speed_mph', 'missing_field', true],
    ['numeric string', { engine_rpm: '1650' }, 'engine_rpm', 'wrong_type', true],
    ['boolean', { vibration_score: true }, 'vibration_score', 'wrong_type', true],
    [
      'coolant at the OBD floor (-40 °F: disconnected)',
      { coolant_temp_f: -40 },
      'coolant_temp_f',
      'out_of_range',
      true,
    ],
    ['coolant above 300 °F', { coolant_temp_f: 301 }, 'coolant_temp_f', 'out_of_range', true],
    ['intake below range', { intake_air_temp_f: -31 }, 'intake_air_temp_f', 'out_of_range', true],
    ['negative rpm', { engine_rpm: -1 }, 'engine_rpm', 'out_of_range', true],
    ['rpm 9,000', { engine_rpm: 9000 }, 'engine_rpm', 'out_of_range', true],
    ['speed 170 mph', { speed_mph: 170 }, 'speed_mph', 'out_of_range', true],
    ['vibration 11', { vibration_score: 11 }, 'vibration_score', 'out_of_range', true],
    ['negative hours', { engine_hours: -5 }, 'engine_hours', 'out_of_range', true],
    ['no vehicle', { vehicle_id: undefined }, 'vehicle_id', 'missing_field', false],
    ['bad vehicle id', { vehicle_id: 'truck 01!' }, 'vehicle_id', 'bad_vehicle_id', false],
    ['no ts', { ts: undefined }, 'ts', 'missing_field', false],
    ['ts without a zone', { ts: '2026-04-01T12:00:00' }, 'ts', 'bad_timestamp', false],
    ['stale ts', { ts: iso(T0 - 25 * 3_600_000) }, 'ts', 'stale_timestamp', false],
    ['future ts', { ts: iso(T0 + 120_000) }, 'ts', 'future_timestamp', false],
  ];
  for (const [name, over, field, rule, kept] of cases) {
    it(`flags ${name} as ${rule} on ${field}`, () => {
      const q = new FleetQuality();
      const r = q.check(reading(over), T0, 3);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ field, rule, item: 3 });
      expect(r.issues[0]?.reason).toContain(
        field === 'vehicle_id' || field === 'ts' ? field : field,
      );
      if (kept) {
        expect(r.reading?.invalidFields).toEqual([field]);
        expect(Object.keys(r.reading?.values ?? {})).toHaveLength(5);
      } else {
        expect(r.reading).toBeUndefined();
      }
      const vehicle = field === 'vehicle_id' ? 'unknown' : 'truck-01';
      expect(q.counts()[vehicle]?.[field]?.[rule]).toBe(1);
    });
  }

  it('values at the edges of every range are valid', () => {
    for (const [field, rule] of Object.entries(FLEET_FIELD_RULES)) {
      for (const v of [rule.min, rule.max]) {
        const q = new FleetQuality();
        expect(q.check(reading({ [field]: v }), T0).issues).toEqual([]);
      }
    }
  });

  it('epoch milliseconds are accepted as ts, and clock skew within a minute is fine', () => {
    const q = new FleetQuality();
    expect(q.check(reading({ ts: T0 }), T0).issues).toEqual([]);
    expect(q.check(reading({}, T0 + 30_000), T0).issues).toEqual([]);
  });

  it('a non-object is one issue, not a crash', () => {
    const q = new FleetQuality();
    for (const bad of [null, 3, 'x', [1]]) {
      const r = q.check(bad, T0);
      expect(r.reading).toBeUndefined();
      expect(r.issues[0]?.rule).toBe('not_an_object');
    }
  });
});

describe('fleet validation: rules across readings', () => {
  it('an impossible jump is flagged against the last valid value; a believable change is not', () => {
    const q = new FleetQuality();
    q.check(reading({ speed_mph: 40 }), T0);
    expect(q.check(reading({ speed_mph: 60 }, T0 + 1000), T0 + 1000).issues).toEqual([]);
    const jump = q.check(reading({ speed_mph: 95 }, T0 + 2000), T0 + 2000);
    expect(jump.issues[0]).toMatchObject({ field: 'speed_mph', rule: 'impossible_jump' });
    expect(jump.reading?.values.speed_mph).toBeUndefined();
    // Compared with 60 (the last valid), not with the rejected 95.
    expect(q.check(reading({ speed_mph: 70 }, T0 + 3000), T0 + 3000).issues).toEqual([]);
  });

  it('engine hours never go down and grow at most a second per second', () => {
    const q = new FleetQuality();
    q.check(reading({ engine_hours: 4120 }), T0);
    expect(q.check(reading({ engine_hours: 4119 }, T0 + 1000), T0 + 1000).issues[0]).toMatchObject({
      field: 'engine_hours',
      rule: 'impossible_jump',
    });
    expect(q.check(reading({ engine_hours: 4620 }, T0 + 2000), T0 + 2000).issues[0]?.rule).toBe(
      'impossible_jump',
    );
    expect(q.check(reading({ engine_hours: 4120.001 }, T0 + 3000), T0 + 3000).issues).toEqual([]);
  });

  it('a re-based sensor is adopted after 10 consistent rejections', () => {
    const q = new FleetQuality();
    q.check(reading({ engine_hours: 4120 }), T0);
    let last: ReturnType<FleetQuality['check']> | undefined;
    for (let i = 1; i <= 11; i++) {
      last = q.check(reading({ engine_hours: 10 + i * 0.0002 }, T0 + i * 1000), T0 + i * 1000);
    }
    expect(last?.issues).toEqual([]);
  });

  it('a stuck sensor is flagged after its run of identical readings while the engine runs', () => {
    const q = new FleetQuality();
    const stuckAfter = FLEET_FIELD_RULES.coolant_temp_f.stuckAfter as number;
    let flagged = -1;
    for (let i = 0; i <= stuckAfter + 5; i++) {
      const r = q.check(
        reading({ coolant_temp_f: 201.5, engine_rpm: 1600 + (i % 7) * 10 }, T0 + i * 1000),
        T0 + i * 1000,
      );
      if (flagged < 0 && r.issues.some((x) => x.rule === 'stuck_sensor')) flagged = i;
    }
    expect(flagged).toBe(stuckAfter);
  });

  it('an engine that is off may read the same values: not stuck', () => {
    const q = new FleetQuality();
    for (let i = 0; i < 300; i++) {
      const r = q.check(reading({ engine_rpm: 0, speed_mph: 0 }, T0 + i * 1000), T0 + i * 1000);
      expect(r.issues).toEqual([]);
    }
  });

  it('counts issues per vehicle and field, and totals readings', () => {
    const q = new FleetQuality();
    q.check(reading({ coolant_temp_f: -40 }), T0);
    q.check(reading({ coolant_temp_f: -40, vehicle_id: 'van-03' }), T0);
    q.check(reading({ coolant_temp_f: 'hot' }, T0 + 1000), T0 + 1000);
    expect(q.counts()).toEqual({
      'truck-01': { coolant_temp_f: { out_of_range: 1, wrong_type: 1 } },
      'van-03': { coolant_temp_f: { out_of_range: 1 } },
    });
    expect(q.totals()).toEqual({ checked: 3, withIssues: 3 });
  });
});

describe('the fleet emulator and the validation layer agree', () => {
  it('clean readings, including every demo anomaly from any state, raise no issue', async () => {
    const { createFleetSimulator, FLEET_ANOMALY_KINDS } = await import('../simulate/index.ts');
    const fleet = createFleetSimulator({
      seed: 11,
      startMs: T0,
      vehicles: 12,
      faultyReadingChance: 0,
    });
    const q = new FleetQuality();
    const check = (n: number) => {
      const issues = [];
      for (let s = 0; s < n; s++) {
        const now = fleet.nowMs;
        for (const r of fleet.step()) issues.push(...q.check(r.reading, now).issues);
      }
      return issues;
    };
    expect(check(600)).toEqual([]);
    // Anomalies on every vehicle, whatever it was doing (idle at 0 mph included).
    for (const kind of FLEET_ANOMALY_KINDS) {
      for (const id of fleet.vehicleIds()) fleet.inject({ kind, vehicleId: id, durationS: 30 });
      expect(check(60)).toEqual([]);
    }
  });

  it('every kind of damaged reading the emulator sends is caught', async () => {
    const { createFleetSimulator } = await import('../simulate/index.ts');
    const fleet = createFleetSimulator({
      seed: 5,
      startMs: T0,
      vehicles: 40,
      faultyReadingChance: 0.01,
    });
    const q = new FleetQuality();
    const sent = new Map<string, number>();
    const caught = new Set<string>();
    for (let s = 0; s < 900; s++) {
      const now = fleet.nowMs;
      for (const r of fleet.step()) {
        if (r.fault !== undefined) sent.set(r.fault, (sent.get(r.fault) ?? 0) + 1);
        for (const i of q.check(r.reading, now).issues) caught.add(i.rule);
      }
    }
    expect([...sent.keys()].sort()).toEqual([
      'impossible_jump',
      'missing_field',
      'out_of_range',
      'stuck_sensor',
      'wrong_type',
    ]);
    for (const rule of sent.keys()) expect(caught).toContain(rule);
  });
});
