/**
 * @module
 * Runs the real AIOps path on simulated traces, in event time on a virtual clock: shop simulator
 * spans (src/simulate) → `TraceAnalytics` (RED buckets and the service map, samples into an
 * embedded store and onto an in-process bus) → `IncidentRuntime` driving the `IncidentEngine`
 * (its endpoint checks, correlation, lifecycle) with `analyzeRootCause` → incidents, persisted
 * in a state store. Then scores the incidents against the simulator's ground truth.
 *
 * Shared by the scenario tests (tests/integration/aiops-scenarios.test.ts), the accuracy
 * evaluation (bench/aiops-eval.ts) and the RCA benchmark (bench/rca.ts), so all three measure
 * the same pipeline. Nothing here is tuned to a case: the components run with their defaults.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Incident, type Span, VirtualClock } from '../src/contract/index.ts';
import {
  analyzeRootCause,
  defaultIncidentOptions,
  IncidentEngine,
  type RcaInput,
  type RcaResult,
  signalFromAlert,
  signalFromAnomaly,
} from '../src/incidents/index.ts';
import { createInProcessBus, IncidentRuntime, TraceAnalytics } from '../src/pipeline/index.ts';
import {
  createShopSimulator,
  type ShopFaultLabel,
  type ShopSimulatorOptions,
} from '../src/simulate/index.ts';
import { MemoryStateStore, openEmbeddedStore } from '../src/store/index.ts';

const silent = {
  info: (): void => {},
  warn: (): void => {},
  error: (): void => {},
  debug: (): void => {},
};

export interface AiopsRunOptions {
  /** Simulator options; `startMs` is where the run starts too. */
  readonly simulator: Partial<ShopSimulatorOptions> & { readonly startMs: number };
  /** Event time simulated, from `simulator.startMs`. */
  readonly durationMs: number;
  /** Spans are fed in slices of this much event time (as an exporter's batches). Default 5 s. */
  readonly sliceMs?: number;
  /** Where the embedded store lives; default a fresh temp dir, removed afterwards. */
  readonly dataDir?: string;
  /** Event time at which to keep a copy of the incidents too (e.g. the end of a fault). */
  readonly snapshotAtMs?: number;
  /** Sees every root-cause analysis the engine runs (its input and result). */
  readonly onRca?: (input: RcaInput, result: RcaResult) => void;
}

export interface AiopsRun {
  /** Every incident of the run, resolved ones included, by id. */
  readonly incidents: readonly Incident[];
  /** The incidents as they stood once event time reached `snapshotAtMs` (empty without it). */
  readonly snapshot: readonly Incident[];
  readonly labels: readonly ShopFaultLabel[];
  readonly spans: number;
  /** Wall time of the run, ms. */
  readonly wallMs: number;
}

