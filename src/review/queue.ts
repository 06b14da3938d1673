/**
 * @module
 * Human review: automation is not 100%, so a small seeded sample of events from any stream
 * (pipeline events, fleet readings, anomalies) goes to people. Sampling is a hash of (seed,
 * stream, item id) against the rate, so it is deterministic, independent of arrival order and
 * the same after a restart. Items are pending → claimed → approved or rejected (with a reason);
 * stats give pending, reviewed, rejection rate and time to review. Verdicts on anomalies become
 * labels (approved = a real anomaly, rejected = a false alarm) that `opsight eval` can score
 * detectors against. Pure: the runtime persists items and supplies times.
 */
import {
  OpsError,
  REVIEW_STREAMS,
  type ReviewCandidate,
  type ReviewItem,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from '../contract/index.ts';

// The item shapes live in the contract (the dashboard reads them too); re-exported here.
export {
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewCandidate,
  type ReviewItem,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from '../contract/index.ts';

/** The sampling rate bounds the issue sets: 0.5% to 2%, 1% by default. */
export const MIN_REVIEW_RATE = 0.005;
export const MAX_REVIEW_RATE = 0.02;
export const DEFAULT_REVIEW_RATE = 0.01;

/** 32-bit FNV-1a of a string, as a uniform number in [0, 1). */
export function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Finalise (murmur3 fmix) so nearby ids spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export function checkReviewRate(rate: number): void {
  if (!Number.isFinite(rate) || rate < MIN_REVIEW_RATE || rate > MAX_REVIEW_RATE) {
    throw new OpsError(
      'CONFIG_INVALID',
      `the review sampling rate must be between ${MIN_REVIEW_RATE} and ${MAX_REVIEW_RATE} (0.5%-2%), got ${rate}`,
      {
        items: [
          { field: 'review.rate', reason: `must be in ${MIN_REVIEW_RATE}..${MAX_REVIEW_RATE}` },
        ],
      },
    );
  }
}

/**
 * @example
 * const queue = new ReviewQueue({ seed: 1, rate: 0.01 });
 * const item = queue.offer(candidate, nowMs); // sampled into the queue, or undefined
 * queue.claim(item.id, 'ana', nowMs); queue.reject(item.id, 'ana', 'sensor glitch', nowMs);
 */
export class ReviewQueue {
  readonly seed: number;
  #rate: number;
  readonly #items = new Map<string, ReviewItem>();
  readonly #maxItems: number;
  #seen = 0;
  #sampled = 0;

  constructor(o: { seed: number; rate?: number; maxItems?: number }) {
    this.seed = o.seed;
    this.#rate = o.rate ?? DEFAULT_REVIEW_RATE;
    checkReviewRate(this.#rate);
    this.#maxItems = o.maxItems ?? 100_000;
  }

  get rate(): number {
    return this.#rate;
  }

  setRate(rate: number): void {
    checkReviewRate(rate);
    this.#rate = rate;
  }

  /** Whether an item is in the sample: a pure function of seed, stream, id and rate. */
  sampled(stream: ReviewStream, itemId: string): boolean {
    return hashUnit(`${this.seed}:${stream}:${itemId}`) < this.#rate;
  }

  /** Offers one candidate; returns the queued item when it was sampled (and is new). */
  offer(c: ReviewCandidate, nowMs: number): ReviewItem | undefined {
    this.#seen++;
    if (!this.sampled(c.stream, c.itemId)) return undefined;
    const id = `${c.stream}:${c.itemId}`;
    if (this.#items.has(id)) return undefined;
    this.#sampled++;
    const item: ReviewItem = { ...c, id, status: 'pending', sampledAtMs: nowMs };
    this.#put(item);
    return item;
  }

  /** Puts a persisted item back (after a restart). */
  restore(items: readonly ReviewItem[], counters?: { seen: number; sampled: number }): void {
    for (const i of items) this.#items.set(i.id, i);
    if (counters !== undefined) {
      this.#seen = counters.seen;
      this.#sampled = counters.sampled;
    }
  }

  counters(): { seen: number; sampled: number } {
    return { seen: this.#seen, sampled: this.#sampled };
  }

  get(id: string): ReviewItem | undefined {
    return this.#items.get(id);
  }

  /** Newest first by sampling time, filtered. */
  list(
    f: { status?: readonly ReviewStatus[]; stream?: readonly ReviewStream[]; limit?: number } = {},
  ): ReviewItem[] {
    const out = [...this.#items.values()].filter(
      (i) =>
        (f.status === undefined || f.status.includes(i.status)) &&
        (f.stream === undefined || f.stream.includes(i.stream)),
    );
    out.sort((a, b) => b.sampledAtMs - a.sampledAtMs || (a.id < b.id ? -1 : 1));
    return f.limit === undefined ? out : out.slice(0, f.limit);
  }

  /** pending → claimed (or re-claimed by the same reviewer). */
  claim(id: string, by: string, nowMs: number): ReviewItem {
    const item = this.#must(id);
    if (item.status !== 'pending' && !(item.status === 'claimed' && item.claimedBy === by)) {
      throw conflict(item, `claim it as ${by}`);
    }
    return this.#put({ ...item, status: 'claimed', claimedBy: by, claimedAtMs: nowMs });
  }

  approve(id: string, by: string, reason: string | undefined, nowMs: number): ReviewItem {
    return this.#verdict(id, by, 'approved', reason, nowMs);
  }

  /** A rejection needs a reason: it is what the next person (and the detector's owner) learns from. */
  reject(id: string, by: string, reason: string, nowMs: number): ReviewItem {
    if (reason.trim() === '') {
      throw new OpsError('BAD_REQUEST', 'a rejection needs a reason', {
        items: [{ field: 'reason', reason: 'must be a non-empty string when rejecting' }],
      });
    }
    return this.#verdict(id, by, 'rejected', reason, nowMs);
  }

  #verdict(
    id: string,
    by: string,
    status: 'approved' | 'rejected',
    reason: string | undefined,
    nowMs: number,
  ): ReviewItem {
    const item = this.#must(id);
    if (item.status === 'approved' || item.status === 'rejected') {
      throw conflict(item, status === 'approved' ? 'approve it' : 'reject it');
    }
    if (item.status === 'claimed' && item.claimedBy !== by) {
      throw conflict(
        item,
        `${status === 'approved' ? 'approve' : 'reject'} it as ${by} (claimed by ${item.claimedBy})`,
      );
    }
    return this.#put({
      ...item,
      status,
      reviewedBy: by,
      reviewedAtMs: nowMs,
      ...(reason === undefined || reason === '' ? {} : { verdictReason: reason }),
    });
  }

  stats(): ReviewStats {
    const byStream = Object.fromEntries(
      REVIEW_STREAMS.map((s) => [s, { pending: 0, reviewed: 0, rejected: 0 }]),
    ) as Record<ReviewStream, { pending: number; reviewed: number; rejected: number }>;
    let pending = 0;
    let claimed = 0;
    let approved = 0;
    let rejected = 0;
    const times: number[] = [];
    for (const i of this.#items.values()) {
      const s = byStream[i.stream];
      if (i.status === 'pending') {
        pending++;
        s.pending++;
      } else if (i.status === 'claimed') {
        claimed++;
        s.pending++;
      } else {
        if (i.status === 'approved') approved++;
        else {
          rejected++;
          s.rejected++;
        }
        s.reviewed++;
        if (i.reviewedAtMs !== undefined) times.push(i.reviewedAtMs - i.sampledAtMs);
      }
    }
    times.sort((a, b) => a - b);
    const reviewed = approved + rejected;
    const q = (p: number): number | undefined =>
      times.length === 0 ? undefined : times[Math.max(0, Math.ceil(p * times.length) - 1)];
    const median = q(0.5);
    const p90 = q(0.9);
    return {
      pending,
      claimed,
      reviewed,
      approved,
      rejected,
      rejectionRate: reviewed === 0 ? 0 : rejected / reviewed,
      ...(median === undefined ? {} : { medianTimeToReviewMs: median }),
      ...(p90 === undefined ? {} : { p90TimeToReviewMs: p90 }),
      byStream,
      sampled: this.#sampled,
      seen: this.#seen,
      rate: this.#rate,
    };
  }

  #must(id: string): ReviewItem {
    const item = this.#items.get(id);
    if (item === undefined) {
      throw new OpsError('NOT_FOUND', `no review item ${id}`, {
        items: [{ field: 'id', reason: `unknown review item ${id}` }],
      });
    }
    return item;
  }

  #put(item: ReviewItem): ReviewItem {
    this.#items.set(item.id, item);
    if (this.#items.size > this.#maxItems) {
      // Forget the oldest reviewed item first; pending work is never dropped.
      for (const [k, v] of this.#items) {
        if (v.status === 'approved' || v.status === 'rejected') {
          this.#items.delete(k);
          break;
        }
      }
    }
    return item;
  }
}

function conflict(item: ReviewItem, wanted: string): OpsError {
  return new OpsError(
    'REVIEW_CONFLICT',
    `cannot ${wanted}: review item ${item.id} is ${item.status}${item.claimedBy === undefined ? '' : ` (claimed by ${item.claimedBy})`}`,
    {
      items: [{ field: 'status', reason: `is ${item.status}` }],
    },
  );
}

/** One label per reviewed anomaly: 1 when approved (real), 0 when rejected (false alarm). */
export interface AnomalyVerdictLabel {
  readonly subject: string;
  readonly atMs: number;
  readonly label: 0 | 1;
  readonly reason?: string;
}

export function anomalyLabels(items: readonly ReviewItem[]): AnomalyVerdictLabel[] {
  const out: AnomalyVerdictLabel[] = [];
  for (const i of items) {
    if (i.stream !== 'anomaly' || (i.status !== 'approved' && i.status !== 'rejected')) continue;
    out.push({
      subject: i.subject,
      atMs: i.atMs,
      label: i.status === 'approved' ? 1 : 0,
      ...(i.verdictReason === undefined ? {} : { reason: i.verdictReason }),
    });
  }
  return out.sort((a, b) =>
    a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.atMs - b.atMs,
  );
}
