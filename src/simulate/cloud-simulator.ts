/**
 * @module
 * The cloud-service simulator: N services emitting the four well-known metrics every interval,
 * with scheduled incidents as ground truth. Generation is on demand and stateless: any range of
 * simulated time is computed from (options, t) alone, so memory is O(1) in the run's length and
 * chunking a range into pieces yields exactly the same events.
 */
import { OpsError, type TelemetryEvent, WELL_KNOWN_METRICS } from '../contract/index.ts';
import {
  DAY_MS,
  explicitIncident,
  type Incident,
  type IncidentSpec,
  type SeededScheduleParams,
  seededIncidentsOfDay,
} from './cloud-incidents.ts';
import { type IncidentEffects, meanUtilisation, NO_EFFECTS, sampleService } from './cloud-model.ts';
import {
  type CloudSimulatorOptions,
  defaultCloudSimulatorOptions,
  validateCloudSimulatorOptions,
} from './cloud-options.ts';
import { type ServiceProfile, serviceNames, serviceProfile } from './cloud-services.ts';

const M = WELL_KNOWN_METRICS;
/** Seeded days kept in the cache: a streaming reader touches at most two at a time. */
const DAY_CACHE_SIZE = 4;

/**
 * Builds a simulator from `options` over `defaultCloudSimulatorOptions()`.
 * Throws OpsError CONFIG_INVALID listing every bad option.
 *
 * @example
 * const sim = createCloudSimulator({ seed: 7, startMs: Date.UTC(2026, 0, 1), durationMs: 3_600_000 });
 * const firstMinute = sim.eventsBetween(sim.startMs, sim.startMs + 60_000); // 6 ticks x 5 services x 4
 * const truth = sim.incidents();
 */
export function createCloudSimulator(options: Partial<CloudSimulatorOptions> = {}): CloudSimulator {
  return new CloudSimulator({ ...defaultCloudSimulatorOptions(), ...options });
}

export class CloudSimulator {
  readonly options: CloudSimulatorOptions;
  readonly services: readonly ServiceProfile[];
  /** First tick, epoch ms (inclusive). */
  readonly startMs: number;
  /** End of the run, epoch ms (exclusive); Infinity for an endless run. */
  readonly endMs: number;
  readonly intervalMs: number;

  readonly #tags: readonly Readonly<Record<string, string>>[];
  readonly #schedule: SeededScheduleParams | undefined;
  readonly #explicit: readonly Incident[];
  readonly #injected: Incident[] = [];
  readonly #dayCache = new Map<number, readonly Incident[]>();

