import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, isOpsError, type Span, spanFailed } from '../contract/index.ts';
import {
  createShopSimulator,
  DEFAULT_SHOP_TOPOLOGY,
  generateTopology,
  type ShopFault,
  type ShopSimulatorOptions,
  type ShopTopology,
  upstreamServices,
  validateShopTopology,
} from './index.ts';

const T0 = Date.UTC(2026, 0, 1);
const S = 1000;
const MIN = 60_000;

const ndjson = (spans: readonly Span[]): string =>
  spans.map((s) => `${JSON.stringify(s)}\n`).join('');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const endOf = (s: Span): number => s.startMs + s.durationMs;
const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] ?? Number.NaN;
};
const servers = (spans: readonly Span[], service: string, fromMs = 0, toMs = Infinity): Span[] =>
  spans.filter(
    (s) => s.kind === 'server' && s.service === service && s.startMs >= fromMs && s.startMs < toMs,
  );

/** Every span of requests arriving in the first `arrivalsMs`, with time for all to finish. */
function wholeRun(options: Partial<ShopSimulatorOptions>, arrivalsMs: number): Span[] {
  const sim = createShopSimulator({ startMs: T0, durationMs: arrivalsMs, ...options });
  return sim.spansBetween(T0, T0 + arrivalsMs + 5 * MIN);
}

const fault = (f: Partial<ShopFault> & Pick<ShopFault, 'service' | 'kind'>): ShopFault => ({
  startMs: T0 + 30 * S,
  endMs: T0 + 90 * S,
  value: 1,
  ...f,
});

describe('determinism', () => {
  const golden = new URL('./testdata/shop-seed42-2m.sha256', import.meta.url);
  const faults: ShopFault[] = [
    fault({
      service: 'payment',
      kind: 'delay',
      value: 300,
      startMs: T0 + 20 * S,
      endMs: T0 + 40 * S,
    }),
    fault({
      service: 'inventory',
      kind: 'error',
      value: 0.5,
      startMs: T0 + 40 * S,
      endMs: T0 + 60 * S,
    }),
    fault({
      service: 'shipping',
      kind: 'timeout',
      value: 0.5,
      startMs: T0 + 60 * S,
      endMs: T0 + 80 * S,
    }),
    fault({
      service: 'db',
      kind: 'saturation',
      value: 0.9,
      startMs: T0 + 80 * S,
      endMs: T0 + 100 * S,
    }),
    fault({ service: 'catalog', kind: 'absence', startMs: T0 + 100 * S, endMs: T0 + 110 * S }),
  ];
  const config: Partial<ShopSimulatorOptions> = { seed: 42, startMs: T0, faults };

  it('pins the SHA-256 of the NDJSON of a fixed run (UPDATE_GOLDEN=1 refreshes it)', () => {
    const sim = createShopSimulator(config);
    const text = ndjson(sim.spansBetween(T0, T0 + 2 * MIN)) + JSON.stringify(sim.labels());
    const got = sha256(text);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, `${got}\n`);
    expect(got).toBe(readFileSync(golden, 'utf8').trim());
  });

  it('gives byte-identical output for the same options and different output for another seed', () => {
    const a = ndjson(createShopSimulator(config).spansBetween(T0, T0 + MIN));
    expect(ndjson(createShopSimulator(config).spansBetween(T0, T0 + MIN))).toBe(a);
    expect(
      ndjson(createShopSimulator({ ...config, seed: 43 }).spansBetween(T0, T0 + MIN)),
    ).not.toBe(a);
  });

  it('gives the same spans however the range is chunked and in whatever order it is read', () => {
    const whole = ndjson(createShopSimulator(config).spansBetween(T0, T0 + 2 * MIN));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2 * MIN - 1 }), { maxLength: 8 }),
        (cuts) => {
          const sim = createShopSimulator(config);
          const bounds = [0, ...cuts.sort((x, y) => x - y), 2 * MIN].map((d) => T0 + d);
          const parts: Span[][] = [];
          for (let i = bounds.length - 2; i >= 0; i--) {
            parts[i] = sim.spansBetween(bounds[i]!, bounds[i + 1]!);
          }
          expect(ndjson(parts.flat())).toBe(whole);
        },
      ),
      { numRuns: 6 },
    );
  }, 60_000);
});

