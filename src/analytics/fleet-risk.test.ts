import { describe, expect, it } from 'vitest';
import type { CheckedReading } from './fleet-quality.ts';
import { bandOf, FleetRisk } from './fleet-risk.ts';

const T0 = Date.UTC(2026, 3, 1, 12);

function r(i: number, values: CheckedReading['values'], id = 'truck-01'): CheckedReading {
  return { vehicleId: id, timestampMs: T0 + i * 1000, values, invalidFields: [] };
}

const calm = { coolant_temp_f: 196, vibration_score: 1.1, speed_mph: 40, engine_hours: 4120 };

describe('fleet risk', () => {
  it('bands: low < 25 ≤ medium < 50 ≤ high < 75 ≤ critical', () => {
    const t = [25, 50, 75] as const;
    expect([0, 24, 25, 49, 50, 74, 75, 100].map((s) => bandOf(s, t))).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });

  it('a calm vehicle serviced recently is low risk with no factors and no cost', () => {
    const risk = new FleetRisk();
    risk.setBaseline('truck-01', {
      coolant_temp_f: 196,
      vibration_score: 1.1,
      hoursSinceService: 20,
      engineHoursAt: 4120,
    });
    for (let i = 0; i < 600; i++) risk.observe(r(i, calm));
    expect(risk.assess('truck-01')).toMatchObject({
      score: 0,
      band: 'low',
      factors: [],
      costAtRisk: 0,
    });
  });

  it('worked example: vibration at 2× baseline and 100 h overdue service', () => {
    const risk = new FleetRisk();
    risk.setBaseline('truck-01', {
      coolant_temp_f: 196,
      vibration_score: 1.0,
      hoursSinceService: 350,
      engineHoursAt: 4120,
    });
    for (let i = 0; i < 600; i++) risk.observe(r(i, { ...calm, vibration_score: 2.0 }));
    const a = risk.assess('truck-01');
    // vibration: (2.0 − 1.25) × 30 + 5 = 27.5; service: 5 + 100/250 × 40 = 21 → 48.5 → 49 medium.
    expect(a?.factors.map((f) => [f.name, f.points])).toEqual([
      ['vibration above baseline', 27.5],
      ['service due', 21],
    ]);
    expect(a?.score).toBe(49);
    expect(a?.band).toBe('medium');
    // drivetrain: 27.5/60 = 0.46 chance × (24 h × 180 + 5,200) = 4,362; maintenance: 0.35 × (6 × 180 + 650) = 606.
    expect(a?.exposure).toEqual([
      { mode: 'drivetrain', points: 27.5, failureChance: 0.46, downtimeHours: 11, cost: 4363 },
      { mode: 'maintenance', points: 21, failureChance: 0.35, downtimeHours: 2.1, cost: 606 },
    ]);
    expect(a?.downtimeHoursAtRisk).toBe(13.1);
    expect(a?.costAtRisk).toBe(4969);
  });

  it('overheating now is critical-leaning and dominates the factors', () => {
    const risk = new FleetRisk();
    risk.setBaseline('van-03', { coolant_temp_f: 192, vibration_score: 0.9 });
    for (let i = 0; i < 300; i++) risk.observe(r(i, { ...calm, coolant_temp_f: 192 }, 'van-03'));
    for (let i = 300; i < 330; i++) risk.observe(r(i, { ...calm, coolant_temp_f: 244 }, 'van-03'));
    const a = risk.assess('van-03');
    expect(a?.factors[0]).toMatchObject({
      name: 'overheating now',
      mode: 'overheating',
      points: 45,
    });
    expect(a?.band).toBe('medium');
    expect(a?.costAtRisk).toBeGreaterThan(0);
  });

  it('a coolant trend over the hour is a factor before any threshold is crossed', () => {
    const risk = new FleetRisk();
    risk.setBaseline('truck-02', { coolant_temp_f: 198, vibration_score: 1.3 });
    // +0.1 °F a minute = 6 °F an hour, still within 8 °F of baseline after 60 min.
    for (let i = 0; i < 3600; i++) {
      risk.observe(r(i, { ...calm, coolant_temp_f: 198 + (i / 60) * 0.1 }, 'truck-02'));
    }
    const a = risk.assess('truck-02');
    expect(a?.factors.map((f) => f.name)).toEqual(['coolant trending up']);
    expect(a?.factors[0]?.detail).toMatch(/rising 6\.0 °F per hour/);
  });

  it('an engine warming up over its first 20 minutes is not a coolant trend', () => {
    const risk = new FleetRisk();
    risk.setBaseline('truck-02', { coolant_temp_f: 198, vibration_score: 1.3 });
    // From 10 °F under baseline up to it in 20 minutes: a slope of 30 °F/h if extrapolated.
    for (let i = 0; i < 1200; i++) {
      risk.observe(r(i, { ...calm, coolant_temp_f: 188 + (i / 1200) * 10 }, 'truck-02'));
    }
    expect(risk.assess('truck-02')?.factors).toEqual([]);
  });

  it('data-quality issues count as a sensor factor', () => {
    const risk = new FleetRisk();
    for (let i = 0; i < 100; i++) risk.observe(r(i, calm), i % 10 === 0 ? 1 : 0);
    expect(risk.assess('truck-01')?.factors).toEqual([
      expect.objectContaining({ name: 'poor data quality', mode: 'sensor', points: 10 }),
    ]);
  });

  it('fleet impact sums vehicles and shows its assumptions', () => {
    const risk = new FleetRisk();
    risk.setBaseline('a', { vibration_score: 1, hoursSinceService: 350, engineHoursAt: 4120 });
    risk.setBaseline('b', { vibration_score: 1 });
    for (let i = 0; i < 300; i++) {
      risk.observe(r(i, { ...calm, vibration_score: 2 }, 'a'));
      risk.observe(r(i, { ...calm, vibration_score: 1 }, 'b'));
    }
    const impact = risk.impact();
    expect(impact.vehicles).toBe(2);
    expect(impact.byBand).toEqual({ low: 1, medium: 1, high: 0, critical: 0 });
    expect(impact.costAtRisk).toBe(risk.assess('a')?.costAtRisk);
    expect(impact.topVehicles).toEqual([
      { vehicleId: 'a', costAtRisk: impact.costAtRisk, band: 'medium' },
    ]);
    expect(impact.assumptions).toMatchObject({
      costPerDowntimeHour: 180,
      horizonDays: 7,
      serviceIntervalHours: 250,
    });
  });

  it('a vehicle with no readings has no assessment', () => {
    expect(new FleetRisk().assess('nope')).toBeUndefined();
  });
});
