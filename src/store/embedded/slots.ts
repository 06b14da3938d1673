/**
 * @module
 * Turning the embedded engine's data into executor slots: raw samples at any step, and (for
 * steps that are whole minutes) stored 1-minute rollups with raw samples at the edges.
 */
import { rawSlots, type SlotColumns } from '../../analytics/index.ts';
import type { SlotRequest } from '../range-query.ts';
import type { RawRange } from './query.ts';

/** Slots of width `widthMs` from raw samples (split at the request's fromMs). */
export function rawSlotsFor(
  raw: RawRange,
  request: SlotRequest,
  widthMs: number,
  out: SlotColumns,
): void {
  rawSlots(out, raw.ts, raw.vals, 0, raw.n, widthMs, request.fromMs, request.needs);
}
