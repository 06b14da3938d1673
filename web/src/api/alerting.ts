/**
 * @module
 * SLOs, alerts, silences and health scores (docs/api.md, "Alerting, SLOs and health"). The
 * shapes below mirror what the server sends (the alerting runtime's views); the definitions
 * inside them are the contract types.
 */
import { useEffect, useRef, useState } from 'react';
import type {
  Alert,
  AlertTransition,
  Light,
  Matcher,
  Silence,
  SilenceStatus,
  SloDefinition,
  SloEvaluation,
} from '../../../src/contract/index.ts';
import { formatDurationMs } from '../time/range.ts';
import { ApiError, getJson, sendJson } from './client.ts';
import { errorText } from './hooks.ts';
import { LiveStream } from './live.ts';
import { formatMatcher } from './url-state.ts';

export type BurnState = 'firing' | 'guarded' | 'ok';

export interface SloStatus {
  readonly name: string;
  readonly service: string;
  readonly source: 'default' | 'config' | 'api';
  readonly definition: SloDefinition;
  readonly evaluation: SloEvaluation;
  /** Burn rate over every distinct window of the policy, shortest first. */
  readonly burnRates: readonly { readonly windowMs: number; readonly burnRate: number }[];
  readonly page: BurnState;
  readonly ticket: BurnState;
  readonly passing: boolean;
}

export interface SloList {
  readonly generatedAtMs: number | null;
  readonly slos: readonly SloStatus[];
}

export interface BurnSeries {
  readonly name: string;
  readonly service: string;
  readonly objective: number;
  readonly windows: readonly {
    readonly windowMs: number;
    readonly points: readonly (readonly [number, number])[];
  }[];
}

export interface AlertView extends Alert {
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly silencedBy: readonly string[];
  readonly inhibitedBy: readonly string[];
}

export interface AlertList {
  readonly generatedAtMs: number;
  readonly alerts: readonly AlertView[];
}

export interface SilenceView extends Silence {
  readonly status: SilenceStatus;
  readonly source: 'config' | 'api';
}

export interface HealthPart {
  readonly name: string;
  readonly score: number | null;
  readonly weight: number;
  readonly detail: string;
}

export interface ServiceHealth {
  readonly service: string;
  readonly atMs: number;
  readonly score: number | null;
  readonly light: Light;
  readonly parts: readonly HealthPart[];
  readonly reasons: readonly string[];
}

export async function getSlos(signal?: AbortSignal): Promise<SloList> {
  return getJson<SloList>('/api/v1/slos', signal);
}

export async function getSloBurn(
  name: string,
  service: string,
  fromMs: number,
  toMs: number,
  stepMs: number,
  signal?: AbortSignal,
): Promise<BurnSeries | undefined> {
  const p = new URLSearchParams({
    service,
    from: String(Math.floor(fromMs)),
    to: String(Math.ceil(toMs)),
    step: formatDurationMs(stepMs),
  });
  const body = await getJson<{ series?: BurnSeries[] }>(
    `/api/v1/slos/${encodeURIComponent(name)}/burn?${p.toString()}`,
    signal,
  );
  return body.series?.find((s) => s.service === service);
}

export async function getAlerts(signal?: AbortSignal): Promise<AlertList> {
  return getJson<AlertList>('/api/v1/alerts', signal);
}

export async function getAlertHistory(
  fromMs: number,
  toMs: number,
  limit: number,
  signal?: AbortSignal,
): Promise<AlertTransition[]> {
  const p = new URLSearchParams({
    from: String(Math.floor(fromMs)),
    to: String(Math.ceil(toMs)),
    limit: String(limit),
  });
  const body = await getJson<{ transitions?: AlertTransition[] }>(
    `/api/v1/alerts/history?${p.toString()}`,
    signal,
  );
  return body.transitions ?? [];
}

export async function getSilences(signal?: AbortSignal): Promise<SilenceView[]> {
  const body = await getJson<{ silences?: SilenceView[] }>('/api/v1/silences', signal);
  return body.silences ?? [];
}

