/**
 * @module
 * The shop's users: a seeded stream of requests to the frontend. The plan is a pure function of
 * the seed and the times it is asked at (same seed, same times → same requests), so it is tested
 * without a network; the runner sends it over real HTTP.
 *
 * Mix: 35 % home page (catalog + recommendations), 30 % product page (catalog + stock),
 * 20 % cart stock checks (inventory), 15 % checkouts (inventory, payment, shipping).
 * Rate: `ratePerS` times a daily wobble (±30 %, highest at 14:00 UTC, lowest at 02:00) times
 * bursts: in about a third of the 10-minute windows a burst of 20–60 s runs at 2–3.5 × the rate.
 * Arrivals are Poisson at the current rate (exponential gaps).
 */
import { createRng, type Rng } from '../contract/index.ts';
import { SHOP_PRODUCTS } from './services.ts';

const DAY_MS = 86_400_000;
const BURST_WINDOW_MS = 600_000;

export type TrafficKind = 'home' | 'product' | 'cart' | 'checkout';

export const TRAFFIC_MIX: readonly { readonly kind: TrafficKind; readonly share: number }[] = [
  { kind: 'home', share: 0.35 },
  { kind: 'product', share: 0.3 },
  { kind: 'cart', share: 0.2 },
  { kind: 'checkout', share: 0.15 },
];

export interface PlannedRequest {
  readonly kind: TrafficKind;
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/product?sku=sku-007`. */
  readonly path: string;
  readonly body?: unknown;
}

export interface TrafficPlanOptions {
  readonly seed: number;
  /** Mean requests per second before wobble and bursts (> 0). */
  readonly ratePerS: number;
}

export interface TrafficPlan {
  /** Requests per second at `nowMs`. */
  rateAt(nowMs: number): number;
  /** The next request and how long to wait before sending it, ms. */
  next(nowMs: number): { readonly waitMs: number; readonly request: PlannedRequest };
}

/** Burst of the 10-minute window holding `nowMs`, a pure function of seed and window. */
function burstFactor(seed: number, nowMs: number): number {
  const window = Math.floor(nowMs / BURST_WINDOW_MS);
  const rng = createRng((seed ^ Math.imul(window, 0x9e3779b1)) >>> 0);
  if (rng.next() >= 0.35) return 1;
  const durationMs = 20_000 + rng.next() * 40_000;
  const startMs = window * BURST_WINDOW_MS + rng.next() * (BURST_WINDOW_MS - durationMs);
  const factor = 2 + rng.next() * 1.5;
  return nowMs >= startMs && nowMs < startMs + durationMs ? factor : 1;
}

export function createTrafficPlan(o: TrafficPlanOptions): TrafficPlan {
  if (!(o.ratePerS > 0 && Number.isFinite(o.ratePerS))) {
    throw new RangeError(`ratePerS must be > 0, got ${o.ratePerS}`);
  }
  const rng = createRng(o.seed);
  const rateAt = (nowMs: number): number => {
    const dayPhase = ((((nowMs - 2 * 3_600_000) % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
    const daily = 1 - 0.3 * Math.cos(2 * Math.PI * dayPhase);
    return o.ratePerS * daily * burstFactor(o.seed, nowMs);
  };
  return {
    rateAt,
    next(nowMs) {
      const rate = rateAt(nowMs);
      const waitMs = (-Math.log(1 - rng.next()) / rate) * 1_000;
      return { waitMs, request: pickRequest(rng) };
    },
  };
}

function pickSku(rng: Rng): string {
  // Popularity is skewed: the first products sell most (squared uniform).
  const u = rng.next();
  return (SHOP_PRODUCTS[Math.floor(u * u * SHOP_PRODUCTS.length)] ?? SHOP_PRODUCTS[0])
    ?.sku as string;
}

function pickRequest(rng: Rng): PlannedRequest {
  let u = rng.next();
  let kind: TrafficKind = 'home';
  for (const m of TRAFFIC_MIX) {
    if (u < m.share) {
      kind = m.kind;
      break;
    }
    u -= m.share;
  }
  switch (kind) {
    case 'home':
      return { kind, method: 'GET', path: '/' };
    case 'product':
      return { kind, method: 'GET', path: `/product?sku=${pickSku(rng)}` };
    case 'cart': {
      const n = 1 + Math.floor(rng.next() * 3);
      const skus = Array.from({ length: n }, () => pickSku(rng));
      return { kind, method: 'GET', path: `/cart?skus=${skus.join(',')}` };
    }
    case 'checkout': {
      const n = 1 + Math.floor(rng.next() * 3);
      const items = Array.from({ length: n }, () => ({
        sku: pickSku(rng),
        qty: 1 + Math.floor(rng.next() * 2),
      }));
      const card = `4111-${String(Math.floor(rng.next() * 1e4)).padStart(4, '0')}`;
      return {
        kind,
        method: 'POST',
        path: '/checkout',
        body: { items, card, zone: 1 + Math.floor(rng.next() * 3) },
      };
    }
  }
}

export interface TrafficRunnerOptions {
  readonly plan: TrafficPlan;
  /** Sends one request; its failures are the runner's to count, never to throw. */
  readonly send: (request: PlannedRequest) => Promise<number>;
  readonly nowMs: () => number;
  /** Requests in flight at most; beyond, arrivals are skipped (counted). Default 64. */
  readonly maxInFlight?: number;
}

export interface TrafficCounts {
  sent: number;
  /** Answers by status class: `2xx`, `4xx`, `5xx`, and `failed` for no answer. */
  byClass: Record<string, number>;
  skipped: number;
}

export interface RunningTraffic {
  readonly counts: TrafficCounts;
  /** Stops sending and waits for the requests in flight. Idempotent. */
  stop(): Promise<void>;
}

/** Sends the plan's requests on real timers until stopped. */
export function startTraffic(o: TrafficRunnerOptions): RunningTraffic {
  const maxInFlight = o.maxInFlight ?? 64;
  const counts: TrafficCounts = { sent: 0, byClass: {}, skipped: 0 };
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const fire = (request: PlannedRequest): void => {
    if (inFlight.size >= maxInFlight) {
      counts.skipped++;
      return;
    }
    counts.sent++;
    const p = o
      .send(request)
      .then(
        (status) => {
          const cls = `${Math.floor(status / 100)}xx`;
          counts.byClass[cls] = (counts.byClass[cls] ?? 0) + 1;
        },
        () => {
          counts.byClass.failed = (counts.byClass.failed ?? 0) + 1;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const schedule = (): void => {
    if (stopped) return;
    const { waitMs, request } = o.plan.next(o.nowMs());
    timer = setTimeout(() => {
      if (stopped) return;
      fire(request);
      schedule();
    }, waitMs);
  };
  schedule();

  let stopping: Promise<void> | undefined;
  return {
    counts,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
  };
}
