/**
 * The alerting runtime end to end on a VirtualClock, the real embedded store and state store
 * on a temp dir, and a real local webhook receiver: SLO burn pages fire after `for` and
 * resolve, silences and inhibition mute, a handful of requests does not page, notifications
 * arrive with retries recorded, and state survives a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AlertTransition, type SampleBatch, VirtualClock } from '../contract/index.ts';
import { parseNotificationsConfig } from '../notify/index.ts';
import {
  defaultEmbeddedStoreOptions,
  MemoryStateStore,
  openEmbeddedStateStore,
  openEmbeddedStore,
  type StateStore,
  type Store,
} from '../store/index.ts';
import type { AnomalySignal } from './alerting-inputs.ts';
import { AlertingRuntime, type AlertingSections } from './alerting-runtime.ts';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const STEP_MS = 15_000;
const MIN = 60_000;

interface Shape {
  rps?: number;
  eps?: number;
  lat?: number;
  cpu?: number;
}
type Profile = (service: string, tMs: number) => Shape | null;

const healthy: Shape = { rps: 100, eps: 0.01, lat: 120, cpu: 30 };

function batchAt(services: readonly string[], tMs: number, profile: Profile): SampleBatch {
  const out: {
    metric: string;
    labels: { service: string };
    timestampsMs: number[];
    values: number[];
  }[] = [];
  for (const service of services) {
    const s = profile(service, tMs);
    if (s === null) continue;
    const put = (metric: string, v: number | undefined) => {
      if (v !== undefined)
        out.push({ metric, labels: { service }, timestampsMs: [tMs], values: [v] });
    };
    put('requests_per_second', s.rps);
    put('errors_per_second', s.eps);
    put('latency_ms', s.lat);
    put('cpu_usage_percent', s.cpu);
  }
  return out;
}

interface Receiver {
  readonly url: string;
  readonly bodies: { status: string; title: string; labels: Record<string, string> }[];
  /** Status codes to answer, in order; then 200. */
  readonly script: number[];
  requests: number;
  close(): Promise<void>;
}

async function startReceiver(script: number[] = []): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    bodies: [],
    script,
    requests: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    req.on('end', () => {
      r.requests++;
      const status = r.script.shift() ?? 200;
      if (status === 200) {
        const body = JSON.parse(text) as { notification: Receiver['bodies'][number] };
        r.bodies.push(body.notification);
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  readonly dir: string;
  readonly clock: VirtualClock;
  readonly store: Store;
  state: StateStore;
  rt: AlertingRuntime;
  /** Appends data up to `untilMs` every 15 s, evaluating after each step. */
  run(untilMs: number, profile: Profile): Promise<void>;
  reopen(): Promise<void>;
}

const SERVICES = ['api', 'web', 'tiny'];

async function rig(sections: AlertingSections, receiverUrl?: string, dir?: string): Promise<Rig> {
  const home = dir ?? (await mkdtemp(join(tmpdir(), 'opsight-alerting-')));
  if (dir === undefined) cleanups.push(() => rm(home, { recursive: true, force: true }));
  const clock = new VirtualClock(T0 - 2 * 60 * MIN);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(home, 'store'),
    clock,
    maintenanceIntervalMs: 0,
    retentionMs: 365 * 86_400_000,
  });
  cleanups.push(() => store.close());
  const notifications =
    receiverUrl === undefined
      ? undefined
      : parseNotificationsConfig({
          retry: { maxAttempts: 3, initialDelayMs: 10 },
          channels: [
            { type: 'webhook', name: 'hook', url: receiverUrl, secret: 'sixteen-chars-secret' },
          ],
        });
  const open = async () => {
    const state = await openEmbeddedStateStore(home);
    const rt = await AlertingRuntime.open(
      { store, state, clock, sleep: async () => undefined },
      sections,
      notifications,
      { intervalMs: 0 },
    );
    return { state, rt };
  };
  const first = await open();
  const r: Rig = {
    dir: home,
    clock,
    store,
    state: first.state,
    rt: first.rt,
    async run(untilMs, profile) {
      for (let t = clock.nowMs() + STEP_MS; t <= untilMs; t += STEP_MS) {
        clock.set(t);
        await store.append(batchAt(SERVICES, t, profile));
        await r.rt.evaluate();
      }
    },
    async reopen() {
      await r.rt.close();
      await r.state.close();
      const again = await open();
      r.state = again.state;
      r.rt = again.rt;
    },
  };
  cleanups.push(async () => {
    await r.rt.close();
    await r.state.close();
  });
  // Two hours of healthy history (the tiny service: a request every 500 s), no evaluations.
  const backfill: SampleBatch[] = [];
  for (let t = clock.nowMs(); t < T0; t += STEP_MS) backfill.push(batchAt(SERVICES, t, base));
  await store.append(backfill.flat());
  clock.set(T0);
  return r;
}

