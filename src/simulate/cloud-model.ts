/**
 * @module
 * The load model of one simulated service: demand with daily and weekly seasonality and slow
 * drift, then utilisation, queueing latency, CPU and errors. Every function here is pure: the
 * value at time t depends only on (seed, service, t, active incidents). docs/simulators.md gives
 * the formulas with a worked example.
 */
import { normal } from '../contract/index.ts';
import type { ServiceProfile } from './cloud-services.ts';
import { rngAt, smoothstep, valueNoise } from './seed.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Demand at night relative to the weekday business-hours plateau. */
export const NIGHT_FLOOR = 0.2;
/** Centre of the business-hours plateau, local hour. */
export const PEAK_CENTER_HOUR = 13.5;
/** The plateau spans PEAK_CENTER_HOUR ± this many hours (09:00..18:00). */
export const PLATEAU_HALF_HOURS = 4.5;
/** Hours of the morning rise and evening fall on each side of the plateau. */
export const RAMP_HOURS = 4;
/** Weekend demand relative to a weekday at the same hour. */
export const WEEKEND_FACTOR = 0.55;
/** Utilisation past which queueing latency stops growing (requests time out instead). */
export const MAX_QUEUE_UTILISATION = 0.95;
/** The utilisation a CPU-saturated service queues as. */
export const SATURATED_UTILISATION = 0.92;

/**
 * Daily factor in [NIGHT_FLOOR, 1] at local hour `h` (any real; taken modulo 24): 1 on the
 * plateau 09:00..18:00, NIGHT_FLOOR from 22:00 to 05:00, smoothstep ramps in between.
 * Example: at 07:00 the distance to 13:30 is 6.5 h, 2 h into the 4 h ramp, so the factor is
 * 0.2 + 0.8 * (1 - smoothstep(4.5, 8.5, 6.5)) = 0.2 + 0.8 * 0.5 = 0.6.
 */
export function dailyFactor(h: number): number {
  const d = circularDistance(h, PEAK_CENTER_HOUR, 24);
  const onPeak = 1 - smoothstep(PLATEAU_HALF_HOURS, PLATEAU_HALF_HOURS + RAMP_HOURS, d);
  return NIGHT_FLOOR + (1 - NIGHT_FLOOR) * onPeak;
}

/**
 * Weekly factor in [WEEKEND_FACTOR, 1] at local hour-of-epoch `h`: WEEKEND_FACTOR from Saturday
 * 02:00 to Sunday 22:00, 1 from Monday 02:00 to Friday 22:00, with 4 h smoothstep ramps centred on
 * the midnights that start and end the weekend.
 */
export function weeklyFactor(h: number): number {
  // 1970-01-05 was a Monday: hour 96 of the epoch. Position in the week, Monday 00:00 = 0.
  const inWeek = mod(h - 96, 168);
  // Sunday 00:00 is hour 144; the weekend is 24 h either side of it.
  const weekend = 1 - smoothstep(22, 26, circularDistance(inWeek, 144, 168));
  return 1 - (1 - WEEKEND_FACTOR) * weekend;
}

/** Changes an incident makes to one service's sample; NO_EFFECTS when none is active. */
export interface IncidentEffects {
  readonly silent: boolean;
  /** Multiplies requests. */
  readonly trafficFactor: number;
  /** Multiplies latency. */
  readonly latencyFactor: number;
  /** Added to the failing fraction of requests. */
  readonly addedErrorFraction: number;
  /** CPU percent the service is pinned near; 0 when not saturated. */
  readonly saturatedCpuPercent: number;
}

export const NO_EFFECTS: IncidentEffects = {
  silent: false,
  trafficFactor: 1,
  latencyFactor: 1,
  addedErrorFraction: 0,
  saturatedCpuPercent: 0,
};

/** One service's four well-known values at one instant, rounded for output. */
export interface CloudSample {
  readonly requestsPerSecond: number;
  readonly errorsPerSecond: number;
  readonly latencyMs: number;
  readonly cpuPercent: number;
}

// Noise streams. Global ones are shared by every service (demand moves together); per-service
// ones are offset by 16 * service index.
const GLOBAL_DRIFT_SLOW = 1;
const GLOBAL_DRIFT_FAST = 2;
const SERVICE_STREAM_BASE = 1000;
const SVC_TRAFFIC_DRIFT = 0;
const SVC_TRAFFIC_WOBBLE = 1;
const SVC_LATENCY_DRIFT = 2;
const SVC_LATENCY_WOBBLE = 3;
const TICK_STREAM = 0x7157;

/**
 * Shared demand drift, a slowly wandering multiplier near 1 (about ±15 %): value noise with knots
 * every 3 days plus a smaller component with knots every 6 hours.
 */
