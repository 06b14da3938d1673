import { describe, expect, it } from 'vitest';
import {
  createPipelineSimulator,
  latencyHistogram,
  PIPELINE_LATENCY_BUCKETS,
  type PipelineCycle,
} from '../simulate/index.ts';
import {
  goodWithin,
  PipelineMonitor,
  type PipelineObservation,
  type PipelineStageObservation,
  throughputBlockGood,
} from './pipeline-health.ts';

const T0 = Date.UTC(2026, 0, 1);

function fromCycle(c: PipelineCycle): PipelineObservation {
  const hist = latencyHistogram(c.events);
  return {
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
  };
}

function stage(over: Partial<PipelineStageObservation> = {}): PipelineStageObservation {
  return {
    stage: 'enrich',
    arrivals: 40,
    processed: 40,
    queueDepth: 0,
    queueCapacity: 300,
    drops: 0,
    processingMs: 18,
    ...over,
  };
}

/** A cycle with `completed` events of which `late` took longer than 10 cycles. */
function obs(
  i: number,
  over: Partial<PipelineObservation> & { late?: number } = {},
): PipelineObservation {
  const completed = over.completed ?? 40;
  const late = over.late ?? 0;
  return {
    pipeline: 'p',
    timestampMs: T0 + i * 1000,
    stages: [stage({ stage: 'ingest', arrivals: completed, processed: completed }), stage()],
    completed,
    rejected: 0,
    latencyBuckets: [
      { le: 4, count: completed - late },
      { le: 10, count: completed - late },
      { le: Number.POSITIVE_INFINITY, count: completed },
    ],
    latencyP95: late > 0 ? 14 : 4,
    latencyP99: late > 0 ? 15 : 4,
    signals: { sales_activity: completed },
    ...over,
  };
}

describe('pipeline SLO arithmetic', () => {
  it('counts good events from the cumulative histogram, conservatively between bounds', () => {
    const b = [
      { le: 4, count: 10 },
      { le: 8, count: 30 },
      { le: 12, count: 38 },
      { le: Number.POSITIVE_INFINITY, count: 40 },
    ];
    expect(goodWithin(b, 10, 40)).toBe(30); // 10 falls between 8 and 12: count what is surely within
    expect(goodWithin(b, 12, 40)).toBe(38);
    expect(goodWithin(b, 3, 40)).toBe(0);
  });

  it('judges throughput blocks: 35 a cycle, or 95% of what was offered when traffic is quiet', () => {
    const slo = { minPerCycle: 35, objective: 0.99, blockCycles: 60, deliveredShare: 0.95 };
    expect(throughputBlockGood(60 * 35, 60 * 40, 60, slo)).toBe(true);
    expect(throughputBlockGood(60 * 34, 60 * 40, 60, slo)).toBe(false); // capacity lost
    expect(throughputBlockGood(60 * 20, 60 * 21, 60, slo)).toBe(true); // quiet: delivered 95%
    expect(throughputBlockGood(60 * 19, 60 * 21, 60, slo)).toBe(false);
  });

  it('worked example: 2 late of 40 every cycle → SLI 95%, burn 5× a 99% objective', () => {
    const m = new PipelineMonitor('p');
    for (let i = 0; i < 100; i++) m.observe(obs(i, { late: 2 }));
    const latency = m.slos()[0];
    expect(latency).toMatchObject({
      name: 'latency',
      good: 3800,
      total: 4000,
      sli: 0.95,
      pass: false,
    });
    expect(latency?.burnShort).toBe(5);
    // Budget 1% of 4000 = 40 bad allowed; 200 bad spent it 5 times over.
    expect(latency?.budgetRemaining).toBe(-4);
  });

  it('worked example: throughput over 60-cycle blocks', () => {
    const m = new PipelineMonitor('p');
    // 3 good blocks at 40 a cycle, then one at 30 a cycle (offered 40): 3 of 4 good.
    for (let i = 0; i < 180; i++) m.observe(obs(i));
    for (let i = 180; i < 240; i++) {
      m.observe(
        obs(i, { completed: 30, stages: [stage({ stage: 'ingest', arrivals: 40 }), stage()] }),
      );
    }
    const t = m.slos()[1];
    expect(t).toMatchObject({ name: 'throughput', good: 3, total: 4, sli: 0.75, pass: false });
    expect(t?.burnShort).toBe(25); // 1 bad of 4 blocks / 1% allowed
  });
});

