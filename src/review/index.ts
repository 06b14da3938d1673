/** @module Human review: seeded sampling of events into a queue people work through (pure). */
export {
  type AnomalyVerdictLabel,
  anomalyLabels,
  checkReviewRate,
  DEFAULT_REVIEW_RATE,
  hashUnit,
  MAX_REVIEW_RATE,
  MIN_REVIEW_RATE,
  REVIEW_STATUSES,
  REVIEW_STREAMS,
  type ReviewCandidate,
  type ReviewItem,
  ReviewQueue,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from './queue.ts';
