import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { ServerContext } from './context.ts';
import { event, type Harness, openHarness, postEvents, T0 } from './harness.test-support.ts';
import { defaultServerOptions } from './options.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

it('reuses an overview within a second unless new data arrived, and counts ingest', async () => {
  h = await openHarness();
  let stats = 0;
  const counting = new Proxy(h.store, {
    get(target, prop, receiver) {
      if (prop === 'stats') {
        return () => {
          stats++;
          return target.stats();
        };
      }
      const v = Reflect.get(target, prop, receiver);
      // The engine keeps #private state: call its methods on the engine, not on the proxy.
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Store;
  const ctx = new ServerContext(
    { store: counting, clock: h.clock, bus: h.bus, logger: pino({ level: 'silent' }) },
    defaultServerOptions(),
  );
  try {
    const a = await ctx.overview(60_000);
    expect(await ctx.overview(60_000)).toBe(a);
    expect(stats).toBe(1);
    await ctx.overview(120_000);
    expect(stats).toBe(2);

    h.clock.advance(1_000);
    await ctx.overview(60_000);
    expect(stats).toBe(3);

    // New data makes the cached overview stale at once, and shows in the ingest rate a second later.
    await postEvents(h.app, [
      event({ metric_name: 'cpu_usage_percent', metric_value: 1, timestampMs: T0 }),
    ]);
    const b = await ctx.overview(60_000);
    expect(stats).toBe(4);
    expect(b.totals.samples).toBe(1);
    h.clock.advance(1_000);
    expect((await ctx.overview(60_000)).totals.ingestRate).toBeCloseTo(1 / 60, 9);
  } finally {
    ctx.close();
  }
});
