import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpsError, VirtualClock } from '../../contract/index.ts';
import { openEmbeddedStore } from './open.ts';
import { defaultEmbeddedStoreOptions } from './options.ts';
import { decodeBatchPayload, encodeBatchRecord, replayWal, WAL_HEADER_BYTES } from './wal.ts';

const root = mkdtempSync(join(tmpdir(), 'opsight-wal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const T0 = 1_767_225_600_000;
let n = 0;

function open(dataDir: string) {
  return openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir,
    clock: new VirtualClock(T0),
    maintenanceIntervalMs: 0,
  });
}

async function writeThree(dataDir: string): Promise<string> {
  const store = await open(dataDir);
  for (let i = 0; i < 3; i++) {
    await store.append([
      { metric: 'm', labels: { i: String(i) }, timestampsMs: [T0 + i], values: [i] },
    ]);
  }
  // Not closed: as if killed.
  return join(dataDir, 'wal', '00000001.wal');
}

describe('WAL records', () => {
  it('round-trips a batch record', () => {
    const rec = encodeBatchRecord({
      defs: [{ id: 3, metric: 'cpu', labels: { host: 'ä', az: '"x"' } }],
      entries: [{ seriesId: 3, timestampsMs: [1, 2], values: [0.5, -1e300] }],
    });
    const decoded = decodeBatchPayload(rec.subarray(WAL_HEADER_BYTES));
    expect(decoded.defs).toEqual([{ id: 3, metric: 'cpu', labels: { host: 'ä', az: '"x"' } }]);
    expect([...(decoded.entries[0]?.values ?? [])]).toEqual([0.5, -1e300]);
  });
});

describe('WAL recovery', () => {
  it.each([1, 5, 20])(
    'truncates a torn final record (%i bytes cut) and keeps the rest',
    async (cut) => {
      const dir = join(root, `torn-${n++}`);
      const seg = await writeThree(dir);
      const size = statSync(seg).size;
      writeFileSync(seg, readFileSync(seg).subarray(0, size - cut));
      const store = await open(dir);
      const got = await store.select({ metric: 'm', matchers: [], fromMs: T0, toMs: T0 + 10 });
      expect(got.map((s) => s.labels.i)).toEqual(['0', '1']);
      await store.append([{ metric: 'm', labels: { i: '9' }, timestampsMs: [T0], values: [9] }]);
      await store.close();
      const again = await open(dir);
      expect((await again.stats()).samples).toBe(3);
      await again.close();
    },
  );

  it('treats trailing garbage after the last record as a torn tail', async () => {
    const dir = join(root, `garbage-${n++}`);
    const seg = await writeThree(dir);
    appendFileSync(seg, Buffer.from([1, 2, 3]));
    const store = await open(dir);
    expect((await store.stats()).samples).toBe(3);
    await store.close();
  });

  it('reports a corrupt record in the middle as STORE_CORRUPTION with segment and offset', async () => {
    const dir = join(root, `corrupt-${n++}`);
    const seg = await writeThree(dir);
    const buf = readFileSync(seg);
    const firstLen = buf.readUInt32LE(0) + WAL_HEADER_BYTES;
    const at = firstLen + WAL_HEADER_BYTES + 2; // inside the second record's payload
    buf[at] = (buf[at] as number) ^ 0xff;
    writeFileSync(seg, buf);
    let err: unknown;
    try {
      replayWal(join(dir, 'wal'), { onRecord: () => {}, onTornTail: () => {} });
    } catch (e) {
      err = e;
    }
    expect(isOpsError(err) && err.code).toBe('STORE_CORRUPTION');
    expect(String((err as Error).message)).toContain(`00000001.wal offset ${firstLen}`);
    await expect(open(dir)).rejects.toMatchObject({ code: 'STORE_CORRUPTION' });
  });
});
