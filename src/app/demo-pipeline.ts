/**
 * @module
 * The demo's data pipeline: the pipeline simulator run one cycle per second of wall time, its
 * telemetry ingested through the same decode → append → publish path as POST /api/v1/events (so
 * the pipeline health runtime judges it from telemetry, as it would a real pipeline), and its live
 * completed events offered to the review queue (which samples 0.5-2 % of them). At start it backfills the current hour: the
 * run is anchored at the top of the hour, so a restart within the hour regenerates identical
 * values and re-appending them is idempotent.
 */
import type { Clock, SampleBatch } from '../contract/index.ts';
import { decodeEventArray, defaultIngestLimits } from '../ingest/index.ts';
import type { Bus, ReviewRuntime } from '../pipeline/index.ts';
import {
  createPipelineSimulator,
  type PipelineCycle,
  type PipelineDisturbance,
  type PipelineSimulator,
  pipelineCycleEvents,
} from '../simulate/index.ts';
import type { Store } from '../store/index.ts';
import type { Logger } from './logger.ts';

export interface DemoPipelineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly seed: number;
  readonly name: string;
  readonly maxSeriesPerMetric: number;
  readonly review?: ReviewRuntime;
}

export interface RunningDemoPipeline {
  names(): string[];
  inject(name: string, kind: 'spike' | 'degradation', cycles: number): PipelineDisturbance;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
/** Cycles per ingested batch while backfilling. */
const BACKFILL_CYCLES = 120;

export async function startDemoPipeline(o: DemoPipelineOptions): Promise<RunningDemoPipeline> {
  const nowMs = o.clock.nowMs();
  const startMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const sim: PipelineSimulator = createPipelineSimulator({ seed: o.seed, startMs, name: o.name });

  const ingest = async (cycles: readonly PipelineCycle[], live: boolean): Promise<void> => {
    if (cycles.length === 0) return;
    const events = cycles.flatMap((c) => pipelineCycleEvents(o.name, c));
    const decoded = decodeEventArray(events, {
      ...defaultIngestLimits(o.clock.nowMs()),
      maxItemsPerBatch: Math.max(events.length, 1),
    });
    if (!decoded.ok) {
      o.logger.error(
        { err: decoded.error, items: decoded.error.items.slice(0, 5) },
        'demo pipeline produced invalid events',
      );
      return;
    }
    const batch: SampleBatch = decoded.batch;
    await o.store.append(batch, { maxSeriesPerMetric: o.maxSeriesPerMetric });
    await o.bus.publish(batch);
    // Only live events go to review: a person reviews what is happening, not the backfill.
    if (live && o.review !== undefined) {
      for (const c of cycles) {
        for (const e of c.events) {
          const slow = e.latencyCycles > 10;
          void o.review.offer({
            stream: 'pipeline',
            itemId: `${o.name}#${e.id}`,
            subject: `${o.name} ${e.signal}`,
            atMs: c.timestampMs,
            reason: slow
              ? `audit sample; slow: ${e.latencyCycles} cycles end to end (SLO 10)`
              : 'audit sample of processed events',
            data: {
              pipeline: o.name,
              event_id: e.id,
              signal: e.signal,
              latency_cycles: e.latencyCycles,
              arrived_at: new Date(
                sim.startMs + e.arrivedCycle * sim.options.cycleMs,
              ).toISOString(),
            },
          });
        }
      }
    }
  };

  // Backfill the hour so far in slices.
  let pending: PipelineCycle[] = [];
  for (const c of sim.runUntil(nowMs)) {
    pending.push(c);
    if (pending.length >= BACKFILL_CYCLES) {
      await ingest(pending, false);
      pending = [];
    }
  }
  await ingest(pending, false);
  o.logger.info(
    { pipeline: o.name, cycles: sim.cycle, seed: o.seed },
    'demo pipeline backfilled the current hour',
  );

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await ingest(sim.runUntil(o.clock.nowMs()), true);
      } catch (err) {
        o.logger.warn({ err }, 'demo pipeline tick failed');
      }
    });
  };
  const timer = setInterval(tick, Math.min(sim.options.cycleMs, 1_000));
  return {
    names: () => [o.name],
    inject: (name, kind, cycles) => {
      if (name !== o.name) throw new RangeError(`no demo pipeline ${name}`);
      return sim.inject(kind, cycles);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
