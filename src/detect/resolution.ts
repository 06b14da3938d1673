/**
 * @module
 * A series' own resolution: the smallest non-zero step between consecutive samples it has
 * shown (its quantum). Counts step by 1, a rate of "errors per 100 s" by 0.01, a percentage
 * rounded to one decimal by 0.1. A series that sits at one value almost all the time has a
 * learned spread of ~0, so without a floor its band collapses to ±1e-9 and a single quantum
 * step (one error) scores millions of σ. Every detector widens its band to at least
 * `resolutionQuanta` quanta (default 3), so a departure of one or two quanta is never an
 * anomaly on its own while a real jump (many quanta) still is. Unit-free: the floor is in the
 * series' own steps.
 *
 * The quantum is learned from samples *before* the one being scored (a first step cannot set
 * its own floor), steps below 1e-9 of the values' magnitude are float noise and ignored, and
 * it only ever shrinks (a smaller step, once seen, is a real resolution of the series).
 */

/** Default band floor in quanta: departures smaller than this many quanta never fire. */
export const DEFAULT_RESOLUTION_QUANTA = 3;

/** Relative size under which a step is float noise, not resolution. */
const FLOAT_NOISE = 1e-9;

export class Resolution {
  /** Smallest non-zero step seen; 0 while none has been seen. */
  quantum = 0;
  #last = 0;
  #has = false;

  /** Learns from one sample (call after scoring it). */
  observe(value: number): void {
    const last = this.#last;
    this.#last = value;
    if (!this.#has) {
      this.#has = true;
      return;
    }
    // Hot path (every sample of every part): most steps are not a new smallest one.
    const step = value > last ? value - last : last - value;
    const q = this.quantum;
    if (step === 0 || (q !== 0 && step >= q)) return;
    const a = value < 0 ? -value : value;
    const b = last < 0 ? -last : last;
    if (step > FLOAT_NOISE * (a > b ? a : b)) this.quantum = step;
  }

  /** Three plain numbers for a detector's serialized data. */
  save(): number[] {
    return [this.quantum, this.#last, this.#has ? 1 : 0];
  }

  /**
   * Loads what `save` wrote at `data[at..at+2]`; state written before the resolution existed
   * (shorter data) loads as "nothing seen yet", so old snapshots still restore.
   */
  load(data: readonly number[], at: number): void {
    const q = data[at];
    const last = data[at + 1];
    const has = data[at + 2];
    const ok =
      typeof q === 'number' &&
      Number.isFinite(q) &&
      q >= 0 &&
      typeof last === 'number' &&
      Number.isFinite(last);
    this.quantum = ok ? q : 0;
    this.#last = ok ? last : 0;
    this.#has = ok && has === 1;
  }
}
