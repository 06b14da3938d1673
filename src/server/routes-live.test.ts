import { type ClientRequest, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveQueryUpdate, Overview } from '../contract/index.ts';
import { event, type Harness, openHarness, postEvents, T0 } from './harness.test-support.ts';

const DEADLINE_MS = 5_000;

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Reads server-sent events from a real socket; every read has a deadline. */
class SseClient {
  #request: ClientRequest | undefined;
  #chunks: AsyncIterator<Buffer> | undefined;
  #buffer = '';
  status = 0;
  contentType = '';

  /** Opens the stream on its own socket (no agent, so no pooled keep-alive sockets linger). */
  async open(url: string): Promise<void> {
    const res = await withDeadline(
      new Promise<IncomingMessage>((resolve, reject) => {
        this.#request = get(url, { agent: false }, resolve);
        this.#request.on('error', reject);
      }),
      'response headers',
    );
    this.status = res.statusCode ?? 0;
    this.contentType = String(res.headers['content-type'] ?? '');
    this.#chunks = res[Symbol.asyncIterator]();
  }

  /** The next event (skipping comments and `retry:`), or a failure at the deadline. */
  async next(): Promise<SseEvent> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) return { event: name, data: data.join('\n') };
        continue;
      }
      const chunks = this.#chunks;
      if (chunks === undefined) throw new Error('not open');
      const { value, done } = await withDeadline(chunks.next(), 'the next event');
      if (done === true) throw new Error('stream ended');
      this.#buffer += value.toString('utf8');
    }
  }

  /** Reads raw text until it contains `text` (comments included), or fails at the deadline. */
  async readUntil(text: string): Promise<void> {
    while (!this.#buffer.includes(text)) {
      const chunks = this.#chunks;
      if (chunks === undefined) throw new Error('not open');
      const { value, done } = await withDeadline(chunks.next(), JSON.stringify(text));
      if (done === true) throw new Error('stream ended');
      this.#buffer += value.toString('utf8');
    }
  }

  close(): void {
    this.#request?.destroy();
  }
}

