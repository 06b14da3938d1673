/**
 * @module
 * The vehicle fleet (docs/fleet.md, docs/api.md "Fleet API"): vehicles with risk, the business
 * impact, data quality, raw recent readings (`GET /telemetry`), demo anomalies
 * (`POST /simulate_anomaly`) and the `fleet` live stream. Shapes mirror what the server sends
 * (src/analytics/fleet-risk.ts, fleet-quality.ts, src/pipeline/fleet-runtime.ts); web code imports
 * contract types only, so they are declared here, and so are the documented valid ranges.
 *
 * The fleet table's state (band filter, text, sort column and direction) lives in the URL:
 * `/fleet?band=high,critical&q=truck&sort=cost&dir=desc`.
 */
import { useEffect, useState } from 'react';
import { ApiError, getJson, sendJson } from './client.ts';
import { errorText } from './hooks.ts';
import { LiveStream } from './live.ts';

export const RISK_BANDS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

export const FLEET_FIELDS = [
  'coolant_temp_f',
  'intake_air_temp_f',
  'engine_rpm',
  'speed_mph',
  'vibration_score',
  'engine_hours',
] as const;
export type FleetField = (typeof FLEET_FIELDS)[number];

export interface FieldRange {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/**
 * The documented valid range of each field (FLEET_FIELD_RULES in src/analytics/fleet-quality.ts,
 * docs/fleet.md): values outside are flagged `out_of_range` and not stored.
 */
export const FIELD_RANGES: Readonly<Record<FleetField, FieldRange>> = {
  coolant_temp_f: { label: 'Coolant temperature', min: -30, max: 300, unit: '°F' },
  intake_air_temp_f: { label: 'Intake air temperature', min: -30, max: 250, unit: '°F' },
  engine_rpm: { label: 'Engine speed', min: 0, max: 8_000, unit: 'rpm' },
  speed_mph: { label: 'Vehicle speed', min: 0, max: 160, unit: 'mph' },
  vibration_score: { label: 'Vibration score', min: 0, max: 10, unit: 'score' },
  engine_hours: { label: 'Engine hours', min: 0, max: 1_000_000, unit: 'h' },
};

/** A coolant temperature above this is an overheat (the demo's overheat goes well past it). */
export const OVERHEAT_F = 230;

export interface RiskFactor {
  readonly name: string;
  readonly mode: string;
  readonly points: number;
  readonly detail: string;
}

export interface ModeExposure {
  readonly mode: string;
  readonly points: number;
  readonly failureChance: number;
  readonly downtimeHours: number;
  readonly cost: number;
}

export interface VehicleSummary {
  readonly vehicleId: string;
  readonly model?: string;
  readonly score: number;
  readonly band: RiskBand;
  readonly factors: readonly RiskFactor[];
  readonly lastSeenMs: number;
  readonly latest: Partial<Record<FleetField, number>>;
  readonly downtimeHoursAtRisk: number;
  readonly costAtRisk: number;
  readonly exposure: readonly ModeExposure[];
  readonly readings: number;
  readonly issues: number;
  /** field → rule → count. */
  readonly quality: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly qualityIssues: number;
}

export interface FleetAssumptions {
  readonly costPerDowntimeHour: number;
  readonly currency: string;
  readonly horizonDays: number;
  readonly modes: Readonly<Record<string, { downtimeHours: number; repairCost: number }>>;
  readonly pointsForCertainFailure: number;
  readonly maxFailureChance: number;
  readonly serviceIntervalHours: number;
}

export interface FleetImpact {
  readonly vehicles: number;
  readonly byBand: Readonly<Record<RiskBand, number>>;
  readonly downtimeHoursAtRisk: number;
  readonly costAtRisk: number;
  readonly topVehicles: readonly { vehicleId: string; costAtRisk: number; band: RiskBand }[];
  readonly assumptions: FleetAssumptions;
}

export interface QualityIssue {
  readonly vehicleId: string;
  readonly field: string;
  readonly rule: string;
  readonly reason: string;
  readonly value?: unknown;
  readonly atMs: number;
  readonly item?: number;
}

export interface QualityReport {
  readonly totals: { readonly checked: number; readonly withIssues: number };
  /** vehicle → field → rule → count. */
  readonly counts: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>
  >;
  /** Newest first. */
  readonly recent: readonly QualityIssue[];
}

/** A raw reading from GET /telemetry (the original lab's snake_case). */
export interface RecentReading {
  readonly ts: string;
  readonly vehicle_id: string;
  readonly coolant_temp_f?: number;
  readonly intake_air_temp_f?: number;
  readonly engine_rpm?: number;
  readonly speed_mph?: number;
  readonly vibration_score?: number;
  readonly engine_hours?: number;
  readonly invalid_fields: readonly string[];
  readonly received_at: string;
}

export interface FleetSnapshot {
  readonly generatedAtMs: number;
  readonly vehicles: readonly VehicleSummary[];
  readonly impact: FleetImpact;
}

export const FLEET_ANOMALY_KINDS = [
  'coolant_overheat',
  'vibration_spike',
  'speed_anomaly',
] as const;
export type FleetAnomalyKind = (typeof FLEET_ANOMALY_KINDS)[number];

export interface FleetDemo {
  readonly available: boolean;
  readonly vehicleIds: readonly string[];
  readonly kinds: readonly string[];
  readonly anomalies: readonly {
    readonly vehicleId: string;
    readonly kind: string;
    readonly startMs: number;
    readonly endMs: number;
    readonly active: boolean;
  }[];
}

/** Null when the server has no fleet (404: no fleet runtime wired). */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export async function getFleetSnapshot(signal?: AbortSignal): Promise<FleetSnapshot | null> {
  const [vehicles, impact] = await Promise.all([
    orNull(getJson<{ vehicles: VehicleSummary[] }>('/api/v1/fleet/vehicles', signal)),
    orNull(getJson<FleetImpact>('/api/v1/fleet/impact', signal)),
  ]);
  if (vehicles === null || impact === null) return null;
  return { generatedAtMs: Date.now(), vehicles: vehicles.vehicles, impact };
}

export async function getVehicle(id: string, signal?: AbortSignal): Promise<VehicleSummary> {
  const body = await getJson<{ vehicle: VehicleSummary }>(
    `/api/v1/fleet/vehicles/${encodeURIComponent(id)}`,
    signal,
  );
  return body.vehicle;
}

export async function getQuality(limit: number, signal?: AbortSignal): Promise<QualityReport> {
  return getJson<QualityReport>(`/api/v1/fleet/quality?limit=${limit}`, signal);
}

export async function getTelemetry(
  q: { readonly vehicleId?: string; readonly limit: number },
  signal?: AbortSignal,
): Promise<RecentReading[]> {
  const p = new URLSearchParams({ limit: String(q.limit) });
  if (q.vehicleId) p.set('vehicle_id', q.vehicleId);
  const body = await getJson<{ readings: RecentReading[] }>(`/telemetry?${p.toString()}`, signal);
  return body.readings;
}

/** The emulator's vehicles and anomalies; null when the server has no fleet routes. */
export async function getFleetDemo(signal?: AbortSignal): Promise<FleetDemo | null> {
  return orNull(getJson<FleetDemo>('/api/v1/fleet/demo', signal));
}

/** Starts a demo anomaly; without `vehicleId` the server picks one. Returns the vehicle. */
export async function simulateAnomaly(a: {
  readonly vehicleId?: string;
  readonly kind: FleetAnomalyKind;
  readonly durationS: number;
}): Promise<{ vehicle_id: string; kind: string; starts_at: string; ends_at: string } | undefined> {
  return sendJson('POST', '/simulate_anomaly', {
    ...(a.vehicleId ? { vehicle_id: a.vehicleId } : {}),
    kind: a.kind,
    duration_s: a.durationS,
  });
}

export interface LiveFleet {
  /** undefined until the first answer; null when the server has no fleet. */
  readonly snapshot: FleetSnapshot | null | undefined;
  readonly error: string | undefined;
}

/**
 * The fleet, fetched once and then replaced by every pushed `fleet` snapshot (at most one a
 * second while readings arrive). Pages that need more than the snapshot (charts, raw readings)
 * refetch when `snapshot.generatedAtMs` moves, so one connection drives the whole page.
 */
export function useLiveFleet(): LiveFleet {
  const [snapshot, setSnapshot] = useState<FleetSnapshot | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const ac = new AbortController();
    let pushed = false;
    const stream = new LiveStream<FleetSnapshot>({
      url: '/api/v1/live/fleet',
      event: 'fleet',
      onData: (s) => {
        pushed = true;
        setSnapshot(s);
        setError(undefined);
      },
      onProblem: setError,
    });
    getFleetSnapshot(ac.signal).then(
      (s) => {
        if (s === null) stream.close();
        if (!pushed || s === null) setSnapshot(s);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    return () => {
      ac.abort();
      stream.close();
    };
  }, []);
  return { snapshot, error };
}

// ---- The fleet table: columns, sorting, filtering, URL state (pure) ----

export const FLEET_SORTS = [
  'risk',
  'id',
  'factor',
  'coolant',
  'vibration',
  'cost',
  'quality',
] as const;
export type FleetSort = (typeof FLEET_SORTS)[number];

export interface FleetTableState {
  readonly bands: readonly RiskBand[];
  readonly text: string;
  readonly sort: FleetSort;
  readonly dir: 'asc' | 'desc';
}

export const DEFAULT_FLEET_TABLE: FleetTableState = {
  bands: [],
  text: '',
  sort: 'risk',
  dir: 'desc',
};

/** The direction a column sorts in when first clicked: most worrying first. */
export function defaultDir(sort: FleetSort): 'asc' | 'desc' {
  return sort === 'id' || sort === 'factor' ? 'asc' : 'desc';
}

export function decodeFleetTable(search: string): FleetTableState {
  const p = new URLSearchParams(search);
  const bands = (p.get('band') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b): b is RiskBand => (RISK_BANDS as readonly string[]).includes(b));
  const sortText = p.get('sort') ?? '';
  const sort = (FLEET_SORTS as readonly string[]).includes(sortText)
    ? (sortText as FleetSort)
    : DEFAULT_FLEET_TABLE.sort;
  const dirText = p.get('dir');
  const dir = dirText === 'asc' || dirText === 'desc' ? dirText : defaultDir(sort);
  return { bands: RISK_BANDS.filter((b) => bands.includes(b)), text: p.get('q') ?? '', sort, dir };
}

