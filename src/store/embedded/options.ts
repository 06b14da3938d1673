/**
 * @module
 * Options of the embedded engine. The composition root fills them from config; tests and the
 * benchmark call `defaultEmbeddedStoreOptions()` and override what they need.
 */
import type { Clock } from '../../contract/index.ts';

/** The subset of a pino logger the store uses (pino's Logger satisfies it). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface EmbeddedStoreOptions {
  /** Directory holding the WAL, segment files and the series index; created if missing. */
  readonly dataDir: string;
  /** Raw samples and rollups older than this (relative to clock.nowMs()) are dropped. */
  readonly retentionMs: number;
  readonly clock: Clock;
  readonly logger?: StoreLogger;
  /** Samples per series a head chunk collects before it is sealed (cut at a minute boundary). */
  readonly chunkSamples?: number;
  /** Persist sealed chunks (and checkpoint the WAL) once the WAL exceeds this many bytes. */
  readonly walCheckpointBytes?: number;
  /** Period of the maintenance pass (retention, persistence); 0 disables the timer. */
  readonly maintenanceIntervalMs?: number;
  /** Memory for cached chunk and rollup bytes read from segment files. */
  readonly cacheBytes?: number;
}

export const DAY_MS = 86_400_000;

export function defaultEmbeddedStoreOptions(): EmbeddedStoreOptions {
  return {
    dataDir: './data',
    retentionMs: 30 * DAY_MS,
    clock: { nowMs: () => Date.now() },
    chunkSamples: 120,
    walCheckpointBytes: 256 * 1024 * 1024,
    maintenanceIntervalMs: 60_000,
    cacheBytes: 64 * 1024 * 1024,
  };
}

export const noopLogger: StoreLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
};