async function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls a condition on the event loop (no fixed sleeps) until it holds or the deadline passes. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > DEADLINE_MS)
      throw new Error(`${what} within ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let h: Harness;
let base: string;
const clients: SseClient[] = [];

beforeEach(async () => {
  h = await openHarness({ liveQueryThrottleMs: 20, liveOverviewIntervalMs: 50 });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  await postEvents(h.app, [
    event({
      metric_name: 'latency_ms',
      metric_value: 100,
      timestampMs: T0 - 60_000,
      tags: { service: 'api' },
    }),
    event({
      metric_name: 'requests_per_second',
      metric_value: 10,
      timestampMs: T0 - 60_000,
      tags: { service: 'api' },
    }),
  ]);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h.close();
});

async function connect(path: string): Promise<SseClient> {
  const c = new SseClient();
  clients.push(c);
  await c.open(`${base}${path}`);
  return c;
}

describe('GET /api/v1/live/overview', () => {
  it('sends an overview at once, then again on its period', async () => {
    const c = await connect('/api/v1/live/overview?window=15m');
    expect(c.status).toBe(200);
    expect(c.contentType).toMatch(/^text\/event-stream/);
    const first = await c.next();
    expect(first.event).toBe('overview');
    const o = JSON.parse(first.data) as Overview;
    expect(o.windowMs).toBe(900_000);
    expect(o.services.map((s) => s.id)).toEqual(['api']);
    const second = await c.next();
    expect(second.event).toBe('overview');
  });

  it('answers bad parameters with a problem, not a stream', async () => {
    const res = await fetch(`${base}/api/v1/live/overview?window=soon`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('GET /api/v1/live/query', () => {
  it('sends the window at once and again when matching samples arrive', async () => {
    const c = await connect(
      '/api/v1/live/query?metric=latency_ms&match[]=service%3D%22api%22&step=10s&window=15m',
    );
    const first = await c.next();
    expect(first.event).toBe('update');
    const u1 = JSON.parse(first.data) as LiveQueryUpdate;
    expect(u1.toMs - u1.fromMs).toBe(900_000);
    expect(u1.series).toHaveLength(1);
    expect(u1.series[0]?.points).toEqual([[T0 - 60_000, 100]]);

    h.clock.advance(10_000);
    await postEvents(h.app, [
      event({
        metric_name: 'latency_ms',
        metric_value: 300,
        timestampMs: T0,
        tags: { service: 'api' },
      }),
    ]);
    const second = await c.next();
    expect(second.event).toBe('update');
    const u2 = JSON.parse(second.data) as LiveQueryUpdate;
    expect(u2.generatedAtMs).toBe(T0 + 10_000);
    expect(u2.series[0]?.points).toEqual([
      [T0 - 60_000, 100],
      [T0, 300],
    ]);
  });

  it('coalesces a burst of batches into few updates (throttled)', async () => {
    const c = await connect('/api/v1/live/query?metric=latency_ms&step=10s');
    await c.next();
    for (let i = 1; i <= 20; i++) {
      await postEvents(h.app, [
        event({ metric_name: 'latency_ms', metric_value: i, timestampMs: T0 - 50_000 + i * 1_000 }),
      ]);
    }
    // Updates are whole snapshots: keep reading until one holds the last sample.
    let updates = 0;
    for (;;) {
      const u = JSON.parse((await c.next()).data) as LiveQueryUpdate;
      updates++;
      const points = u.series.flatMap((s) => s.points);
      if (points.some(([ts]) => ts === T0 - 30_000)) break;
    }
    expect(updates).toBeLessThan(20);
  });

  it('releases its bus subscription when the client disconnects', async () => {
    const before = h.bus.subscriberCount;
    const c = await connect('/api/v1/live/query?metric=latency_ms');
    await c.next();

    expect(h.bus.subscriberCount).toBe(before + 1);
    c.close();
    await until(() => h.bus.subscriberCount === before, 'the subscription was not released');
  });

  it('validates parameters before streaming', async () => {
    const res = await fetch(`${base}/api/v1/live/query?metric=latency_ms&step=0`);
    expect(res.status).toBe(400);
    const p = (await res.json()) as { code: string; errors: { field: string }[] };
    expect(p.code).toBe('INVALID_PARAMETER');
    expect(p.errors[0]?.field).toBe('step');
  });
});

it('sends heartbeat comments on an idle stream', async () => {
  await h.close();
  h = await openHarness({ sseHeartbeatMs: 20, liveOverviewIntervalMs: 60_000 });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const c = await connect('/api/v1/live/overview');
  await c.readUntil('retry: ');
  await c.readUntil(': ping\n\n');
});

it('server close ends open streams instead of hanging', async () => {
  const c = await connect('/api/v1/live/overview');
  await c.next();
  await withDeadline(h.app.close(), 'close');
  await expect(c.next()).rejects.toThrow();
});

it('refuses streams past maxLiveStreams with 503 and Retry-After, and admits again after one closes', async () => {
  await h.close();
  h = await openHarness({ maxLiveStreams: 1 });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const first = await connect('/api/v1/live/overview');
  await first.next();
  const refused = await fetch(`${base}/api/v1/live/query?metric=latency_ms`);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('10');
  expect(((await refused.json()) as { code: string }).code).toBe('LIVE_TOO_MANY_STREAMS');
  first.close();
  const again = await connect('/api/v1/live/overview');
  // The server may see the first close a moment later; retry until admitted, with a deadline.
  let admitted = again.status === 200;
  const start = performance.now();
  while (!admitted) {
    if (performance.now() - start > DEADLINE_MS) throw new Error('never admitted again');
    await new Promise((r) => setTimeout(r, 10));
    const c = await connect('/api/v1/live/overview');
    admitted = c.status === 200;
  }
  expect(admitted).toBe(true);
});
