/**
 * @module
 * Samples accepted per second over the trailing minute, for the overview's `ingestRate`. Counts
 * are kept in 60 one-second buckets (a ring), so memory is constant whatever the ingest rate.
 */

const BUCKETS = 60;
const BUCKET_MS = 1_000;

export class IngestRateMeter {
  readonly #counts = new Float64Array(BUCKETS);
  readonly #seconds = new Float64Array(BUCKETS).fill(Number.NEGATIVE_INFINITY);

  /** Adds `samples` accepted at `nowMs`. */
  record(nowMs: number, samples: number): void {
    const second = Math.floor(nowMs / BUCKET_MS);
    const i = ((second % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#counts[i] = 0;
    }
    this.#counts[i] = (this.#counts[i] as number) + samples;
  }

  /** Mean samples per second over the 60 whole seconds before the current one. */
  ratePerSecond(nowMs: number): number {
    const current = Math.floor(nowMs / BUCKET_MS);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.#seconds[i] as number;
      if (s >= current - BUCKETS && s < current) sum += this.#counts[i] as number;
    }
    return sum / BUCKETS;
  }
}