export function globalDrift(seed: number, tMs: number): number {
  return Math.exp(
    0.12 * valueNoise(seed, GLOBAL_DRIFT_SLOW, tMs, 3 * DAY_MS) +
      0.05 * valueNoise(seed, GLOBAL_DRIFT_FAST, tMs, 6 * HOUR_MS),
  );
}

/** Mean utilisation of a service at time t without noise, drift or incidents. */
export function meanUtilisation(p: ServiceProfile, tMs: number, trafficFactor = 1): number {
  const h = tMs / HOUR_MS + p.utcOffsetHours;
  return p.peakUtilisation * dailyFactor(h) * weeklyFactor(h) * trafficFactor;
}

/**
 * The sample of service `p` at `tMs`. Deterministic in (seed, p, tMs, effects); draws its four
 * per-instant deviates from a generator seeded by (seed, service, tMs).
 */
export function sampleService(
  seed: number,
  p: ServiceProfile,
  tMs: number,
  effects: IncidentEffects,
): CloudSample {
  const stream = SERVICE_STREAM_BASE + 16 * p.index;
  const rng = rngAt(seed, TICK_STREAM, p.index, tMs);
  const zTraffic = normal(rng);
  const zLatency = normal(rng);
  const zCpu = normal(rng);
  const zErrors = normal(rng);

  // Demand: seasonality x shared drift x service drift x autocorrelated wobble x white noise.
  const h = tMs / HOUR_MS + p.utcOffsetHours;
  const seasonal = dailyFactor(h) * weeklyFactor(h);
  const serviceDrift = Math.exp(
    0.08 * valueNoise(seed, stream + SVC_TRAFFIC_DRIFT, tMs, 2 * DAY_MS),
  );
  const wobble = Math.exp(0.05 * valueNoise(seed, stream + SVC_TRAFFIC_WOBBLE, tMs, 5 * 60_000));
  const rps =
    p.peakRps *
    seasonal *
    globalDrift(seed, tMs) *
    serviceDrift *
    wobble *
    logNormal(zTraffic, 0.04) *
    effects.trafficFactor;

  // Utilisation rho = load / capacity, with capacity fixed so that rho = peakUtilisation at the
  // undrifted weekday peak.
  const capacityRps = p.peakRps / p.peakUtilisation;
  const rho = rps / capacityRps;

  // Queueing (M/M/1 mean response time S / (1 - rho)), capped where clients time out.
  const queueRho = effects.saturatedCpuPercent > 0 ? Math.max(rho, SATURATED_UTILISATION) : rho;
  const queueFactor = 1 / (1 - Math.min(queueRho, MAX_QUEUE_UTILISATION));
  const latencyDrift = Math.exp(0.1 * valueNoise(seed, stream + SVC_LATENCY_DRIFT, tMs, DAY_MS));
  const latencyWobble = Math.exp(
    0.05 * valueNoise(seed, stream + SVC_LATENCY_WOBBLE, tMs, 10 * 60_000),
  );
  const latency =
    p.serviceTimeMs *
    queueFactor *
    latencyDrift *
    latencyWobble *
    logNormal(zLatency, 0.08) *
    effects.latencyFactor;

  // CPU: idle share plus the busy share of the rest, in percent, with additive noise.
  let cpu = 100 * (p.idleCpu + (1 - p.idleCpu) * Math.min(rho, 1)) + 1.2 * zCpu;
  if (effects.saturatedCpuPercent > 0) cpu = effects.saturatedCpuPercent + 0.4 * zCpu;
  cpu = Math.min(100, Math.max(0, cpu));

  // Errors: a noisy baseline share, plus load shed beyond capacity (1 - 1/rho), plus bursts.
  const shed = rho > 1 ? 1 - 1 / rho : 0;
  const errorFraction = Math.min(
    1,
    p.baseErrorFraction * logNormal(zErrors, 0.35) + shed + effects.addedErrorFraction,
  );

  const requestsPerSecond = round2(rps);
  return {
    requestsPerSecond,
    errorsPerSecond: Math.min(requestsPerSecond, round2(rps * errorFraction)),
    latencyMs: round2(latency),
    cpuPercent: Math.round(cpu * 10) / 10,
  };
}

/** A log-normal multiplier with median exp(-sigma^2/2) and mean 1. */
function logNormal(z: number, sigma: number): number {
  return Math.exp(sigma * z - (sigma * sigma) / 2);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function mod(x: number, m: number): number {
  return ((x % m) + m) % m;
}

/** Distance between a and b on a circle of circumference m, in [0, m/2]. */
function circularDistance(a: number, b: number, m: number): number {
  const d = mod(a - b, m);
  return Math.min(d, m - d);
}
