/**
 * @module
 * The simulated services and their per-service baselines, drawn once from the seed.
 */
import { rngAt } from './seed.ts';

/** A region services run in; its UTC offset places the business-hours peak. */
export interface CloudRegion {
  readonly name: string;
  /** Local time = UTC + this many hours (may be fractional, e.g. 5.5). */
  readonly utcOffsetHours: number;
}

const NAMED_SERVICES = ['frontend', 'checkout', 'payment', 'inventory', 'shipping'] as const;

/** frontend, checkout, payment, inventory, shipping, svc-6, svc-7, ...; `given` names come first. */
export function serviceNames(count: number, given: readonly string[] = []): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(given[i] ?? serviceName(i));
  return names;
}

/** The name of service `index` (zero-based). */
export function serviceName(index: number): string {
  return NAMED_SERVICES[index] ?? `svc-${index + 1}`;
}

/** One service's fixed character. */
export interface ServiceProfile {
  readonly index: number;
  readonly name: string;
  /** Region name, or undefined when no regions are configured. */
  readonly region: string | undefined;
  readonly utcOffsetHours: number;
  /** Requests per second at the weekday business-hours peak, before drift and noise. */
  readonly peakRps: number;
  /** Utilisation (load / capacity) at that peak, 0.45..0.65. */
  readonly peakUtilisation: number;
  /** Mean service time of one request with no queueing, ms. */
  readonly serviceTimeMs: number;
  /** Share of CPU busy with no traffic (GC, health checks, sidecars), 0.04..0.12. */
  readonly idleCpu: number;
  /** Share of requests failing in normal operation, 0.001..0.008. */
  readonly baseErrorFraction: number;
}

const PROFILE_STREAM = 0x5e71;

/** The profile of service `index`; depends only on the seed, the index and the regions. */
export function serviceProfile(
  seed: number,
  index: number,
  regions: readonly CloudRegion[],
  name: string = serviceName(index),
): ServiceProfile {
  const rng = rngAt(seed, PROFILE_STREAM, index);
  const u = (): number => rng.next();
  // The entry point takes the most traffic; services behind it a share of it.
  const trafficShare = index === 0 ? 1 : 0.15 + 0.6 * u();
  const region = regions.length === 0 ? undefined : regions[index % regions.length];
  return {
    index,
    name,
    region: region?.name,
    utcOffsetHours: region?.utcOffsetHours ?? 0,
    peakRps: roundTo((150 + 250 * u()) * trafficShare, 1),
    peakUtilisation: roundTo(0.45 + 0.2 * u(), 3),
    serviceTimeMs: roundTo(8 + 52 * u() ** 2, 1),
    idleCpu: roundTo(0.04 + 0.08 * u(), 3),
    // 0.01–0.06 %: a healthy service sits well inside a 99.9 % availability objective, so
    // only incidents (and load shedding) spend its error budget.
    baseErrorFraction: roundTo(0.0001 + 0.0005 * u(), 5),
  };
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
