/**
 * @module
 * Traces over the API (docs/api.md, "Traces"): the search (`GET /api/v1/traces`) and the spans of
 * one trace (`GET /api/v1/traces/:traceId`), which the waterfall lays out.
 */
import type { Span, TraceQuery, TraceSummary } from '../../../src/contract/index.ts';
import { getJson, unwrapList } from './client.ts';

/** Query string of a trace search (src/server/routes-traces.ts); bounds and durations in ms. */
export function traceQueryParams(q: TraceQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.service) p.set('service', q.service);
  if (q.operation) p.set('operation', q.operation);
  if (q.status) p.set('status', q.status);
  if (q.minDurationMs !== undefined) p.set('minDurationMs', String(q.minDurationMs));
  p.set('from', String(Math.floor(q.fromMs)));
  p.set('to', String(Math.ceil(q.toMs)));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  return p;
}

export async function searchTraces(q: TraceQuery, signal?: AbortSignal): Promise<TraceSummary[]> {
  const body = await getJson<unknown>(`/api/v1/traces?${traceQueryParams(q).toString()}`, signal);
  return listFrom<TraceSummary>(body, 'traces');
}

export async function getTrace(traceId: string, signal?: AbortSignal): Promise<Span[]> {
  const body = await getJson<unknown>(`/api/v1/traces/${encodeURIComponent(traceId)}`, signal);
  return listFrom<Span>(body, 'spans');
}

/** A list bare, as `{data}`, or under a named key (`{traceId, spans}`). */
function listFrom<T>(body: unknown, key: string): T[] {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const named = (body as Record<string, unknown>)[key];
    if (Array.isArray(named)) return named as T[];
  }
  return unwrapList(body) as T[];
}
