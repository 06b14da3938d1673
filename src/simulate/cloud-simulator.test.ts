import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOpsError, type TelemetryEvent } from '../contract/index.ts';
import {
  type CloudSimulatorOptions,
  createCloudSimulator,
  dailyFactor,
  INCIDENT_KINDS,
  type IncidentKind,
  toIncidentLabel,
  weeklyFactor,
} from './index.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1); // a Thursday

const ndjson = (events: readonly TelemetryEvent[]): string =>
  events.map((e) => `${JSON.stringify(e)}\n`).join('');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function run(options: Partial<CloudSimulatorOptions>): TelemetryEvent[] {
  const sim = createCloudSimulator(options);
  return sim.eventsBetween(sim.startMs, sim.endMs);
}

describe('determinism', () => {
  const golden = new URL('./testdata/cloud-seed42-6h.sha256', import.meta.url);
  const config: Partial<CloudSimulatorOptions> = {
    seed: 42,
    startMs: START,
    durationMs: 6 * HOUR,
    intervalMs: 10_000,
    services: 5,
    incidentsPerDay: 12,
    incidentWarmupMs: 0,
  };

  it('pins the SHA-256 of the NDJSON of a fixed config (UPDATE_GOLDEN=1 refreshes it)', () => {
    const sim = createCloudSimulator(config);
    const text =
      ndjson(sim.eventsBetween(sim.startMs, sim.endMs)) +
      JSON.stringify(sim.incidents().map(toIncidentLabel));
    const got = sha256(text);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, `${got}\n`);
    expect(got).toBe(readFileSync(golden, 'utf8').trim());
    // The config really exercises incidents.
    expect(sim.incidents().length).toBeGreaterThanOrEqual(3);
  });

  it('gives byte-identical output from two simulators with the same options', () => {
    expect(ndjson(run(config))).toBe(ndjson(run(config)));
  });

  it('gives different output for different seeds', () => {
    const a = ndjson(run(config));
    const b = ndjson(run({ ...config, seed: 43 }));
    expect(a).not.toBe(b);
    expect(sha256(a)).not.toBe(sha256(b));
  });

  it('generates the same events however the range is chunked', () => {
    const sim = createCloudSimulator({ ...config, durationMs: 2 * HOUR, incidentsPerDay: 48 });
    const whole = ndjson(sim.eventsBetween(sim.startMs, sim.endMs));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2 * HOUR - 1 }), { maxLength: 12 }),
        (cuts) => {
          // Fresh simulator per run, so no cache state carries over from the whole-range read.
          const s = createCloudSimulator({ ...config, durationMs: 2 * HOUR, incidentsPerDay: 48 });
          const bounds = [0, ...cuts.sort((x, y) => x - y), 2 * HOUR].map((d) => START + d);
          const parts: TelemetryEvent[] = [];
          // Read the chunks out of order too: state must not depend on reading order.
          const order = bounds
            .slice(1)
            .map((_, i) => i)
            .reverse();
          const chunks = new Map<number, TelemetryEvent[]>();
          for (const i of order) chunks.set(i, s.eventsBetween(bounds[i]!, bounds[i + 1]!));
          for (let i = 0; i < bounds.length - 1; i++) parts.push(...chunks.get(i)!);
          expect(ndjson(parts)).toBe(whole);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps the same values at the same instants when the run starts later', () => {
    const a = run({ ...config, durationMs: HOUR, schedule: [] });
    const b = run({ ...config, startMs: START + 30 * MIN, durationMs: 30 * MIN, schedule: [] });
    expect(ndjson(b)).toBe(ndjson(a.slice(a.length / 2)));
  });
});

