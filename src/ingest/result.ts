/**
 * @module
 * What every decoder returns: a value, never a throw. Bad input is a list of problem items (index,
 * field, reason) wrapped in an OpsError the server renders as problem+json; a batch is atomic, so
 * a failure carries no samples at all.
 */
import { type ErrorCode, OpsError, type ProblemItem, type SampleBatch } from '../contract/index.ts';

export interface DecodeSuccess {
  readonly ok: true;
  /** Samples grouped by series, one entry per distinct series in the request. */
  readonly batch: SampleBatch;
  /** Items the request held (events, time series, or non-blank non-comment lines). */
  readonly items: number;
  /** Samples in `batch`. */
  readonly samples: number;
  /**
   * Values dropped by a documented rule, not an error: Prometheus stale markers and native
   * histograms, line-protocol string fields.
   */
  readonly skipped: number;
}

export interface DecodeFailure {
  readonly ok: false;
  readonly error: OpsError;
}

export type DecodeResult = DecodeSuccess | DecodeFailure;

export function decodeFailure(
  code: ErrorCode,
  detail: string,
  items: readonly ProblemItem[] = [],
): DecodeFailure {
  return { ok: false, error: new OpsError(code, detail, { items }) };
}

/**
 * Collects problem items for one request, keeping at most `maxListed` but counting all, so a
 * 50,000-item batch of garbage yields a readable answer that still says how much was wrong.
 */
export class ProblemList {
  readonly #maxListed: number;
  readonly #items: ProblemItem[] = [];
  #badItems = 0;
  #lastBadIndex = -1;
  #problems = 0;

  constructor(maxListed: number) {
    this.#maxListed = maxListed;
  }

  add(index: number, field: string, reason: string): void {
    this.#problems++;
    if (index !== this.#lastBadIndex) {
      this.#badItems++;
      this.#lastBadIndex = index;
    }
    if (this.#items.length < this.#maxListed) {
      this.#items.push({
        index,
        field: clip(field, MAX_FIELD_CHARS),
        reason: clip(reason, MAX_REASON_CHARS),
      });
    }
  }

  get empty(): boolean {
    return this.#problems === 0;
  }

  /** The INGEST_INVALID_BATCH failure for a request of `total` items of the given noun. */
  failure(total: number, noun: string): DecodeFailure {
    const listed =
      this.#items.length < this.#problems
        ? ` (the first ${this.#items.length} of ${this.#problems} problems are listed)`
        : '';
    const detail = `${this.#badItems} of ${total} ${noun} ${this.#badItems === 1 ? 'is' : 'are'} invalid; the batch was rejected as a whole and nothing was stored${listed}`;
    return decodeFailure('INGEST_INVALID_BATCH', detail, this.#items);
  }
}

export function tooLarge(count: number, noun: string, limit: number): DecodeFailure {
  return decodeFailure(
    'INGEST_BATCH_TOO_LARGE',
    `the batch holds ${count} ${noun}; the limit is ${limit} per request, so split it into smaller batches`,
  );
}

/**
 * Field paths and reasons quote names from the request; a 1 MB tag name must not come back 1,000
 * times. Longer text is cut, with an ellipsis.
 */
const MAX_FIELD_CHARS = 200;
const MAX_REASON_CHARS = 600;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
