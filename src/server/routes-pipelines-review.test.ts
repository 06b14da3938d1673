import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../contract/index.ts';
import { PipelineHealthRuntime, ReviewRuntime } from '../pipeline/index.ts';
import { createPipelineSimulator, pipelineCycleEvents } from '../simulate/index.ts';
import { MemoryStateStore } from '../store/index.ts';
import { type Harness, openHarness, T0 } from './harness.test-support.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function rig(o: { demo?: boolean } = {}) {
  const pipelines = new PipelineHealthRuntime();
  const sim = createPipelineSimulator({
    seed: 2,
    startMs: T0 - 600_000,
    spikeChance: 0,
    degradeChance: 0,
  });
  const injected: string[] = [];
  const review = await ReviewRuntime.open(
    { state: new MemoryStateStore(), clock: new VirtualClock(T0), logger: { error: () => {} } },
    { seed: 1, rate: 0.02 },
  );
  const harness = await openHarness({}, ({ bus }) => {
    pipelines.attach(bus);
    return {
      pipelines,
      review,
      ...(o.demo === false
        ? {}
        : {
            pipelineDemo: {
              names: () => ['signals'],
              inject: (name: string, kind: 'spike' | 'degradation', cycles: number) => {
                injected.push(`${name} ${kind} ${cycles}`);
                return sim.inject(kind, cycles);
              },
            },
          }),
    };
  });
  h = harness;
  return { app: harness.app, bus: harness.bus, sim, injected, review };
}

describe('pipeline routes', () => {
  it('judges a pipeline posted as events and serves its health', async () => {
    const { app, sim } = await rig();
    const events = sim.runUntil(T0).flatMap((c) => pipelineCycleEvents('signals', c));
    for (let i = 0; i < events.length; i += 5000) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/events',
        payload: events.slice(i, i + 5000),
      });
      expect(res.statusCode).toBe(200);
    }
    const list = await app.inject({ url: '/api/v1/pipelines' });
    expect(list.statusCode).toBe(200);
    const [p] = list.json().pipelines;
    expect(p).toMatchObject({ pipeline: 'signals', light: 'green' });
    expect(p.cycles).toBeGreaterThan(590);
    expect(p.stages.map((s: { stage: string }) => s.stage)).toEqual([
      'ingest',
      'validate',
      'enrich',
      'store',
    ]);
    expect(p.slos.map((s: { name: string; pass: boolean }) => [s.name, s.pass])).toEqual([
      ['latency', true],
      ['throughput', true],
    ]);
    const one = await app.inject({ url: '/api/v1/pipelines/signals' });
    expect(one.json().pipeline.pipeline).toBe('signals');
    const missing = await app.inject({ url: '/api/v1/pipelines/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0]).toMatchObject({ field: 'name' });
  });

  it('demo control: a spike or slowdown starts now; a bad kind is a 400 problem', async () => {
    const { app, injected } = await rig();
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/signals/simulate',
      payload: { kind: 'degradation', durationS: 90 },
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json().disturbance).toMatchObject({ kind: 'degradation', stage: 'enrich' });
    expect(injected).toEqual(['signals degradation 90']);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/signals/simulate',
      payload: { kind: 'meltdown' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('without the demo, the control answers 503', async () => {
    const { app } = await rig({ demo: false });
    const none = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/signals/simulate',
      payload: { kind: 'spike' },
    });
    expect(none.statusCode).toBe(503);
  });
});

describe('review routes', () => {
  async function withItems() {
    const r = await rig();
    for (let i = 0; i < 1_000; i++) {
      await r.review.offer({
        stream: 'fleet',
        itemId: `truck-01@${T0 + i * 1000}`,
        subject: 'truck-01',
        atMs: T0 + i * 1000,
        reason: 'audit sample',
        data: { coolant_temp_f: 196 },
      });
    }
    return r;
  }

  it('lists items with stats; claim, approve and reject with reasons; conflicts are 409', async () => {
    const { app } = await withItems();
    const list = await app.inject({ url: '/api/v1/review?status=pending&stream=fleet' });
    expect(list.statusCode).toBe(200);
    const { items, stats } = list.json();
    expect(items.length).toBeGreaterThan(5);
    expect(stats).toMatchObject({ pending: items.length, reviewed: 0, rate: 0.02 });
    const [a, b] = items;
    const url = (id: string, action: string) =>
      `/api/v1/review/items/${encodeURIComponent(id)}/${action}`;
    expect(
      (await app.inject({ method: 'POST', url: url(a.id, 'claim'), payload: { by: 'ana' } }))
        .statusCode,
    ).toBe(200);
    const taken = await app.inject({
      method: 'POST',
      url: url(a.id, 'approve'),
      payload: { by: 'bo' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('REVIEW_CONFLICT');
    const approved = await app.inject({
      method: 'POST',
      url: url(a.id, 'approve'),
      payload: { by: 'ana' },
    });
    expect(approved.json().item).toMatchObject({ status: 'approved', reviewedBy: 'ana' });
    const noReason = await app.inject({
      method: 'POST',
      url: url(b.id, 'reject'),
      payload: { by: 'ana' },
    });
    expect(noReason.statusCode).toBe(400);
    const rejected = await app.inject({
      method: 'POST',
      url: url(b.id, 'reject'),
      payload: { by: 'ana', reason: 'sensor glitch' },
    });
    expect(rejected.json().item).toMatchObject({
      status: 'rejected',
      verdictReason: 'sensor glitch',
    });
    const stats2 = (await app.inject({ url: '/api/v1/review/stats' })).json();
    expect(stats2).toMatchObject({ reviewed: 2, approved: 1, rejected: 1, rejectionRate: 0.5 });
    expect(
      (await app.inject({ url: url('fleet:nope', 'claim').replace('/claim', '') })).statusCode,
    ).toBe(404);
    const badFilter = await app.inject({ url: '/api/v1/review?status=maybe' });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().errors[0]).toMatchObject({ field: 'status' });
  });

  it('serves anomaly verdicts as labels', async () => {
    const { app } = await rig();
    expect((await app.inject({ url: '/api/v1/review/labels' })).json()).toEqual({ labels: [] });
  });
});
