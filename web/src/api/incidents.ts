/**
 * @module
 * Incidents over the API (docs/api.md, "Incidents"): the filtered list, one incident, and the two
 * lifecycle actions. The list page stays current by server push (`GET /api/v1/live/incidents`,
 * one `incident` event per change carrying `{kind, incident}`); whenever the stream (re)opens the
 * list is fetched again, so nothing changed while disconnected is missed.
 */
import { useEffect, useState } from 'react';
import type {
  Incident,
  IncidentQuery,
  IncidentSeverity,
  IncidentStatus,
} from '../../../src/contract/index.ts';
import { ApiError, getJson, sendJson, unwrapList } from './client.ts';
import { errorText } from './hooks.ts';
import { LiveStream } from './live.ts';

/**
 * The contract's status and severity lists, restated here: web imports contract types only (a
 * value import would pull the server's schemas into the bundle). `satisfies` plus the
 * exhaustiveness check below keep them equal to the contract's unions.
 */
export const INCIDENT_STATUSES = [
  'active',
  'acknowledged',
  'resolved',
] as const satisfies readonly IncidentStatus[];
/** Least to most severe. */
export const INCIDENT_SEVERITIES = [
  'low',
  'medium',
  'high',
  'critical',
] as const satisfies readonly IncidentSeverity[];
type Missing<T, L extends readonly unknown[]> = Exclude<T, L[number]>;
const everyStatus: [Missing<IncidentStatus, typeof INCIDENT_STATUSES>] extends [never]
  ? true
  : false = true;
const everySeverity: [Missing<IncidentSeverity, typeof INCIDENT_SEVERITIES>] extends [never]
  ? true
  : false = true;
void everyStatus;
void everySeverity;

/** One pushed change; `kind` is opened / updated / resolved / … (display only). */
export interface IncidentChangeEvent {
  readonly kind: string;
  readonly incident: Incident;
}

export const INCIDENT_EVENT = 'incident';

/** Query string of GET /api/v1/incidents: repeated filters as comma lists. */
export function incidentQueryParams(q: IncidentQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.status && q.status.length > 0) p.set('status', q.status.join(','));
  if (q.severity && q.severity.length > 0) p.set('severity', q.severity.join(','));
  if (q.fromMs !== undefined) p.set('from', String(Math.floor(q.fromMs)));
  if (q.toMs !== undefined) p.set('to', String(Math.ceil(q.toMs)));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  return p;
}

/** The list page's filters from its own URL (`?status=active,acknowledged&severity=high`). */
export function parseIncidentFilters(search: string): {
  status: IncidentStatus[];
  severity: IncidentSeverity[];
} {
  const p = new URLSearchParams(search);
  const pick = <T extends string>(name: string, allowed: readonly T[]): T[] =>
    (p.get(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s): s is T => (allowed as readonly string[]).includes(s));
  return {
    status: pick('status', INCIDENT_STATUSES),
    severity: pick('severity', INCIDENT_SEVERITIES),
  };
}

export async function listIncidents(q: IncidentQuery, signal?: AbortSignal): Promise<Incident[]> {
  const qs = incidentQueryParams(q).toString();
  const body = await getJson<unknown>(`/api/v1/incidents${qs ? `?${qs}` : ''}`, signal);
  const list = unwrapList(body);
  if (list.length === 0 && typeof body === 'object' && body !== null) {
    const wrapped = (body as { incidents?: unknown }).incidents;
    if (Array.isArray(wrapped)) return wrapped as Incident[];
  }
  return list as Incident[];
}

export async function getIncident(id: string, signal?: AbortSignal): Promise<Incident> {
  const body = await getJson<unknown>(`/api/v1/incidents/${encodeURIComponent(id)}`, signal);
  return unwrapIncident(body);
}

/** An incident bare, or wrapped as `{incident}` / `{data}`. */
function unwrapIncident(body: unknown): Incident {
  if (typeof body === 'object' && body !== null) {
    const rec = body as { incident?: unknown; data?: unknown; id?: unknown };
    if (typeof rec.id === 'string') return body as Incident;
    if (typeof rec.incident === 'object' && rec.incident !== null) return rec.incident as Incident;
    if (typeof rec.data === 'object' && rec.data !== null) return rec.data as Incident;
  }
  throw new ApiError(500, 'the server answered with something that is not an incident');
}

export interface LifecycleInput {
  readonly by?: string;
  readonly note?: string;
}

export async function transitionIncident(
  id: string,
  action: 'acknowledge' | 'resolve',
  input: LifecycleInput,
): Promise<Incident | undefined> {
  const body: Record<string, string> = {};
  if (input.by) body.by = input.by;
  if (input.note) body.note = input.note;
  const res = await sendJson<unknown>(
    'POST',
    `/api/v1/incidents/${encodeURIComponent(id)}/${action}`,
    body,
  );
  return res === undefined ? undefined : unwrapIncident(res);
}

