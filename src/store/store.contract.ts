/**
 * @module
 * The one conformance suite every Store engine runs (embedded now, PostgreSQL later). It talks to
 * engines only through the Store interface; `open` maps a location key to the engine's storage
 * (a directory, a schema): opening the same key again must see the same data.
 *
 * @example
 * describeStoreContract('embedded', ({ key, clock }) =>
 *   openEmbeddedStore({ ...defaultEmbeddedStoreOptions(), dataDir: join(tmp, key), clock }));
 */
import { describe, expect, it } from 'vitest';
import {
  type Aggregation,
  type Clock,
  createRng,
  isOpsError,
  type Labels,
  type Point,
  type RangeQuery,
  type RangeSeries,
  type SampleBatch,
  VirtualClock,
} from '../contract/index.ts';
import type { Store } from './store.ts';

export interface OpenStoreContext {
  /** Storage location: the same key opens the same data. */
  readonly key: string;
  readonly clock: Clock;
}

export type OpenStore = (ctx: OpenStoreContext) => Promise<Store>;

const MIN = 60_000;
/** 2026-01-01T00:00:00Z: a fixed, minute-aligned base time. */
const T0 = 1_767_225_600_000;

let counter = 0;
function freshKey(name: string): string {
  counter += 1;
  return `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${counter}`;
}

interface Sample {
  readonly ts: number;
  readonly v: number;
}
interface RefSeries {
  readonly metric: string;
  readonly labels: Labels;
  readonly samples: Sample[];
}

function batchOf(series: readonly RefSeries[]): SampleBatch {
  return series.map((s, i) => ({
    metric: s.metric,
    labels: s.labels,
    timestampsMs: s.samples.map((x) => x.ts),
    values: s.samples.map((x) => x.v),
    item: i,
  }));
}

function quantileOf(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

const Q: Record<string, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** An independent, deliberately naive implementation of the RangeQuery semantics. */
function referenceRange(data: readonly RefSeries[], q: RangeQuery): RangeSeries[] {
  const step = q.stepMs;
  const groups = new Map<string, { labels: Labels; buckets: Map<number, number[][]> }>();
  for (const s of data) {
    if (s.metric !== q.metric) continue;
    let ok = true;
    for (const m of q.matchers) {
      const v = s.labels[m.name] ?? '';
      const re = new RegExp(`^(?:${m.value})$`);
      if (m.op === '=' && v !== m.value) ok = false;
      if (m.op === '!=' && v === m.value) ok = false;
      if (m.op === '=~' && !re.test(v)) ok = false;
      if (m.op === '!~' && re.test(v)) ok = false;
    }
    if (!ok) continue;
    let labels: Labels = s.labels;
    if (q.groupBy !== undefined) {
      const l: Record<string, string> = {};
      for (const n of [...q.groupBy].sort()) if (s.labels[n] !== undefined) l[n] = s.labels[n];
      labels = l;
    }
    const key = JSON.stringify(Object.entries(labels).sort());
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels, buckets: new Map() };
      groups.set(key, g);
    }
    const sorted = [...s.samples].sort((a, b) => a.ts - b.ts);
    for (let k = 0; k < sorted.length; k++) {
      const x = sorted[k] as Sample;
      if (x.ts < q.fromMs || x.ts > q.toMs) continue;
      const t = Math.floor(x.ts / step) * step;
      let list = g.buckets.get(t);
      if (list === undefined) {
        list = [[], []];
        g.buckets.set(t, list);
      }
      (list[0] as number[]).push(x.v);
      const prev = sorted[k - 1];
      if (prev !== undefined && prev.ts >= t - step) {
        (list[1] as number[]).push(x.v >= prev.v ? x.v - prev.v : x.v);
      }
    }
  }
  const out: RangeSeries[] = [];
  for (const g of groups.values()) {
    const points: Point[] = [];
    for (const t of [...g.buckets.keys()].sort((a, b) => a - b)) {
      const [vals, incs] = g.buckets.get(t) as number[][];
      const v = vals as number[];
      const sum = v.reduce((a, b) => a + b, 0);
      const value: Record<Aggregation, () => number> = {
        avg: () => sum / v.length,
        sum: () => sum,
        count: () => v.length,
        min: () => Math.min(...v),
        max: () => Math.max(...v),
        rate: () => (incs as number[]).reduce((a, b) => a + b, 0) / (step / 1000),
        p50: () =>
          quantileOf(
            [...v].sort((a, b) => a - b),
            0.5,
          ),
        p90: () =>
          quantileOf(
            [...v].sort((a, b) => a - b),
            0.9,
          ),
        p95: () =>
          quantileOf(
            [...v].sort((a, b) => a - b),
            0.95,
          ),
        p99: () =>
          quantileOf(
            [...v].sort((a, b) => a - b),
            0.99,
          ),
      };
      points.push([t, value[q.agg]()]);
    }
    if (points.length > 0) out.push({ labels: g.labels, points });
  }
  return out;
}