describe('pipeline lights', () => {
  it('green when calm, orange at half a queue, red on drops or a nearly full queue', () => {
    const m = new PipelineMonitor('p');
    for (let i = 0; i < 40; i++) m.observe(obs(i));
    expect(m.health().light).toBe('green');
    m.observe(obs(40, { stages: [stage({ stage: 'ingest' }), stage({ queueDepth: 160 })] }));
    expect(m.health().stages[1]).toMatchObject({ stage: 'enrich', light: 'orange' });
    m.observe(obs(41, { stages: [stage({ stage: 'ingest' }), stage({ queueDepth: 280 })] }));
    expect(m.health().stages[1]?.light).toBe('red');
    m.observe(
      obs(42, { stages: [stage({ stage: 'ingest' }), stage({ queueDepth: 100, drops: 3 })] }),
    );
    const h = m.health();
    expect(h.stages[1]).toMatchObject({ light: 'red', dropsInWindow: 3 });
    expect(h.light).toBe('red');
    expect(h.reason).toContain('enrich');
  });

  it('orange when a stage processes at twice its learned normal speed', () => {
    const m = new PipelineMonitor('p');
    for (let i = 0; i < 40; i++) m.observe(obs(i));
    m.observe(obs(40, { stages: [stage({ stage: 'ingest' }), stage({ processingMs: 40 })] }));
    expect(m.health().stages[1]).toMatchObject({ light: 'orange', normalProcessingMs: 18 });
    expect(m.health().stages[1]?.reason).toContain('its normal 18 ms');
  });
});

describe('pipeline incidents', () => {
  it('an enrich slowdown overflows its queue: one incident that says where, since when, how bad and when it recovered', () => {
    const sim = createPipelineSimulator({ seed: 4, spikeChance: 0, degradeChance: 0, startMs: T0 });
    const m = new PipelineMonitor('signals');
    const changes = [];
    for (const c of sim.runUntil(T0 + 600_000)) changes.push(...m.observe(fromCycle(c)));
    expect(changes).toEqual([]);
    expect(m.health().light).toBe('green');
    sim.inject('degradation', 300);
    for (const c of sim.runUntil(T0 + 900_000)) changes.push(...m.observe(fromCycle(c)));
    const overflow = changes.filter((c) => c.incident.kind === 'queue_overflow');
    expect(overflow).toHaveLength(1);
    expect(overflow[0]?.incident).toMatchObject({ stage: 'enrich', status: 'active' });
    const during = m.health();
    expect(during.light).toBe('red');
    expect(during.stages.find((s) => s.stage === 'enrich')?.light).toBe('red');
    // Pressure shows at enrich, not upstream.
    expect(during.stages.find((s) => s.stage === 'validate')?.light).toBe('green');
    for (const c of sim.runUntil(T0 + 3_600_000)) changes.push(...m.observe(fromCycle(c)));
    const resolved = changes.find(
      (c) => c.kind === 'resolved' && c.incident.kind === 'queue_overflow',
    )?.incident;
    expect(resolved).toBeDefined();
    expect(resolved?.badCount).toBeGreaterThan(100);
    expect(resolved?.peak).toBe(300);
    expect(resolved?.summary).toMatch(
      /^enrich queue overflowing since 2026-01-01T00:1\d:\d\d\.000Z: \d+ events dropped, queue peaked at 300\/300; recovered at .+ after \d+ (s|min)$/,
    );
    // The latency SLO burned too, and recovered.
    expect(changes.some((c) => c.kind === 'opened' && c.incident.kind === 'latency_slo')).toBe(
      true,
    );
    expect(m.incidents().every((i) => i.status === 'resolved')).toBe(true);
    expect(m.health().light).not.toBe('green'); // budget spent: SLOs missed over the window
  });

  it('a healthy run opens nothing and meets both SLOs', () => {
    const sim = createPipelineSimulator({ seed: 9, spikeChance: 0, degradeChance: 0, startMs: T0 });
    const m = new PipelineMonitor('signals');
    let n = 0;
    for (const c of sim.runUntil(T0 + 3_600_000)) n += m.observe(fromCycle(c)).length;
    expect(n).toBe(0);
    expect(m.slos().map((s) => s.pass)).toEqual([true, true]);
    expect(m.health().throughputPerCycle).toBeGreaterThan(35);
  });
});
