/**
 * @module
 * `npm run eval:aiops [-- --cases 50 --seed 1 --rps 5 --out file.json]`: accuracy of the AIOps
 * path (issue 4 item 9) over generated cases the scenario tests never use: a random shop
 * topology of 5–12 services (`generateTopology`, other service names than the demo shop), one
 * random fault (service, kind, magnitude, start, length), all seeded. Each case runs the real
 * pipeline (bench/aiops-harness.ts) and is judged against the fault's ground truth:
 *
 * - detected: an incident opened during the fault (or within a minute after it) that involves
 *   the faulty service or one of its callers;
 * - top-1 / top-3: the faulty service is that incident's root cause / among its first three
 *   candidates, as they stood at the end of the fault; kind: the root cause kind matches too;
 * - false incidents: incidents that belong to no fault;
 * - stability: detected cases whose root cause at the end of the run differs from the one at
 *   the end of the fault;
 * - MTTD: incident opened − fault start (time to open), and earliest signal − fault start.
 *
 * Nothing is tuned to these cases: detectors and RCA run with their defaults. Prints a summary
 * and writes the per-case JSON to bench/results/aiops-eval-<time>.json (or --out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng, type Rng } from '../src/contract/index.ts';
import {
  generateTopology,
  SHOP_FAULT_KINDS,
  type ShopFault,
  type ShopFaultKind,
  type ShopTopology,
} from '../src/simulate/index.ts';
import { type FaultVerdict, judge, percentile, runAiops } from './aiops-harness.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

export interface EvalCase {
  readonly index: number;
  readonly seed: number;
  readonly topology: ShopTopology;
  readonly fault: ShopFault;
  readonly durationMs: number;
}

/** Case `index` of the set seeded by `seed`: a pure function of both. */
export function evalCase(seed: number, index: number): EvalCase {
  const rng = createRng(seed * 1_000_003 + index);
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
  const services = int(5, 12);
  const topology = generateTopology(rng, {
    services,
    depth: int(3, Math.min(5, services)),
    fanout: int(2, 3),
  });
  const kind = SHOP_FAULT_KINDS[index % SHOP_FAULT_KINDS.length]!;
  const entry = topology.entries[0]!.service;
  // A timeout or absence of the entry would leave no caller to notice it: those target the rest.
  const pool = topology.services
    .map((s) => s.name)
    .filter((n) => !(n === entry && (kind === 'timeout' || kind === 'absence')));
  let service = pool[int(0, pool.length - 1)]!;
  // generateTopology can leave endpoints no entry reaches; a fault there never shows in any span
  // (5 of the 7 misses at seed 1 were such faults). Redraw among services requests reach; the
  // extra draw only changes the cases that needed it.
  const reached = reachedServices(topology);
  if (!reached.has(service)) {
    const live = pool.filter((n) => reached.has(n));
    service = live[int(0, live.length - 1)]!;
  }
  const startMs = T0 + 4 * MIN + int(0, 120) * 1000;
  const endMs = startMs + int(2, 4) * MIN;
  const fault: ShopFault = { service, kind, startMs, endMs, value: magnitude(rng, kind) };
  return { index, seed, topology, fault, durationMs: endMs + 2 * MIN - T0 };
}

