/**
 * @module
 * Opening a server-sent-events stream the same way on every live route: refuse past the
 * server's stream limit (503 LIVE_TOO_MANY_STREAMS with Retry-After), then register the stream
 * so the server closes it on shutdown.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpsError } from '../contract/index.ts';
import type { ServerContext } from './context.ts';
import { SseStream } from './sse.ts';

const RETRY_MS = 3_000;

export function openLiveStream(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): SseStream {
  if (ctx.streams.size >= ctx.options.maxLiveStreams) {
    reply.header('retry-after', '10');
    throw new OpsError(
      'LIVE_TOO_MANY_STREAMS',
      `${ctx.streams.size} live streams are open, the limit is ${ctx.options.maxLiveStreams}; retry later`,
    );
  }
  const stream = new SseStream(request, reply, {
    heartbeatMs: ctx.options.sseHeartbeatMs,
    retryMs: RETRY_MS,
  });
  ctx.streams.add(stream);
  stream.onClose(() => ctx.streams.delete(stream));
  return stream;
}

/**
 * Calls `send` at most once per `periodMs` however often `poke` is called, and once more after
 * the last poke of a burst, so a live view shows the latest state without flooding the client.
 */
export function throttled(send: () => void, periodMs: number): { poke(): void; stop(): void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    poke() {
      const now = Date.now();
      if (timer !== undefined) return;
      const wait = Math.max(0, last + periodMs - now);
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        send();
      }, wait);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
