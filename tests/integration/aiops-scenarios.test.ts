/**
 * AIOps scenarios (issue 4 item 9): seeded shop traffic with one injected fault, fed slice by
 * slice (5 s of event time) through the real TraceAnalytics → IncidentRuntime → IncidentEngine
 * → analyzeRootCause path on a virtual clock (bench/aiops-harness.ts). Each scenario asserts
 * exactly one incident (none for the noisy but healthy shop), its root cause service and kind,
 * and the affected services, and records MTTD (first signal − fault start) and time to open in
 * tests/artifacts/aiops-scenarios.json (docs/aiops.md quotes them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type AiopsRun, judge, runAiops } from '../../bench/aiops-harness.ts';
import type { Incident } from '../../src/contract/index.ts';
import {
  DEFAULT_SHOP_TOPOLOGY,
  type ShopFault,
  type ShopTopology,
} from '../../src/simulate/index.ts';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
/** Five minutes to learn normal, three of fault, three to recover. */
const FAULT_START = T0 + 5 * MIN;
const FAULT_END = T0 + 8 * MIN;
const DURATION = 11 * MIN;
const SEED = 20261122;

interface Recorded {
  readonly scenario: string;
  readonly incidents: number;
  /** Root cause while the fault was on (at its end) and once the run is over. */
  readonly rootCauseDuringFault?: string;
  readonly rootCauseFinal?: string;
  readonly affected?: readonly string[];
  /** Earliest signal − fault start (signals are dated by the start of their stats window). */
  readonly firstDetectedMinusStartMs?: number;
  /** Incident opened − fault start: the detection delay people see. */
  readonly timeToOpenMs?: number;
  readonly spans: number;
  readonly wallMs: number;
}
const recorded: Recorded[] = [];

afterAll(() => {
  mkdirSync('tests/artifacts', { recursive: true });
  writeFileSync(
    'tests/artifacts/aiops-scenarios.json',
    `${JSON.stringify({ seed: SEED, faultStart: new Date(FAULT_START).toISOString(), scenarios: recorded }, null, 2)}\n`,
  );
});

function shop(fault: Omit<ShopFault, 'startMs' | 'endMs'> | undefined, topology?: ShopTopology) {
  return runAiops({
    simulator: {
      seed: SEED,
      startMs: T0,
      requestsPerSecond: 20,
      ...(topology === undefined ? {} : { topology }),
      faults: fault === undefined ? [] : [{ ...fault, startMs: FAULT_START, endMs: FAULT_END }],
    },
    durationMs: DURATION,
    snapshotAtMs: FAULT_END,
  });
}

function describeIncidents(incidents: readonly Incident[]): string {
  return JSON.stringify(
    incidents.map((i) => ({
      id: i.id,
      title: i.title,
      opened: i.openedAtMs - T0,
      first: i.firstDetectedMs - T0,
      rootCause: i.rootCause,
      candidates: i.candidates.map((c) => `${c.service} ${c.kind} ${c.score.toFixed(2)}`),
      affected: i.affectedServices,
      signals: i.signals.map((s) => s.id),
    })),
    null,
    1,
  );
}

const rc = (i: Incident | undefined): string | undefined =>
  i?.rootCause === undefined ? undefined : `${i.rootCause.service} ${i.rootCause.kind}`;

/**
 * The single incident of a one-fault run as it stood at the end of the fault (what an on-call
 * person works with), after checking the whole run opened exactly one; MTTD is recorded.
 */
function theIncident(scenario: string, run: AiopsRun): Incident {
  const f = judge(run).faults[0];
  const during = run.snapshot[0];
  const final = run.incidents[0];
  const rcDuring = rc(during);
  const rcFinal = rc(final);
  recorded.push({
    scenario,
    incidents: run.incidents.length,
    ...(rcDuring === undefined ? {} : { rootCauseDuringFault: rcDuring }),
    ...(rcFinal === undefined ? {} : { rootCauseFinal: rcFinal }),
    ...(final === undefined ? {} : { affected: final.affectedServices }),
    ...(f?.mttdMs === undefined ? {} : { firstDetectedMinusStartMs: f.mttdMs }),
    ...(f?.timeToOpenMs === undefined ? {} : { timeToOpenMs: Math.round(f.timeToOpenMs) }),
    spans: run.spans,
    wallMs: Math.round(run.wallMs),
  });
  expect(run.incidents, describeIncidents(run.incidents)).toHaveLength(1);
  expect(run.snapshot, describeIncidents(run.snapshot)).toHaveLength(1);
  const only = during!;
  expect(only.id).toBe(final!.id);
  // Opened while the fault was on, not before it. A signal is dated by the start of the
  // endpoint statistics window that first broke its threshold, and those windows span the last
  // minute (TraceAnalytics statsWindowMs), so the earliest signal can predate the fault by that.
  expect(only.openedAtMs).toBeGreaterThan(FAULT_START);
  expect(only.openedAtMs).toBeLessThan(FAULT_END);
  expect(only.firstDetectedMs).toBeGreaterThanOrEqual(FAULT_START - MIN);
  return only;
}

