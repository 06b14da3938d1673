/**
 * @module
 * The service map over the API (`GET /api/v1/service-map?window=5m`): services with their RED
 * and health, and the call edges learned from spans.
 */
import type { ServiceMap } from '../../../src/contract/index.ts';
import { formatDurationMs } from '../time/range.ts';
import { getJson } from './client.ts';

export async function getServiceMap(windowMs: number, signal?: AbortSignal): Promise<ServiceMap> {
  const body = await getJson<unknown>(
    `/api/v1/service-map?window=${formatDurationMs(windowMs)}`,
    signal,
  );
  const rec = (body ?? {}) as Partial<ServiceMap> & { data?: ServiceMap; map?: ServiceMap };
  const map = Array.isArray(rec.nodes) ? (rec as ServiceMap) : (rec.data ?? rec.map);
  return {
    fromMs: map?.fromMs ?? 0,
    toMs: map?.toMs ?? 0,
    nodes: map?.nodes ?? [],
    edges: map?.edges ?? [],
  };
}
