import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FLEET_TABLE,
  decodeFleetTable,
  encodeFleetTable,
  type FleetTableState,
  fleetUnitPath,
  selectFleetRows,
  type VehicleSummary,
} from './fleet.ts';

function vehicle(id: string, over: Partial<VehicleSummary> = {}): VehicleSummary {
  return {
    vehicleId: id,
    score: 10,
    band: 'low',
    factors: [],
    lastSeenMs: 0,
    latest: {},
    downtimeHoursAtRisk: 0,
    costAtRisk: 0,
    exposure: [],
    readings: 1,
    issues: 0,
    quality: {},
    qualityIssues: 0,
    ...over,
  };
}

const FLEET = [
  vehicle('truck-03', {
    band: 'critical',
    score: 80,
    costAtRisk: 900,
    latest: { coolant_temp_f: 250 },
  }),
  vehicle('truck-01', { band: 'low', score: 5, costAtRisk: 10, model: 'Freightliner M2' }),
  vehicle('van-02', { band: 'high', score: 60, costAtRisk: 1_200, qualityIssues: 4 }),
  vehicle('truck-02', {
    band: 'medium',
    score: 30,
    costAtRisk: 300,
    latest: { coolant_temp_f: 190 },
  }),
];
const ids = (s: Partial<FleetTableState>): string[] =>
  selectFleetRows(FLEET, { ...DEFAULT_FLEET_TABLE, ...s }).map((v) => v.vehicleId);

describe('fleet table', () => {
  it('sorts by risk, most at risk first, by default', () => {
    expect(ids({})).toEqual(['truck-03', 'van-02', 'truck-02', 'truck-01']);
  });

  it('sorts by any column in either direction; missing values last', () => {
    expect(ids({ sort: 'cost', dir: 'desc' })).toEqual([
      'van-02',
      'truck-03',
      'truck-02',
      'truck-01',
    ]);
    expect(ids({ sort: 'id', dir: 'asc' })).toEqual(['truck-01', 'truck-02', 'truck-03', 'van-02']);
    expect(ids({ sort: 'coolant', dir: 'asc' })).toEqual([
      'truck-02',
      'truck-03',
      'truck-01',
      'van-02',
    ]);
    expect(ids({ sort: 'coolant', dir: 'desc' })).toEqual([
      'truck-03',
      'truck-02',
      'truck-01',
      'van-02',
    ]);
    expect(ids({ sort: 'quality', dir: 'desc' })[0]).toBe('van-02');
  });

  it('filters by band and by text in the id or model', () => {
    expect(ids({ bands: ['high', 'critical'] })).toEqual(['truck-03', 'van-02']);
    expect(ids({ text: 'TRUCK' })).toEqual(['truck-03', 'truck-02', 'truck-01']);
    expect(ids({ text: 'freight' })).toEqual(['truck-01']);
    expect(ids({ text: 'nothing' })).toEqual([]);
  });

  it('keeps its state in the URL, canonically and forgivingly', () => {
    const s: FleetTableState = {
      bands: ['critical', 'high'],
      text: 'tr k',
      sort: 'cost',
      dir: 'asc',
    };
    const q = encodeFleetTable(s);
    expect(q).toBe('band=high%2Ccritical&q=tr+k&sort=cost&dir=asc');
    expect(decodeFleetTable(`?${q}`)).toEqual({ ...s, bands: ['high', 'critical'] });
    expect(encodeFleetTable(DEFAULT_FLEET_TABLE)).toBe('');
    expect(decodeFleetTable('?band=nope,low&sort=bogus&dir=sideways')).toEqual({
      bands: ['low'],
      text: '',
      sort: 'risk',
      dir: 'desc',
    });
  });

  it('escapes vehicle ids in paths', () => {
    expect(fleetUnitPath('a/b c')).toBe('/fleet/a%2Fb%20c');
  });
});