/** Feeds `durationMs` of simulated spans through the pipeline and returns what it concluded. */
export async function runAiops(options: AiopsRunOptions): Promise<AiopsRun> {
  const started = performance.now();
  const sliceMs = options.sliceMs ?? 5_000;
  const sim = createShopSimulator(options.simulator);
  const t0 = options.simulator.startMs;
  const clock = new VirtualClock(t0);
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'opsight-aiops-')));
  const store = await openEmbeddedStore({
    dataDir,
    retentionMs: 7 * 86_400_000,
    clock,
    logger: silent,
  });
  const bus = createInProcessBus({ clock });
  const analytics = new TraceAnalytics({ store, bus, clock, logger: silent });
  const state = new MemoryStateStore();
  const onRca = options.onRca;
  const engine = new IncidentEngine(defaultIncidentOptions(), (input) => {
    const result = analyzeRootCause(input);
    onRca?.(input, result);
    return result;
  });
  const runtime = await IncidentRuntime.open({
    state,
    clock,
    logger: silent,
    engine,
    traceAnalytics: analytics,
    signals: { fromAnomaly: signalFromAnomaly, fromAlert: signalFromAlert },
  });
  let spans = 0;
  let snapshot: Incident[] = [];
  const snapshotAtMs = options.snapshotAtMs ?? Number.POSITIVE_INFINITY;
  try {
    for (let from = t0; from < t0 + options.durationMs; from += sliceMs) {
      const to = Math.min(t0 + options.durationMs, from + sliceMs);
      clock.set(to);
      const batch: Span[] = sim.spansBetween(from, to);
      spans += batch.length;
      await analytics.add(batch);
      await runtime.idle();
      if (from < snapshotAtMs && to >= snapshotAtMs) snapshot = byId(runtime.list({}));
    }
    await analytics.flush();
    await runtime.idle();
    const incidents = byId(runtime.list({}));
    return {
      incidents,
      snapshot,
      labels: sim.labels(),
      spans,
      wallMs: performance.now() - started,
    };
  } finally {
    await runtime.close();
    await analytics.close();
    await store.close();
    await state.close();
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

function byId(incidents: Incident[]): Incident[] {
  return incidents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** How the pipeline did on one fault. */
export interface FaultVerdict {
  readonly label: ShopFaultLabel;
  /** The incidents that belong to the fault: opened during it (or its first minutes after). */
  readonly incidents: readonly Incident[];
  readonly detected: boolean;
  /** The first matching incident's earliest signal − fault start, ms. */
  readonly mttdMs?: number;
  /** The first matching incident's opening − fault start, ms. */
  readonly timeToOpenMs?: number;
  /** Root cause service of the first matching incident is the faulty service. */
  readonly top1: boolean;
  /** The faulty service is among its first three candidates. */
  readonly top3: boolean;
  /** Root cause kind equals the label's kind (given top1). */
  readonly kindRight: boolean;
  /** The root cause judged, as `service kind`. */
  readonly rootCause?: string;
  /** The root cause once the run was over, as `service kind` (it may have changed since). */
  readonly finalRootCause?: string;
}

export interface RunVerdict {
  readonly faults: readonly FaultVerdict[];
  /** Incidents that match no fault. */
  readonly falseIncidents: readonly Incident[];
}

/** A fault's symptoms may take this long after its end to show (and an incident to open). */
const MATCH_GRACE_MS = 60_000;

/**
 * Matches incidents to faults: an incident belongs to a fault when it was opened while the fault
 * was active (or within a minute after) and one of its services — signals, affected services or
 * root cause — is the faulty service or one of its callers.
 */
export function judge(run: Pick<AiopsRun, 'incidents' | 'labels' | 'snapshot'>): RunVerdict {
  const used = new Set<string>();
  const faults = run.labels.map((label): FaultVerdict => {
    const where = new Set(label.affectedServices);
    const mine = run.incidents.filter((inc) => {
      if (inc.openedAtMs < label.startMs || inc.openedAtMs > label.endMs + MATCH_GRACE_MS) {
        return false;
      }
      const services = [
        ...inc.affectedServices,
        ...inc.signals.map((s) => s.service),
        ...(inc.rootCause === undefined ? [] : [inc.rootCause.service]),
      ];
      return services.some((s) => where.has(s));
    });
    for (const inc of mine) used.add(inc.id);
    const first = [...mine].sort((a, b) => a.openedAtMs - b.openedAtMs)[0];
    if (first === undefined) {
      return { label, incidents: [], detected: false, top1: false, top3: false, kindRight: false };
    }
    // The diagnosis is judged as it stood at the snapshot (the end of the fault) when the
    // incident existed by then: later reruns look at windows after the fault.
    const seen = run.snapshot.find((i) => i.id === first.id) ?? first;
    const top1 = seen.rootCause?.service === label.service;
    const top3 = seen.candidates.slice(0, 3).some((c) => c.service === label.service);
    return {
      label,
      incidents: mine,
      detected: true,
      mttdMs: first.firstDetectedMs - label.startMs,
      timeToOpenMs: first.openedAtMs - label.startMs,
      top1,
      top3: top3 || top1,
      kindRight: top1 && seen.rootCause?.kind === label.kind,
      ...(seen.rootCause === undefined
        ? {}
        : { rootCause: `${seen.rootCause.service} ${seen.rootCause.kind}` }),
      ...(first.rootCause === undefined
        ? {}
        : { finalRootCause: `${first.rootCause.service} ${first.rootCause.kind}` }),
    };
  });
  return { faults, falseIncidents: run.incidents.filter((inc) => !used.has(inc.id)) };
}

/** Nearest-rank percentile of `values` (undefined when empty). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
