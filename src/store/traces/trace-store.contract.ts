/**
 * @module
 * The conformance suite every TraceStore engine runs (embedded-trace-store.test.ts). An engine
 * passes `open`, which returns a fresh, empty store whose clock the suite controls.
 */
import { describe, expect, it } from 'vitest';
import { type Span, VirtualClock } from '../../contract/index.ts';
import type { TraceStore } from './trace-store.ts';

export const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);

/** A span with sensible defaults; `traceId`/`spanId` are padded to their hex lengths. */
export function makeSpan(o: Partial<Span> & { trace: string; span: string }): Span {
  const { trace, span, ...rest } = o;
  return {
    traceId: trace.padStart(32, '0'),
    spanId: span.padStart(16, '0'),
    service: 'api',
    name: 'GET /',
    kind: 'server',
    endpoint: '/',
    startMs: T0,
    durationMs: 10,
    status: 'unset',
    attributes: {},
    ...rest,
  };
}

export function traceStoreContract(
  engine: string,
  open: (clock: VirtualClock) => Promise<TraceStore>,
): void {
  describe(`TraceStore contract: ${engine}`, () => {
    const start = () => open(new VirtualClock(T0 + 3_600_000));

    it('returns a trace sorted by start, and nothing for an unknown id', async () => {
      const store = await start();
      const root = makeSpan({ trace: 'a1', span: '1', startMs: T0 + 5, durationMs: 100 });
      const child = makeSpan({
        trace: 'a1',
        span: '2',
        parentSpanId: root.spanId,
        service: 'db',
        kind: 'client',
        startMs: T0 + 20.5,
        durationMs: 30.25,
        attributes: { 'db.system': 'postgresql', rows: 3, ok: true },
        events: [
          { name: 'exception', timeMs: T0 + 21, attributes: { 'exception.stacktrace': 'at x' } },
        ],
      });
      await store.append([child]);
      await store.append([root, makeSpan({ trace: 'b2', span: '1' })]);
      expect(await store.trace(root.traceId)).toEqual([root, child]);
      expect(await store.trace('f'.repeat(32))).toEqual([]);
      expect(store.stats()).toMatchObject({ spans: 3, traces: 2 });
      expect(store.stats().bytes).toBeGreaterThan(0);
      await store.close();
    });

    it('stores a span sent twice once', async () => {
      const store = await start();
      const s = makeSpan({ trace: 'c3', span: '1' });
      await store.append([s, s]);
      await store.append([s]);
      expect(await store.trace(s.traceId)).toHaveLength(1);
      expect(store.stats().spans).toBe(1);
      await store.close();
    });

    it('searches by service, operation, status, duration and time, newest first', async () => {
      const store = await start();
      const spans: Span[] = [];
      for (let i = 0; i < 10; i++) {
        const trace = `d${i}`;
        const startMs = T0 + i * 60_000;
        spans.push(
          makeSpan({
            trace,
            span: '1',
            service: 'shop',
            name: 'POST /buy',
            endpoint: '/buy',
            startMs,
            durationMs: 50 + i,
          }),
          makeSpan({
            trace,
            span: '2',
            parentSpanId: '1'.padStart(16, '0'),
            service: i % 2 === 0 ? 'stock' : 'payments',
            name: 'reserve',
            kind: 'client',
            startMs: startMs + 1,
            durationMs: 10,
            status: i % 3 === 0 ? 'error' : 'ok',
            ...(i === 4 ? { httpStatus: 503 } : {}),
          }),
        );
      }
      await store.append(spans);
      const all = await store.search({ fromMs: T0, toMs: T0 + 3_600_000, limit: 100 });
      expect(all.map((s) => s.traceId)).toEqual(
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => `d${i}`.padStart(32, '0')),
      );
      expect(all[0]).toEqual({
        traceId: 'd9'.padStart(32, '0'),
        rootService: 'shop',
        rootName: 'POST /buy',
        startMs: T0 + 9 * 60_000,
        durationMs: 59,
        spanCount: 2,
        errorCount: 1,
        services: ['payments', 'shop'],
      });
      expect(await store.search({ fromMs: T0, toMs: T0 + 3_600_000 })).toHaveLength(10);
      expect(await store.search({ fromMs: T0, toMs: T0 + 3_600_000, limit: 3 })).toEqual(
        all.slice(0, 3),
      );
      const ids = async (q: Partial<Parameters<TraceStore['search']>[0]>) =>
        (await store.search({ fromMs: T0, toMs: T0 + 3_600_000, limit: 100, ...q })).map((s) =>
          Number(s.traceId.slice(-1)),
        );
      expect(await ids({ service: 'stock' })).toEqual([8, 6, 4, 2, 0]);
      expect(await ids({ status: 'error' })).toEqual([9, 6, 4, 3, 0]);
      expect(await ids({ status: 'ok' })).toEqual([8, 7, 5, 2, 1]);
      expect(await ids({ operation: '/buy', minDurationMs: 57 })).toEqual([9, 8, 7]);
      expect(await ids({ operation: 'reserve', service: 'payments' })).toEqual([9, 7, 5, 3, 1]);
      expect(await ids({ operation: 'reserve', service: 'shop' })).toEqual([]);
      expect(await ids({ fromMs: T0 + 2 * 60_000, toMs: T0 + 4 * 60_000 })).toEqual([4, 3, 2]);
      await store.close();
    });

    it('lists the spans of a window, filtered by service, newest kept under a limit', async () => {
      const store = await start();
      const spans = Array.from({ length: 6 }, (_, i) =>
        makeSpan({ trace: `e${i}`, span: '1', service: i < 3 ? 'a' : 'b', startMs: T0 + i * 1000 }),
      );
      await store.append(spans);
      expect(await store.spansBetween(T0 + 1000, T0 + 4000)).toEqual(spans.slice(1, 5));
      expect(await store.spansBetween(T0, T0 + 10_000, { services: ['b'] })).toEqual(
        spans.slice(3),
      );
      expect(await store.spansBetween(T0, T0 + 10_000, { limit: 2 })).toEqual(spans.slice(4));
      await store.close();
    });

    it('refuses calls after close', async () => {
      const store = await start();
      await store.close();
      await expect(store.append([makeSpan({ trace: 'f', span: '1' })])).rejects.toMatchObject({
        code: 'STORE_CLOSED',
      });
    });
  });
}
