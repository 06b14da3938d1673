/**
 * @module
 * The single-process bus: synchronous fan-out to in-memory subscribers. A subscriber's error is
 * isolated (caught, reported through `onSubscriberError`) so one broken consumer cannot stop
 * ingest or starve the others.
 */
import type { Clock, SampleBatch } from '../contract/index.ts';
import type { Bus, BusMessage, BusSubscriber } from './bus.ts';

export interface InProcessBusOptions {
  /** Where subscriber failures go (a logger in production). Default: ignored. */
  readonly onSubscriberError: (err: unknown) => void;
  /** Stamps `publishedAtMs`. Default: a clock that always reads 0 (tests pass a VirtualClock). */
  readonly clock: Clock;
}

export function defaultInProcessBusOptions(): InProcessBusOptions {
  return {
    onSubscriberError: () => {
      // Deliberately ignored by default: the composition root passes a logger.
    },
    clock: { nowMs: () => 0 },
  };
}

export class InProcessBus implements Bus {
  readonly #subscribers = new Set<{ fn: BusSubscriber }>();
  readonly #options: InProcessBusOptions;
  #closed = false;

  constructor(options: Partial<InProcessBusOptions> = {}) {
    this.#options = { ...defaultInProcessBusOptions(), ...options };
  }

  /** How many subscribers are attached (tests use it to prove live streams clean up). */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async publish(batch: SampleBatch): Promise<void> {
    if (this.#closed) return;
    const message: BusMessage = { batch, publishedAtMs: this.#options.clock.nowMs() };
    // Snapshot: a subscriber that unsubscribes (or subscribes) during delivery does not change
    // who receives this message.
    const pending: Promise<void>[] = [];
    for (const sub of [...this.#subscribers]) {
      try {
        const r = sub.fn(message);
        if (r !== undefined) pending.push(r.catch((err: unknown) => this.#report(err)));
      } catch (err) {
        this.#report(err);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
  }

  subscribe(fn: BusSubscriber): () => void {
    // Wrapped so that subscribing the same function twice yields two independent entries.
    const entry = { fn };
    if (!this.#closed) this.#subscribers.add(entry);
    return () => {
      this.#subscribers.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
  }

  #report(err: unknown): void {
    try {
      this.#options.onSubscriberError(err);
    } catch {
      // The error reporter itself failed; nothing sensible is left to do with the error.
    }
  }
}

/** Creates the in-process bus (the default engine). */
export function createInProcessBus(options: Partial<InProcessBusOptions> = {}): InProcessBus {
  return new InProcessBus(options);
}