/** Services with an endpoint some request can reach: from the entries, along calls of any probability. */
export function reachedServices(topology: ShopTopology): Set<string> {
  type Calls = ShopTopology['services'][number]['endpoints'][number]['calls'];
  const calls = new Map<string, Calls>();
  for (const s of topology.services) {
    for (const e of s.endpoints) calls.set(`${s.name} ${e.route}`, e.calls);
  }
  const seen = new Set<string>();
  const services = new Set<string>();
  const stack: { service: string; endpoint: string }[] = topology.entries.map((e) => ({
    service: e.service,
    endpoint: e.endpoint,
  }));
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const key = `${next.service} ${next.endpoint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    services.add(next.service);
    for (const c of calls.get(key) ?? []) if (c.probability > 0) stack.push(c);
  }
  return services;
}

function magnitude(rng: Rng, kind: ShopFaultKind): number {
  const between = (lo: number, hi: number): number =>
    Math.round((lo + rng.next() * (hi - lo)) * 100) / 100;
  switch (kind) {
    case 'delay':
      return Math.round(between(100, 600));
    case 'error':
      return between(0.2, 0.8);
    case 'timeout':
      return between(0.5, 1);
    case 'saturation':
      return between(0.85, 1);
    case 'absence':
      return 1;
  }
}

interface CaseResult {
  readonly index: number;
  readonly services: number;
  readonly fault: string;
  readonly detected: boolean;
  readonly top1: boolean;
  readonly top3: boolean;
  readonly kindRight: boolean;
  readonly rootCause?: string;
  readonly finalRootCause?: string;
  readonly incidents: number;
  readonly falseIncidents: number;
  readonly timeToOpenMs?: number;
  readonly firstSignalMinusStartMs?: number;
  readonly spans: number;
  readonly wallMs: number;
}

function describeFault(f: ShopFault): string {
  return `${f.kind} ${f.service} value ${f.value} for ${(f.endMs - f.startMs) / 1000} s`;
}

function caseResult(
  c: EvalCase,
  v: FaultVerdict,
  falseIncidents: number,
  spans: number,
  wallMs: number,
): CaseResult {
  return {
    index: c.index,
    services: c.topology.services.length,
    fault: describeFault(c.fault),
    detected: v.detected,
    top1: v.top1,
    top3: v.top3,
    kindRight: v.kindRight,
    ...(v.rootCause === undefined ? {} : { rootCause: v.rootCause }),
    ...(v.finalRootCause === undefined ? {} : { finalRootCause: v.finalRootCause }),
    incidents: v.incidents.length,
    falseIncidents,
    ...(v.timeToOpenMs === undefined ? {} : { timeToOpenMs: Math.round(v.timeToOpenMs) }),
    ...(v.mttdMs === undefined ? {} : { firstSignalMinusStartMs: Math.round(v.mttdMs) }),
    spans,
    wallMs: Math.round(wallMs),
  };
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(0)} %`);
const secs = (ms: number | undefined): string =>
  ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;