describe('event shape', () => {
  it('emits the four well-known metrics per service per interval, with service and region tags', () => {
    const events = run({ durationMs: 20_000, schedule: [] });
    expect(events).toHaveLength(2 * 5 * 4);
    expect(events[0]).toEqual({
      timestamp: '2026-01-01T00:00:00.000Z',
      source_id: 'frontend',
      metric_name: 'requests_per_second',
      metric_value: expect.any(Number),
      tags: { service: 'frontend', region: 'eu-west-1' },
    });
    expect(events.slice(0, 4).map((e) => e.metric_name)).toEqual([
      'requests_per_second',
      'errors_per_second',
      'latency_ms',
      'cpu_usage_percent',
    ]);
    expect(new Set(events.map((e) => e.source_id))).toEqual(
      new Set(['frontend', 'checkout', 'payment', 'inventory', 'shipping']),
    );
    expect(events.at(-1)?.timestamp).toBe('2026-01-01T00:00:10.000Z');
  });

  it('names services past the fifth svc-6, svc-7, and omits region when none is configured', () => {
    const events = run({ services: 7, durationMs: 10_000, regions: [], schedule: [] });
    expect([...new Set(events.map((e) => e.source_id))].slice(5)).toEqual(['svc-6', 'svc-7']);
    expect(events[0]?.tags).toEqual({ service: 'frontend' });
  });

  it('gives every event its own tags object', () => {
    const [a, b] = run({ durationMs: 10_000, schedule: [] });
    a!.tags!.extra = 'x';
    expect(b!.tags).toEqual({ service: 'frontend', region: 'eu-west-1' });
  });

  it('rounds latency and rates to 2 decimals and CPU to 1', () => {
    for (const e of run({ durationMs: HOUR, schedule: [] })) {
      const decimals = e.metric_name === 'cpu_usage_percent' ? 1 : 2;
      expect(Math.round(e.metric_value * 10 ** decimals) / 10 ** decimals).toBe(e.metric_value);
    }
  });

  it('takes ticks on startMs + k * interval inside [from, to) only', () => {
    const sim = createCloudSimulator({ durationMs: HOUR, services: 1, schedule: [] });
    const ts = (from: number, to: number): string[] => [
      ...new Set(sim.eventsBetween(START + from, START + to).map((e) => e.timestamp)),
    ];
    expect(ts(1, 20_000)).toEqual(['2026-01-01T00:00:10.000Z']);
    expect(ts(10_000, 20_001)).toEqual(['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:20.000Z']);
    expect(ts(-HOUR, 1)).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(ts(HOUR - 5_000, 2 * HOUR)).toEqual([]);
    expect(sim.ticksBetween(START, START + HOUR)).toBe(360);
  });
});

