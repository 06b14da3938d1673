/**
 * The demo shop in-process against a tiny OTLP receiver: real HTTP between the services, real
 * OpenTelemetry SDK export, and the chaos faults as a caller and the trace see them.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningShop, ShopChaos, startShop } from '../../src/shop/index.ts';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
  waitFor,
} from '../support/otlp-receiver.ts';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const CALL_TIMEOUT_MS = 500;

let receiver: OtlpReceiver;
let shop: RunningShop;
const chaos = new ShopChaos({ nowMs: () => Date.now() });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  shop = await startShop({
    otlpUrl: receiver.url,
    otlpHeaders: { 'x-api-key': 'test-key-0123456789' },
    chaos,
    clock: { nowMs: () => Date.now() },
    logger: pino({ level: 'silent' }),
    seed: 7,
    ratePerS: 0,
    callTimeoutMs: CALL_TIMEOUT_MS,
    exportIntervalMs: 100,
  });
});

afterAll(async () => {
  await shop?.stop();
  await receiver?.close();
});

afterEach(() => chaos.clear());

let cartSku = 0;
/** A checkout of one unit of a different product each time (so stock never runs out). */
async function checkout(): Promise<{ status: number; body: unknown }> {
  cartSku = (cartSku % 40) + 1;
  const res = await fetch(`${shop.urls.frontend}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      items: [{ sku: `sku-${String(cartSku).padStart(3, '0')}`, qty: 1 }],
      card: '4111-0000',
      zone: 1,
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** A checkout that went through (a declined card or an empty shelf is retried). */
async function successfulCheckout(): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await checkout()).status === 200) return;
  throw new Error('no checkout succeeded in 10 tries');
}

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.traceId === traceId);
}

/** The last received span matching `pred` among those received after index `from`. */
const latest = (from: number, pred: (s: ReceivedSpan) => boolean): ReceivedSpan | undefined =>
  receiver.spans.slice(from).filter(pred).at(-1);

describe('demo shop telemetry', () => {
  it('propagates traceparent: one trace over six services, payment is a child of checkout', async () => {
    const before = receiver.spans.length;
    await successfulCheckout();
    const payment = await waitFor('a payment server span', () =>
      receiver.spans.slice(before).find((s) => s.service === 'payment' && s.kind === SERVER),
    );
    await waitFor('the whole trace', () =>
      spansOf(payment.traceId).some((s) => s.service === 'frontend' && s.kind === SERVER)
        ? true
        : undefined,
    );
    const trace = spansOf(payment.traceId);
    const parent = trace.find((s) => s.spanId === payment.parentSpanId);
    expect(parent).toMatchObject({ service: 'checkout', kind: CLIENT });
    expect(parent?.attributes['peer.service']).toBe('payment');
    expect(parent?.attributes['url.path']).toBe('/payment');
    expect(parent?.attributes['server.address']).toBe('127.0.0.1');
    expect(payment.attributes['http.route']).toBe('/payment');
    expect(payment.attributes['http.request.method']).toBe('POST');
    expect(payment.attributes['http.response.status_code']).toBe(200);
    expect(new Set(trace.map((s) => s.service))).toEqual(
      new Set(['frontend', 'checkout', 'inventory', 'db', 'payment', 'shipping']),
    );
    // The root is the frontend's server span; every other span has its parent in the trace.
    const ids = new Set(trace.map((s) => s.spanId));
    const roots = trace.filter((s) => !ids.has(s.parentSpanId));
    expect(roots.map((s) => [s.service, s.kind, s.parentSpanId])).toEqual([
      ['frontend', SERVER, ''],
    ]);
    // Real OTLP/HTTP protobuf, with the configured header.
    expect(receiver.requests[0]?.contentType).toBe('application/x-protobuf');
    expect(receiver.requests[0]?.headers['x-api-key']).toBe('test-key-0123456789');
  });

  it('an injected error answers 500 and records the exception with its stack trace', async () => {
    chaos.error('/payment', 1);
    const start = receiver.spans.length;
    const res = await checkout();
    expect(res.status).toBe(502);
    const failed = await waitFor('a failed payment span', () =>
      latest(start, (s) => s.service === 'payment' && s.kind === SERVER && s.statusCode === ERROR),
    );
    expect(failed.attributes['http.response.status_code']).toBe(500);
    expect(failed.statusMessage).toMatch(/injected fault/);
    const exception = failed.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.type']).toBe('InjectedFaultError');
    expect(String(exception?.attributes['exception.stacktrace'])).toMatch(/\n\s+at /);
    const client = await waitFor('the checkout client span', () =>
      latest(
        start,
        (s) =>
          s.traceId === failed.traceId &&
          s.service === 'checkout' &&
          s.kind === CLIENT &&
          s.attributes['peer.service'] === 'payment',
      ),
    );
    expect(client.statusCode).toBe(ERROR);
    expect(client.attributes['http.response.status_code']).toBe(500);
    chaos.clear();
    const before = receiver.spans.length;
    await successfulCheckout();
    const ok = await waitFor('a healthy payment span', () =>
      receiver.spans.slice(before).find((s) => s.service === 'payment' && s.kind === SERVER),
    );
    expect(ok.statusCode).not.toBe(ERROR);
  });

  it('a delay shows in the payment durations and goes away on clear', async () => {
    chaos.delay('/payment', 400);
    let before = receiver.spans.length;
    await successfulCheckout();
    const slow = await waitFor('a delayed payment span', () =>
      receiver.spans.slice(before).find((s) => s.service === 'payment' && s.kind === SERVER),
    );
    expect(slow.durationMs).toBeGreaterThanOrEqual(400);
    chaos.clear();
    before = receiver.spans.length;
    await successfulCheckout();
    const fast = await waitFor('a payment span after clear', () =>
      receiver.spans.slice(before).find((s) => s.service === 'payment' && s.kind === SERVER),
    );
    expect(fast.durationMs).toBeLessThan(400);
  });

  it('a timeout hangs the endpoint: no server span, the caller times out; clear restores it', async () => {
    chaos.timeout('/payment');
    const start = receiver.spans.length;
    const started = Date.now();
    const res = await checkout();
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS);
    const client = await waitFor('the timed-out client span', () =>
      latest(
        start,
        (s) =>
          s.service === 'checkout' &&
          s.kind === CLIENT &&
          s.attributes['peer.service'] === 'payment' &&
          s.statusCode === ERROR,
      ),
    );
    expect(client.statusMessage).toMatch(/timeout/);
    expect(client.attributes['error.type']).toBe('timeout');
    expect(client.events.find((e) => e.name === 'exception')?.attributes['exception.type']).toBe(
      'TimeoutError',
    );
    // The checkout server span answered 504 and ended; the hung payment span did not.
    await waitFor('the checkout server span', () =>
      latest(
        start,
        (s) => s.traceId === client.traceId && s.service === 'checkout' && s.kind === SERVER,
      ),
    );
    await shop.flush();
    expect(chaos.hungCount()).toBe(1);
    expect(spansOf(client.traceId).filter((s) => s.service === 'payment')).toEqual([]);

    chaos.clear();
    expect(chaos.hungCount()).toBe(0);
    // Released, the abandoned request ends its span, marked as such.
    const abandoned = await waitFor('the released payment span', () =>
      latest(start, (s) => s.traceId === client.traceId && s.service === 'payment'),
    );
    expect(abandoned.attributes['error.type']).toBe('client_closed');
    expect(abandoned.durationMs).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS);
    const before = receiver.spans.length;
    await successfulCheckout();
    const ok = await waitFor('a healthy payment span', () =>
      receiver.spans.slice(before).find((s) => s.service === 'payment' && s.kind === SERVER),
    );
    expect(ok.statusCode).not.toBe(ERROR);
  });

  it('every service answers /health and the home page reaches catalog, recommendation and db', async () => {
    for (const [name, url] of Object.entries(shop.urls)) {
      const res = await fetch(`${url}/health`);
      expect(res.status, name).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', service: name });
    }
    const before = receiver.spans.length;
    const res = await fetch(`${shop.urls.frontend}/`);
    expect(res.status).toBe(200);
    const rec = await waitFor('a recommendation span', () =>
      receiver.spans.slice(before).find((s) => s.service === 'recommendation' && s.kind === SERVER),
    );
    await waitFor('catalog in the same trace', () =>
      spansOf(rec.traceId).some((s) => s.service === 'catalog') ? true : undefined,
    );
  });
});

describe('demo shop traffic', () => {
  it('sends a seeded mix that reaches every service, and stops cleanly', async () => {
    const rx = await startOtlpReceiver();
    const c = new ShopChaos({ nowMs: () => Date.now() });
    const s = await startShop({
      otlpUrl: rx.url,
      chaos: c,
      clock: { nowMs: () => Date.now() },
      logger: pino({ level: 'silent' }),
      seed: 11,
      ratePerS: 40,
      exportIntervalMs: 100,
    });
    try {
      await waitFor('spans from all eight services', () => {
        const services = new Set(rx.spans.map((x) => x.service));
        return services.size === 8 ? services : undefined;
      });
    } finally {
      await s.stop();
    }
    const stats = s.stats();
    expect(stats.traffic.sent).toBeGreaterThan(0);
    // Natural failure rates are near zero; allow a stray one.
    expect(stats.traffic.byClass['5xx'] ?? 0).toBeLessThanOrEqual(
      Math.max(1, stats.traffic.sent * 0.02),
    );
    // Stopping flushed every exporter: what was counted as exported arrived.
    const exported = Object.values(stats.export).reduce((n, e) => n + e.exportedSpans, 0);
    expect(exported).toBe(rx.spans.length);
    await expect(fetch(`${s.urls.frontend}/health`)).rejects.toThrow();
    await rx.close();
  });

  it('stops promptly while requests hang, and flushes the spans it has', async () => {
    const rx = await startOtlpReceiver();
    const c = new ShopChaos({ nowMs: () => Date.now() });
    const s = await startShop({
      otlpUrl: rx.url,
      chaos: c,
      clock: { nowMs: () => Date.now() },
      logger: pino({ level: 'silent' }),
      seed: 12,
      ratePerS: 40,
      exportIntervalMs: 60_000,
    });
    c.timeout('/query');
    await waitFor('a hung db query', () => (c.hungCount() > 0 ? true : undefined));
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(c.hungCount()).toBe(0);
    // The export period is a minute: what arrived was flushed by stop().
    expect(rx.spans.length).toBeGreaterThan(0);
    await rx.close();
  });
});
