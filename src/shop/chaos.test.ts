import { describe, expect, it } from 'vitest';
import { isOpsError, VirtualClock } from '../contract/index.ts';
import { MAX_CHAOS_DELAY_MS, ShopChaos } from './chaos.ts';

const T0 = Date.UTC(2026, 10, 22, 12);

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isOpsError(err) && err.code === 'INVALID_PARAMETER') return err.items[0]?.field;
    throw err;
  }
  return undefined;
}

describe('ShopChaos', () => {
  it('names a bare path after its deepest service and the others service:/path', () => {
    const chaos = new ShopChaos(new VirtualClock(T0));
    const eps = chaos.endpoints();
    expect(eps).toContain('/payment');
    expect(eps).toContain('/checkout');
    expect(eps).toContain('frontend:/checkout');
    expect(eps).toContain('/product');
    expect(eps).toContain('frontend:/product');
    expect(eps).toContain('/');
    expect(eps).not.toContain('/health');
    expect(new Set(eps).size).toBe(eps.length);
    chaos.delay('/checkout', 100);
    expect(chaos.effect('checkout', '/checkout').delayMs).toBe(100);
    expect(chaos.effect('frontend', '/checkout').delayMs).toBe(0);
    // The explicit form of a bare path is the same endpoint.
    expect(chaos.delay('checkout:/checkout', 50).endpoint).toBe('/checkout');
    expect(chaos.status()).toHaveLength(1);
    chaos.error('frontend:/checkout', 0.5);
    expect(chaos.effect('frontend', '/checkout')).toEqual({
      delayMs: 0,
      errorRate: 0.5,
      hang: false,
    });
  });

  it('keeps one fault per endpoint and kind, stamped with the clock, oldest first', () => {
    const clock = new VirtualClock(T0);
    const chaos = new ShopChaos(clock);
    chaos.delay('/payment', 200);
    clock.advance(1_000);
    chaos.error('/payment', 0.25);
    clock.advance(1_000);
    chaos.delay('/payment', 300);
    expect(chaos.status()).toEqual([
      { endpoint: '/payment', kind: 'error', value: 0.25, sinceMs: T0 + 1_000 },
      { endpoint: '/payment', kind: 'delay', value: 300, sinceMs: T0 + 2_000 },
    ]);
    expect(chaos.effect('payment', '/payment')).toEqual({
      delayMs: 300,
      errorRate: 0.25,
      hang: false,
    });
    chaos.clear();
    expect(chaos.status()).toEqual([]);
    expect(chaos.effect('payment', '/payment')).toEqual({ delayMs: 0, errorRate: 0, hang: false });
  });

  it.each([
    { name: 'unknown endpoint', call: (c: ShopChaos) => c.delay('/nope', 10), field: 'endpoint' },
    { name: 'empty endpoint', call: (c: ShopChaos) => c.timeout(' '), field: 'endpoint' },
    {
      name: 'health is no target',
      call: (c: ShopChaos) => c.timeout('/health'),
      field: 'endpoint',
    },
    { name: 'zero delay', call: (c: ShopChaos) => c.delay('/payment', 0), field: 'duration' },
    { name: 'negative delay', call: (c: ShopChaos) => c.delay('/payment', -5), field: 'duration' },
    {
      name: 'delay over the limit',
      call: (c: ShopChaos) => c.delay('/payment', MAX_CHAOS_DELAY_MS + 1),
      field: 'duration',
    },
    {
      name: 'NaN delay',
      call: (c: ShopChaos) => c.delay('/payment', Number.NaN),
      field: 'duration',
    },
    { name: 'rate above 1', call: (c: ShopChaos) => c.error('/payment', 1.5), field: 'rate' },
    { name: 'negative rate', call: (c: ShopChaos) => c.error('/payment', -0.1), field: 'rate' },
  ])('rejects $name, naming $field', ({ call, field }) => {
    const chaos = new ShopChaos(new VirtualClock(T0));
    expect(fieldOf(() => call(chaos))).toBe(field);
    expect(chaos.status()).toEqual([]);
  });

  it('hung requests wait until clear, and only on the hung endpoint', async () => {
    const chaos = new ShopChaos(new VirtualClock(T0));
    await chaos.waitWhileHung('payment', '/payment'); // not hung: resolves at once
    chaos.timeout('/payment');
    expect(chaos.effect('payment', '/payment').hang).toBe(true);
    let released = 0;
    const waits = [1, 2].map(() =>
      chaos.waitWhileHung('payment', '/payment').then(() => {
        released++;
      }),
    );
    await chaos.waitWhileHung('inventory', '/inventory');
    await Promise.resolve();
    expect(released).toBe(0);
    expect(chaos.hungCount()).toBe(2);
    chaos.clear();
    await Promise.all(waits);
    expect(released).toBe(2);
    expect(chaos.hungCount()).toBe(0);
  });

  it('releaseAll lets hung requests go on but keeps the faults', async () => {
    const chaos = new ShopChaos(new VirtualClock(T0));
    chaos.timeout('/inventory');
    const wait = chaos.waitWhileHung('inventory', '/inventory');
    chaos.releaseAll();
    await wait;
    expect(chaos.status().map((f) => f.kind)).toEqual(['timeout']);
  });
});
