import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Anomaly, VirtualClock } from '../contract/index.ts';
import { ReviewRuntime } from '../pipeline/index.ts';
import { type Harness, openHarness, T0 } from '../server/harness.test-support.ts';
import { MemoryStateStore } from '../store/index.ts';
import { readLabeledCsv } from './eval.ts';
import { fileNameOf, reviewCommand } from './review.ts';

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('opsight review export', () => {
  it('writes reviewed series as labelled CSVs that opsight eval reads', async () => {
    const review = await ReviewRuntime.open(
      { state: new MemoryStateStore(), clock: new VirtualClock(T0), logger: { error: () => {} } },
      { seed: 3, rate: 0.02 },
    );
    h = await openHarness({}, () => ({ review }));
    const app = h.app;
    // 100 minutes of latency for one series, one sample every 10 s.
    const STEP = 10_000;
    const start = T0 - 6_000_000;
    const ts = Array.from({ length: 600 }, (_, i) => start + i * STEP);
    await h.store.append([
      {
        metric: 'latency_ms',
        labels: { service: 'orders' },
        timestampsMs: ts,
        values: ts.map((_, i) => 100 + i),
      },
    ]);
    // Offer every point as an anomaly until two are sampled; approve one, reject the other.
    const sampled = [];
    for (const t of ts) {
      const a: Anomaly = {
        metric: 'latency_ms',
        labels: { service: 'orders' },
        timestampMs: t,
        value: 1,
        score: 0.9,
        expected: 1,
        lower: 0,
        upper: 2,
        deviation: 0,
        detector: 'ewma',
        reason: 'test',
      };
      const item = await review.offerAnomaly(a);
      if (item !== undefined) sampled.push(item);
    }
    // Seed 3 samples several of the 600 (the sampling is a fixed hash).
    expect(sampled.length).toBeGreaterThanOrEqual(2);
    const [yes, no] = sampled as [(typeof sampled)[0], (typeof sampled)[0]];
    await review.approve(yes.id, 'ana');
    await review.reject(no.id, 'ana', 'deploy');

    const out = mkdtempSync(join(tmpdir(), 'opsight-review-export-'));
    dirs.push(out);
    let printed = '';
    const cmd = reviewCommand({
      fetch: async (input, init) => {
        const u = new URL(String(input));
        const res = await app.inject({
          url: `${u.pathname}${u.search}`,
          headers: (init?.headers ?? {}) as Record<string, string>,
        });
        return new Response(res.body, { status: res.statusCode });
      },
      stdout: { write: (t: string) => (printed += t) },
    });
    await cmd.parseAsync(['node', 'review', 'export', '--target', 'http://x', '--out', out]);
    expect(printed).toMatch(/^review export: 1 series, 600 rows, 2 verdicts/);
    const files = readdirSync(out);
    expect(files).toEqual([fileNameOf('latency_ms{service="orders"}')]);
    const series = await readLabeledCsv(join(out, files[0] as string), 'orders');
    expect(typeof series).not.toBe('string');
    if (typeof series === 'string') return;
    expect(series.values).toHaveLength(600);
    const labelled = [...series.labels].map((l, i) =>
      l === 1 ? series.timestampsMs[i] : undefined,
    );
    expect(labelled.filter((x) => x !== undefined)).toEqual([yes.atMs]);
    expect(readFileSync(join(out, files[0] as string), 'utf8').split('\n')[0]).toBe(
      'timestamp,value,label',
    );
  });

  it('makes safe file names', () => {
    expect(fileNameOf('latency_ms{service="orders",endpoint="/a/b"}')).toBe(
      'latency_ms_service_orders_endpoint_a_b.csv',
    );
  });
});
