/**
 * @module
 * Time is a port. The domain never reads the wall clock: it is handed a `Clock`. The real clock
 * is constructed in app/; tests and simulations use `VirtualClock`, so a day replays in seconds.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** A clock that moves only when told to. */
export class VirtualClock implements Clock {
  #nowMs: number;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Moves time forward by `deltaMs` (must be >= 0). */
  advance(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new RangeError(`advance: deltaMs must be >= 0, got ${deltaMs}`);
    this.#nowMs += deltaMs;
  }

  set(nowMs: number): void {
    this.#nowMs = nowMs;
  }
}
