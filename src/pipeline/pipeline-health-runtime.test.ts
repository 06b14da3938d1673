import { describe, expect, it } from 'vitest';
import { PipelineMonitor } from '../analytics/index.ts';
import type { SampleBatch } from '../contract/index.ts';
import { decodeEventArray, defaultIngestLimits } from '../ingest/index.ts';
import {
  createPipelineSimulator,
  latencyHistogram,
  PIPELINE_LATENCY_BUCKETS,
  type PipelineCycle,
  pipelineCycleEvents,
} from '../simulate/index.ts';
import { PipelineHealthRuntime } from './pipeline-health-runtime.ts';

const T0 = Date.UTC(2026, 0, 1);

function batchOf(cycles: readonly PipelineCycle[]): SampleBatch {
  const events = cycles.flatMap((c) => pipelineCycleEvents('signals', c));
  const decoded = decodeEventArray(events, {
    ...defaultIngestLimits(T0),
    maxItemsPerBatch: 1e9,
    retentionMs: 1e12,
    maxFutureMs: 1e12,
  });
  if (!decoded.ok) throw decoded.error;
  return decoded.batch;
}

describe('PipelineHealthRuntime', () => {
  it('judges the pipeline from its telemetry exactly as from the simulator itself', () => {
    const sim = createPipelineSimulator({
      seed: 21,
      startMs: T0,
      degradeChance: 0,
      spikeChance: 0,
    });
    const direct = new PipelineMonitor('signals');
    const runtime = new PipelineHealthRuntime();
    const opened: string[] = [];
    runtime.onUpdate((pipeline, changes) => {
      for (const c of changes) opened.push(`${pipeline} ${c.kind} ${c.incident.kind}`);
    });
    const feed = (toMs: number) => {
      const cycles = sim.runUntil(toMs);
      // One cycle per batch, as the demo publishes them.
      for (const c of cycles) {
        runtime.ingest(batchOf([c]));
        const hist = latencyHistogram(c.events);
        direct.observe({
          pipeline: 'signals',
          timestampMs: c.timestampMs,
          stages: c.stages,
          completed: c.completed,
          rejected: c.rejected,
          latencyBuckets: hist.map((count, i) => ({
            le: PIPELINE_LATENCY_BUCKETS[i] ?? Number.POSITIVE_INFINITY,
            count,
          })),
          latencyP95: c.latencyP95,
          latencyP99: c.latencyP99,
          signals: Object.fromEntries(Object.entries(c.signals).map(([k, v]) => [k, v.completed])),
        });
      }
    };
    feed(T0 + 300_000);
    sim.inject('degradation', 200);
    feed(T0 + 900_000);
    expect(runtime.pipelines()).toEqual(['signals']);
    expect(runtime.health('signals')).toEqual(direct.health());
    expect(opened).toContain('signals opened queue_overflow');
    expect(runtime.incidents('signals').find((i) => i.kind === 'queue_overflow')?.stage).toBe(
      'enrich',
    );
  });

  it('reassembles a cycle split across batches and ignores stragglers for judged cycles', () => {
    const sim = createPipelineSimulator({ seed: 3, startMs: T0 });
    const runtime = new PipelineHealthRuntime();
    const [c0, c1] = sim.runUntil(T0 + 2_000) as [PipelineCycle, PipelineCycle];
    const b0 = batchOf([c0]);
    const half = Math.floor(b0.length / 2);
    runtime.ingest(b0.slice(0, half));
    expect(runtime.pipelines()).toEqual([]); // incomplete: not judged yet
    runtime.ingest(b0.slice(half));
    expect(runtime.health('signals')?.cycles).toBe(1);
    runtime.ingest(batchOf([c1]));
    runtime.ingest(b0); // a resend of an already judged cycle
    expect(runtime.health('signals')?.cycles).toBe(2);
    expect(runtime.ignoredSamples()).toBeGreaterThan(0);
  });

  it('ignores samples that are not pipeline metrics or have no pipeline tag', () => {
    const runtime = new PipelineHealthRuntime();
    runtime.ingest([
      { metric: 'latency_ms', labels: { service: 'a' }, timestampsMs: [T0], values: [1] },
      { metric: 'pipeline_throughput', labels: {}, timestampsMs: [T0], values: [1] },
    ]);
    expect(runtime.pipelines()).toEqual([]);
  });
});