describe('properties', () => {
  it('emits finite, non-negative values, errors <= requests, CPU <= 100', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 0, max: 3 * 365 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, day, services) => {
          const sim = createCloudSimulator({
            seed,
            startMs: START + day * DAY,
            durationMs: 3 * HOUR,
            intervalMs: 30_000,
            services,
            incidentsPerDay: 60,
            incidentWarmupMs: 0,
          });
          const requests = new Map<string, number>();
          const bad: string[] = [];
          for (const e of sim.events(sim.startMs, sim.endMs)) {
            const v = e.metric_value;
            const key = `${e.timestamp} ${e.source_id}`;
            if (!Number.isFinite(v) || v < 0) bad.push(`${key} ${e.metric_name}=${v}`);
            if (e.metric_name === 'requests_per_second') requests.set(key, v);
            if (e.metric_name === 'errors_per_second' && !(v <= requests.get(key)!)) {
              bad.push(`${key} errors ${v} > requests ${requests.get(key)}`);
            }
            if (e.metric_name === 'cpu_usage_percent' && v > 100) bad.push(`${key} cpu ${v}`);
          }
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps a silent source really silent, and only for its interval', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 30 }),
        (seed, svc, startS, minutes) => {
          const names = ['frontend', 'checkout', 'payment', 'inventory', 'shipping'];
          const service = names[svc]!;
          const startMs = START + startS * 10_000 + 3_000; // deliberately off the tick grid
          const endMs = startMs + minutes * MIN;
          const sim = createCloudSimulator({
            seed,
            durationMs: 4 * HOUR,
            schedule: [{ service, kind: 'silence', startMs, durationMs: minutes * MIN }],
          });
          const mine = sim
            .eventsBetween(sim.startMs, sim.endMs)
            .filter((e) => e.source_id === service);
          const times = mine.map((e) => Date.parse(e.timestamp));
          expect(times.filter((t) => t >= startMs && t < endMs)).toEqual([]);
          // Every other tick of the run is present: 4 metrics x (all ticks - silent ticks).
          const silentTicks =
            Math.ceil((endMs - START) / 10_000) - Math.ceil((startMs - START) / 10_000);
          expect(mine).toHaveLength(4 * (1440 - silentTicks));
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('incidents show in their metrics', () => {
  const at = START + 14 * HOUR; // Thursday afternoon, on the business-hours plateau
  const mean = (events: readonly TelemetryEvent[], metric: string): number => {
    const v = events.filter((e) => e.source_id === 'payment' && e.metric_name === metric);
    return v.reduce((s, e) => s + e.metric_value, 0) / v.length;
  };

  it.each<{ kind: IncidentKind; magnitude: number; check: (before: Stats, during: Stats) => void }>(
    [
      {
        kind: 'latency_spike',
        magnitude: 5,
        check: (b, d) => expect(d.latency / b.latency).toBeGreaterThan(3.5),
      },
      {
        kind: 'error_burst',
        magnitude: 0.2,
        check: (b, d) => {
          expect(d.errors / d.requests).toBeGreaterThan(0.18);
          expect(b.errors / b.requests).toBeLessThan(0.02);
        },
      },
      {
        kind: 'cpu_saturation',
        magnitude: 98,
        check: (b, d) => {
          expect(d.cpu).toBeGreaterThan(96);
          expect(b.cpu).toBeLessThan(85);
          expect(d.latency / b.latency).toBeGreaterThan(2);
        },
      },
      {
        kind: 'traffic_surge',
        magnitude: 3,
        check: (b, d) => {
          expect(d.requests / b.requests).toBeGreaterThan(2.5);
          expect(d.cpu).toBeGreaterThan(b.cpu + 20);
          expect(d.latency / b.latency).toBeGreaterThan(2);
          // Utilisation passes 1 at the peak, so load is shed as errors.
          expect(d.errors / d.requests).toBeGreaterThan(0.2);
        },
      },
    ],
  )('$kind', ({ kind, magnitude, check }) => {
    const sim = createCloudSimulator({
      durationMs: DAY,
      schedule: [{ service: 'payment', kind, startMs: at, durationMs: 10 * MIN, magnitude }],
    });
    const stats = (from: number, to: number): Stats => {
      const e = sim.eventsBetween(from, to);
      return {
        requests: mean(e, 'requests_per_second'),
        errors: mean(e, 'errors_per_second'),
        latency: mean(e, 'latency_ms'),
        cpu: mean(e, 'cpu_usage_percent'),
      };
    };
    check(stats(at - 10 * MIN, at), stats(at, at + 10 * MIN));
    const [incident] = sim.incidents();
    expect(toIncidentLabel(incident!)).toMatchObject({
      service: 'payment',
      kind,
      start: '2026-01-01T14:00:00.000Z',
      end: '2026-01-01T14:10:00.000Z',
      magnitude,
    });
  });
});

interface Stats {
  requests: number;
  errors: number;
  latency: number;
  cpu: number;
}

describe('seasonality', () => {
  it.each([
    { hour: 13.5, want: 1 },
    { hour: 7, want: 0.6 },
    { hour: 3, want: 0.2 },
    { hour: 24 + 3, want: 0.2 },
  ])('dailyFactor($hour) = $want', ({ hour, want }) => {
    expect(dailyFactor(hour)).toBeCloseTo(want, 9);
  });

  it.each([
    { when: 'Thursday noon', ms: Date.UTC(2026, 0, 1, 12), want: 1 },
    { when: 'Saturday noon', ms: Date.UTC(2026, 0, 3, 12), want: 0.55 },
    { when: 'Sunday 20:00', ms: Date.UTC(2026, 0, 4, 20), want: 0.55 },
    { when: 'Monday 03:00', ms: Date.UTC(2026, 0, 5, 3), want: 1 },
  ])('weeklyFactor on $when = $want', ({ ms, want }) => {
    expect(weeklyFactor(ms / HOUR)).toBeCloseTo(want, 9);
  });

  it('peaks in business hours, dips at night and on weekends, and latency and CPU follow load', () => {
    const sim = createCloudSimulator({ durationMs: 7 * DAY, schedule: [] });
    const avg = (from: number, to: number, metric: string): number => {
      const v = sim
        .eventsBetween(from, to)
        .filter((e) => e.source_id === 'frontend' && e.metric_name === metric);
      return v.reduce((s, e) => s + e.metric_value, 0) / v.length;
    };
    const thuNoon = START + 11 * HOUR;
    const thuNight = START + 1 * HOUR;
    const satNoon = START + 2 * DAY + 11 * HOUR;
    for (const m of ['requests_per_second', 'latency_ms', 'cpu_usage_percent']) {
      expect(avg(thuNoon, thuNoon + 2 * HOUR, m)).toBeGreaterThan(
        avg(thuNight, thuNight + 2 * HOUR, m) * 1.5,
      );
      expect(avg(thuNoon, thuNoon + 2 * HOUR, m)).toBeGreaterThan(
        avg(satNoon, satNoon + 2 * HOUR, m) * 1.2,
      );
    }
    const noonRps = avg(thuNoon, thuNoon + 2 * HOUR, 'requests_per_second');
    const nightRps = avg(thuNight, thuNight + 2 * HOUR, 'requests_per_second');
    expect(noonRps / nightRps).toBeGreaterThan(3);
    expect(noonRps / nightRps).toBeLessThan(7);
  });
});

describe('seeded schedule', () => {
  it('spreads incidents over the day, kinds and services, within the duration bounds', () => {
    const sim = createCloudSimulator({ durationMs: 10 * DAY, incidentsPerDay: 5 });
    const incidents = sim.incidents();
    // 10 days x 5, less the ones starting inside the 2 h warm-up.
    expect(incidents.length).toBeGreaterThanOrEqual(48);
    expect(incidents.length).toBeLessThanOrEqual(50);
    for (let day = 1; day < 10; day++) {
      const kinds = incidents
        .filter((i) => Math.floor((i.startMs - START) / DAY) === day)
        .map((i) => i.kind);
      expect(new Set(kinds)).toEqual(new Set(INCIDENT_KINDS));
    }
    expect(new Set(incidents.map((i) => i.service)).size).toBe(5);
    for (const [n, i] of incidents.entries()) {
      expect(i.startMs).toBeGreaterThanOrEqual(START + 2 * HOUR);
      expect(i.endMs - i.startMs).toBeGreaterThanOrEqual(3 * MIN);
      expect(i.endMs - i.startMs).toBeLessThanOrEqual(20 * MIN);
      if (n > 0) expect(i.startMs).toBeGreaterThanOrEqual(incidents[n - 1]!.endMs);
    }
  });

  it('writes labels with ISO times, the metrics affected and the magnitude', () => {
    const [first] = createCloudSimulator().incidents();
    const label = toIncidentLabel(first!);
    expect(label.start).toMatch(/^2026-01-01T\d\d:\d\d:\d\d\.000Z$/);
    expect(Date.parse(label.end)).toBeGreaterThan(Date.parse(label.start));
    expect(label.metrics.length).toBeGreaterThan(0);
    expect(label.magnitude).toBeGreaterThan(0);
  });

  it('clips incidents to the run and can list those of any window of an endless run', () => {
    const endless = createCloudSimulator({ durationMs: Number.POSITIVE_INFINITY });
    expect(() => endless.incidents()).toThrow(RangeError);
    expect(endless.incidents(Number.NEGATIVE_INFINITY, START + DAY)).toEqual(
      endless.incidents(START, START + DAY),
    );
    expect(endless.incidents(START - DAY, START)).toEqual([]);
    const window = endless.incidents(START + 30 * DAY, START + 31 * DAY);
    expect(window.length).toBeGreaterThanOrEqual(3);
    expect(endless.eventsBetween(START + 400 * DAY, START + 400 * DAY + 10_000)).toHaveLength(20);
    const short = createCloudSimulator({ durationMs: 12 * HOUR });
    for (const i of short.incidents()) expect(i.endMs).toBeLessThanOrEqual(short.endMs);
  });

  it('takes incidents injected at run time (chaos control)', () => {
    const sim = createCloudSimulator({ schedule: [] });
    const i = sim.inject({ service: 'checkout', kind: 'silence', startMs: START, durationMs: MIN });
    expect(i.id).toBe('injected#0');
    expect(sim.eventsBetween(START, START + MIN).some((e) => e.source_id === 'checkout')).toBe(
      false,
    );
    expect(() =>
      sim.inject({ service: 'nope', kind: 'silence', startMs: START, durationMs: MIN }),
    ).toThrow(/service/);
  });
});

describe('options', () => {
  it.each<{ name: string; options: Partial<CloudSimulatorOptions>; field: string }>([
    { name: 'zero services', options: { services: 0 }, field: 'services' },
    { name: 'too many services', options: { services: 1001 }, field: 'services' },
    { name: 'fractional interval', options: { intervalMs: 0.5 }, field: 'intervalMs' },
    { name: 'negative duration', options: { durationMs: -1 }, field: 'durationMs' },
    { name: 'NaN start', options: { startMs: Number.NaN }, field: 'startMs' },
    {
      name: 'unknown service in schedule',
      options: { schedule: [{ service: 'db', kind: 'silence', startMs: START, durationMs: MIN }] },
      field: 'schedule[0].service',
    },
  ])('rejects $name, naming the field', ({ options, field }) => {
    try {
      createCloudSimulator(options);
      expect.unreachable();
    } catch (err) {
      expect(isOpsError(err) && err.code).toBe('CONFIG_INVALID');
      expect(isOpsError(err) && err.items.map((i) => i.field)).toContain(field);
    }
  });
});

describe('service names', () => {
  it('names the first services as given and keeps the defaults after them', () => {
    const sim = createCloudSimulator({
      startMs: Date.UTC(2026, 0, 1),
      durationMs: 60_000,
      services: 6,
      names: ['gateway', 'orders'],
    });
    expect(sim.services.map((s) => s.name)).toEqual([
      'gateway',
      'orders',
      'payment',
      'inventory',
      'shipping',
      'svc-6',
    ]);
    const tagged = new Set(
      sim.eventsBetween(sim.startMs, sim.startMs + 10_000).map((e) => e.tags?.service),
    );
    expect(tagged.has('gateway') && !tagged.has('frontend')).toBe(true);
  });

  it('refuses duplicate or malformed names, naming each', () => {
    expect(() => createCloudSimulator({ names: ['a', 'a', 'b c'] })).toThrow(
      /names\[1\] duplicates a; names\[2\] must be/,
    );
  });
});
