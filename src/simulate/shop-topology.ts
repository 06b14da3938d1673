/**
 * @module
 * The topology of the simulated shop of services: services, the endpoints they serve (with a
 * latency distribution for their own work and a base error rate) and the calls an endpoint makes
 * to other endpoints (each with a probability). The call graph must be a DAG, so every trace is
 * finite. `DEFAULT_SHOP_TOPOLOGY` is the demo shop; `generateTopology` draws random DAGs for
 * accuracy evaluation.
 */
import { OpsError, type ProblemItem, type Rng } from '../contract/index.ts';

/** Self time of an endpoint (its own work, without calls): log-normal, `sigma` in log space. */
export interface LatencyDistribution {
  /** Median self time, ms (> 0). */
  readonly medianMs: number;
  /** Spread: 0.2 is tight, 1 is very noisy. Samples are capped at `medianMs * e^(4 sigma)`. */
  readonly sigma: number;
}

/** One outgoing call of an endpoint, made in order after the endpoint's first half of work. */
export interface ShopCall {
  readonly service: string;
  readonly endpoint: string;
  /** Chance in [0, 1] that a request makes this call. */
  readonly probability: number;
  /**
   * What the caller does when the call fails: `fail` fails its own request (and skips its
   * remaining calls), `degrade` carries on without the answer (e.g. recommendations).
   */
  readonly onError: 'fail' | 'degrade';
}

export interface ShopEndpoint {
  /** The route, e.g. `/payment` (server spans' `http.route`, clients' URL path). */
  readonly route: string;
  readonly method: 'GET' | 'POST';
  readonly latency: LatencyDistribution;
  /** Share of requests that fail on their own, in [0, 1). */
  readonly errorRate: number;
  readonly calls: readonly ShopCall[];
}

export interface ShopService {
  readonly name: string;
  readonly endpoints: readonly ShopEndpoint[];
}

/** Where requests enter: a share of the traffic goes to each entry endpoint. */
export interface ShopEntry {
  readonly service: string;
  readonly endpoint: string;
  /** Relative weight (> 0). */
  readonly weight: number;
}

export interface ShopTopology {
  readonly services: readonly ShopService[];
  readonly entries: readonly ShopEntry[];
}

const ep = (
  route: string,
  method: 'GET' | 'POST',
  medianMs: number,
  sigma: number,
  errorRate: number,
  calls: readonly ShopCall[] = [],
): ShopEndpoint => ({ route, method, latency: { medianMs, sigma }, errorRate, calls });

const call = (
  service: string,
  endpoint: string,
  probability = 1,
  onError: 'fail' | 'degrade' = 'fail',
): ShopCall => ({ service, endpoint, probability, onError });

/**
 * The demo shop: frontend → checkout → payment; checkout → inventory → db; checkout →
 * shipping; frontend → catalog → db. Three in ten requests are checkouts, the rest browse.
 */
export const DEFAULT_SHOP_TOPOLOGY: ShopTopology = {
  services: [
    {
      name: 'frontend',
      endpoints: [
        ep('/checkout', 'POST', 12, 0.3, 0.001, [
          call('catalog', '/products/{id}', 1, 'degrade'),
          call('checkout', '/checkout'),
        ]),
        ep('/products', 'GET', 8, 0.3, 0.001, [call('catalog', '/products')]),
      ],
    },
    {
      name: 'checkout',
      endpoints: [
        ep('/checkout', 'POST', 15, 0.3, 0.002, [
          call('inventory', '/reserve'),
          call('payment', '/charge'),
          call('shipping', '/quote', 0.9, 'degrade'),
        ]),
      ],
    },
    { name: 'payment', endpoints: [ep('/charge', 'POST', 40, 0.25, 0.003)] },
    {
      name: 'inventory',
      endpoints: [ep('/reserve', 'POST', 10, 0.3, 0.001, [call('db', '/query')])],
    },
    { name: 'shipping', endpoints: [ep('/quote', 'GET', 20, 0.35, 0.002)] },
    {
      name: 'catalog',
      endpoints: [
        ep('/products', 'GET', 10, 0.3, 0.001, [call('db', '/query')]),
        ep('/products/{id}', 'GET', 6, 0.3, 0.001, [call('db', '/query', 0.5)]),
      ],
    },
    { name: 'db', endpoints: [ep('/query', 'POST', 3, 0.4, 0.0005)] },
  ],
  entries: [
    { service: 'frontend', endpoint: '/checkout', weight: 3 },
    { service: 'frontend', endpoint: '/products', weight: 7 },
  ],
};

/** Names `generateTopology` draws from: none of them is a default-shop service. */
const GENERATED_NAMES = [
  'gateway',
  'auth',
  'users',
  'orders',
  'billing',
  'search',
  'reviews',
  'pricing',
  'cart',
  'ledger',
  'notifier',
  'fraud',
  'stock',
  'tax',
  'media',
  'geo',
  'sessions',
  'coupons',
  'loyalty',
  'ratings',
  'invoices',
  'audit',
  'profile',
  'feeds',
] as const;

