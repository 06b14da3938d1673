/**
 * @module
 * One JSON POST with fetch, turned into a `DeliveryResult`. Shared by the HTTP channels.
 * The URL never appears in errors: Slack and many webhook URLs carry their secret in the path.
 */
import { type DeliveryResult, describeError, failed, whenAborted } from './notifier.ts';

export type FetchFn = typeof fetch;

export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  readonly fetch?: FetchFn | undefined;
}

/** Most response text kept in an error message. */
const MAX_ERROR_BODY_CHARS = 200;

export async function postJson(req: PostRequest): Promise<DeliveryResult> {
  const fetchFn = req.fetch ?? globalThis.fetch;
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...req.headers },
    body: req.body,
    redirect: 'error',
    ...(req.signal === undefined ? {} : { signal: req.signal }),
  };
  try {
    // The race guards against a fetch implementation that ignores the signal.
    const res = await Promise.race([fetchFn(req.url, init), whenAborted(req.signal)]);
    if (res === undefined) return failed(describeError(undefined, req.signal), true);
    const text = await Promise.race([readText(res), whenAborted(req.signal).then(() => '')]);
    if (res.ok) return { ok: true, status: res.status, attempts: 1, retryable: false };
    const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'));
    return failed(
      `HTTP ${res.status}${text === '' ? '' : `: ${text.slice(0, MAX_ERROR_BODY_CHARS)}`}`,
      isRetryableStatus(res.status),
      { status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  } catch (err) {
    return failed(describeError(err, req.signal), true);
  }
}

async function readText(res: Response): Promise<string> {
  try {
    return (await res.text()).trim();
  } catch {
    // The body is only used for error messages; a broken body leaves it empty.
    return '';
  }
}

/** 408, 425, 429 and 5xx may succeed later; other 4xx mean the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** RFC 9110 §10.2.3 Retry-After as delta-seconds; an HTTP-date is ignored (no clock here). */
export function parseRetryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}