describe('span shape', () => {
  const spans = wholeRun({ seed: 7, requestsPerSecond: 30 }, 20 * S);

  it('emits W3C-shaped ids, one root per trace and exact parent links', () => {
    expect(spans.length).toBeGreaterThan(1000);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.size).toBe(spans.length);
    const roots = new Map<string, number>();
    for (const s of spans) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (s.parentSpanId === undefined) {
        roots.set(s.traceId, (roots.get(s.traceId) ?? 0) + 1);
        expect(s.kind).toBe('server');
        continue;
      }
      const parent = byId.get(s.parentSpanId);
      expect(parent?.traceId).toBe(s.traceId);
      // Servers call through clients; a client's child is the callee's server span.
      expect(parent?.kind).toBe(s.kind === 'client' ? 'server' : 'client');
      if (s.kind === 'client') expect(parent?.service).toBe(s.service);
      expect(s.startMs).toBeGreaterThanOrEqual(parent!.startMs);
      expect(endOf(s)).toBeLessThanOrEqual(endOf(parent!) + 1e-6);
    }
    expect([...roots.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(roots.size);
  });

  it('delivers spans ordered by end time, inside the asked range', () => {
    const sim = createShopSimulator({ seed: 7, startMs: T0 });
    const got = sim.spansBetween(T0 + 10 * S, T0 + 15 * S);
    for (let i = 0; i < got.length; i++) {
      expect(endOf(got[i]!)).toBeGreaterThanOrEqual(T0 + 10 * S);
      expect(endOf(got[i]!)).toBeLessThan(T0 + 15 * S);
      if (i > 0) expect(endOf(got[i]!)).toBeGreaterThanOrEqual(endOf(got[i - 1]!));
    }
  });

  it('has a realistic baseline: rare errors, a server span per client span', () => {
    const failed = spans.filter(spanFailed).length;
    expect(failed / spans.length).toBeLessThan(0.01);
    const clients = spans.filter((s) => s.kind === 'client').length;
    const served = spans.filter((s) => s.kind === 'server' && s.parentSpanId !== undefined).length;
    expect(served).toBe(clients);
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(DEFAULT_SHOP_TOPOLOGY.services.map((s) => s.name)),
    );
  });
});

describe('faults', () => {
  const run = (f: ShopFault): Span[] =>
    wholeRun({ seed: 3, requestsPerSecond: 30, faults: [f] }, 2 * MIN);
  const during = [T0 + 40 * S, T0 + 90 * S] as const;
  const before = [T0, T0 + 30 * S] as const;

  it('delay: the service and its callers get slower by about the delay', () => {
    const spans = run(fault({ service: 'payment', kind: 'delay', value: 400 }));
    for (const svc of ['payment', 'checkout']) {
      const base = median(servers(spans, svc, ...before).map((s) => s.durationMs));
      const slow = median(servers(spans, svc, ...during).map((s) => s.durationMs));
      expect(slow - base).toBeGreaterThan(350);
      expect(slow - base).toBeLessThan(500);
    }
    const shipping = median(servers(spans, 'shipping', ...during).map((s) => s.durationMs));
    expect(shipping).toBeLessThan(100);
  });

  it('error: a share of requests fail with an exception event, callers fail with them', () => {
    const spans = run(fault({ service: 'inventory', kind: 'error', value: 0.4 }));
    const inv = servers(spans, 'inventory', ...during);
    const share = inv.filter(spanFailed).length / inv.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
    const failedInv = inv.find(spanFailed)!;
    expect(failedInv.httpStatus).toBe(500);
    expect(failedInv.events?.[0]?.name).toBe('exception');
    const checkout = servers(spans, 'checkout', ...during);
    expect(checkout.filter(spanFailed).length / checkout.length).toBeGreaterThan(0.3);
    expect(servers(spans, 'inventory', ...before).filter(spanFailed).length).toBeLessThan(3);
  });

  it('timeout: the callee never finishes (no spans) and the caller times out', () => {
    const sim = createShopSimulator({
      seed: 3,
      startMs: T0,
      durationMs: 2 * MIN,
      requestsPerSecond: 30,
      faults: [fault({ service: 'payment', kind: 'timeout' })],
    });
    const spans = sim.spansBetween(T0, T0 + 5 * MIN);
    expect(servers(spans, 'payment', ...during)).toHaveLength(0);
    const calls = spans.filter(
      (s) =>
        s.kind === 'client' &&
        s.endpoint === '/charge' &&
        s.startMs >= during[0] &&
        s.startMs < during[1],
    );
    expect(calls.length).toBeGreaterThan(100);
    for (const c of calls) {
      expect(c.status).toBe('error');
      expect(c.durationMs).toBeCloseTo(sim.options.clientTimeoutMs, 3);
      expect(c.errorMessage).toMatch(/no answer within/);
    }
    // checkout answers 504 for a timed-out dependency (a few fail on inventory before that).
    const checkout = servers(spans, 'checkout', ...during);
    expect(checkout.filter((s) => s.httpStatus === 504).length / checkout.length).toBeGreaterThan(
      0.95,
    );
  });

  it('absence: the service emits nothing and its callers are refused at once', () => {
    const spans = run(fault({ service: 'shipping', kind: 'absence' }));
    expect(
      spans.filter(
        (s) => s.service === 'shipping' && s.startMs >= during[0] && s.startMs < during[1],
      ),
    ).toHaveLength(0);
    const calls = spans.filter(
      (s) =>
        s.kind === 'client' &&
        s.endpoint === '/quote' &&
        s.startMs >= during[0] &&
        s.startMs < during[1],
    );
    expect(calls.length).toBeGreaterThan(50);
    expect(calls.every((c) => c.errorMessage?.includes('ECONNREFUSED') && c.durationMs < 2)).toBe(
      true,
    );
    // shipping is called with onError: 'degrade', so checkout still succeeds.
    const checkout = servers(spans, 'checkout', ...during);
    expect(checkout.filter(spanFailed).length / checkout.length).toBeLessThan(0.05);
  });

  it('saturation: latency grows as utilisation ramps up, and past 0.95 load is shed', () => {
    const spans = run(
      fault({
        service: 'payment',
        kind: 'saturation',
        value: 1,
        startMs: T0 + 30 * S,
        endMs: T0 + 120 * S,
      }),
    );
    const early = median(
      servers(spans, 'payment', T0 + 30 * S, T0 + 40 * S).map((s) => s.durationMs),
    );
    const late = median(
      servers(spans, 'payment', T0 + 70 * S, T0 + 120 * S).map((s) => s.durationMs),
    );
    const base = median(servers(spans, 'payment', ...before).map((s) => s.durationMs));
    expect(early).toBeGreaterThan(base);
    expect(late).toBeGreaterThan(3 * early);
    expect(
      servers(spans, 'payment', T0 + 70 * S, T0 + 120 * S).some((s) => s.httpStatus === 503),
    ).toBe(true);
  });

  it('labels each fault with its incident kind and where symptoms can show', () => {
    const sim = createShopSimulator({
      faults: [fault({ service: 'db', kind: 'delay', value: 50 })],
    });
    expect(sim.labels()).toMatchObject([
      { id: 'fault#0', service: 'db', fault: 'delay', kind: 'latency', value: 50 },
    ]);
    expect(sim.labels()[0]!.affectedServices).toEqual([
      'db',
      'catalog',
      'checkout',
      'frontend',
      'inventory',
    ]);
  });
});