const base: Profile = (service) => (service === 'tiny' ? { rps: 0.002, eps: 0 } : healthy);

/** api: 50 % errors in [from, to); tiny: 50 % errors all along (a handful of requests). */
function burst(fromMs: number, toMs: number): Profile {
  return (service, t) => {
    if (service === 'tiny') return { rps: 0.002, eps: 0.001 };
    if (service === 'api' && t >= fromMs && t < toMs) return { ...healthy, eps: 50 };
    return healthy;
  };
}

const PAGE_RULE: AlertingSections = {
  rules: [
    {
      name: 'AvailabilityPage',
      kind: 'slo_burn',
      slo: 'availability',
      alert: 'page',
      for: '2m',
      severity: 'critical',
      annotations: { summary: '{{ $labels.service }} burns its error budget' },
    },
    { name: 'SLOBurnPage', enabled: false },
    { name: 'SLOBurnTicket', enabled: false },
  ],
  route: { group_wait: '0s', group_interval: '1m' },
};

function transitionsOf(h: readonly AlertTransition[], rule: string, service: string): string[] {
  return h
    .filter((t) => t.ruleName === rule && t.labels.service === service)
    .map((t) => `${t.from}->${t.to}`);
}

async function waitFor(what: string, cond: () => boolean, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setImmediate(ok));
  }
}

