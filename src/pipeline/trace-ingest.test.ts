import { describe, expect, it } from 'vitest';
import type { Span, TraceQuery, TraceSummary } from '../contract/index.ts';
import type { TraceStore } from '../store/index.ts';
import { TraceIngest } from './trace-ingest.ts';

class FakeStore implements TraceStore {
  readonly appended: Span[][] = [];
  fail = false;
  async append(spans: readonly Span[]): Promise<void> {
    if (this.fail) throw new Error('disk full');
    this.appended.push([...spans]);
  }
  async trace(): Promise<Span[]> {
    return [];
  }
  async search(_q: TraceQuery): Promise<TraceSummary[]> {
    return [];
  }
  async spansBetween(): Promise<Span[]> {
    return [];
  }
  stats() {
    return { spans: 0, traces: 0, bytes: 0 };
  }
  async close(): Promise<void> {}
}

const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) } as Span;

describe('TraceIngest', () => {
  it('stores first, then tells every listener; a throwing listener is logged, not fatal', async () => {
    const store = new FakeStore();
    const errors: object[] = [];
    const ingest = new TraceIngest(store, { error: (o) => errors.push(o) });
    const seen: string[] = [];
    ingest.onSpans(() => {
      seen.push(`first after ${store.appended.length} appends`);
    });
    ingest.onSpans(() => {
      throw new Error('boom');
    });
    const off = ingest.onSpans((s) => seen.push(`third got ${s.length}`));
    await ingest.ingest([span]);
    expect(seen).toEqual(['first after 1 appends', 'third got 1']);
    expect(errors).toHaveLength(1);
    off();
    await ingest.ingest([span]);
    expect(seen).toHaveLength(3);
    expect(ingest.store).toBe(store);
  });

  it('tells no listener when the store fails', async () => {
    const store = new FakeStore();
    store.fail = true;
    const ingest = new TraceIngest(store);
    let called = false;
    ingest.onSpans(() => {
      called = true;
    });
    await expect(ingest.ingest([span])).rejects.toThrow('disk full');
    expect(called).toBe(false);
  });
});
