/**
 * @module
 * The demo: the cloud-service simulator streamed into the store in real time, through the same
 * decode → append → publish path as HTTP ingest, so what the dashboard shows is exactly what an
 * external producer would get. On start it backfills recent history so charts are not empty.
 */
import type { Clock, SampleBatch } from '../contract/index.ts';
import { decodeEventArray, defaultIngestLimits } from '../ingest/index.ts';
import type { Bus } from '../pipeline/index.ts';
import { createCloudSimulator } from '../simulate/index.ts';
import type { Store } from '../store/index.ts';
import type { Logger } from './logger.ts';

export interface DemoOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly seed: number;
  readonly services: number;
  readonly intervalMs: number;
  /** How much history to generate at start, ending now. */
  readonly backfillMs: number;
  readonly maxSeriesPerMetric: number;
}

export interface RunningDemo {
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Backfill in slices of this length so each batch stays far below the ingest item limit. */
const BACKFILL_SLICE_MS = 30 * 60_000;

/**
 * The demo shop runs real services named frontend, checkout, payment, inventory and shipping —
 * the simulator's default names. In the demo the simulated services play the platform around the
 * shop under their own names, so the overview never adds the two together.
 */
const DEMO_SERVICE_NAMES = ['gateway', 'orders', 'billing', 'search', 'notifications'];

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const nowMs = o.clock.nowMs();
  // Anchor the run at a UTC midnight so a restart on the same day regenerates identical values
  // (the simulator is a pure function of options and time): re-appending them is idempotent.
  const startMs = Math.floor((nowMs - o.backfillMs) / DAY_MS) * DAY_MS;
  const sim = createCloudSimulator({
    seed: o.seed,
    startMs,
    durationMs: Number.POSITIVE_INFINITY,
    intervalMs: o.intervalMs,
    services: o.services,
    names: DEMO_SERVICE_NAMES,
    // A demo should show trouble soon: more incidents than the simulator's default 4 a day.
    incidentsPerDay: 12,
    incidentWarmupMs: 0,
  });

  const ingest = async (fromMs: number, toMs: number): Promise<number> => {
    const events = sim.eventsBetween(fromMs, toMs);
    if (events.length === 0) return 0;
    const decoded = decodeEventArray(events, defaultIngestLimits(o.clock.nowMs()));
    if (!decoded.ok) {
      // A simulator bug, not user input: say so loudly and keep the server running.
      o.logger.error(
        { err: decoded.error, items: decoded.error.items.slice(0, 5) },
        'demo produced invalid events',
      );
      return 0;
    }
    await appendAndPublish(decoded.batch);
    return decoded.samples;
  };
  const appendAndPublish = async (batch: SampleBatch): Promise<void> => {
    await o.store.append(batch, { maxSeriesPerMetric: o.maxSeriesPerMetric });
    await o.bus.publish(batch);
  };

  let cursorMs = Math.max(startMs, nowMs - o.backfillMs);
  cursorMs -= cursorMs % o.intervalMs;
  let backfilled = 0;
  while (cursorMs < nowMs) {
    const toMs = Math.min(nowMs, cursorMs + BACKFILL_SLICE_MS);
    backfilled += await ingest(cursorMs, toMs);
    cursorMs = toMs;
  }
  o.logger.info(
    { services: o.services, seed: o.seed, samples: backfilled, fromMs: nowMs - o.backfillMs },
    'demo backfilled recent history',
  );

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = running.then(async () => {
      if (stopped) return;
      const toMs = o.clock.nowMs();
      if (toMs <= cursorMs) return;
      try {
        await ingest(cursorMs, toMs);
        cursorMs = toMs;
      } catch (err) {
        // Keep the cursor: the next tick retries the same range (appends are idempotent).
        o.logger.warn({ err }, 'demo tick failed; will retry');
      }
    });
  };
  const timer = setInterval(tick, Math.min(o.intervalMs, 1_000));
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
