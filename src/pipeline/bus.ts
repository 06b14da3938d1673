/**
 * @module
 * The telemetry bus: what carries an acknowledged batch from ingest to everything that reacts to
 * new data (live queries, detectors, alerting). The default engine is in-process; a NATS
 * JetStream engine can implement the same interface when opsight is scaled out.
 *
 * Contract (bus.contract.ts checks it for every engine):
 * - `publish` is called only after the batch is durable in the store, so a subscriber never sees
 *   data that a restart would lose.
 * - Every subscriber gets every batch published after it subscribed, in publish order.
 * - A subscriber that throws or rejects never stops delivery to the others and never makes
 *   `publish` fail; the engine reports it through `onSubscriberError`.
 * - The function returned by `subscribe` removes the subscriber; calling it twice is harmless.
 */
import type { SampleBatch } from '../contract/index.ts';

/** One published batch with when it was published (by the injected clock), in ms. */
export interface BusMessage {
  readonly batch: SampleBatch;
  readonly publishedAtMs: number;
}

export type BusSubscriber = (message: BusMessage) => void | Promise<void>;

export interface Bus {
  /** Delivers the batch to every current subscriber. Resolves once all were handed it. */
  publish(batch: SampleBatch): Promise<void>;
  /** Adds a subscriber; returns the function that removes it. */
  subscribe(fn: BusSubscriber): () => void;
  /** Stops delivery and drops all subscribers. */
  close(): Promise<void>;
}
