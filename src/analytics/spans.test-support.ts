/**
 * @module
 * Span factories for the RED and service-map tests: short hand-written spans, and a seeded
 * generator of realistic traces (frontend → checkout → payment, plus a database client span).
 * Used only by *.test.ts files.
 */
import { createRng, type Span } from '../contract/index.ts';

let counter = 0;

/** A span with defaults: a 100 ms ok server span of `api /x` starting at 0. */
export function span(p: Partial<Span> & { readonly endMs?: number }): Span {
  counter++;
  const durationMs = p.durationMs ?? 100;
  const startMs = p.startMs ?? (p.endMs !== undefined ? p.endMs - durationMs : 0);
  const { endMs: _end, ...rest } = p;
  return {
    traceId: 'a'.repeat(32),
    spanId: counter.toString(16).padStart(16, '0'),
    service: 'api',
    name: 'GET /x',
    kind: 'server',
    endpoint: '/x',
    status: 'unset',
    attributes: {},
    ...rest,
    startMs,
    durationMs,
  };
}

/**
 * `n` traces starting in [startMs, startMs + spreadMs): frontend /checkout (server) → client
 * → checkout /checkout (server) → client → payment /pay (server), and checkout's client span
 * to the uninstrumented `postgres` (peer.service). About 5 % of payment calls fail with 503.
 */
export function traces(seed: number, n: number, startMs: number, spreadMs: number): Span[] {
  const rng = createRng(seed);
  const out: Span[] = [];
  const hex = (len: number): string => {
    let s = '';
    while (s.length < len) s += Math.floor(rng.next() * 16).toString(16);
    return s;
  };
  for (let i = 0; i < n; i++) {
    const traceId = hex(32);
    const t0 = startMs + Math.floor(rng.next() * spreadMs);
    const payMs = 20 + Math.round(rng.next() * 80_000) / 1000;
    const fail = rng.next() < 0.05;
    const ids = [hex(16), hex(16), hex(16), hex(16), hex(16), hex(16)] as const;
    const [feServer, feClient, coServer, coClient, payServer, dbClient] = ids;
    const base = { traceId, attributes: {}, status: 'unset' as const };
    out.push(
      {
        ...base,
        spanId: feServer,
        service: 'frontend',
        name: 'GET /checkout',
        kind: 'server',
        endpoint: '/checkout',
        startMs: t0,
        durationMs: payMs + 30,
        httpStatus: fail ? 502 : 200,
      },
      {
        ...base,
        spanId: feClient,
        parentSpanId: feServer,
        service: 'frontend',
        name: 'POST',
        kind: 'client',
        endpoint: '/checkout',
        startMs: t0 + 2,
        durationMs: payMs + 25,
        httpStatus: fail ? 502 : 200,
      },
      {
        ...base,
        spanId: coServer,
        parentSpanId: feClient,
        service: 'checkout',
        name: 'POST /checkout',
        kind: 'server',
        endpoint: '/checkout',
        startMs: t0 + 3,
        durationMs: payMs + 22,
        httpStatus: fail ? 502 : 200,
      },
      {
        ...base,
        spanId: dbClient,
        parentSpanId: coServer,
        service: 'checkout',
        name: 'SELECT',
        kind: 'client',
        endpoint: 'SELECT orders',
        startMs: t0 + 4,
        durationMs: 3,
        attributes: { 'peer.service': 'postgres' },
      },
      {
        ...base,
        spanId: coClient,
        parentSpanId: coServer,
        service: 'checkout',
        name: 'POST',
        kind: 'client',
        endpoint: '/pay',
        startMs: t0 + 8,
        durationMs: payMs + 2,
        httpStatus: fail ? 503 : 200,
      },
      {
        ...base,
        spanId: payServer,
        parentSpanId: coClient,
        service: 'payment',
        name: 'POST /pay',
        kind: 'server',
        endpoint: '/pay',
        startMs: t0 + 9,
        durationMs: payMs,
        httpStatus: fail ? 503 : 200,
        ...(fail ? { status: 'error' as const, errorMessage: 'card declined' } : {}),
      },
    );
  }
  return out;
}

/** A seeded shuffle (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = createRng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Splits into consecutive batches of the given sizes (cycled). */
export function batches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  let k = 0;
  while (i < items.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] as number);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}
