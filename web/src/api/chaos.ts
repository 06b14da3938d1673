/**
 * @module
 * The demo shop's fault injection (`/simulate/*`, built by the shop): status with the endpoints
 * faults can target and the active faults, and the four actions. A 503 means no demo shop runs
 * in this server; pages say so instead of showing an error.
 */
import type { ChaosFault } from '../../../src/contract/index.ts';
import { ApiError, getJson, sendJson } from './client.ts';

export interface ChaosStatus {
  readonly endpoints: readonly string[];
  readonly faults: readonly ChaosFault[];
}

/** Status, or `null` when the server has no demo shop (503, or 404 on older servers). */
export async function getChaosStatus(signal?: AbortSignal): Promise<ChaosStatus | null> {
  try {
    const body = await getJson<unknown>('/simulate/status', signal);
    return parseChaosStatus(body);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 503 || err.status === 404)) return null;
    throw err;
  }
}

/** Accepts `{endpoints, faults}` or `{endpoints, active}`; ignores anything else. */
export function parseChaosStatus(body: unknown): ChaosStatus {
  const rec = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const endpoints = Array.isArray(rec.endpoints)
    ? rec.endpoints.filter((e): e is string => typeof e === 'string')
    : [];
  const raw = Array.isArray(rec.faults) ? rec.faults : Array.isArray(rec.active) ? rec.active : [];
  const faults = raw.filter(
    (f): f is ChaosFault =>
      typeof f === 'object' &&
      f !== null &&
      typeof (f as ChaosFault).endpoint === 'string' &&
      typeof (f as ChaosFault).kind === 'string',
  );
  return { endpoints, faults };
}

export type ChaosAction =
  | { readonly kind: 'delay'; readonly endpoint: string; readonly durationMs: number }
  | { readonly kind: 'error'; readonly endpoint: string; readonly rate: number }
  | { readonly kind: 'timeout'; readonly endpoint: string }
  | { readonly kind: 'clear' };

/** The request for one action: path and JSON body. */
export function chaosRequest(a: ChaosAction): { url: string; body: Record<string, unknown> } {
  switch (a.kind) {
    case 'delay':
      return { url: '/simulate/delay', body: { endpoint: a.endpoint, duration_ms: a.durationMs } };
    case 'error':
      return { url: '/simulate/error', body: { endpoint: a.endpoint, rate: a.rate } };
    case 'timeout':
      return { url: '/simulate/timeout', body: { endpoint: a.endpoint } };
    case 'clear':
      return { url: '/simulate/clear', body: {} };
  }
}

export async function runChaosAction(a: ChaosAction): Promise<void> {
  const { url, body } = chaosRequest(a);
  await sendJson<unknown>('POST', url, body);
}