export interface NewSilence {
  readonly matchers: readonly Matcher[];
  readonly durationMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

export async function createSilence(s: NewSilence): Promise<SilenceView | undefined> {
  const body = await sendJson<{ silence?: SilenceView }>('POST', '/api/v1/silences', {
    matchers: s.matchers.map(formatMatcher),
    duration: formatDurationMs(s.durationMs),
    created_by: s.createdBy,
    comment: s.comment,
  });
  return body?.silence;
}

export async function expireSilence(id: string): Promise<void> {
  await sendJson('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
}

export async function getHealth(signal?: AbortSignal): Promise<ServiceHealth[]> {
  const body = await getJson<{ services?: ServiceHealth[] }>('/api/v1/health', signal);
  return body.services ?? [];
}

/**
 * Health score per service (docs/alerting.md, "Health score"), or undefined when the server has
 * no alerting (404): lights then come from the KPI rules alone.
 */
export async function getHealthMap(
  signal?: AbortSignal,
): Promise<Map<string, ServiceHealth> | undefined> {
  try {
    const list = await getHealth(signal);
    return new Map(list.map((h) => [h.service, h]));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Active alerts, pushed after every evaluation (`alerts` event of /api/v1/live/alerts). `tick`
 * counts the pushes, so pages can refresh what the evaluation changed (SLOs, history).
 * `unavailable` is set when the server has no alerting (404).
 */
export function useLiveAlerts(): {
  readonly list: AlertList | undefined;
  readonly tick: number;
  readonly error: string | undefined;
  readonly unavailable: boolean;
} {
  const [list, setList] = useState<AlertList | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    let stream: LiveStream<AlertList> | undefined;
    // Ask once first: a server without alerting answers 404, and then there is nothing to stream.
    getAlerts(ac.signal).then(
      (l) => {
        setList(l);
        stream = new LiveStream<AlertList>({
          url: '/api/v1/live/alerts',
          event: 'alerts',
          onData: (next) => {
            setList(next);
            setTick((t) => t + 1);
            setError(undefined);
          },
          onProblem: setError,
        });
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) setUnavailable(true);
        else setError(errorText(err));
      },
    );
    return () => {
      ac.abort();
      stream?.close();
    };
  }, []);
  return { list, tick, error, unavailable };
}

/**
 * Fetches `load` now and again whenever `trigger` changes (e.g. a push counter); keeps the last
 * good value while a new one loads.
 */
export function useRefetch<T>(
  load: (signal: AbortSignal) => Promise<T>,
  trigger: unknown,
): {
  readonly value: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
} {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [bump, setBump] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: trigger and bump are the triggers.
  useEffect(() => {
    const ac = new AbortController();
    loadRef.current(ac.signal).then(
      (v) => {
        setValue(v);
        setError(undefined);
      },
      (err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      },
    );
    return () => ac.abort();
  }, [trigger, bump]);
  return { value, error, reload: () => setBump((b) => b + 1) };
}

/**
 * Parses matchers as typed in the silence form, one per line or comma-separated:
 * `service="api"`, `alertname=HighLatency`, `env=~"prod|stage"`. Returns the matchers or the
 * first problem in words.
 *
 * @example parseMatcherLines('service="api"\nseverity!=info')
 */
export function parseMatcherLines(text: string): Matcher[] | string {
  const out: Matcher[] = [];
  // Split on newlines and on commas outside quotes.
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && quoted) {
      cur += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === ',' || c === '\n')) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  for (const raw of parts) {
    const s = raw.trim();
    if (s === '') continue;
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*)$/.exec(s);
    if (!m) return `"${s}" is not a matcher like service="api"`;
    let value = (m[3] as string).trim();
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) return `"${s}": the quote is not closed`;
      value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
    }
    out.push({ name: m[1] as string, op: m[2] as Matcher['op'], value });
  }
  if (out.length === 0) return 'give at least one matcher, like service="api"';
  return out;
}

/** Matchers that pick out one alert: its labels, without severity (a silence outlives it). */
export function matchersForAlert(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels)
    .filter((k) => k !== 'severity')
    .sort((a, b) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b)))
    .map((name) => ({ name, op: '=' as const, value: labels[name] as string }));
}