  constructor(options: CloudSimulatorOptions) {
    const problems = validateCloudSimulatorOptions(options);
    if (problems.length > 0) {
      throw new OpsError(
        'CONFIG_INVALID',
        `invalid cloud simulator options: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
        { items: problems },
      );
    }
    this.options = options;
    this.startMs = options.startMs;
    this.endMs = options.startMs + options.durationMs;
    this.intervalMs = options.intervalMs;
    const names = serviceNames(options.services, options.names);
    const profiles = names.map((name, i) => serviceProfile(options.seed, i, options.regions, name));
    this.services = profiles;
    this.#tags = profiles.map((p) =>
      p.region === undefined ? { service: p.name } : { service: p.name, region: p.region },
    );
    if (options.schedule === 'seeded') {
      this.#schedule = {
        seed: options.seed,
        services: names,
        incidentsPerDay: options.incidentsPerDay,
        minDurationMs: options.incidentMinDurationMs,
        maxDurationMs: options.incidentMaxDurationMs,
        kinds: options.incidentKinds,
      };
      this.#explicit = [];
    } else {
      this.#schedule = undefined;
      this.#explicit = options.schedule
        .map((s, i) => this.#finish(explicitIncident(s, i)))
        .filter((i): i is Incident => i !== undefined);
    }
  }

  /** Number of ticks in [fromMs, toMs) ∩ [startMs, endMs). */
  ticksBetween(fromMs: number, toMs: number): number {
    const [first, endTick] = this.#tickRange(fromMs, toMs);
    return Math.max(0, endTick - first);
  }

  /**
   * Every event whose timestamp lies in [fromMs, toMs) ∩ [startMs, endMs), ordered by time, then
   * service, then metric (requests, errors, latency, CPU). Silent services emit nothing.
   */
  eventsBetween(fromMs: number, toMs: number): TelemetryEvent[] {
    return [...this.events(fromMs, toMs)];
  }

  /** The same events as `eventsBetween`, generated lazily one tick at a time. */
  *events(fromMs: number, toMs: number): Generator<TelemetryEvent, void, undefined> {
    const [first, endTick] = this.#tickRange(fromMs, toMs);
    const seed = this.options.seed;
    for (let k = first; k < endTick; k++) {
      const tMs = this.startMs + k * this.intervalMs;
      const timestamp = new Date(tMs).toISOString();
      const active = this.activeIncidents(tMs);
      for (const p of this.services) {
        const effects = effectsFor(p.name, active);
        if (effects.silent) continue;
        const s = sampleService(seed, p, tMs, effects);
        const source_id = p.name;
        const tags = this.#tags[p.index]!;
        // Every event gets its own tags object: consumers may add to it.
        yield {
          timestamp,
          source_id,
          metric_name: M.requestRate,
          metric_value: s.requestsPerSecond,
          tags: { ...tags },
        };
        yield {
          timestamp,
          source_id,
          metric_name: M.errorRate,
          metric_value: s.errorsPerSecond,
          tags: { ...tags },
        };
        yield {
          timestamp,
          source_id,
          metric_name: M.latency,
          metric_value: s.latencyMs,
          tags: { ...tags },
        };
        yield {
          timestamp,
          source_id,
          metric_name: M.cpu,
          metric_value: s.cpuPercent,
          tags: { ...tags },
        };
      }
    }
  }

  /**
   * Ground truth: the incidents overlapping [fromMs, toMs), clipped to the run, ordered by start
   * then id. Defaults to the whole run, which must then be finite.
   */
  incidents(fromMs: number = this.startMs, toMs: number = this.endMs): Incident[] {
    // Only the run holds incidents; clamping also keeps the day loop below finite.
    const lo = Math.max(fromMs, this.startMs);
    const hi = Math.min(toMs, this.endMs);
    if (!Number.isFinite(hi)) {
      throw new RangeError('incidents: pass a finite toMs for an endless simulator');
    }
    if (!(hi > lo)) return [];
    const out: Incident[] = [];
    const keep = (i: Incident): void => {
      if (i.startMs < hi && i.endMs > lo) out.push(i);
    };
    if (this.#schedule !== undefined) {
      const lastDay = Math.floor((hi - 1) / DAY_MS);
      // An incident lasts at most 6 h, so one day back covers any that started earlier.
      for (let day = Math.floor(lo / DAY_MS) - 1; day <= lastDay; day++) {
        for (const i of this.#seededDay(day)) keep(i);
      }
    }
    for (const i of this.#explicit) keep(i);
    for (const i of this.#injected) keep(i);
    return out.sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The incidents active at `atMs` (startMs <= atMs < endMs). */
  activeIncidents(atMs: number): Incident[] {
    const out: Incident[] = [];
    const keep = (i: Incident): void => {
      if (i.startMs <= atMs && atMs < i.endMs) out.push(i);
    };
    if (this.#schedule !== undefined) {
      const day = Math.floor(atMs / DAY_MS);
      for (const i of this.#seededDay(day - 1)) keep(i);
      for (const i of this.#seededDay(day)) keep(i);
    }
    for (const i of this.#explicit) keep(i);
    for (const i of this.#injected) keep(i);
    return out;
  }

  /**
   * Adds an incident at run time (chaos control for the demo). Output stays deterministic for
   * the same sequence of calls; events already read are not changed.
   */
  inject(spec: IncidentSpec): Incident {
    const problems = validateCloudSimulatorOptions({ ...this.options, schedule: [spec] });
    if (problems.length > 0) {
      throw new OpsError(
        'INVALID_PARAMETER',
        problems.map((p) => `${p.field.replace('schedule[0].', '')} ${p.reason}`).join('; '),
        { items: problems },
      );
    }
    const base = explicitIncident(spec, this.#injected.length);
    const incident = this.#finish({ ...base, id: `injected#${this.#injected.length}` });
    if (incident === undefined) {
      throw new OpsError('INVALID_PARAMETER', 'the incident lies outside the simulated run');
    }
    this.#injected.push(incident);
    return incident;
  }

  #tickRange(fromMs: number, toMs: number): [number, number] {
    const lo = Math.max(fromMs, this.startMs);
    const hi = Math.min(toMs, this.endMs);
    if (!(hi > lo)) return [0, 0];
    const first = Math.ceil((lo - this.startMs) / this.intervalMs);
    const endTick = Math.ceil((hi - this.startMs) / this.intervalMs);
    return [first, endTick];
  }

  #seededDay(day: number): readonly Incident[] {
    const cached = this.#dayCache.get(day);
    if (cached !== undefined) return cached;
    const schedule = this.#schedule;
    const earliestMs = this.startMs + this.options.incidentWarmupMs;
    const incidents =
      schedule === undefined
        ? []
        : seededIncidentsOfDay(schedule, day)
            .filter((i) => i.startMs >= earliestMs)
            .map((i) => this.#finish(i))
            .filter((i): i is Incident => i !== undefined);
    if (this.#dayCache.size >= DAY_CACHE_SIZE) {
      const oldest = this.#dayCache.keys().next().value;
      if (oldest !== undefined) this.#dayCache.delete(oldest);
    }
    this.#dayCache.set(day, incidents);
    return incidents;
  }

  /**
   * Clips an incident to the run (undefined when it lies outside) and completes its metrics: a
   * traffic surge that pushes mean utilisation past 1 at its midpoint also sheds load as errors.
   */
  #finish(i: Incident): Incident | undefined {
    const startMs = Math.max(i.startMs, this.startMs);
    const endMs = Math.min(i.endMs, this.endMs);
    if (!(endMs > startMs)) return undefined;
    let metrics = i.metrics;
    if (i.kind === 'traffic_surge') {
      const profile = this.services.find((p) => p.name === i.service);
      const midMs = (startMs + endMs) / 2;
      if (profile !== undefined && meanUtilisation(profile, midMs, i.magnitude) > 1) {
        metrics = [...metrics, M.errorRate];
      }
    }
    return { ...i, startMs, endMs, metrics };
  }
}

/** The combined effect of the active incidents on service `name`. */
function effectsFor(name: string, active: readonly Incident[]): IncidentEffects {
  let effects: IncidentEffects | undefined;
  for (const i of active) {
    if (i.service !== name) continue;
    const e: IncidentEffects = effects ?? { ...NO_EFFECTS };
    switch (i.kind) {
      case 'silence':
        effects = { ...e, silent: true };
        break;
      case 'latency_spike':
        effects = { ...e, latencyFactor: e.latencyFactor * i.magnitude };
        break;
      case 'error_burst':
        effects = { ...e, addedErrorFraction: e.addedErrorFraction + i.magnitude };
        break;
      case 'cpu_saturation':
        effects = { ...e, saturatedCpuPercent: Math.max(e.saturatedCpuPercent, i.magnitude) };
        break;
      case 'traffic_surge':
        effects = { ...e, trafficFactor: e.trafficFactor * i.magnitude };
        break;
    }
  }
  return effects ?? NO_EFFECTS;
}