/** Canonical query string (without `?`); defaults are left out. */
export function encodeFleetTable(s: FleetTableState): string {
  const p = new URLSearchParams();
  if (s.bands.length > 0) p.set('band', RISK_BANDS.filter((b) => s.bands.includes(b)).join(','));
  if (s.text !== '') p.set('q', s.text);
  if (s.sort !== DEFAULT_FLEET_TABLE.sort) p.set('sort', s.sort);
  if (s.dir !== defaultDir(s.sort)) p.set('dir', s.dir);
  return p.toString();
}

const BAND_RANK: Record<RiskBand, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The value a column sorts by; missing values sort last in either direction. */
function sortKey(v: VehicleSummary, sort: FleetSort): number | string | undefined {
  switch (sort) {
    case 'risk':
      return BAND_RANK[v.band] * 1_000 + v.score;
    case 'id':
      return v.vehicleId;
    case 'factor':
      return v.factors[0]?.name;
    case 'coolant':
      return v.latest.coolant_temp_f;
    case 'vibration':
      return v.latest.vibration_score;
    case 'cost':
      return v.costAtRisk;
    case 'quality':
      return v.qualityIssues;
  }
}

/** The vehicles the table shows: filtered by band and text (id or model), then sorted. */
export function selectFleetRows(
  vehicles: readonly VehicleSummary[],
  s: FleetTableState,
): VehicleSummary[] {
  const text = s.text.trim().toLowerCase();
  const rows = vehicles.filter(
    (v) =>
      (s.bands.length === 0 || s.bands.includes(v.band)) &&
      (text === '' ||
        v.vehicleId.toLowerCase().includes(text) ||
        (v.model ?? '').toLowerCase().includes(text)),
  );
  const sign = s.dir === 'asc' ? 1 : -1;
  return rows.sort((a, b) => {
    const ka = sortKey(a, s.sort);
    const kb = sortKey(b, s.sort);
    if (ka !== kb) {
      if (ka === undefined) return 1;
      if (kb === undefined) return -1;
      return (ka < kb ? -1 : 1) * sign;
    }
    return a.vehicleId < b.vehicleId ? -1 : a.vehicleId > b.vehicleId ? 1 : 0;
  });
}

export function fleetUnitPath(id: string): string {
  return `/fleet/${encodeURIComponent(id)}`;
}

/** Money in the impact's currency, whole units: `$12,400`. */
export function formatMoney(v: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
    }).format(v);
  } catch {
    return `${Math.round(v).toLocaleString('en-US')} ${currency}`;
  }
}
