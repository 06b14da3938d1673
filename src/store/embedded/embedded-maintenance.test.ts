import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SampleBatch, VirtualClock } from '../../contract/index.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { DAY_MS, defaultEmbeddedStoreOptions } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'opsight-maint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T0 = 1_767_225_600_000;
let n = 0;

function openStore(
  clock: VirtualClock,
  extra: Partial<ReturnType<typeof defaultEmbeddedStoreOptions>> = {},
) {
  const store = new EmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(root, `s-${n++}`),
    clock,
    maintenanceIntervalMs: 0,
    ...extra,
  });
  store.open();
  return store;
}

function hourly(fromMs: number, hours: number): SampleBatch {
  const ts: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < hours * 60; i++) {
    ts.push(fromMs + i * 60_000);
    vals.push(i % 7);
  }
  return [{ metric: 'm', labels: { a: '1' }, timestampsMs: ts, values: vals }];
}

const dirBytes = (dir: string): number =>
  readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);

describe('embedded store maintenance', () => {
  it('drops whole chunks and segment files older than the retention window', async () => {
    const clock = new VirtualClock(T0 + 3 * DAY_MS);
    const store = openStore(clock, { retentionMs: 2 * DAY_MS });
    for (let d = 0; d < 3; d++) {
      await store.append(hourly(T0 + d * DAY_MS, 24));
      await store.flush();
    }
    const dir = join(root, `s-${n - 1}`, 'segments');
    const before = readdirSync(dir).length;
    await store.maintain();
    const after = readdirSync(dir).length;
    expect(after).toBeLessThan(before);
    const stats = await store.stats();
    expect(stats.oldestMs).toBeGreaterThanOrEqual(T0 + DAY_MS - 60 * 60_000);
    const pts = await store.select({ metric: 'm', matchers: [], fromMs: 0, toMs: T0 + 4 * DAY_MS });
    expect(pts[0]?.points[0]?.[0]).toBeGreaterThanOrEqual(T0 + DAY_MS - 60 * 60_000);
    expect(pts[0]?.points.at(-1)?.[0]).toBe(T0 + 3 * DAY_MS - 60_000);
    const q = await store.queryRange({
      metric: 'm',
      matchers: [],
      fromMs: T0,
      toMs: T0 + DAY_MS - 1,
      stepMs: 3_600_000,
      agg: 'count',
    });
    expect(q).toEqual([]);
    await store.close();
  });

  it('checkpoints the WAL so it does not grow across flushes', async () => {
    const store = openStore(new VirtualClock(T0 + DAY_MS));
    const wal = join(root, `s-${n - 1}`, 'wal');
    for (let i = 0; i < 5; i++) {
      await store.append(hourly(T0 + i * 3_600_000, 1));
      await store.flush();
    }
    expect(readdirSync(wal)).toHaveLength(1);
    expect(dirBytes(wal)).toBeLessThan(1024);
    await store.close();
  });

  it('shares one fdatasync among appends that arrive together (group commit)', async () => {
    const store = openStore(new VirtualClock(T0 + DAY_MS));
    const before = store.walSyncs;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.append([{ metric: 'g', labels: { i: String(i) }, timestampsMs: [T0], values: [i] }]),
      ),
    );
    expect(store.walSyncs - before).toBeLessThan(10);
    expect((await store.stats()).series).toBe(50);
    await store.close();
  });

  it('keeps every sample when appends race a flush', async () => {
    const clock = new VirtualClock(T0 + DAY_MS);
    const store = openStore(clock);
    const dir = join(root, `s-${n - 1}`);
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 40; i++) {
      writes.push(store.append(hourly(T0 + i * 3_600_000, 1)));
      if (i % 10 === 5) writes.push(store.flush());
    }
    await Promise.all(writes);
    // Abandon without close, then reopen.
    const again = new EmbeddedStore({
      ...defaultEmbeddedStoreOptions(),
      dataDir: dir,
      clock,
      maintenanceIntervalMs: 0,
    });
    again.open();
    expect((await again.stats()).samples).toBe(40 * 60);
    await again.close();
  });

  it('reports a damaged chunk as STORE_CORRUPTION naming the segment file', async () => {
    const clock = new VirtualClock(T0 + DAY_MS);
    const store = openStore(clock);
    const dir = join(root, `s-${n - 1}`);
    await store.append(hourly(T0, 2));
    await store.close();
    const segDir = join(dir, 'segments');
    const name = readdirSync(segDir)[0] as string;
    const buf = readFileSync(join(segDir, name));
    buf[10] = (buf[10] as number) ^ 0xff; // inside the first chunk
    writeFileSync(join(segDir, name), buf);
    const again = new EmbeddedStore({
      ...defaultEmbeddedStoreOptions(),
      dataDir: dir,
      clock,
      maintenanceIntervalMs: 0,
    });
    again.open();
    await expect(
      again.select({ metric: 'm', matchers: [], fromMs: T0, toMs: T0 + DAY_MS }),
    ).rejects.toMatchObject({ code: 'STORE_CORRUPTION', message: expect.stringContaining(name) });
    await again.close();
    // A damaged footer fails opening.
    const size = buf.length;
    buf[size - 13] = (buf[size - 13] as number) ^ 0xff;
    writeFileSync(join(segDir, name), buf);
    const third = new EmbeddedStore({
      ...defaultEmbeddedStoreOptions(),
      dataDir: dir,
      clock,
      maintenanceIntervalMs: 0,
    });
    expect(() => third.open()).toThrow(/segment .* footer/);
  });
});
