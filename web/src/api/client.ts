/**
 * @module
 * Typed reads of the opsight HTTP API (docs/api.md). Every failure becomes an ApiError carrying
 * the problem+json title and detail, so pages can show the server's own words.
 */
import type {
  Aggregation,
  KpiReport,
  Labels,
  Matcher,
  Overview,
} from '../../../src/contract/index.ts';
import { formatDurationMs } from '../time/range.ts';
import { getApiKey, reportUnauthorized } from './auth.ts';
import { formatMatcher } from './url-state.ts';

export interface ChartSeries {
  readonly labels: Labels;
  readonly points: readonly (readonly [number, number])[];
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** What a chart asks for; `fromMs`/`toMs` or a live trailing `windowMs` are added per use. */
export interface SeriesSelection {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly agg: Aggregation;
  readonly groupBy: readonly string[] | undefined;
  readonly stepMs: number;
}

/**
 * Query parameters shared by /query_range and /live/query. `group_by` is sent only when grouping
 * (an empty value folds every series into one line).
 */
export function selectionParams(sel: SeriesSelection): URLSearchParams {
  const p = new URLSearchParams();
  p.set('metric', sel.metric);
  for (const m of sel.matchers) p.append('match[]', formatMatcher(m));
  p.set('agg', sel.agg);
  p.set('step', formatDurationMs(sel.stepMs));
  if (sel.groupBy !== undefined) p.set('group_by', sel.groupBy.join(','));
  return p;
}

export function liveQueryUrl(sel: SeriesSelection, windowMs: number): string {
  const p = selectionParams(sel);
  p.set('window', formatDurationMs(windowMs));
  return `/api/v1/live/query?${p.toString()}`;
}

export async function queryRange(
  sel: SeriesSelection,
  fromMs: number,
  toMs: number,
  signal?: AbortSignal,
): Promise<ChartSeries[]> {
  const p = selectionParams(sel);
  p.set('from', String(Math.floor(fromMs)));
  p.set('to', String(Math.ceil(toMs)));
  return getJson<ChartSeries[]>(`/api/v1/query_range?${p.toString()}`, signal);
}

export async function getOverview(windowMs: number, signal?: AbortSignal): Promise<Overview> {
  return getJson<Overview>(`/api/v1/overview?window=${formatDurationMs(windowMs)}`, signal);
}

export async function getKpis(
  service: string,
  windowMs: number,
  signal?: AbortSignal,
): Promise<KpiReport> {
  const p = new URLSearchParams({ service, window: formatDurationMs(windowMs) });
  return getJson<KpiReport>(`/api/v1/kpis?${p.toString()}`, signal);
}

export async function getMetricNames(signal?: AbortSignal): Promise<string[]> {
  const body = await getJson<unknown>('/api/v1/labels/__name__/values', signal);
  return unwrapList(body).filter((v): v is string => typeof v === 'string');
}

export interface SeriesEntry {
  readonly metric: string;
  readonly labels: Labels;
}

/** Series of one metric (for label name/value suggestions). */
export async function getSeries(metric: string, signal?: AbortSignal): Promise<SeriesEntry[]> {
  const p = new URLSearchParams();
  p.append('match[]', `__name__="${metric}"`);
  const body = await getJson<unknown>(`/api/v1/series?${p.toString()}`, signal);
  const out: SeriesEntry[] = [];
  for (const item of unwrapList(body)) {
    if (typeof item !== 'object' || item === null) continue;
    const rec = item as Record<string, unknown>;
    // Accept both {metric, labels} and Prometheus's flat {__name__, ...labels}.
    if (typeof rec.labels === 'object' && rec.labels !== null) {
      out.push({ metric: String(rec.metric ?? metric), labels: rec.labels as Labels });
    } else {
      const { __name__: name, ...labels } = rec;
      out.push({ metric: String(name ?? metric), labels: labels as Labels });
    }
  }
  return out;
}

/** Lists come bare (`[...]`) or wrapped (`{data: [...]}`); accept both. */
export function unwrapList(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null) {
    const data = (body as { data?: unknown }).data;
    if (Array.isArray(data)) return data;
  }
  return [];
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = getApiKey();
  if (key) headers['x-api-key'] = key;
  const res = await fetch(url, { headers, ...(signal ? { signal } : {}) });
  if (res.status === 401) reportUnauthorized();
  if (!res.ok) throw new ApiError(res.status, await problemText(res));
  return (await res.json()) as T;
}

async function problemText(res: Response): Promise<string> {
  try {
    const p = (await res.json()) as { title?: unknown; detail?: unknown };
    const parts = [p.title, p.detail].filter((s): s is string => typeof s === 'string' && s !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // Not JSON (a proxy's HTML page, say): fall back to the status line.
  }
  return `HTTP ${res.status} ${res.statusText}`;
}

/** POST (JSON body) or DELETE with the API key; the JSON answer, or undefined for a 204. */
export async function sendJson<T>(
  method: 'POST' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<T | undefined> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const key = getApiKey();
  if (key) headers['x-api-key'] = key;
  const res = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) reportUnauthorized();
  if (!res.ok) throw new ApiError(res.status, await problemText(res));
  if (res.status === 204) return undefined;
  const text = await res.text();
  return text === '' ? undefined : (JSON.parse(text) as T);
}