describe('AIOps scenarios on the demo shop (seeded, event time)', () => {
  it('latency spike on payment: one incident, root cause payment latency', async () => {
    const run = await shop({ service: 'payment', kind: 'delay', value: 300 });
    const inc = theIncident('latency spike on payment (+300 ms)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('payment');
    expect(inc.rootCause?.kind).toBe('latency');
    expect(inc.affectedServices).toEqual(expect.arrayContaining(['payment', 'checkout']));
  });

  it('error spike on inventory: one incident, root cause inventory errors', async () => {
    const run = await shop({ service: 'inventory', kind: 'error', value: 0.3 });
    const inc = theIncident('error spike on inventory (30 %)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('inventory');
    expect(inc.rootCause?.kind).toBe('errors');
    expect(inc.affectedServices).toContain('inventory');
  });

  it('cascading failure payment → checkout: root cause payment, both affected', async () => {
    const run = await shop({ service: 'payment', kind: 'error', value: 0.6 });
    const inc = theIncident('cascading failure payment → checkout (60 % errors)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('payment');
    expect(inc.rootCause?.kind).toBe('errors');
    expect(inc.affectedServices).toEqual(expect.arrayContaining(['payment', 'checkout']));
  });

  it('timeout: payment never finishes its spans, checkout times out', async () => {
    const run = await shop({ service: 'payment', kind: 'timeout', value: 1 });
    // The fault really hides payment's spans: the pipeline must infer it from the callers.
    const inc = theIncident('timeout at payment (never answers)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('payment');
    expect(inc.rootCause?.kind).toBe('timeout');
    expect(inc.affectedServices).toEqual(expect.arrayContaining(['payment', 'checkout']));
  });

  it('saturation at payment: one incident, root cause payment', async () => {
    const run = await shop({ service: 'payment', kind: 'saturation', value: 0.9 });
    const inc = theIncident('saturation at payment (utilisation 0.9)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('payment');
    // The kind is recorded, not asserted: saturation is told from an added delay by comparing
    // the slow requests' spread with payment's ordinary requests in the analysed spans; once
    // every payment request is slow (utilisation 0.9 makes all of them ~10x slower) none is left
    // to compare with and the kind falls back to latency (docs/aiops.md).
    expect(['saturation', 'latency']).toContain(inc.rootCause?.kind);
  });

  it('absence of inventory: connections refused, root cause inventory absence', async () => {
    const run = await shop({ service: 'inventory', kind: 'absence', value: 1 });
    const inc = theIncident('absence of inventory (connections refused)', run);
    expect(inc.rootCause?.service, describeIncidents(run.incidents)).toBe('inventory');
    expect(inc.rootCause?.kind, describeIncidents(run.incidents)).toBe('absence');
  });

  it('a noisy but healthy service (high variance, steady errors, no fault) opens no incident', async () => {
    const noisy: ShopTopology = {
      ...DEFAULT_SHOP_TOPOLOGY,
      services: DEFAULT_SHOP_TOPOLOGY.services.map((s) =>
        s.name !== 'shipping'
          ? s
          : {
              ...s,
              endpoints: s.endpoints.map((e) => ({
                ...e,
                latency: { medianMs: 30, sigma: 1.2 },
                errorRate: 0.03,
              })),
            },
      ),
    };
    const run = await shop(undefined, noisy);
    recorded.push({
      scenario: 'noisy but healthy shipping (sigma 1.2, 3 % errors), no fault',
      incidents: run.incidents.length,
      spans: run.spans,
      wallMs: Math.round(run.wallMs),
    });
    expect(run.incidents, describeIncidents(run.incidents)).toHaveLength(0);
  });
});