function summarise(results: readonly CaseResult[]): Record<string, unknown> {
  const n = results.length;
  const detected = results.filter((r) => r.detected);
  const open = detected.map((r) => r.timeToOpenMs!).filter((x) => x !== undefined);
  const first = detected.map((r) => r.firstSignalMinusStartMs!).filter((x) => x !== undefined);
  const byKind: Record<string, unknown> = {};
  for (const kind of SHOP_FAULT_KINDS) {
    const rs = results.filter((r) => r.fault.startsWith(`${kind} `));
    byKind[kind] = {
      cases: rs.length,
      detected: rs.filter((r) => r.detected).length,
      top1: rs.filter((r) => r.top1).length,
      top3: rs.filter((r) => r.top3).length,
      kindRight: rs.filter((r) => r.kindRight).length,
    };
  }
  return {
    cases: n,
    detectionRate: detected.length / n,
    top1Accuracy: results.filter((r) => r.top1).length / n,
    top3Accuracy: results.filter((r) => r.top3).length / n,
    top1AmongDetected:
      detected.length === 0 ? 0 : detected.filter((r) => r.top1).length / detected.length,
    kindAccuracy: results.filter((r) => r.kindRight).length / n,
    falseIncidents: results.reduce((a, r) => a + r.falseIncidents, 0),
    casesWithFalseIncidents: results.filter((r) => r.falseIncidents > 0).length,
    splitIncidents: results.filter((r) => r.incidents > 1).length,
    // Detected cases whose root cause at the end of the run differs from the one at fault end
    // (and of those, how many name another service rather than another kind).
    rootCauseChangedAfterFault: detected.filter((r) => r.rootCause !== r.finalRootCause).length,
    rootCauseServiceChangedAfterFault: detected.filter(
      (r) => r.rootCause?.split(' ')[0] !== r.finalRootCause?.split(' ')[0],
    ).length,
    timeToOpenMs: {
      p50: percentile(open, 50),
      p90: percentile(open, 90),
      max: percentile(open, 100),
    },
    firstSignalMinusStartMs: { p50: percentile(first, 50), p90: percentile(first, 90) },
    byKind,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      rps: { type: 'string', default: '5' },
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run eval:aiops -- [--cases 50] [--seed 1] [--rps 5] [--out file.json] [--quiet]\n',
    );
    return 0;
  }
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  const rps = Number(values.rps);
  if (!(Number.isInteger(cases) && cases >= 1) || !Number.isSafeInteger(seed) || !(rps > 0)) {
    process.stderr.write('--cases must be an integer >= 1, --seed an integer, --rps > 0\n');
    return 2;
  }
  const started = performance.now();
  const results: CaseResult[] = [];
  for (let i = 0; i < cases; i++) {
    const c = evalCase(seed, i);
    const run = await runAiops({
      simulator: {
        seed: seed * 7919 + i,
        startMs: T0,
        topology: c.topology,
        requestsPerSecond: rps,
        faults: [c.fault],
      },
      durationMs: c.durationMs,
      snapshotAtMs: c.fault.endMs,
    });
    const verdict = judge(run);
    const r = caseResult(
      c,
      verdict.faults[0]!,
      verdict.falseIncidents.length,
      run.spans,
      run.wallMs,
    );
    results.push(r);
    if (!values.quiet) {
      process.stderr.write(
        `case ${String(i).padStart(3)} ${String(r.services).padStart(2)} svc  ${r.fault.padEnd(44)} ` +
          `${r.detected ? 'detected' : 'MISSED  '} open +${secs(r.timeToOpenMs).padStart(7)}  ` +
          `rca ${(r.rootCause ?? '-').padEnd(22)} ${r.top1 ? 'top1' : r.top3 ? 'top3' : '    '}` +
          `${r.falseIncidents > 0 ? `  +${r.falseIncidents} false` : ''}  (${r.spans} spans, ${(r.wallMs / 1000).toFixed(1)} s)\n`,
      );
    }
  }
  const summary = summarise(results);
  const wallS = (performance.now() - started) / 1000;
  const s = summary as {
    detectionRate: number;
    top1Accuracy: number;
    top3Accuracy: number;
    kindAccuracy: number;
    top1AmongDetected: number;
    falseIncidents: number;
    casesWithFalseIncidents: number;
    splitIncidents: number;
    rootCauseChangedAfterFault: number;
    rootCauseServiceChangedAfterFault: number;
    timeToOpenMs: { p50?: number; p90?: number; max?: number };
    firstSignalMinusStartMs: { p50?: number; p90?: number };
    byKind: Record<
      string,
      { cases: number; detected: number; top1: number; top3: number; kindRight: number }
    >;
  };
  const lines = [
    `AIOps accuracy: ${cases} generated cases (seed ${seed}, ${rps} req/s, 5-12 services), ${wallS.toFixed(0)} s`,
    `  detection rate      ${pct(s.detectionRate * cases, cases)}`,
    `  top-1 root cause    ${pct(s.top1Accuracy * cases, cases)} of all cases (${pct(s.top1AmongDetected * 100, 100)} of detected)`,
    `  top-3 root cause    ${pct(s.top3Accuracy * cases, cases)}`,
    `  root cause + kind   ${pct(s.kindAccuracy * cases, cases)}`,
    `  false incidents     ${s.falseIncidents} (in ${s.casesWithFalseIncidents} cases); faults split over >1 incident: ${s.splitIncidents}`,
    `  root cause moved    after the fault in ${s.rootCauseChangedAfterFault} of ${Math.round(s.detectionRate * cases)} detected (${s.rootCauseServiceChangedAfterFault} to another service)`,
    `  time to open        p50 ${secs(s.timeToOpenMs.p50)}  p90 ${secs(s.timeToOpenMs.p90)}  max ${secs(s.timeToOpenMs.max)}`,
    `  first signal-start  p50 ${secs(s.firstSignalMinusStartMs.p50)}  p90 ${secs(s.firstSignalMinusStartMs.p90)}`,
    '  by fault kind       cases  detected  top-1  top-3  kind',
    ...Object.entries(s.byKind).map(
      ([k, v]) =>
        `    ${k.padEnd(17)} ${String(v.cases).padStart(5)} ${String(v.detected).padStart(9)} ${String(v.top1).padStart(6)} ${String(v.top3).padStart(6)} ${String(v.kindRight).padStart(5)}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out =
    values.out ??
    join(
      REPO_ROOT,
      'bench',
      'results',
      `aiops-eval-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.json`,
    );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        command: `npm run eval:aiops -- --cases ${cases} --seed ${seed} --rps ${rps}`,
        hardware: { cpu: cpus()[0]?.model, cores: cpus().length, loadAverageAtEnd: loadavg() },
        wallSeconds: Math.round(wallS),
        summary,
        cases: results,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`  results: ${out}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