describe('validation', () => {
  it.each([
    {
      name: 'unknown service',
      f: fault({ service: 'nope', kind: 'delay', value: 10 }),
      field: 'faults[0].service',
    },
    {
      name: 'unknown endpoint',
      f: fault({ service: 'payment', endpoint: '/x', kind: 'error', value: 0.1 }),
      field: 'faults[0].endpoint',
    },
    {
      name: 'error share > 1',
      f: fault({ service: 'payment', kind: 'error', value: 2 }),
      field: 'faults[0].value',
    },
    {
      name: 'end before start',
      f: fault({ service: 'payment', kind: 'delay', value: 5, endMs: T0 }),
      field: 'faults[0].endMs',
    },
  ])('rejects a fault: $name', ({ f, field }) => {
    try {
      createShopSimulator({ startMs: T0, faults: [f] });
      expect.unreachable();
    } catch (err) {
      expect(isOpsError(err) && err.code).toBe('CONFIG_INVALID');
      expect(isOpsError(err) && err.items.map((i) => i.field)).toContain(field);
    }
  });

  it('finds call cycles and unknown call targets', () => {
    const cyclic: ShopTopology = {
      services: [
        {
          name: 'a',
          endpoints: [
            {
              route: '/a',
              method: 'GET',
              latency: { medianMs: 1, sigma: 0.1 },
              errorRate: 0,
              calls: [{ service: 'b', endpoint: '/b', probability: 1, onError: 'fail' }],
            },
          ],
        },
        {
          name: 'b',
          endpoints: [
            {
              route: '/b',
              method: 'GET',
              latency: { medianMs: 1, sigma: 0.1 },
              errorRate: 0,
              calls: [{ service: 'a', endpoint: '/a', probability: 1, onError: 'fail' }],
            },
          ],
        },
      ],
      entries: [{ service: 'a', endpoint: '/a', weight: 1 }],
    };
    expect(validateShopTopology(cyclic)[0]?.reason).toMatch(/cycle: a \/a -> b \/b -> a \/a/);
    const dangling: ShopTopology = { ...cyclic, services: [cyclic.services[0]!] };
    expect(validateShopTopology(dangling)[0]?.reason).toMatch(/unknown endpoint b \/b/);
  });
});

describe('generateTopology', () => {
  it.each([
    { services: 5, depth: 3, fanout: 2 },
    { services: 12, depth: 5, fanout: 3 },
    { services: 8, depth: 8, fanout: 1 },
  ])(
    'draws a valid DAG where every service takes traffic: $services services, depth $depth',
    (o) => {
      for (let seed = 0; seed < 20; seed++) {
        const topo = generateTopology(createRng(seed), o);
        expect(validateShopTopology(topo)).toEqual([]);
        expect(topo.services).toHaveLength(o.services);
        const entry = topo.entries[0]!.service;
        for (const s of topo.services) {
          if (s.name !== entry) expect(upstreamServices(topo, s.name)).toContain(entry);
          expect(DEFAULT_SHOP_TOPOLOGY.services.map((d) => d.name)).not.toContain(s.name);
        }
      }
    },
  );

  it('is a pure function of the rng', () => {
    const a = generateTopology(createRng(5), { services: 9, depth: 4, fanout: 3 });
    expect(generateTopology(createRng(5), { services: 9, depth: 4, fanout: 3 })).toEqual(a);
    expect(generateTopology(createRng(6), { services: 9, depth: 4, fanout: 3 })).not.toEqual(a);
  });
});
