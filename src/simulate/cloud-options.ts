/**
 * @module
 * Options of the cloud-service simulator, their defaults and their validation. Invalid options
 * are reported as values (one `ProblemItem` per bad field), so a CLI or an HTTP handler can show
 * every problem at once.
 */
import type { ProblemItem } from '../contract/index.ts';
import { INCIDENT_KINDS, type IncidentKind, type IncidentSpec } from './cloud-incidents.ts';
import { type CloudRegion, serviceNames } from './cloud-services.ts';

export interface CloudSimulatorOptions {
  /** Any integer; the same seed (with the same other options) gives byte-identical output. */
  readonly seed: number;
  /** First timestamp, epoch ms. Event timestamps are `startMs + k * intervalMs`, k >= 0. */
  readonly startMs: number;
  /** Length of the run; events lie in [startMs, startMs + durationMs). May be Infinity. */
  readonly durationMs: number;
  /** Spacing of the per-service samples, ms. */
  readonly intervalMs: number;
  /** How many services (1..1000). Named frontend, checkout, payment, inventory, shipping, svc-6... */
  readonly services: number;
  /**
   * Names of the first services (the rest keep the default names); the demo uses its own so its
   * simulated services never share a name with the demo shop's real ones.
   */
  readonly names: readonly string[];
  /** Regions, assigned to services round-robin; each service's events carry `tags.region`. */
  readonly regions: readonly CloudRegion[];
  /**
   * Where incidents come from: `'seeded'` draws `incidentsPerDay` per UTC day from the seed;
   * an array is an explicit schedule (and no seeded incidents are added).
   */
  readonly schedule: 'seeded' | readonly IncidentSpec[];
  /** Mean seeded incidents per simulated UTC day (fractions allowed: 2.5 = 2 or 3). */
  readonly incidentsPerDay: number;
  /** No seeded incident starts in the first `incidentWarmupMs` of a run (detectors need history). */
  readonly incidentWarmupMs: number;
  /** Shortest and longest seeded incident, ms. */
  readonly incidentMinDurationMs: number;
  readonly incidentMaxDurationMs: number;
  /** Kinds the seeded schedule cycles through. */
  readonly incidentKinds: readonly IncidentKind[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function defaultCloudSimulatorOptions(): CloudSimulatorOptions {
  return {
    seed: 42,
    startMs: Date.UTC(2026, 0, 1),
    durationMs: DAY_MS,
    intervalMs: 10_000,
    services: 5,
    names: [],
    regions: [{ name: 'eu-west-1', utcOffsetHours: 0 }],
    schedule: 'seeded',
    incidentsPerDay: 4,
    incidentWarmupMs: 2 * HOUR_MS,
    incidentMinDurationMs: 3 * MINUTE_MS,
    incidentMaxDurationMs: 20 * MINUTE_MS,
    incidentKinds: INCIDENT_KINDS,
  };
}

export const MAX_SERVICES = 1000;

/** Every problem with `o`, or an empty list when it is usable. */
export function validateCloudSimulatorOptions(o: CloudSimulatorOptions): ProblemItem[] {
  const items: ProblemItem[] = [];
  const bad = (field: string, reason: string): void => {
    items.push({ field, reason });
  };
  if (!Number.isSafeInteger(o.seed)) bad('seed', `must be an integer, got ${o.seed}`);
  if (!Number.isFinite(o.startMs)) bad('startMs', `must be a finite epoch ms, got ${o.startMs}`);
  if (!(o.durationMs >= 0)) bad('durationMs', `must be >= 0, got ${o.durationMs}`);
  if (!(Number.isSafeInteger(o.intervalMs) && o.intervalMs >= 1)) {
    bad('intervalMs', `must be a whole number of ms >= 1, got ${o.intervalMs}`);
  }
  if (!(Number.isSafeInteger(o.services) && o.services >= 1 && o.services <= MAX_SERVICES)) {
    bad('services', `must be an integer in 1..${MAX_SERVICES}, got ${o.services}`);
  }
  const seen = new Set<string>();
  o.names.forEach((n, i) => {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(n))
      bad(`names[${i}]`, 'must be 1-128 letters, digits, _ . : -');
    else if (seen.has(n)) bad(`names[${i}]`, `duplicates ${n}`);
    seen.add(n);
  });
  o.regions.forEach((r, i) => {
    if (r.name.length === 0) bad(`regions[${i}].name`, 'must not be empty');
    if (!(Math.abs(r.utcOffsetHours) <= 14)) {
      bad(`regions[${i}].utcOffsetHours`, `must be within -14..14, got ${r.utcOffsetHours}`);
    }
  });
  if (!(o.incidentsPerDay >= 0 && o.incidentsPerDay <= 96)) {
    bad('incidentsPerDay', `must be within 0..96, got ${o.incidentsPerDay}`);
  }
  if (!(o.incidentWarmupMs >= 0)) bad('incidentWarmupMs', 'must be >= 0');
  if (!(o.incidentMinDurationMs >= 1000 && o.incidentMinDurationMs <= o.incidentMaxDurationMs)) {
    bad('incidentMinDurationMs', 'must be >= 1000 and <= incidentMaxDurationMs');
  }
  if (!(o.incidentMaxDurationMs <= 6 * HOUR_MS)) bad('incidentMaxDurationMs', 'must be <= 6 h');
  if (o.incidentKinds.length === 0 && o.incidentsPerDay > 0 && o.schedule === 'seeded') {
    bad('incidentKinds', 'must name at least one kind when incidentsPerDay > 0');
  }
  for (const [i, k] of o.incidentKinds.entries()) {
    if (!INCIDENT_KINDS.includes(k)) bad(`incidentKinds[${i}]`, `unknown kind ${String(k)}`);
  }
  if (o.schedule !== 'seeded') {
    const names = serviceNames(Math.min(Math.max(0, o.services), MAX_SERVICES), o.names);
    o.schedule.forEach((s, i) => {
      const at = `schedule[${i}]`;
      if (!names.includes(s.service)) {
        bad(`${at}.service`, `must be one of the ${o.services} services, got ${s.service}`);
      }
      if (!INCIDENT_KINDS.includes(s.kind)) bad(`${at}.kind`, `unknown kind ${String(s.kind)}`);
      if (!Number.isFinite(s.startMs)) bad(`${at}.startMs`, 'must be a finite epoch ms');
      if (!(s.durationMs > 0 && Number.isFinite(s.durationMs))) {
        bad(`${at}.durationMs`, 'must be a finite duration > 0');
      }
      if (s.magnitude !== undefined && !(Number.isFinite(s.magnitude) && s.magnitude > 0)) {
        bad(`${at}.magnitude`, 'must be a finite number > 0');
      }
    });
  }
  return items;
}