export interface GenerateTopologyOptions {
  /** Number of services, 2..24. */
  readonly services: number;
  /** Layers of the call graph including the entry layer, 2..services. */
  readonly depth: number;
  /** Most calls one endpoint makes, >= 1. */
  readonly fanout: number;
}

/**
 * A random layered DAG: the first service is the entry (one or two endpoints), the others are
 * spread over `depth - 1` deeper layers; every endpoint calls 0..fanout endpoints of deeper
 * layers (the next layer most often) and every non-entry service is called by someone, so all
 * of it carries traffic. Names, latencies, error rates and probabilities come from `rng`.
 *
 * @example
 * const topo = generateTopology(createRng(7), { services: 8, depth: 4, fanout: 3 });
 */
export function generateTopology(rng: Rng, options: GenerateTopologyOptions): ShopTopology {
  const { services: n, depth, fanout } = options;
  const problems: ProblemItem[] = [];
  if (!(Number.isInteger(n) && n >= 2 && n <= GENERATED_NAMES.length)) {
    problems.push({
      field: 'services',
      reason: `must be an integer in 2..${GENERATED_NAMES.length}`,
    });
  }
  if (!(Number.isInteger(depth) && depth >= 2 && depth <= n)) {
    problems.push({ field: 'depth', reason: 'must be an integer in 2..services' });
  }
  if (!(Number.isInteger(fanout) && fanout >= 1)) {
    problems.push({ field: 'fanout', reason: 'must be an integer >= 1' });
  }
  if (problems.length > 0) {
    throw new OpsError('INVALID_PARAMETER', 'invalid topology options', { items: problems });
  }
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
  const names = shuffle(rng, [...GENERATED_NAMES]).slice(0, n);
  // Layer of each service: 0 for the entry, then every deeper layer gets at least one service.
  const layers: number[] = [0];
  for (let i = 1; i < n; i++) layers.push(i < depth ? i : int(1, depth - 1));
  const order = names.map((name, i) => ({ name, layer: layers[i]! }));
  order.sort((a, b) => a.layer - b.layer);

  interface Draft {
    readonly name: string;
    readonly layer: number;
    readonly endpoints: { route: string; method: 'GET' | 'POST'; calls: ShopCall[] }[];
  }
  const drafts: Draft[] = order.map(({ name, layer }) => {
    const count = layer === 0 ? int(1, 2) : int(1, 3);
    const endpoints = [];
    for (let e = 0; e < count; e++) {
      const method: 'GET' | 'POST' = rng.next() < 0.5 ? 'GET' : 'POST';
      endpoints.push({
        route: e === 0 ? `/${name}` : `/${name}/${ROUTE_SUFFIXES[e - 1]}`,
        method,
        calls: [],
      });
    }
    return { name, layer, endpoints };
  });
  const deeper = (layer: number): Draft[] => drafts.filter((d) => d.layer > layer);
  const called = new Set<string>();
  const addCall = (from: Draft['endpoints'][number], to: Draft, toRoute: string): void => {
    if (from.calls.some((c) => c.service === to.name && c.endpoint === toRoute)) return;
    const probability = rng.next() < 0.5 ? 1 : round(0.3 + rng.next() * 0.7, 2);
    from.calls.push({
      service: to.name,
      endpoint: toRoute,
      probability,
      onError: rng.next() < 0.75 ? 'fail' : 'degrade',
    });
    called.add(to.name);
  };
  for (const d of drafts) {
    const targets = deeper(d.layer);
    if (targets.length === 0) continue;
    const next = targets.filter((t) => t.layer === d.layer + 1);
    for (const e of d.endpoints) {
      const k = int(d.layer === 0 ? 1 : 0, fanout);
      for (let c = 0; c < k; c++) {
        const pool = next.length > 0 && rng.next() < 0.7 ? next : targets;
        const to = pool[int(0, pool.length - 1)]!;
        addCall(e, to, to.endpoints[int(0, to.endpoints.length - 1)]!.route);
      }
    }
  }
  // Everyone below the entry gets at least one caller from a shallower layer.
  for (const d of drafts) {
    if (d.layer === 0 || called.has(d.name)) continue;
    const callers = drafts.filter((c) => c.layer < d.layer);
    const preferred = callers.filter((c) => c.layer === d.layer - 1);
    const pool = preferred.length > 0 ? preferred : callers;
    const from = pool[int(0, pool.length - 1)]!;
    addCall(from.endpoints[int(0, from.endpoints.length - 1)]!, d, d.endpoints[0]!.route);
  }
  const services: ShopService[] = drafts.map((d) => ({
    name: d.name,
    endpoints: d.endpoints.map((e) => ({
      route: e.route,
      method: e.method,
      latency: {
        medianMs: round(2 + rng.next() * 38, 1),
        sigma: round(0.2 + rng.next() * 0.3, 2),
      },
      errorRate: round(rng.next() * 0.004, 4),
      calls: e.calls,
    })),
  }));
  const entry = drafts[0]!;
  return {
    services,
    entries: entry.endpoints.map((e, i) => ({
      service: entry.name,
      endpoint: e.route,
      weight: i === 0 ? 3 : 1,
    })),
  };
}

