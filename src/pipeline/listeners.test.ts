import { describe, expect, it } from 'vitest';
import { Listeners } from './listeners.ts';

describe('Listeners', () => {
  it('calls every listener, isolates throws, removes by the returned function', () => {
    const errors: unknown[] = [];
    const ls = new Listeners<[number]>((err) => errors.push(err));
    const got: string[] = [];
    const f = (n: number) => got.push(`f${n}`);
    const offA = ls.add(f);
    ls.add(() => {
      throw new Error('boom');
    });
    const offC = ls.add(f);
    ls.emit(1);
    expect(got).toEqual(['f1', 'f1']);
    expect(errors).toHaveLength(1);
    offA();
    offA();
    ls.emit(2);
    expect(got).toEqual(['f1', 'f1', 'f2']);
    offC();
    expect(ls.size).toBe(1);
    ls.clear();
    expect(ls.size).toBe(0);
  });
});
