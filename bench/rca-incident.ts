/**
 * @module
 * RCA latency on a simulated incident (issue 4 item 11, RCA half): how long `analyzeRootCause`
 * takes for an incident whose window holds at least 100,000 spans. bench/rca.ts times the same
 * function on hand-built traces; this one on what the pipeline really hands it.
 *
 * The input is real, not hand-made: the demo shop with a 300 ms delay on payment runs through
 * the AIOps pipeline (bench/aiops-harness.ts) until the incident's first analysis, whose input
 * (window, signals, service map, endpoint statistics with baselines) is kept. The same seeded
 * shop at a higher request rate then supplies every span that started in that window — at
 * least `minSpans` — in place of the pipeline's bounded sample, and analyzeRootCause is timed
 * on it over several runs after a warm-up. The statistics keep the low-rate counts (RCA reads
 * totals and baselines from them, not its cost). `npm run bench` runs it; alone:
 * `node dist/bench/rca-incident.js` after a build.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { analyzeRootCause, type RcaInput } from '../src/incidents/index.ts';
import { createShopSimulator, type ShopFault } from '../src/simulate/index.ts';
import { percentile, runAiops } from './aiops-harness.ts';

export interface IncidentRcaBenchOptions {
  /** Spans the analysed window must hold. Default 100,000. */
  readonly minSpans: number;
  /** Timed runs after one warm-up. Default 10. */
  readonly runs: number;
  readonly seed: number;
}

export interface IncidentRcaBenchResult {
  readonly spans: number;
  readonly traces: number;
  readonly services: number;
  readonly windowMs: number;
  readonly requestsPerSecond: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly rootCause: string;
}

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

export async function runIncidentRcaBench(
  options: Partial<IncidentRcaBenchOptions> = {},
): Promise<IncidentRcaBenchResult> {
  const o: IncidentRcaBenchOptions = { minSpans: 100_000, runs: 10, seed: 42, ...options };
  const fault: ShopFault = {
    service: 'payment',
    kind: 'delay',
    value: 300,
    startMs: T0 + 5 * MIN,
    endMs: T0 + 8 * MIN,
  };
  const lowRps = 20;
  let captured: RcaInput | undefined;
  await runAiops({
    simulator: { seed: o.seed, startMs: T0, requestsPerSecond: lowRps, faults: [fault] },
    durationMs: 7 * MIN,
    onRca: (input) => {
      captured ??= input;
    },
  });
  if (captured === undefined) throw new Error('rca bench: the pipeline opened no incident');
  const base = captured;
  const windowMs = base.toMs - base.fromMs;
  const started = base.spans.filter((s) => s.startMs >= base.fromMs && s.startMs <= base.toMs);
  // Spans per request per second at the low rate, from the pipeline's own sample span.
  const sampleFromMs = Math.min(...started.map((s) => s.startMs));
  const perRequest = started.length / (lowRps * ((base.toMs - sampleFromMs) / 1000));
  let rps = Math.ceil((o.minSpans * 1.1) / (perRequest * (windowMs / 1000)));
  let spans = spansIn(o.seed, rps, fault, base.fromMs, base.toMs);
  while (spans.length < o.minSpans) {
    rps = Math.ceil(rps * 1.2);
    spans = spansIn(o.seed, rps, fault, base.fromMs, base.toMs);
  }
  const input: RcaInput = { ...base, spans };
  const first = analyzeRootCause(input); // warm-up (JIT), and the answer reported
  const times: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const t = performance.now();
    analyzeRootCause(input);
    times.push(performance.now() - t);
  }
  const round = (ms: number | undefined): number => Math.round((ms ?? Number.NaN) * 10) / 10;
  return {
    spans: spans.length,
    traces: new Set(spans.map((s) => s.traceId)).size,
    services: new Set(spans.map((s) => s.service)).size,
    windowMs,
    requestsPerSecond: rps,
    runs: o.runs,
    medianMs: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
    rootCause:
      first.rootCause === undefined
        ? 'none'
        : `${first.rootCause.service} ${first.rootCause.endpoint ?? ''} ${first.rootCause.kind}`.replace(
            /\s+/g,
            ' ',
          ),
  };
}

/** Every span of the shop at `rps` that started in [fromMs, toMs] (inclusive, as RcaInput). */
function spansIn(seed: number, rps: number, fault: ShopFault, fromMs: number, toMs: number) {
  const sim = createShopSimulator({ seed, startMs: T0, requestsPerSecond: rps, faults: [fault] });
  // Spans are delivered by end; a span that started by toMs ends within the client timeout
  // chain, well inside a minute here.
  return sim
    .spansBetween(fromMs, toMs + MIN)
    .filter((s) => s.startMs >= fromMs && s.startMs <= toMs);
}

export function renderIncidentRcaBench(r: IncidentRcaBenchResult): string {
  return [
    `RCA on one incident: ${r.spans.toLocaleString('en-US')} spans (${r.traces.toLocaleString('en-US')} traces, ${r.services} services) over ${(r.windowMs / 1000).toFixed(0)} s`,
    `  analyzeRootCause: median ${r.medianMs} ms, p95 ${r.p95Ms} ms (min ${r.minMs}, max ${r.maxMs}; ${r.runs} runs after a warm-up)`,
    `  root cause: ${r.rootCause}`,
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runIncidentRcaBench().then(
    (r) => {
      process.stdout.write(
        `${renderIncidentRcaBench(r)}\n${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: loadavg(), ...r })}\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