/** Newest change wins; list order: active first, then severity, then most recent. */
export function applyIncidentChange(list: readonly Incident[], change: Incident): Incident[] {
  const out = list.filter((i) => i.id !== change.id);
  out.push(change);
  return sortIncidents(out);
}

const STATUS_RANK: Record<IncidentStatus, number> = { active: 0, acknowledged: 1, resolved: 2 };

export function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort(
    (a, b) =>
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      INCIDENT_SEVERITIES.indexOf(b.severity) - INCIDENT_SEVERITIES.indexOf(a.severity) ||
      b.firstDetectedMs - a.firstDetectedMs,
  );
}

/** Whether an incident passes the list filters (empty filter = everything). */
export function matchesFilters(
  i: Incident,
  f: { readonly status: readonly IncidentStatus[]; readonly severity: readonly IncidentSeverity[] },
): boolean {
  return (
    (f.status.length === 0 || f.status.includes(i.status)) &&
    (f.severity.length === 0 || f.severity.includes(i.severity))
  );
}

export interface LiveIncidents {
  readonly list: Incident[] | undefined;
  readonly error: string | undefined;
  /** 404 from the list: this server runs without the incident engine. */
  readonly unavailable: boolean;
  /** Bumped on every pushed change (for pages that refetch one incident). */
  readonly tick: number;
}

/**
 * Incidents matching `query`, live: fetched, then patched by each pushed change, and fetched
 * again each time the stream opens (first connect and every reconnect).
 */
export function useLiveIncidents(query: IncidentQuery): LiveIncidents {
  const [state, setState] = useState<LiveIncidents>({
    list: undefined,
    error: undefined,
    unavailable: false,
    tick: 0,
  });
  const key = incidentQueryParams(query).toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: key encodes the query.
  useEffect(() => {
    let ac = new AbortController();
    let closed = false;
    const filters = { status: query.status ?? [], severity: query.severity ?? [] };
    const refresh = (): void => {
      ac.abort();
      ac = new AbortController();
      const signal = ac.signal;
      listIncidents(query, signal).then(
        (list) =>
          setState((s) => ({
            ...s,
            list: sortIncidents(list),
            error: undefined,
            tick: s.tick + 1,
          })),
        (err: unknown) => {
          if (signal.aborted || closed) return;
          if (err instanceof ApiError && err.status === 404) {
            setState((s) => ({ ...s, unavailable: true }));
          } else setState((s) => ({ ...s, error: errorText(err) }));
        },
      );
    };
    refresh();
    const stream = new LiveStream<IncidentChangeEvent>({
      url: '/api/v1/live/incidents',
      event: INCIDENT_EVENT,
      onOpen: refresh,
      onData: (change) => {
        const inc = change.incident;
        if (!inc || typeof inc.id !== 'string') return;
        setState((s) => {
          const base = (s.list ?? []).filter((i) => i.id !== inc.id);
          const list = matchesFilters(inc, filters) ? applyIncidentChange(base, inc) : base;
          return { ...s, list, tick: s.tick + 1 };
        });
      },
      onProblem: (message) => setState((s) => ({ ...s, error: message })),
    });
    return () => {
      closed = true;
      ac.abort();
      stream.close();
    };
  }, [key]);
  return state;
}

export interface LiveIncident {
  readonly incident: Incident | undefined;
  readonly error: string | undefined;
  readonly notFound: boolean;
  /** Replace the shown incident (with what an action answered). */
  readonly set: (i: Incident) => void;
  readonly reload: () => void;
}

/** One incident, fetched and then replaced by every pushed change to it (refetched on reopen). */
export function useLiveIncident(id: string): LiveIncident {
  const [incident, setIncident] = useState<Incident | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [notFound, setNotFound] = useState(false);
  const [bump, setBump] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: bump is a reload trigger.
  useEffect(() => {
    let ac = new AbortController();
    const refresh = (): void => {
      ac.abort();
      ac = new AbortController();
      const signal = ac.signal;
      getIncident(id, signal).then(
        (i) => {
          setIncident(i);
          setError(undefined);
        },
        (err: unknown) => {
          if (signal.aborted) return;
          if (err instanceof ApiError && err.status === 404) setNotFound(true);
          else setError(errorText(err));
        },
      );
    };
    refresh();
    const stream = new LiveStream<IncidentChangeEvent>({
      url: '/api/v1/live/incidents',
      event: INCIDENT_EVENT,
      onOpen: refresh,
      onData: (change) => {
        if (change.incident?.id === id) setIncident(change.incident);
      },
      onProblem: setError,
    });
    return () => {
      ac.abort();
      stream.close();
    };
  }, [id, bump]);
  return { incident, error, notFound, set: setIncident, reload: () => setBump((b) => b + 1) };
}
