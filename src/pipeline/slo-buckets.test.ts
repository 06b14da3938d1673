import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burnOverWindow, defaultSlos, sumBuckets } from '../analytics/index.ts';
import { type SliBucket, VirtualClock } from '../contract/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore, type Store } from '../store/index.ts';
import { burnSeries, HOUR_MS, queryBuckets, SliCache } from './slo-buckets.ts';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const availability = defaultSlos()[0]?.sli;
const latency = defaultSlos()[1]?.sli;
if (availability === undefined || latency === undefined) throw new Error('no default SLOs');

let dir: string;
let store: Store;
const clock = new VirtualClock(T0);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsight-slo-buckets-'));
  store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: dir,
    clock,
    maintenanceIntervalMs: 0,
    retentionMs: 365 * 86_400_000,
  });
  // 12 h every 30 s: 10 req/s; errors 1/s in hour 3 and 0 otherwise; latency 500 ms in hour 5.
  const ts: number[] = [];
  for (let t = T0; t < T0 + 12 * HOUR_MS; t += 30_000) ts.push(t);
  const hour = (t: number) => Math.floor((t - T0) / HOUR_MS);
  await store.append([
    {
      metric: 'requests_per_second',
      labels: { service: 's' },
      timestampsMs: ts,
      values: ts.map(() => 10),
    },
    {
      metric: 'errors_per_second',
      labels: { service: 's' },
      timestampsMs: ts,
      values: ts.map((t) => (hour(t) === 3 ? 1 : 0)),
    },
    {
      metric: 'latency_ms',
      labels: { service: 's' },
      timestampsMs: ts,
      values: ts.map((t) => (hour(t) === 5 ? 500 : 100)),
    },
  ]);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SLI buckets', () => {
  it('turns rate gauges into counts per minute, per service', async () => {
    const b = (
      await queryBuckets(store, availability, 60_000, T0 + 3 * HOUR_MS, T0 + 3 * HOUR_MS + 120_000)
    ).get('s');
    expect(b).toEqual([
      { startMs: T0 + 3 * HOUR_MS, good: 540, total: 600 },
      { startMs: T0 + 3 * HOUR_MS + 60_000, good: 540, total: 600 },
    ]);
  });

  it('judges threshold intervals: 60 bad minutes in hour 5', async () => {
    const b = (await queryBuckets(store, latency, 60_000, T0, T0 + 12 * HOUR_MS)).get('s') ?? [];
    expect(b).toHaveLength(720);
    expect(b.filter((x) => x.good === 0)).toHaveLength(60);
  });

  it('an incrementally refreshed, folded cache sums like a direct query over every window', async () => {
    const cache = new SliCache();
    const horizon = 30 * 86_400_000;
    for (let now = T0 + HOUR_MS; now <= T0 + 12 * HOUR_MS; now += 15 * 60_000) {
      await cache.refresh(store, availability, 60_000, now, horizon);
    }
    const now = T0 + 12 * HOUR_MS;
    const cached = cache.buckets(availability, 60_000, 's');
    const direct = (await queryBuckets(store, availability, 60_000, T0, now + 1)).get('s') ?? [];
    expect(
      cached.filter((b) => b.startMs < now - 7 * HOUR_MS).every((b) => b.startMs % HOUR_MS === 0),
    ).toBe(true);
    for (const windowMs of [5 * 60_000, 30 * 60_000, HOUR_MS, 6 * HOUR_MS, 3 * 86_400_000]) {
      expect(burnOverWindow(cached, 0.999, now, windowMs)).toEqual(
        burnOverWindow(direct, 0.999, now, windowMs),
      );
    }
    expect(sumBuckets(cached, 0, now + 1)).toEqual({ good: 428_400, total: 432_000 });
  });
});

describe('burnSeries', () => {
  it('matches burnOverWindow at every step (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ good: fc.nat(50), bad: fc.nat(5) }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        (rows, windowMin) => {
          const buckets: SliBucket[] = rows.map((r, i) => ({
            startMs: i * 60_000,
            good: r.good,
            total: r.good + r.bad,
          }));
          const points = burnSeries(
            buckets,
            0.99,
            0,
            rows.length * 60_000,
            60_000,
            windowMin * 60_000,
          );
          for (const [t, v] of points) {
            expect(v).toBeCloseTo(burnOverWindow(buckets, 0.99, t, windowMin * 60_000).burnRate, 9);
          }
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});
