/**
 * @module
 * The human review queue (docs/review.md, docs/api.md "Review"): items sampled from the pipeline,
 * fleet and anomaly streams, their stats, and the claim / approve / reject verdicts. Shapes:
 * src/contract/review.ts.
 *
 * Live: the `item` events of `/api/v1/live/review` say something changed; the list and stats are
 * then fetched again with the page's filters (debounced), so the view is exactly what the server
 * holds and a filtered list stays filtered.
 */
import { useEffect, useRef, useState } from 'react';
import {
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewItem,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from '../../../src/contract/review.ts';
import { ApiError, getJson, sendJson } from './client.ts';
import { errorText } from './hooks.ts';
import { LiveStream } from './live.ts';

// The answer shapes are the contract's; src/contract/review.ts imports nothing, so taking its
// value lists keeps the server's schema library out of the bundle.
export {
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewItem,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from '../../../src/contract/review.ts';

export interface ReviewFilter {
  readonly statuses: readonly ReviewStatus[];
  readonly streams: readonly ReviewStream[];
}

export function reviewListUrl(f: ReviewFilter, limit: number): string {
  const p = new URLSearchParams();
  if (f.statuses.length > 0) p.set('status', f.statuses.join(','));
  if (f.streams.length > 0) p.set('stream', f.streams.join(','));
  p.set('limit', String(limit));
  return `/api/v1/review?${p.toString()}`;
}

/** `/review?status=pending,claimed&stream=fleet` ⇄ filter; unknown values are dropped. */
export function decodeReviewFilter(search: string): ReviewFilter {
  const p = new URLSearchParams(search);
  const pick = <T extends string>(key: string, allowed: readonly T[]): T[] => {
    const wanted = (p.get(key) ?? '').split(',').map((s) => s.trim());
    return allowed.filter((a) => wanted.includes(a));
  };
  return { statuses: pick('status', REVIEW_STATUSES), streams: pick('stream', REVIEW_STREAMS) };
}

export function encodeReviewFilter(f: ReviewFilter): string {
  const p = new URLSearchParams();
  if (f.statuses.length > 0) p.set('status', f.statuses.join(','));
  if (f.streams.length > 0) p.set('stream', f.streams.join(','));
  return p.toString();
}

/** Where the data point lives in the dashboard: its vehicle, service or pipeline page. */
export function reviewItemPath(i: Pick<ReviewItem, 'stream' | 'data'>): string | undefined {
  const d = i.data;
  const labels =
    typeof d.labels === 'object' && d.labels !== null ? (d.labels as Record<string, unknown>) : {};
  const vehicle = typeof d.vehicle_id === 'string' ? d.vehicle_id : labels.vehicle_id;
  if (typeof vehicle === 'string') return `/fleet/${encodeURIComponent(vehicle)}`;
  if (typeof labels.service === 'string') return `/services/${encodeURIComponent(labels.service)}`;
  const pipeline = typeof d.pipeline === 'string' ? d.pipeline : labels.pipeline;
  if (i.stream === 'pipeline' || typeof pipeline === 'string') {
    return typeof pipeline === 'string'
      ? `/pipeline?pipeline=${encodeURIComponent(pipeline)}`
      : '/pipeline';
  }
  return undefined;
}

export type ReviewAction = 'claim' | 'approve' | 'reject';

export function reviewActionUrl(id: string, action: ReviewAction): string {
  return `/api/v1/review/items/${encodeURIComponent(id)}/${action}`;
}

export async function reviewAction(
  id: string,
  action: ReviewAction,
  by: string,
  reason?: string,
): Promise<ReviewItem | undefined> {
  const body = await sendJson<{ item: ReviewItem }>('POST', reviewActionUrl(id, action), {
    by,
    ...(reason === undefined || reason === '' ? {} : { reason }),
  });
  return body?.item;
}

export interface LiveReview {
  /** undefined until the first answer; null when the server has no review queue (404). */
  readonly items: readonly ReviewItem[] | null | undefined;
  readonly stats: ReviewStats | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
}

/** Most items the page lists. */
export const REVIEW_PAGE_LIMIT = 50;
/** Pushes closer together than this are folded into one refetch. */
const REFETCH_DEBOUNCE_MS = 250;

export function useLiveReview(filter: ReviewFilter): LiveReview {
  const [items, setItems] = useState<readonly ReviewItem[] | null | undefined>(undefined);
  const [stats, setStats] = useState<ReviewStats | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [bump, setBump] = useState(0);
  const url = reviewListUrl(filter, REVIEW_PAGE_LIMIT);
  const urlRef = useRef(url);
  urlRef.current = url;

  // biome-ignore lint/correctness/useExhaustiveDependencies: url and bump are the triggers.
  useEffect(() => {
    let ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      ac.abort();
      ac = new AbortController();
      const signal = ac.signal;
      getJson<{ items: ReviewItem[]; stats: ReviewStats }>(urlRef.current, signal).then(
        (body) => {
          setItems(body.items);
          setStats(body.stats);
          setError(undefined);
        },
        (err: unknown) => {
          if (signal.aborted) return;
          if (err instanceof ApiError && err.status === 404) {
            setItems(null);
            stream.close();
          } else setError(errorText(err));
        },
      );
    };
    const later = (): void => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        load();
      }, REFETCH_DEBOUNCE_MS);
    };
    const stream = new LiveStream<ReviewItem>({
      url: '/api/v1/live/review',
      event: 'item',
      onData: later,
      // Whatever changed while disconnected is in the next fetch.
      onOpen: later,
      onProblem: setError,
    });
    load();
    return () => {
      ac.abort();
      if (timer !== undefined) clearTimeout(timer);
      stream.close();
    };
  }, [url, bump]);

  return { items, stats, error, reload: () => setBump((b) => b + 1) };
}

const REVIEWER_KEY = 'opsight.reviewer';

/** Who is reviewing, remembered in this browser. */
export function getReviewer(): string {
  try {
    return localStorage.getItem(REVIEWER_KEY) ?? 'dashboard';
  } catch {
    return 'dashboard';
  }
}

export function setReviewer(name: string): void {
  try {
    localStorage.setItem(REVIEWER_KEY, name);
  } catch {
    // Private mode: the name lasts for this page only.
  }
}
