/**
 * @module
 * Messages between the main thread (detection-offload.ts) and the detection thread
 * (detection-thread.ts). Series cross once as `[id, key, metric, labels]` and are then named by
 * a small integer id the main thread assigns; samples cross as one transferred Float64Array per
 * message, so the structured clone stays small.
 */
import type { Anomaly, Labels, SampleBatch } from '../contract/index.ts';

/** What the thread is created with (`workerData`). */
export interface ThreadInit {
  readonly stateDir: string | undefined;
  readonly bandStepMs: number;
  readonly seriesPerFile: number;
  readonly maxDerivedSeriesPerMetric: number;
  readonly nowMs: number;
  /** Element 0 becomes 1 when the main thread closes: queued batches are then skipped. */
  readonly stop: Int32Array;
}

/** A series as the thread knows it. */
export interface KeyedSeriesRef {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
}

/** A series the thread has not seen under this id yet. */
export type AddedSeries = readonly [id: number, key: string, metric: string, labels: Labels];

export type ToThread =
  | {
      readonly type: 'batch';
      readonly arrivalMs: number;
      readonly added: readonly AddedSeries[];
      /** Ids the main thread evicted (before `added`, which may reuse them). */
      readonly dropped: readonly number[];
      /** Pairs (id, sample count), one per series. */
      readonly index: Uint32Array;
      /** Per series in `index` order: its timestamps, then its values. */
      readonly data: Float64Array;
      readonly samples: number;
    }
  | { readonly type: 'check'; readonly nowMs: number; readonly req: number }
  | { readonly type: 'snapshot'; readonly nowMs: number; readonly req: number }
  | { readonly type: 'sync'; readonly req: number }
  | { readonly type: 'close'; readonly nowMs: number; readonly req: number };

export interface ThreadStats {
  readonly samplesScored: number;
  readonly samplesSkipped: number;
  readonly anomalies: number;
}

/** Floats per estimate row: timestampMs, value, score, isAnomaly, expected, lower, upper. */
export const ESTIMATE_STRIDE = 7;

export type FromThread =
  | { readonly type: 'ready'; readonly restored: readonly (readonly [string, string, Labels])[] }
  | {
      readonly type: 'scored';
      /** Whether this answers a batch (else a silence check). */
      readonly batch: boolean;
      /** Samples of the batch this answers (0 for a silence check). */
      readonly samples: number;
      readonly derived: SampleBatch | undefined;
      readonly anomalies: readonly Anomaly[];
      /** Series ids of the estimate rows. */
      readonly estIds: Uint32Array;
      readonly est: Float64Array;
      readonly estDetectors: readonly string[];
      readonly stats: ThreadStats;
    }
  | { readonly type: 'done'; readonly req: number; readonly error?: string }
  | {
      readonly type: 'log';
      readonly level: 'info' | 'warn' | 'error';
      readonly obj: Record<string, unknown>;
      readonly msg: string;
    };
