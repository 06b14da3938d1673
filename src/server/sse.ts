/**
 * @module
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) over a
 * hijacked Fastify reply. Each stream owns its timers and subscriptions and releases them all
 * exactly once, whichever comes first: the client disconnects, the server closes, or a write
 * fails. Updates are whole snapshots, so a slow client simply misses intermediate ones: while
 * the socket buffer is full (write returned false) new events are dropped until 'drain'.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStreamOptions {
  /** Period of `: ping` comments that keep proxies from closing an idle stream. */
  readonly heartbeatMs: number;
  /** Reconnect delay suggested to EventSource clients (the `retry:` field), ms. */
  readonly retryMs: number;
}

export class SseStream {
  readonly #reply: FastifyReply;
  readonly #cleanups: (() => void)[] = [];
  #closed = false;
  #congested = false;

  constructor(request: FastifyRequest, reply: FastifyReply, options: SseStreamOptions) {
    this.#reply = reply;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // The connection ends with the stream: a socket kept alive after an SSE response would
      // hold up server.close() until the client's keep-alive timeout.
      connection: 'close',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${options.retryMs}\n\n`);
    // The client went away (or the socket failed): release everything and drop the socket, which
    // may otherwise linger half-open and hold up server.close().
    res.on('close', () => this.close(true));
    res.on('error', () => this.close(true));
    res.on('drain', () => {
      this.#congested = false;
    });
    const heartbeat = setInterval(() => this.#write(': ping\n\n'), options.heartbeatMs);
    this.onClose(() => clearInterval(heartbeat));
    request.log.debug({ url: request.url }, 'sse stream opened');
    this.onClose(() => request.log.debug({ url: request.url }, 'sse stream closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one event; `data` is serialised as JSON on a single `data:` line. */
  send(event: string, data: unknown): void {
    if (this.#congested) return;
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Registers cleanup to run once when the stream ends (runs now if it already ended). */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#cleanups.push(fn);
  }

  /** Ends the stream; `destroy` drops the socket instead of ending the response politely. */
  close(destroy = false): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // A cleanup failing must not keep the others from running.
      }
    }
    const res = this.#reply.raw;
    if (destroy) res.destroy();
    else if (!res.writableEnded) res.end();
  }

  #write(chunk: string): void {
    if (this.#closed) return;
    const res = this.#reply.raw;
    if (res.writableEnded || res.destroyed) {
      this.close(true);
      return;
    }
    if (!res.write(chunk)) this.#congested = true;
  }
}
