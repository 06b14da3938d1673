/**
 * @module
 * Fault injection for the demo shop: the `ChaosControl` port the server's `/simulate/*` routes
 * drive, and what the shop's services ask before they serve a request.
 *
 * Endpoints are named by path (`/payment`) or by `service:/path` (`frontend:/checkout`). A bare
 * path names the deepest service serving it (SHOP_SERVICES order), so `/checkout` is the checkout
 * service's route and the frontend's is `frontend:/checkout`. Faults are kept per (endpoint,
 * kind): a new delay on `/payment` replaces the old one, a delay and an error rate add up.
 * - delay: every request to the endpoint waits `value` ms more before its own work;
 * - error: each request fails with probability `value` (HTTP 500, exception recorded);
 * - timeout: requests hang, never answer and never end their server span, until `clear()`.
 */
import { type ChaosControl, type ChaosFault, type Clock, OpsError } from '../contract/index.ts';
import { SHOP_ROUTES, SHOP_SERVICES, type ShopRoute } from './routes.ts';

/** Largest delay one fault may add, ms (a minute: longer is a timeout). */
export const MAX_CHAOS_DELAY_MS = 60_000;

/** What a service applies to one request of one route. */
export interface ChaosEffect {
  readonly delayMs: number;
  /** Failure probability in [0, 1]. */
  readonly errorRate: number;
  readonly hang: boolean;
}

const NO_EFFECT: ChaosEffect = { delayMs: 0, errorRate: 0, hang: false };

interface ResolvedEndpoint {
  /** Canonical name: the bare path when it resolves to this route, else `service:/path`. */
  readonly name: string;
  readonly key: string;
}

export class ShopChaos implements ChaosControl {
  readonly #clock: Clock;
  /** Canonical name → route key (`service:/path`). */
  readonly #byName = new Map<string, string>();
  readonly #names: readonly string[];
  /** `${kind} ${canonical name}` → fault. */
  readonly #faults = new Map<string, ChaosFault & { readonly key: string }>();
  /** Route key → waiters of hung requests. */
  readonly #hung = new Map<string, Set<() => void>>();

  constructor(clock: Clock, routes: readonly ShopRoute[] = SHOP_ROUTES) {
    this.#clock = clock;
    const order = (s: string): number => SHOP_SERVICES.indexOf(s as (typeof SHOP_SERVICES)[number]);
    const sorted = [...routes].sort((a, b) => order(a.service) - order(b.service));
    const owners = new Map<string, string>();
    for (const r of sorted) if (!owners.has(r.path)) owners.set(r.path, r.service);
    const names: string[] = [];
    for (const r of sorted) {
      const key = `${r.service}:${r.path}`;
      const name = owners.get(r.path) === r.service ? r.path : key;
      this.#byName.set(name, key);
      names.push(name);
    }
    this.#names = names;
  }

  endpoints(): readonly string[] {
    return this.#names;
  }

  delay(endpoint: string, durationMs: number): ChaosFault {
    const ep = this.#resolve(endpoint);
    if (!(Number.isFinite(durationMs) && durationMs > 0 && durationMs <= MAX_CHAOS_DELAY_MS)) {
      throw invalid('duration', `must be a number of milliseconds in (0, ${MAX_CHAOS_DELAY_MS}]`);
    }
    return this.#set(ep, 'delay', durationMs);
  }

  error(endpoint: string, rate: number): ChaosFault {
    const ep = this.#resolve(endpoint);
    if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1)) {
      throw invalid('rate', 'must be a probability in [0, 1]');
    }
    return this.#set(ep, 'error', rate);
  }

  timeout(endpoint: string): ChaosFault {
    return this.#set(this.#resolve(endpoint), 'timeout', 0);
  }

  /** Removes every fault and lets every hung request go on. */
  clear(): void {
    this.#faults.clear();
    this.releaseAll();
  }

  /** Active faults, oldest first. */
  status(): readonly ChaosFault[] {
    return [...this.#faults.values()]
      .map(({ endpoint, kind, value, sinceMs }) => ({ endpoint, kind, value, sinceMs }))
      .sort((a, b) => a.sinceMs - b.sinceMs || a.endpoint.localeCompare(b.endpoint));
  }

  /** What a request to `service`'s `path` gets now. */
  effect(service: string, path: string): ChaosEffect {
    if (this.#faults.size === 0) return NO_EFFECT;
    const key = `${service}:${path}`;
    let delayMs = 0;
    let errorRate = 0;
    let hang = false;
    for (const f of this.#faults.values()) {
      if (f.key !== key) continue;
      if (f.kind === 'delay') delayMs += f.value;
      else if (f.kind === 'error') errorRate = Math.max(errorRate, f.value);
      else hang = true;
    }
    return { delayMs, errorRate, hang };
  }

  /**
   * Resolves when `service:path` is no longer hung (a `clear()`, or `releaseAll()` at shutdown).
   * Resolves at once when it is not hung now.
   */
  waitWhileHung(service: string, path: string): Promise<void> {
    if (!this.effect(service, path).hang) return Promise.resolve();
    const key = `${service}:${path}`;
    return new Promise<void>((resolve) => {
      let waiters = this.#hung.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#hung.set(key, waiters);
      }
      waiters.add(resolve);
    });
  }

  /** Requests hanging now, over all endpoints. */
  hungCount(): number {
    let n = 0;
    for (const w of this.#hung.values()) n += w.size;
    return n;
  }

  /** Lets every hung request go on (faults stay): for shutdown. */
  releaseAll(): void {
    const all = [...this.#hung.values()];
    this.#hung.clear();
    for (const waiters of all) for (const resolve of waiters) resolve();
  }

  #set(ep: ResolvedEndpoint, kind: ChaosFault['kind'], value: number): ChaosFault {
    const fault = { endpoint: ep.name, kind, value, sinceMs: this.#clock.nowMs(), key: ep.key };
    this.#faults.set(`${kind} ${ep.name}`, fault);
    return { endpoint: fault.endpoint, kind, value, sinceMs: fault.sinceMs };
  }

  #resolve(endpoint: string): ResolvedEndpoint {
    const raw = typeof endpoint === 'string' ? endpoint.trim() : '';
    if (raw === '') throw invalid('endpoint', 'is required, e.g. /payment or frontend:/checkout');
    const direct = this.#byName.get(raw);
    if (direct !== undefined) return { name: raw, key: direct };
    // `service:/path` given for a route whose canonical name is the bare path.
    for (const [name, key] of this.#byName) if (key === raw) return { name, key };
    throw invalid('endpoint', `unknown endpoint "${raw}"; one of ${this.#names.join(', ')}`);
  }
}

function invalid(field: string, reason: string): OpsError {
  return new OpsError('INVALID_PARAMETER', `${field}: ${reason}`, { items: [{ field, reason }] });
}
