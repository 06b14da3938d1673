/**
 * @module
 * The StateStore contract: every engine runs this suite. `reopen` (when the engine is durable)
 * closes the store and opens it again on the same storage.
 */
import { describe, expect, it } from 'vitest';
import type { StateStore } from './state-store.ts';

export interface StateStoreHarness {
  open(): Promise<StateStore>;
  /** Closes `store` and opens a new one on the same storage; undefined for volatile engines. */
  reopen?: (store: StateStore) => Promise<StateStore>;
}

export function stateStoreContract(name: string, h: StateStoreHarness): void {
  describe(`StateStore contract: ${name}`, () => {
    it('puts, gets, replaces, lists sorted and deletes documents', async () => {
      const s = await h.open();
      const c = s.collection<{ n: number }>('things');
      expect(await c.get('a')).toBeUndefined();
      await c.put('b', { n: 2 });
      await c.put('a', { n: 1 });
      await c.put('b', { n: 3 });
      expect(await c.get('b')).toEqual({ n: 3 });
      expect(await c.list()).toEqual([
        { id: 'a', doc: { n: 1 } },
        { id: 'b', doc: { n: 3 } },
      ]);
      expect(await c.delete('a')).toBe(true);
      expect(await c.delete('a')).toBe(false);
      expect((await c.list()).map((d) => d.id)).toEqual(['b']);
      await s.close();
    });

    it('hands out copies: mutating what was put or read changes nothing stored', async () => {
      const s = await h.open();
      const c = s.collection<{ xs: number[] }>('copies');
      const doc = { xs: [1] };
      await c.put('k', doc);
      doc.xs.push(2);
      const read = await c.get('k');
      read?.xs.push(3);
      expect(await c.get('k')).toEqual({ xs: [1] });
      await s.close();
    });

    it.each([['odd/id'], ['..'], ['ünïcødé id with spaces'], ['a'.repeat(300)]])(
      'accepts the id %s',
      async (id) => {
        const s = await h.open();
        const c = s.collection<string>('ids');
        await c.put(id, 'v');
        expect(await c.get(id)).toBe('v');
        await s.close();
      },
    );

    it.each([[''], ['Upper'], ['a/b'], ['x'.repeat(65)]])('refuses the name %j', async (n) => {
      const s = await h.open();
      expect(() => s.collection(n)).toThrow(/state name/);
      expect(() => s.log(n)).toThrow(/state name/);
      await s.close();
    });

    it('appends to a log and reads by inclusive time range, newest kept by limit', async () => {
      const s = await h.open();
      const l = s.log<string>('events');
      await l.append([
        { atMs: 10, record: 'a' },
        { atMs: 20, record: 'b' },
      ]);
      await l.append([{ atMs: 30, record: 'c' }]);
      expect((await l.read()).map((e) => e.record)).toEqual(['a', 'b', 'c']);
      expect((await l.read({ fromMs: 20, toMs: 30 })).map((e) => e.record)).toEqual(['b', 'c']);
      expect((await l.read({ toMs: 19 })).map((e) => e.record)).toEqual(['a']);
      expect((await l.read({ limit: 2 })).map((e) => e.record)).toEqual(['b', 'c']);
      await s.close();
    });

    it('serialises concurrent writes: the last put wins, every append lands', async () => {
      const s = await h.open();
      const c = s.collection<number>('race');
      const l = s.log<number>('race');
      await Promise.all(Array.from({ length: 20 }, (_, i) => c.put('k', i)));
      await Promise.all(Array.from({ length: 20 }, (_, i) => l.append([{ atMs: i, record: i }])));
      expect(await c.get('k')).toBe(19);
      expect((await l.read()).map((e) => e.record).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
      await s.close();
    });

    it('refuses use after close', async () => {
      const s = await h.open();
      const c = s.collection<number>('closed');
      await s.close();
      await expect(async () => c.put('k', 1)).rejects.toThrow(/closed/);
    });

    if (h.reopen !== undefined) {
      const reopen = h.reopen;
      it('keeps documents, deletions and log entries across a reopen', async () => {
        let s = await h.open();
        await s.collection<number>('keep').put('x', 1);
        await s.collection<number>('keep').put('y', 2);
        await s.collection<number>('keep').delete('y');
        await s.log<string>('keep').append([{ atMs: 5, record: 'r' }]);
        s = await reopen(s);
        expect(await s.collection<number>('keep').list()).toEqual([{ id: 'x', doc: 1 }]);
        expect(await s.log<string>('keep').read()).toEqual([{ atMs: 5, record: 'r' }]);
        await s.log<string>('keep').append([{ atMs: 6, record: 's' }]);
        s = await reopen(s);
        expect((await s.log<string>('keep').read()).map((e) => e.record)).toEqual(['r', 's']);
        await s.close();
      });
    }
  });
}
