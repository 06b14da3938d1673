/**
 * @module
 * The human review queue, persisted: candidates offered from any stream (fleet readings, pipeline
 * events, anomalies) are sampled by the pure ReviewQueue; sampled items and every verdict are
 * written to the state store (collection `review-items`, counters in `review-meta`) before they
 * are announced, so a restart loses nothing a reviewer saw. docs/review.md.
 */
import type { Anomaly, Clock, Labels } from '../contract/index.ts';
import {
  type AnomalyVerdictLabel,
  anomalyLabels,
  type ReviewCandidate,
  type ReviewItem,
  ReviewQueue,
  type ReviewStats,
  type ReviewStatus,
  type ReviewStream,
} from '../review/index.ts';
import type { DocumentCollection, StateStore } from '../store/index.ts';
import { Listeners } from './listeners.ts';

export const REVIEW_ITEMS_COLLECTION = 'review-items';
export const REVIEW_META_COLLECTION = 'review-meta';

export interface ReviewRuntimeOptions {
  readonly seed: number;
  /** 0.005..0.02. */
  readonly rate: number;
}

export interface ReviewLogger {
  error(obj: object, msg: string): void;
}

export type ReviewListener = (item: ReviewItem) => void;

/** A reviewed anomaly's verdict with the series it belongs to. */
export interface SeriesVerdictLabel extends AnomalyVerdictLabel {
  readonly metric: string;
  readonly labels: Labels;
}

interface Meta {
  seen: number;
  sampled: number;
}

export class ReviewRuntime {
  readonly queue: ReviewQueue;
  readonly #items: DocumentCollection<ReviewItem>;
  readonly #meta: DocumentCollection<Meta>;
  readonly #clock: Clock;
  readonly #logger: ReviewLogger;
  readonly #listeners: Listeners<[ReviewItem]>;
  /** Writes in order; each resolves when durable. */
  #writes: Promise<unknown> = Promise.resolve();
  #metaDirty = false;

  private constructor(
    state: StateStore,
    clock: Clock,
    logger: ReviewLogger,
    options: ReviewRuntimeOptions,
  ) {
    this.queue = new ReviewQueue({ seed: options.seed, rate: options.rate });
    this.#items = state.collection<ReviewItem>(REVIEW_ITEMS_COLLECTION);
    this.#meta = state.collection<Meta>(REVIEW_META_COLLECTION);
    this.#clock = clock;
    this.#logger = logger;
    this.#listeners = new Listeners((err) => logger.error({ err }, 'review listener failed'));
  }

  static async open(
    deps: { state: StateStore; clock: Clock; logger: ReviewLogger },
    options: ReviewRuntimeOptions,
  ): Promise<ReviewRuntime> {
    const rt = new ReviewRuntime(deps.state, deps.clock, deps.logger, options);
    const items = await rt.#items.list();
    const meta = await rt.#meta.get('counters');
    rt.queue.restore(
      items.map((d) => d.doc),
      meta,
    );
    return rt;
  }

  onItem(listener: ReviewListener): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Offers a candidate; when sampled it is persisted, then announced. Returns the item (or
   * undefined when not sampled). Never throws: a failed write is logged.
   */
  offer(c: ReviewCandidate): Promise<ReviewItem | undefined> {
    const item = this.queue.offer(c, this.#clock.nowMs());
    this.#metaDirty = true;
    if (item === undefined) return Promise.resolve(undefined);
    return this.#persist(item).then(
      () => item,
      (err: unknown) => {
        this.#logger.error({ err, id: item.id }, 'review item could not be saved');
        return undefined;
      },
    );
  }

  /** An anomaly as a review candidate (the detector's reason is why a person should look). */
  offerAnomaly(a: Anomaly): Promise<ReviewItem | undefined> {
    const subject = seriesName(a.metric, a.labels);
    return this.offer({
      stream: 'anomaly',
      itemId: `${subject}@${a.timestampMs}`,
      subject,
      atMs: a.timestampMs,
      reason: `anomaly (score ${a.score.toFixed(2)}, ${a.detector}): ${a.reason}`,
      data: {
        metric: a.metric,
        labels: a.labels,
        value: a.value,
        expected: a.expected,
        lower: a.lower,
        upper: a.upper,
        score: a.score,
        detector: a.detector,
      },
    });
  }

  async claim(id: string, by: string): Promise<ReviewItem> {
    const item = this.queue.claim(id, by, this.#clock.nowMs());
    await this.#persist(item);
    return item;
  }

  async approve(id: string, by: string, reason?: string): Promise<ReviewItem> {
    const item = this.queue.approve(id, by, reason, this.#clock.nowMs());
    await this.#persist(item);
    return item;
  }

  async reject(id: string, by: string, reason: string): Promise<ReviewItem> {
    const item = this.queue.reject(id, by, reason, this.#clock.nowMs());
    await this.#persist(item);
    return item;
  }

  list(
    f: { status?: readonly ReviewStatus[]; stream?: readonly ReviewStream[]; limit?: number } = {},
  ): ReviewItem[] {
    return this.queue.list(f);
  }

  get(id: string): ReviewItem | undefined {
    return this.queue.get(id);
  }

  stats(): ReviewStats {
    return this.queue.stats();
  }

  /** Verdicts on anomalies, with their series, for `opsight review export` and eval. */
  anomalyLabels(): SeriesVerdictLabel[] {
    const bySubject = new Map<string, ReviewItem>();
    for (const i of this.queue.list({ stream: ['anomaly'] }))
      bySubject.set(`${i.subject}@${i.atMs}`, i);
    return anomalyLabels(this.queue.list({ stream: ['anomaly'] })).map((l) => {
      const item = bySubject.get(`${l.subject}@${l.atMs}`);
      const data = (item?.data ?? {}) as { metric?: string; labels?: Labels };
      return { ...l, metric: data.metric ?? l.subject, labels: data.labels ?? {} };
    });
  }

  #persist(item: ReviewItem): Promise<void> {
    const write = this.#writes.then(async () => {
      await this.#items.put(item.id, item);
      if (this.#metaDirty) {
        this.#metaDirty = false;
        await this.#meta.put('counters', this.queue.counters());
      }
    });
    this.#writes = write.catch(() => undefined);
    return write.then(() => this.#listeners.emit(item));
  }

  /** Saves the seen/sampled counters and waits for pending writes. */
  async close(): Promise<void> {
    await this.#writes;
    await this.#meta.put('counters', this.queue.counters());
  }
}

/** `metric{a="1",b="2"}` with labels sorted: a readable, stable series name. */
export function seriesName(metric: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return metric;
  return `${metric}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}
