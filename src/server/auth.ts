/**
 * @module
 * API-key check. With keys configured, every /api route and the Influx `/write` route needs
 * `Authorization: Bearer <key>` or `X-API-Key: <key>` (so do the demo shop's /simulate/* chaos
 * routes and the fleet lab's /telemetry and /simulate_anomaly). Exceptions, each for a reason:
 * - /api/docs and /api/openapi.json describe the API and hold no data; browsers open them
 *   without a way to add headers.
 * - /api/v1/live/* also accept `?api_key=<key>`, because the browser's EventSource cannot send
 *   headers. Prefer headers elsewhere: query strings end up in proxy logs.
 * Keys are compared as SHA-256 digests with timingSafeEqual, so timing says nothing about them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OpsError } from '../contract/index.ts';

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Whether a path needs a key (when keys are configured). */
export function needsKey(path: string): boolean {
  if (path === '/api/openapi.json' || path === '/api/docs' || path.startsWith('/api/docs/')) {
    return false;
  }
  // /simulate/* injects faults into the demo shop: an admin action like any API write.
  if (path.startsWith('/simulate/')) return true;
  // The fleet lab's routes: readings in and out, and demo anomaly injection.
  // (The router ignores a trailing slash, so the check must too.)
  if (/^\/(telemetry|simulate_anomaly)\/?$/.test(path)) return true;
  // OTLP/HTTP (/v1/traces): ingest like /write.
  if (path.startsWith('/v1/')) return true;
  // The AIOps compatibility API (/aiops/*) reads and changes incidents like /api/v1/incidents.
  if (path === '/aiops' || path.startsWith('/aiops/')) return true;
  return path === '/api' || path.startsWith('/api/') || path === '/write';
}

function keyFrom(request: FastifyRequest, path: string): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m !== null) return m[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  if (path.startsWith('/api/v1/live/')) {
    const q = (request.query as Record<string, unknown> | undefined)?.api_key;
    if (typeof q === 'string' && q !== '') return q;
  }
  return undefined;
}

/** Returns an onRequest check, or undefined when no keys are configured. */
export function createApiKeyCheck(
  apiKeys: readonly string[],
): ((request: FastifyRequest) => void) | undefined {
  if (apiKeys.length === 0) return undefined;
  const digests = apiKeys.map(digest);
  return (request) => {
    const path = pathOf(request.url);
    if (!needsKey(path)) return;
    const key = keyFrom(request, path);
    if (key === undefined) {
      throw new OpsError(
        'UNAUTHORIZED',
        'this server requires an API key: send Authorization: Bearer <key> or X-API-Key: <key>',
      );
    }
    const d = digest(key);
    let ok = false;
    // No early exit: every configured key is compared.
    for (const k of digests) ok = timingSafeEqual(d, k) || ok;
    if (!ok) throw new OpsError('UNAUTHORIZED', 'the API key is not valid');
  };
}