describe('alerting runtime', { timeout: 60_000 }, () => {
  it('pages on an error burst after `for`, resolves after it, notifies a webhook with retries, and never pages the tiny service', async () => {
    const receiver = await startReceiver([503]);
    cleanups.push(() => receiver.close());
    const r = await rig(PAGE_RULE, receiver.url);
    const burstFrom = T0 + 15 * MIN;
    const burstTo = burstFrom + 6 * MIN;
    await r.run(burstFrom, burst(burstFrom, burstTo));
    expect(r.rt.activeAlerts().map((a) => `${a.ruleName}/${a.labels.service}/${a.value}`)).toEqual(
      [],
    );

    // Pending within ~2 minutes of hot data, firing `for` (2 m) later.
    await r.run(burstFrom + 3 * MIN, burst(burstFrom, burstTo));
    const pending = r.rt.activeAlerts().filter((a) => a.ruleName === 'AvailabilityPage');
    expect(pending.map((a) => [a.labels.service, a.state])).toEqual([['api', 'pending']]);
    await r.run(burstFrom + 6 * MIN, burst(burstFrom, burstTo));
    const firing = r.rt.activeAlerts().find((a) => a.ruleName === 'AvailabilityPage');
    expect(firing?.state).toBe('firing');
    expect((firing?.firedAtMs ?? 0) - (firing?.activeAtMs ?? 0)).toBeGreaterThanOrEqual(2 * MIN);

    const api = r.rt.slos({ name: 'availability', service: 'api' })[0];
    expect(api?.page).toBe('firing');
    expect(api?.burnRates.find((b) => b.windowMs === 5 * MIN)?.burnRate).toBeGreaterThan(100);
    expect(api?.evaluation.budget.remainingFraction).toBeLessThan(1);
    // A handful of requests at 50 % errors: hot, but guarded by min_events.
    const tiny = r.rt.slos({ name: 'availability', service: 'tiny' })[0];
    expect(tiny?.page).toBe('guarded');
    expect(r.rt.activeAlerts().filter((a) => a.labels.service === 'tiny')).toEqual([]);
    // The health score sees the page: red.
    expect(r.rt.healthOf('api')?.light).toBe('red');
    expect(r.rt.healthOf('web')?.light).toBe('green');

    // The burst ended: the 5 m window cools at once, the 30 m one (of the 6 h pair) half an
    // hour later, and the page resolves.
    await r.run(burstTo + 20 * MIN, burst(burstFrom, burstTo));
    expect(r.rt.activeAlerts().find((a) => a.ruleName === 'AvailabilityPage')?.state).toBe(
      'firing',
    );
    await r.run(burstTo + 35 * MIN, burst(burstFrom, burstTo));
    expect(r.rt.activeAlerts().filter((a) => a.ruleName === 'AvailabilityPage')).toEqual([]);
    const history = await r.rt.history(T0, r.clock.nowMs(), 1000);
    expect(transitionsOf(history, 'AvailabilityPage', 'api')).toEqual([
      'inactive->pending',
      'pending->firing',
      'firing->resolved',
    ]);
    expect(history.filter((t) => t.labels.service === 'tiny')).toEqual([]);
    expect(r.rt.lastEvaluation()).toMatchObject({ services: 3, slos: 6 });

    await r.rt.idle();
    await waitFor('firing and resolved notifications', () => receiver.bodies.length >= 2);
    expect(receiver.bodies.map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(receiver.bodies[0]?.labels.service).toBe('api');
    const attempts = await r.rt.deliveries({});
    expect(attempts.slice(0, 2).map((a) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, 'failed', 503],
      [2, 'delivered', 200],
    ]);
  });

  it('a silence mutes the page: it fires, flagged silenced, and nothing is sent', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const r = await rig(PAGE_RULE, receiver.url);
    const s = await r.rt.createSilence({
      matchers: ['service="api"'],
      duration: '1h',
      created_by: 'test',
      comment: 'maintenance',
    });
    expect(s.status).toBe('active');
    const from = T0 + 5 * MIN;
    await r.run(from + 8 * MIN, burst(from, from + 30 * MIN));
    const page = r.rt.activeAlerts().find((a) => a.ruleName === 'AvailabilityPage');
    expect(page).toMatchObject({ state: 'firing', silenced: true, silencedBy: [s.id] });
    await r.rt.idle();
    expect(receiver.requests).toBe(0);

    // Expired: the next evaluation notifies.
    await r.rt.expireSilence(s.id);
    expect(r.rt.silences().find((x) => x.id === s.id)?.status).toBe('expired');
    await r.run(r.clock.nowMs() + STEP_MS, burst(from, from + 30 * MIN));
    await r.rt.idle();
    await waitFor('the page after the silence', () => receiver.bodies.length === 1);
    expect(receiver.bodies[0]?.status).toBe('firing');
  });

  it('a down service mutes its own latency alerts (inhibition), not other services', async () => {
    const r = await rig({
      rules: [
        {
          name: 'ServiceLatency',
          kind: 'threshold',
          query: { metric: 'latency_ms', aggregation: 'p95', window: '1m', by: ['service'] },
          op: '>',
          value: 1000,
        },
      ],
    });
    const from = T0 + 5 * MIN;
    // web stops counting requests but its latency probe shows 2 s; api is slow but up.
    const profile: Profile = (service, t) => {
      if (service === 'web' && t >= from) return { lat: 2000, cpu: 30 };
      if (service === 'api' && t >= from) return { ...healthy, lat: 1500 };
      return base(service, t);
    };
    await r.run(from + 5 * MIN, profile);
    const byKey = new Map(
      r.rt.activeAlerts().map((a) => [`${a.ruleName}/${a.labels.service}`, a] as const),
    );
    expect(byKey.get('ServiceDown/web')?.state).toBe('firing');
    expect(byKey.get('ServiceLatency/web')).toMatchObject({ state: 'firing', inhibited: true });
    expect(byKey.get('ServiceLatency/api')).toMatchObject({ state: 'firing', inhibited: false });
    expect(r.rt.healthOf('web')).toMatchObject({ light: 'red', score: 0 });
  });

  it('keeps API rules, SLOs, silences, alert state and history across a restart', async () => {
    const r = await rig(PAGE_RULE);
    await r.rt.createRule({
      name: 'ApiErrors',
      kind: 'threshold',
      query: { metric: 'errors_per_second', by: ['service'] },
      op: '>',
      value: 5,
    });
    await r.rt.createSlo({
      name: 'checkout-availability',
      service: 'api',
      objective: 99,
      sli: { ratio: { total: 'requests_per_second', bad: 'errors_per_second' } },
    });
    const silence = await r.rt.createSilence({
      matchers: { service: 'web' },
      duration: '2h',
      created_by: 'ana',
      comment: 'noise',
    });
    const from = T0 + 2 * MIN;
    await r.run(from + 2 * MIN, burst(from, from + 60 * MIN));
    const before = r.rt.activeAlerts().find((a) => a.ruleName === 'ApiErrors');
    expect(before?.state).toBe('firing');
    const historyBefore = await r.rt.history(T0, r.clock.nowMs(), 1000);
    expect(historyBefore.length).toBeGreaterThan(0);

    await r.reopen();
    expect(r.rt.rules().find((x) => x.name === 'ApiErrors')?.source).toBe('api');
    expect(r.rt.sloDefinitions().some((d) => d.definition.name === 'checkout-availability')).toBe(
      true,
    );
    expect(r.rt.silences().map((s) => s.id)).toContain(silence.id);
    expect(r.rt.activeAlerts().find((a) => a.ruleName === 'ApiErrors')?.id).toBe(before?.id);
    expect(await r.rt.history(T0, r.clock.nowMs(), 1000)).toEqual(historyBefore);
    // It goes on from the saved state: no second inactive->firing for the same alert.
    await r.run(r.clock.nowMs() + MIN, burst(from, from + 60 * MIN));
    const all = await r.rt.history(T0, r.clock.nowMs(), 1000);
    expect(transitionsOf(all, 'ApiErrors', 'api')).toEqual(['inactive->firing']);
    expect(r.rt.slos({ name: 'checkout-availability' }).map((s) => s.service)).toEqual(['api']);
  });

  it('fires the default Anomaly rule from the detection runtime after `for`, with its explanation, and resolves when scores stop', async () => {
    const home = await mkdtemp(join(tmpdir(), 'opsight-alerting-anomaly-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const clock = new VirtualClock(T0);
    const store = await openEmbeddedStore({
      ...defaultEmbeddedStoreOptions(),
      dataDir: home,
      clock,
      maintenanceIntervalMs: 0,
    });
    cleanups.push(() => store.close());
    const listeners = new Set<(a: AnomalySignal) => void>();
    const source = {
      onAnomaly(l: (a: AnomalySignal) => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const rt = await AlertingRuntime.open(
      { store, state: new MemoryStateStore(), clock, anomalies: source },
      {
        rules: [
          {
            name: 'Anomaly',
            kind: 'anomaly',
            min_score: 0.9,
            for: '2m',
            annotations: {
              summary: '{{ $metric }} {{ $observed }} vs {{ $expected }} ({{ $detector }})',
            },
          },
        ],
      },
      undefined,
      { intervalMs: 0 },
    );
    cleanups.push(() => rt.close());
    const states: string[] = [];
    for (let i = 0; i <= 16; i++) {
      clock.set(T0 + i * STEP_MS);
      const score = i < 12 ? 0.95 : 0.2;
      for (const l of listeners) {
        l({
          metric: 'latency_ms',
          labels: { service: 'api' },
          timestampMs: clock.nowMs(),
          score,
          detector: 'ewma',
          expected: 100,
          value: 900,
        });
      }
      await rt.evaluate();
      states.push(rt.activeAlerts().find((a) => a.ruleName === 'Anomaly')?.state ?? '-');
    }
    // Pending from the first score, firing once it held for 2 m, gone when scores fell.
    expect(states.slice(0, 8)).toEqual(Array(8).fill('pending'));
    expect(states.slice(8, 12)).toEqual(Array(4).fill('firing'));
    expect(states.slice(12)).toEqual(Array(5).fill('-'));
    const h = await rt.history(T0, clock.nowMs(), 100);
    expect(h.map((t) => `${t.from}->${t.to}`)).toEqual([
      'inactive->pending',
      'pending->firing',
      'firing->resolved',
    ]);
    expect(h[0]?.labels).toMatchObject({ service: 'api', metric: 'latency_ms' });
  });
});
