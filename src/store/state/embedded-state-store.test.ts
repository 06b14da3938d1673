import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStateStore } from './embedded-state-store.ts';
import { MemoryStateStore } from './memory-state-store.ts';
import { stateStoreContract } from './state-store.contract.ts';
import type { StateStore } from './state-store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'opsight-state-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

stateStoreContract('memory', { open: async () => new MemoryStateStore() });

const homes = new WeakMap<StateStore, string>();
stateStoreContract('embedded', {
  open: async () => {
    const dir = tempDir();
    const s = await openEmbeddedStateStore(dir);
    homes.set(s, dir);
    return s;
  },
  reopen: async (s) => {
    const dir = homes.get(s) as string;
    await s.close();
    const again = await openEmbeddedStateStore(dir);
    homes.set(again, dir);
    return again;
  },
});

describe('embedded state store crash safety', () => {
  it('ignores a torn last log line and appends after it on a fresh line', async () => {
    const dir = tempDir();
    let s = await openEmbeddedStateStore(dir);
    await s.log<string>('history').append([{ atMs: 1, record: 'whole' }]);
    await s.close();
    const file = join(dir, 'state', 'logs', 'history.jsonl');
    appendFileSync(file, '{"atMs":2,"rec');
    s = await openEmbeddedStateStore(dir);
    expect((await s.log<string>('history').read()).map((e) => e.record)).toEqual(['whole']);
    await s.log<string>('history').append([{ atMs: 3, record: 'next' }]);
    await s.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).record)).toEqual(['whole', 'next']);
  });

  it('ignores and removes a temp file left by a crash mid-put; the old document stays', async () => {
    const dir = tempDir();
    let s = await openEmbeddedStateStore(dir);
    await s.collection<number>('rules').put('r', 1);
    await s.close();
    const docs = join(dir, 'state', 'docs', 'rules');
    const [file] = readdirSync(docs);
    writeFileSync(join(docs, `${file}.tmp7`), '{"id":"r","doc":');
    s = await openEmbeddedStateStore(dir);
    expect(await s.collection<number>('rules').list()).toEqual([{ id: 'r', doc: 1 }]);
    expect(readdirSync(docs)).toEqual([file]);
    await s.close();
  });

  it('reports a damaged document as STORE_CORRUPTION naming the file', async () => {
    const dir = tempDir();
    let s = await openEmbeddedStateStore(dir);
    await s.collection<number>('rules').put('r', 1);
    await s.close();
    const docs = join(dir, 'state', 'docs', 'rules');
    const [file] = readdirSync(docs);
    writeFileSync(join(docs, file as string), '{not json');
    s = await openEmbeddedStateStore(dir);
    await expect(s.collection('rules').list()).rejects.toMatchObject({ code: 'STORE_CORRUPTION' });
    await s.close();
  });
});
