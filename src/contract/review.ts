/**
 * @module
 * What the human review API answers (docs/review.md): items sampled for review, their verdicts
 * and the queue's stats. Sampled and worked through by review/; the dashboard reads the same
 * shapes. This file imports nothing, so the dashboard may take its value lists too.
 */

export const REVIEW_STREAMS = ['pipeline', 'fleet', 'anomaly'] as const;
export type ReviewStream = (typeof REVIEW_STREAMS)[number];

export const REVIEW_STATUSES = ['pending', 'claimed', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface ReviewCandidate {
  readonly stream: ReviewStream;
  /** Unique within the stream (an event id, `vehicle@ts`, an anomaly's series and time). */
  readonly itemId: string;
  /** What the item is about, for lists: a vehicle, a pipeline stage, a series. */
  readonly subject: string;
  /** Event time of the data point. */
  readonly atMs: number;
  /** Why a person should look, e.g. "random 1% sample", "anomaly score 0.91: latency 5× baseline". */
  readonly reason: string;
  /** The data point itself (JSON). */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ReviewItem extends ReviewCandidate {
  /** `<stream>:<itemId>`. */
  readonly id: string;
  readonly status: ReviewStatus;
  readonly sampledAtMs: number;
  readonly claimedBy?: string;
  readonly claimedAtMs?: number;
  readonly reviewedBy?: string;
  readonly reviewedAtMs?: number;
  /** Why it was rejected (required) or approved (optional). */
  readonly verdictReason?: string;
}

export interface ReviewStats {
  readonly pending: number;
  readonly claimed: number;
  readonly reviewed: number;
  readonly approved: number;
  readonly rejected: number;
  /** rejected / reviewed (0 with none reviewed). */
  readonly rejectionRate: number;
  /** From sampled to verdict, ms (undefined with none reviewed). */
  readonly medianTimeToReviewMs?: number;
  readonly p90TimeToReviewMs?: number;
  readonly byStream: Readonly<
    Record<ReviewStream, { pending: number; reviewed: number; rejected: number }>
  >;
  readonly sampled: number;
  readonly seen: number;
  readonly rate: number;
}
