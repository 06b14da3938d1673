/**
 * @module
 * Serves the built dashboard (web/dist) at `/` and answers client-side routes (`/services/api`,
 * `/explore`) with index.html, so deep links and reloads work. API paths never fall back: an
 * unknown /api route is a 404 problem, not a page.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NO_FALLBACK = /^\/(?:api(?:\/|$)|write$|healthz$|readyz$)/;

/** Registers static serving; returns the SPA fallback for the not-found handler. */
export async function registerWebRoot(
  app: FastifyInstance,
  webRoot: string | undefined,
): Promise<(request: FastifyRequest, reply: FastifyReply) => boolean> {
  if (webRoot === undefined || !existsSync(join(webRoot, 'index.html'))) {
    if (webRoot !== undefined) {
      app.log.warn({ webRoot }, 'no index.html in the web root; the dashboard is not served');
    }
    return () => false;
  }
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    wildcard: true,
    index: 'index.html',
  });
  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url.split('?')[0] ?? '';
    if (NO_FALLBACK.test(path)) return false;
    // A missing asset (a path with a file extension) is a real 404, not the app shell.
    if (/\.[a-zA-Z0-9]+$/.test(path)) return false;
    void reply.header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