function byLabels(a: RangeSeries, b: RangeSeries): number {
  const ka = JSON.stringify(Object.entries(a.labels).sort());
  const kb = JSON.stringify(Object.entries(b.labels).sort());
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Asserts two answers agree: same groups and bucket times, values within `relTol`. */
function expectRangeClose(got: RangeSeries[], want: RangeSeries[], relTol: number): void {
  const g = [...got].sort(byLabels);
  const w = [...want].sort(byLabels);
  expect(g.map((s) => s.labels)).toEqual(w.map((s) => s.labels));
  for (let i = 0; i < w.length; i++) {
    const gp = (g[i] as RangeSeries).points;
    const wp = (w[i] as RangeSeries).points;
    expect(gp.map((p) => p[0])).toEqual(wp.map((p) => p[0]));
    for (let k = 0; k < wp.length; k++) {
      const a = (gp[k] as Point)[1];
      const b = (wp[k] as Point)[1];
      const tol = Math.max(1e-9, relTol * Math.abs(b));
      if (Math.abs(a - b) > tol) {
        throw new Error(`bucket ${(wp[k] as Point)[0]}: got ${a}, want ${b} (tol ${tol})`);
      }
    }
  }
}

/** A seeded random walk per series: 10 s samples, values rounded to 2 decimals, a counter. */
function makeData(
  seed: number,
  seriesCount: number,
  samples: number,
  startMs: number,
): RefSeries[] {
  const rng = createRng(seed);
  const out: RefSeries[] = [];
  for (let s = 0; s < seriesCount; s++) {
    let v = 50 + rng.next() * 50;
    let counter = 0;
    const gauge: Sample[] = [];
    const count: Sample[] = [];
    for (let j = 0; j < samples; j++) {
      const ts = startMs + j * 10_000 + (rng.next() < 0.1 ? Math.floor(rng.next() * 9000) : 0);
      v = Math.round((v + (rng.next() - 0.5) * 4) * 100) / 100;
      gauge.push({ ts, v });
      counter = rng.next() < 0.01 ? 0 : counter + Math.floor(rng.next() * 20);
      count.push({ ts, v: counter });
    }
    const labels = { service: `svc-${s % 3}`, source_id: `host-${s}` };
    out.push({ metric: 'latency_ms', labels, samples: gauge });
    out.push({ metric: 'requests_total', labels, samples: count });
  }
  return out;
}

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`Store contract: ${name}`, () => {
    const clock = new VirtualClock(T0 + 2 * 86_400_000);
    const openFresh = async (label: string): Promise<{ store: Store; key: string }> => {
      const key = freshKey(label);
      return { store: await open({ key, clock }), key };
    };

    it('selects raw points sorted, with inclusive bounds', async () => {
      const { store } = await openFresh('select');
      await store.append([
        {
          metric: 'cpu',
          labels: { host: 'a' },
          timestampsMs: [T0 + 3000, T0 + 1000, T0 + 2000, T0 + 4000],
          values: [3, 1, 2, 4],
        },
      ]);
      const got = await store.select({
        metric: 'cpu',
        matchers: [],
        fromMs: T0 + 1000,
        toMs: T0 + 3000,
      });
      expect(got).toEqual([
        {
          metric: 'cpu',
          labels: { host: 'a' },
          points: [
            [T0 + 1000, 1],
            [T0 + 2000, 2],
            [T0 + 3000, 3],
          ],
        },
      ]);
      await store.close();
    });

    it('keeps the last write for a repeated (series, timestamp), across flush and reopen', async () => {
      const { store, key } = await openFresh('lww');
      const one = (ts: number, v: number): SampleBatch => [
        { metric: 'm', labels: { a: '1' }, timestampsMs: [ts], values: [v] },
      ];
      await store.append([
        { metric: 'm', labels: { a: '1' }, timestampsMs: [T0, T0, T0 + 1000], values: [1, 2, 3] },
      ]);
      await store.append(one(T0 + 1000, 30));
      await store.flush();
      await store.append(one(T0, 20));
      let pts = await store.select({ metric: 'm', matchers: [], fromMs: T0, toMs: T0 + 5000 });
      expect(pts[0]?.points).toEqual([
        [T0, 20],
        [T0 + 1000, 30],
      ]);
      await store.flush();
      await store.append(one(T0 + 1000, 31));
      await store.close();
      const again = await open({ key, clock });
      pts = await again.select({ metric: 'm', matchers: [], fromMs: T0, toMs: T0 + 5000 });
      expect(pts[0]?.points).toEqual([
        [T0, 20],
        [T0 + 1000, 31],
      ]);
      expect((await again.stats()).samples).toBe(2);
      await again.close();
    });

    it('recovers every acknowledged sample exactly once after a crash (no close)', async () => {
      const { store, key } = await openFresh('crash');
      const data = makeData(7, 4, 300, T0);
      // Half, then a flush (segments + WAL checkpoint), then the rest; never closed.
      for (const s of data) {
        await store.append(batchOf([{ ...s, samples: s.samples.slice(0, 150) }]));
      }
      await store.flush();
      await Promise.all(
        data.map((s) => store.append(batchOf([{ ...s, samples: s.samples.slice(150) }]))),
      );
      // `store` is abandoned as if the process were killed.
      const again = await open({ key, clock });
      for (const s of data) {
        const got = await again.select({
          metric: s.metric,
          matchers: Object.entries(s.labels).map(([n, value]) => ({ name: n, op: '=', value })),
          fromMs: T0 - 1,
          toMs: T0 + 86_400_000,
        });
        const want = [...s.samples].sort((a, b) => a.ts - b.ts).map((x): Point => [x.ts, x.v]);
        expect(got[0]?.points).toEqual(want);
      }
      expect((await again.stats()).samples).toBe(4 * 2 * 300);
      await again.close();
    });

    it('rejects a whole call over the cardinality limit and writes nothing', async () => {
      const { store } = await openFresh('cardinality');
      await store.append(
        [
          { metric: 'c', labels: { id: '1' }, timestampsMs: [T0], values: [1] },
          { metric: 'c', labels: { id: '2' }, timestampsMs: [T0], values: [1] },
        ],
        { maxSeriesPerMetric: 3 },
      );
      let err: unknown;
      try {
        await store.append(
          [
            { metric: 'c', labels: { id: '1' }, timestampsMs: [T0 + 1], values: [9], item: 0 },
            { metric: 'c', labels: { id: '3' }, timestampsMs: [T0], values: [1], item: 4 },
            { metric: 'c', labels: { id: '4' }, timestampsMs: [T0], values: [1], item: 7 },
          ],
          { maxSeriesPerMetric: 3 },
        );
      } catch (e) {
        err = e;
      }
      expect(isOpsError(err) && err.code).toBe('INGEST_CARDINALITY_LIMIT');
      if (!isOpsError(err)) throw err;
      expect(err.items.map((i) => [i.index, i.field])).toEqual([[7, 'metric_name']]);
      expect(await store.series({ metric: 'c', matchers: [] })).toHaveLength(2);
      const pts = await store.select({ metric: 'c', matchers: [], fromMs: T0, toMs: T0 + 10 });
      expect(pts.flatMap((s) => s.points)).toHaveLength(2);
      await store.close();
    });

    it('finds series by matchers, time bounds and limit; lists label values', async () => {
      const { store } = await openFresh('series');
      await store.append([
        { metric: 'up', labels: { service: 'api', az: 'a' }, timestampsMs: [T0], values: [1] },
        {
          metric: 'up',
          labels: { service: 'web', az: 'b' },
          timestampsMs: [T0 + MIN],
          values: [1],
        },
        { metric: 'up', labels: { service: 'db' }, timestampsMs: [T0 + 2 * MIN], values: [0] },
        { metric: 'down', labels: { service: 'api' }, timestampsMs: [T0], values: [0] },
      ]);
      const names = async (q: Parameters<Store['series']>[0]): Promise<string[]> =>
        (await store.series(q)).map((s) => `${s.metric}/${s.labels.service}`).sort();
      expect(await names({ metric: 'up', matchers: [] })).toEqual(['up/api', 'up/db', 'up/web']);
      expect(
        await names({ metric: 'up', matchers: [{ name: 'service', op: '=', value: 'api' }] }),
      ).toEqual(['up/api']);
      expect(
        await names({ metric: 'up', matchers: [{ name: 'service', op: '!=', value: 'api' }] }),
      ).toEqual(['up/db', 'up/web']);
      expect(
        await names({ metric: 'up', matchers: [{ name: 'service', op: '=~', value: 'a.*|w.*' }] }),
      ).toEqual(['up/api', 'up/web']);
      expect(
        await names({ metric: 'up', matchers: [{ name: 'az', op: '!~', value: '.+' }] }),
      ).toEqual(['up/db']);
      expect(await names({ matchers: [{ name: 'service', op: '=', value: 'api' }] })).toEqual([
        'down/api',
        'up/api',
      ]);
      expect(await names({ matchers: [{ name: '__name__', op: '=', value: 'down' }] })).toEqual([
        'down/api',
      ]);
      expect(
        await names({ metric: 'up', matchers: [], fromMs: T0 + MIN, toMs: T0 + 2 * MIN }),
      ).toEqual(['up/db', 'up/web']);
      expect(
        await names({ metric: 'up', matchers: [], fromMs: T0 + 1, toMs: T0 + MIN - 1 }),
      ).toEqual([]);
      expect(await store.series({ metric: 'up', matchers: [], limit: 2 })).toHaveLength(2);
      expect(await store.labelValues('service')).toEqual(['api', 'db', 'web']);
      expect(await store.labelValues('az', 'up')).toEqual(['a', 'b']);
      expect(await store.labelValues('service', 'down')).toEqual(['api']);
      const stats = await store.stats();
      expect([stats.series, stats.samples, stats.oldestMs, stats.newestMs]).toEqual([
        4,
        4,
        T0,
        T0 + 2 * MIN,
      ]);
      await store.close();
    });

    const aggs: Aggregation[] = [
      'avg',
      'min',
      'max',
      'sum',
      'count',
      'rate',
      'p50',
      'p90',
      'p95',
      'p99',
    ];
    const groupings: Array<[string, readonly string[] | undefined]> = [
      ['per series', undefined],
      ['all', []],
      ['by service', ['service']],
    ];

    it.each(aggs)('queryRange %s matches the reference on raw and rolled-up data', async (agg) => {
      const { store, key } = await openFresh(`range-${agg}`);
      const data = makeData(11, 5, 720, T0);
      await store.append(batchOf(data));
      const metric = agg === 'rate' ? 'requests_total' : 'latency_ms';
      const quantile = Q[agg] !== undefined;
      const queries: RangeQuery[] = [];
      for (const [, groupBy] of groupings) {
        for (const stepMs of [30_000, MIN, 5 * MIN]) {
          const base = {
            metric,
            matchers: [],
            agg,
            stepMs,
            fromMs: T0 + 37_000,
            toMs: T0 + 95 * MIN + 1234,
          };
          queries.push(groupBy === undefined ? base : { ...base, groupBy });
        }
      }
      queries.push({
        metric,
        matchers: [{ name: 'service', op: '!=', value: 'svc-1' }],
        agg,
        stepMs: 10 * MIN,
        fromMs: T0,
        toMs: T0 + 2 * 3_600_000,
        groupBy: ['service'],
      });
      // Quantiles over whole-minute steps may come from 1-minute sketches (1% relative error);
      // every other answer is exact up to float summation order.
      const tolOf = (q: RangeQuery): number => (quantile && q.stepMs % MIN === 0 ? 0.0101 : 1e-9);
      for (const q of queries)
        expectRangeClose(await store.queryRange(q), referenceRange(data, q), tolOf(q));
      await store.flush();
      await store.close();
      const again = await open({ key, clock });
      for (const q of queries)
        expectRangeClose(await again.queryRange(q), referenceRange(data, q), tolOf(q));
      await again.close();
    });

    it('answers an overwrite inside a rolled-up minute from the new value', async () => {
      const { store } = await openFresh('overwrite-rollup');
      const data = makeData(3, 2, 360, T0);
      await store.append(batchOf(data));
      await store.flush();
      const s0 = data[0] as RefSeries;
      const target = s0.samples[100] as Sample;
      await store.append([
        { metric: s0.metric, labels: s0.labels, timestampsMs: [target.ts], values: [1e6] },
      ]);
      const patched = data.map((s) =>
        s === s0
          ? { ...s, samples: s.samples.map((x) => (x === target ? { ts: x.ts, v: 1e6 } : x)) }
          : s,
      );
      const q: RangeQuery = {
        metric: 'latency_ms',
        matchers: [],
        agg: 'max',
        stepMs: MIN,
        fromMs: T0,
        toMs: T0 + 3_600_000,
      };
      expectRangeClose(await store.queryRange(q), referenceRange(patched, q), 1e-9);
      await store.flush();
      expectRangeClose(await store.queryRange(q), referenceRange(patched, q), 1e-9);
      const avg = { ...q, agg: 'avg' as const, groupBy: [] };
      expectRangeClose(await store.queryRange(avg), referenceRange(patched, avg), 1e-9);
      await store.close();
    });

    it('does not crash on timestamps far in the past or future', async () => {
      const { store } = await openFresh('extremes');
      await store.append([
        { metric: 'x', labels: {}, timestampsMs: [0, T0, 4_102_444_800_000], values: [1, 2, 3] },
      ]);
      await store.flush();
      const got = await store.select({ metric: 'x', matchers: [], fromMs: 0, toMs: 5e12 });
      expect(got[0]?.points.map((p) => p[1])).toEqual([1, 2, 3]);
      await store.close();
    });

    it('refuses calls after close with STORE_CLOSED', async () => {
      const { store } = await openFresh('closed');
      await Promise.all([store.close(), store.close()]);
      await store.close();
      await expect(store.append([])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      await expect(store.stats()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });
}
