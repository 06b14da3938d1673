import { appendFileSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../contract/index.ts';
import { openEmbeddedTraceStore } from './embedded-trace-store.ts';
import { HOUR_MS } from './span-file.ts';
import { makeSpan, T0, traceStoreContract } from './trace-store.contract.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'opsight-traces-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DAY_MS = 86_400_000;

traceStoreContract('embedded', (clock) =>
  openEmbeddedTraceStore({ dataDir: tempDir(), retentionMs: 7 * DAY_MS, clock }),
);

describe('embedded trace store', () => {
  const clock = () => new VirtualClock(T0 + HOUR_MS);

  it('keeps what append acknowledged across a restart without close (kill -9)', async () => {
    const dataDir = tempDir();
    const first = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    const spans = [
      makeSpan({ trace: 'a', span: '1', startMs: T0 - 10 }), // previous hour's file
      makeSpan({ trace: 'a', span: '2', parentSpanId: '1'.padStart(16, '0'), startMs: T0 + 5 }),
    ];
    await first.append(spans);
    // No close: the second store sees only what reached the disk.
    const second = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    expect(await second.trace(spans[0]?.traceId as string)).toEqual(spans);
    expect(second.stats()).toMatchObject({ spans: 2, traces: 1 });
    expect(readdirSync(join(dataDir, 'traces')).sort()).toEqual([
      '20261122T02.spans',
      '20261122T03.spans',
    ]);
    await second.close();
    await first.close();
  });

  it('truncates a torn last record on open and appends after it', async () => {
    const dataDir = tempDir();
    const store = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    const a = makeSpan({ trace: 'b', span: '1' });
    await store.append([a]);
    await store.close();
    const file = join(dataDir, 'traces', '20261122T03.spans');
    // A record header claiming 500 bytes, followed by only 10: a write cut short.
    appendFileSync(
      file,
      Buffer.concat([Buffer.from([0xf4, 0x01, 0, 0, 1, 2, 3, 4]), Buffer.alloc(10)]),
    );
    const warnings: object[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (o: object) => warnings.push(o) };
    const reopened = await openEmbeddedTraceStore({
      dataDir,
      retentionMs: DAY_MS,
      clock: clock(),
      logger,
    });
    expect(warnings).toHaveLength(1);
    const b = makeSpan({ trace: 'b', span: '2', startMs: T0 + 1 });
    await reopened.append([b]);
    await reopened.close();
    const third = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    expect(await third.trace(a.traceId)).toEqual([a, b]);
    await third.close();
  });

  it('recovers a file cut inside its header', async () => {
    const dataDir = tempDir();
    const store = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    await store.append([makeSpan({ trace: 'c', span: '1' })]);
    await store.close();
    truncateSync(join(dataDir, 'traces', '20261122T03.spans'), 3);
    const reopened = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    expect(reopened.stats().spans).toBe(0);
    const s = makeSpan({ trace: 'c', span: '2' });
    await reopened.append([s]);
    await reopened.close();
    const third = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    expect(await third.trace(s.traceId)).toEqual([s]);
    await third.close();
  });

  it('refuses to open over damage before the last record, naming file and offset', async () => {
    const dataDir = tempDir();
    const store = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    await store.append([makeSpan({ trace: 'd', span: '1' }), makeSpan({ trace: 'd', span: '2' })]);
    await store.close();
    const file = join(dataDir, 'traces', '20261122T03.spans');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const buf = readFileSync(file);
    buf[20] = (buf[20] as number) ^ 0xff; // inside the first record's payload
    writeFileSync(file, buf);
    await expect(
      openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() }),
    ).rejects.toMatchObject({
      code: 'STORE_CORRUPTION',
      message: expect.stringContaining('traces/20261122T03.spans offset 8'),
    });
  });

  it('drops whole hour files past retention, at open and while running', async () => {
    const dataDir = tempDir();
    const c = clock();
    const store = await openEmbeddedTraceStore({ dataDir, retentionMs: 2 * HOUR_MS, clock: c });
    const old = makeSpan({ trace: 'e', span: '1', startMs: T0 - 30 * 60_000 }); // hour 02
    const recent = makeSpan({ trace: 'f', span: '1', startMs: T0 + 30 * 60_000 }); // hour 03
    await store.append([old, recent]);
    c.advance(2 * HOUR_MS); // now 06:00: hour 02 ended 3 h ago, hour 03 2 h ago
    expect(await store.trace(old.traceId)).toHaveLength(1); // not checked yet: trace() is read-only
    expect(await store.search({ fromMs: 0, toMs: T0 + DAY_MS })).toHaveLength(0);
    expect(store.stats()).toEqual({ spans: 0, traces: 0, bytes: 0 });
    expect(readdirSync(join(dataDir, 'traces'))).toEqual([]);
    await store.append([makeSpan({ trace: 'g', span: '1', startMs: T0 + 2 * HOUR_MS + 60_000 })]);
    await store.close();
    // At open: a file that expired while the store was down is deleted unread.
    const later = new VirtualClock(T0 + 6 * HOUR_MS);
    const reopened = await openEmbeddedTraceStore({
      dataDir,
      retentionMs: 2 * HOUR_MS,
      clock: later,
    });
    expect(reopened.stats().spans).toBe(0);
    expect(readdirSync(join(dataDir, 'traces'))).toEqual([]);
    await reopened.close();
  });

  it('shares one sync among concurrent appends and keeps each one whole', async () => {
    const dataDir = tempDir();
    const store = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.append([
          makeSpan({ trace: `h${i}`, span: '1', startMs: T0 + i }),
          makeSpan({ trace: `h${i}`, span: '2', startMs: T0 + i + 0.5 }),
        ]),
      ),
    );
    await store.close();
    const reopened = await openEmbeddedTraceStore({ dataDir, retentionMs: DAY_MS, clock: clock() });
    expect(reopened.stats()).toMatchObject({ spans: 100, traces: 50 });
    expect(await reopened.trace('h49'.padStart(32, '0'))).toHaveLength(2);
    await reopened.close();
  });
});