const ROUTE_SUFFIXES = ['list', 'update', 'search'] as const;

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Every problem of a topology: unknown call targets, duplicate names, bad numbers, cycles.
 * Empty when it is valid.
 */
export function validateShopTopology(topology: ShopTopology): ProblemItem[] {
  const problems: ProblemItem[] = [];
  const byName = new Map<string, ShopService>();
  topology.services.forEach((s, i) => {
    if (typeof s.name !== 'string' || s.name === '') {
      problems.push({ field: `services[${i}].name`, reason: 'must be a non-empty string' });
    } else if (byName.has(s.name)) {
      problems.push({ field: `services[${i}].name`, reason: `duplicate service ${s.name}` });
    } else byName.set(s.name, s);
    const routes = new Set<string>();
    s.endpoints.forEach((e, j) => {
      const at = `services[${i}].endpoints[${j}]`;
      if (routes.has(e.route)) problems.push({ field: `${at}.route`, reason: 'duplicate route' });
      routes.add(e.route);
      if (!(e.latency.medianMs > 0 && Number.isFinite(e.latency.medianMs))) {
        problems.push({ field: `${at}.latency.medianMs`, reason: 'must be a number > 0' });
      }
      if (!(e.latency.sigma >= 0 && e.latency.sigma <= 3)) {
        problems.push({ field: `${at}.latency.sigma`, reason: 'must be in 0..3' });
      }
      if (!(e.errorRate >= 0 && e.errorRate < 1)) {
        problems.push({ field: `${at}.errorRate`, reason: 'must be in [0, 1)' });
      }
      e.calls.forEach((c, k) => {
        if (!(c.probability >= 0 && c.probability <= 1)) {
          problems.push({ field: `${at}.calls[${k}].probability`, reason: 'must be in [0, 1]' });
        }
      });
    });
  });
  const endpointOf = (service: string, route: string): ShopEndpoint | undefined =>
    byName.get(service)?.endpoints.find((e) => e.route === route);
  topology.services.forEach((s, i) => {
    s.endpoints.forEach((e, j) => {
      e.calls.forEach((c, k) => {
        if (endpointOf(c.service, c.endpoint) === undefined) {
          problems.push({
            field: `services[${i}].endpoints[${j}].calls[${k}]`,
            reason: `calls unknown endpoint ${c.service} ${c.endpoint}`,
          });
        }
      });
    });
  });
  if (topology.entries.length === 0) {
    problems.push({ field: 'entries', reason: 'needs at least one entry endpoint' });
  }
  topology.entries.forEach((e, i) => {
    if (endpointOf(e.service, e.endpoint) === undefined) {
      problems.push({
        field: `entries[${i}]`,
        reason: `unknown endpoint ${e.service} ${e.endpoint}`,
      });
    }
    if (!(e.weight > 0 && Number.isFinite(e.weight))) {
      problems.push({ field: `entries[${i}].weight`, reason: 'must be a number > 0' });
    }
  });
  if (problems.length > 0) return problems;
  // Cycle check over endpoints (depth-first, three colours).
  const state = new Map<string, 'open' | 'done'>();
  const visit = (service: string, route: string, path: string[]): string[] | undefined => {
    const key = `${service} ${route}`;
    const st = state.get(key);
    if (st === 'done') return undefined;
    if (st === 'open') return [...path, key];
    state.set(key, 'open');
    for (const c of endpointOf(service, route)?.calls ?? []) {
      const cycle = visit(c.service, c.endpoint, [...path, key]);
      if (cycle !== undefined) return cycle;
    }
    state.set(key, 'done');
    return undefined;
  };
  for (const s of topology.services) {
    for (const e of s.endpoints) {
      const cycle = visit(s.name, e.route, []);
      if (cycle !== undefined) {
        problems.push({ field: 'services', reason: `calls form a cycle: ${cycle.join(' -> ')}` });
        return problems;
      }
    }
  }
  return problems;
}

/**
 * The services that call `service` directly or through others (its transitive callers): where
 * a fault in `service` can show up. Sorted by name.
 */
export function upstreamServices(topology: ShopTopology, service: string): string[] {
  const callers = new Map<string, Set<string>>();
  for (const s of topology.services) {
    for (const e of s.endpoints) {
      for (const c of e.calls) {
        if (c.service === s.name) continue;
        const set = callers.get(c.service) ?? new Set<string>();
        callers.set(c.service, set);
        set.add(s.name);
      }
    }
  }
  const seen = new Set<string>();
  const stack = [service];
  while (stack.length > 0) {
    for (const c of callers.get(stack.pop()!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  seen.delete(service);
  return [...seen].sort();
}
