/** @module The real clock; the only place that reads the wall clock. */
import type { Clock } from '../contract/index.ts';

export const systemClock: Clock = { nowMs: () => Date.now() };
