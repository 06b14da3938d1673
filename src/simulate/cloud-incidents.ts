/**
 * @module
 * Incidents of the cloud simulator: their kinds, what each does to which metric, and the seeded
 * schedule. An incident is ground truth: it says which service misbehaves, how, over which
 * half-open interval [startMs, endMs), and how strongly, so detectors can be scored against it.
 */
import { WELL_KNOWN_METRICS } from '../contract/index.ts';
import { rngAt } from './seed.ts';

export const INCIDENT_KINDS = [
  'latency_spike',
  'error_burst',
  'cpu_saturation',
  'traffic_surge',
  'silence',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** An incident to schedule explicitly. */
export interface IncidentSpec {
  /** Service name, e.g. `payment`. */
  readonly service: string;
  readonly kind: IncidentKind;
  /** Epoch ms, inclusive. */
  readonly startMs: number;
  readonly durationMs: number;
  /** Strength in the kind's unit (see `INCIDENT_EFFECTS`); the kind's midpoint when omitted. */
  readonly magnitude?: number;
}

/** A scheduled incident: ground truth. */
export interface Incident {
  /** Stable within a configuration, e.g. `2026-01-01#2` (UTC day and slot) or `explicit#0`. */
  readonly id: string;
  readonly service: string;
  readonly kind: IncidentKind;
  /** Epoch ms, inclusive. */
  readonly startMs: number;
  /** Epoch ms, exclusive. */
  readonly endMs: number;
  /** The metrics that visibly change. */
  readonly metrics: readonly string[];
  readonly magnitude: number;
}

/** An incident as written to a labels file: times as ISO 8601. */
export interface IncidentLabel {
  readonly id: string;
  readonly service: string;
  readonly kind: IncidentKind;
  /** ISO 8601, inclusive. */
  readonly start: string;
  /** ISO 8601, exclusive. */
  readonly end: string;
  readonly metrics: readonly string[];
  readonly magnitude: number;
  /** What the magnitude measures, e.g. `latency multiplier`. */
  readonly unit: string;
}

const M = WELL_KNOWN_METRICS;

/**
 * What each kind does. `magnitude` is drawn uniformly from [min, max] for seeded incidents.
 * - latency_spike: latency is multiplied by the magnitude.
 * - error_burst: the magnitude is added to the fraction of requests that fail.
 * - cpu_saturation: CPU is pinned near the magnitude (percent); starved of CPU, requests queue,
 *   so latency rises as at utilisation 0.92.
 * - traffic_surge: requests are multiplied by the magnitude; CPU and latency follow the load
 *   model, and errors rise too where the surge pushes utilisation past 1 (load shedding).
 * - silence: the service emits nothing at all.
 */
export const INCIDENT_EFFECTS: Readonly<
  Record<
    IncidentKind,
    { readonly metrics: readonly string[]; min: number; max: number; unit: string }
  >
> = {
  latency_spike: { metrics: [M.latency], min: 3, max: 8, unit: 'latency multiplier' },
  error_burst: { metrics: [M.errorRate], min: 0.05, max: 0.3, unit: 'added error fraction' },
  cpu_saturation: {
    metrics: [M.cpu, M.latency],
    min: 95,
    max: 99.5,
    unit: 'CPU percent',
  },
  traffic_surge: {
    metrics: [M.requestRate, M.cpu, M.latency],
    min: 2,
    max: 4,
    unit: 'request multiplier',
  },
  silence: {
    metrics: [M.requestRate, M.errorRate, M.latency, M.cpu],
    min: 1,
    max: 1,
    unit: 'none (no events)',
  },
};

export function toIncidentLabel(i: Incident): IncidentLabel {
  return {
    id: i.id,
    service: i.service,
    kind: i.kind,
    start: new Date(i.startMs).toISOString(),
    end: new Date(i.endMs).toISOString(),
    metrics: i.metrics,
    magnitude: i.magnitude,
    unit: INCIDENT_EFFECTS[i.kind].unit,
  };
}

export function explicitIncident(spec: IncidentSpec, index: number): Incident {
  const effect = INCIDENT_EFFECTS[spec.kind];
  return {
    id: `explicit#${index}`,
    service: spec.service,
    kind: spec.kind,
    startMs: spec.startMs,
    endMs: spec.startMs + spec.durationMs,
    metrics: effect.metrics,
    magnitude: spec.magnitude ?? round((effect.min + effect.max) / 2, 2),
  };
}

export const DAY_MS = 86_400_000;
const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const INCIDENT_STREAM = 0x1c1d;

export interface SeededScheduleParams {
  readonly seed: number;
  readonly services: readonly string[];
  readonly incidentsPerDay: number;
  readonly minDurationMs: number;
  readonly maxDurationMs: number;
  readonly kinds: readonly IncidentKind[];
}

/**
 * The seeded incidents of UTC day `day` (days since the epoch), before any warm-up or run-range
 * filtering. The day is cut into equal slots, one incident per slot, placed at random inside its
 * slot, so incidents spread over the day and never overlap one another. Kinds cycle from a random
 * offset (a day with five incidents has one of each); services are drawn at random.
 */
export function seededIncidentsOfDay(p: SeededScheduleParams, day: number): Incident[] {
  if (p.incidentsPerDay <= 0 || p.kinds.length === 0 || p.services.length === 0) return [];
  const rng = rngAt(p.seed, INCIDENT_STREAM, day);
  const whole = Math.floor(p.incidentsPerDay);
  const count = whole + (rng.next() < p.incidentsPerDay - whole ? 1 : 0);
  if (count === 0) return [];
  const slotMs = Math.floor(DAY_MS / count);
  const kindOffset = Math.floor(rng.next() * p.kinds.length);
  const dayStartMs = day * DAY_MS;
  const date = new Date(dayStartMs).toISOString().slice(0, 10);
  const out: Incident[] = [];
  for (let i = 0; i < count; i++) {
    const kind = p.kinds[(kindOffset + i) % p.kinds.length]!;
    const service = p.services[Math.floor(rng.next() * p.services.length)]!;
    // Whole minutes; at most the slot less a minute, so neighbours stay apart.
    const longest = Math.max(MINUTE_MS, Math.min(p.maxDurationMs, slotMs - MINUTE_MS));
    const shortest = Math.min(p.minDurationMs, longest);
    const rawDurationMs = shortest + rng.next() * (longest - shortest);
    const durationMs = Math.max(
      SECOND_MS,
      Math.min(longest, Math.round(rawDurationMs / MINUTE_MS) * MINUTE_MS),
    );
    const offsetMs = Math.floor((rng.next() * (slotMs - durationMs)) / SECOND_MS) * SECOND_MS;
    const startMs = dayStartMs + i * slotMs + offsetMs;
    const effect = INCIDENT_EFFECTS[kind];
    const magnitude = round(effect.min + rng.next() * (effect.max - effect.min), 2);
    out.push({
      id: `${date}#${i}`,
      service,
      kind,
      startMs,
      endMs: startMs + durationMs,
      metrics: effect.metrics,
      magnitude,
    });
  }
  return out;
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
