/**
 * @module
 * The listener set every runtime keeps (`onSpans`, `onReading`, `onItem`, `onUpdate`, `onWindow`,
 * `onChange`): adding returns the function that removes it, the same function added twice is two
 * entries, and a listener that throws is reported and never keeps the others from being called.
 */
export class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();
  readonly #onError: (err: unknown) => void;

  /** `onError` gets what a listener threw (typically: log it). */
  constructor(onError: (err: unknown) => void) {
    this.#onError = onError;
  }

  /** Adds `listener`; returns the function that removes it (calling it twice is harmless). */
  add(listener: (...args: A) => void): () => void {
    const entry = (...args: A): void => listener(...args);
    this.#set.add(entry);
    return () => {
      this.#set.delete(entry);
    };
  }

  get size(): number {
    return this.#set.size;
  }

  /** Calls every listener present now, in the order they were added. */
  emit(...args: A): void {
    for (const l of [...this.#set]) {
      try {
        l(...args);
      } catch (err) {
        this.#onError(err);
      }
    }
  }

  clear(): void {
    this.#set.clear();
  }
}
