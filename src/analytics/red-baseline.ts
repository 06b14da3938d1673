/**
 * @module
 * What "normal" is for one endpoint (or service) of the RED metrics: an EWMA of its latency and
 * error rate, learned from closed event-time buckets in bucket order (docs/red-metrics.md,
 * "Baselines"). The first `warmupBuckets` buckets are averaged plainly (an EWMA started from the
 * first bucket would overweight it) and the baseline is not exposed until then. After warm-up a
 * bucket that is itself anomalous does not update the baseline, so an incident does not teach
 * opsight that the incident is normal:
 *   anomalous ⇔ latency > latencyFactor × baseline latency
 *              or error rate > baseline error rate + errorRateDelta.
 *
 * Worked example (alpha 0.5, warm-up 2, factor 3, delta 0.1): latencies 100, 200 → warm mean 150;
 * 600 > 3 × 150 → skipped; 50 → 0.5 × 150 + 0.5 × 50 = 100.
 *
 * The default `latencyFactor` is `LATENCY_ANOMALY_RATIO`, the same ratio at which the incident
 * engine's endpoint check calls latency anomalous (src/incidents/endpoint-detector.ts imports it).
 * With a looser factor here (it was 3) a 2–3× slowdown was both "an incident" for the detector
 * and "normal" for the baseline: the EWMA absorbed the step before the one-minute mean reached
 * twice the baseline, so the detector never fired (docs/aiops.md, the `audit` delay miss).
 */

/**
 * Latency above this many times its baseline is anomalous: the single threshold shared by the RED
 * baseline (such buckets are not learned) and the endpoint latency check (such windows raise).
 */
export const LATENCY_ANOMALY_RATIO = 2;

export interface RedBaselineOptions {
  /** EWMA weight of a new bucket after warm-up. Default 0.1 (about the last 10 buckets). */
  readonly alpha: number;
  /** Buckets averaged before the baseline is exposed. Default 6 (one minute of 10 s buckets). */
  readonly warmupBuckets: number;
  /** A bucket slower than this many times the baseline does not update it. Default `LATENCY_ANOMALY_RATIO` (2). */
  readonly latencyFactor: number;
  /** A bucket whose error rate exceeds the baseline by more than this does not update it. Default 0.1. */
  readonly errorRateDelta: number;
}

export function defaultRedBaselineOptions(): RedBaselineOptions {
  return {
    alpha: 0.1,
    warmupBuckets: 6,
    latencyFactor: LATENCY_ANOMALY_RATIO,
    errorRateDelta: 0.1,
  };
}

/** The learned values; undefined while warming up. */
export interface BaselineValue {
  readonly latencyMs: number;
  readonly errorRate: number;
}

export class RedBaseline {
  readonly #o: RedBaselineOptions;
  #n = 0;
  #latencyMs = 0;
  #errorRate = 0;

  constructor(options: RedBaselineOptions) {
    this.#o = options;
  }

  /** The baseline once warm, else undefined. */
  value(): BaselineValue | undefined {
    return this.#n >= this.#o.warmupBuckets
      ? { latencyMs: this.#latencyMs, errorRate: this.#errorRate }
      : undefined;
  }

  /** True when a bucket with these values would be judged anomalous (never while warming up). */
  isAnomalous(latencyMs: number, errorRate: number): boolean {
    const b = this.value();
    if (b === undefined) return false;
    return (
      latencyMs > this.#o.latencyFactor * b.latencyMs ||
      errorRate > b.errorRate + this.#o.errorRateDelta
    );
  }

  /**
   * Learns from one closed bucket with requests (callers skip empty buckets). Returns false when
   * the bucket was anomalous and so ignored.
   */
  update(latencyMs: number, errorRate: number): boolean {
    if (this.isAnomalous(latencyMs, errorRate)) return false;
    this.#n++;
    if (this.#n <= this.#o.warmupBuckets) {
      this.#latencyMs += (latencyMs - this.#latencyMs) / this.#n;
      this.#errorRate += (errorRate - this.#errorRate) / this.#n;
    } else {
      const a = this.#o.alpha;
      this.#latencyMs += a * (latencyMs - this.#latencyMs);
      this.#errorRate += a * (errorRate - this.#errorRate);
    }
    return true;
  }
}
