/**
 * @module
 * Root-cause analysis benchmark: wall and CPU milliseconds of one `analyzeRootCause` over
 * 100,002 spans (14,286 traces frontend → checkout → inventory + payment, seven spans each, every
 * tenth with a 1.2 s payment), spans in trace order and shuffled, after one untimed warm-up.
 * `runRcaBench` returns the numbers; run directly (`node dist/bench/rca.js`) it prints them as
 * JSON with the hardware, load and date. docs/rca.md ("Performance") quotes a run.
 */
import { arch, cpus, loadavg, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { argv, cpuUsage } from 'node:process';
import { pathToFileURL } from 'node:url';
import { createRng, type EndpointStats, type Span } from '../src/contract/index.ts';
import type { RcaInput } from '../src/incidents/index.ts';
import { analyzeRootCause } from '../src/incidents/index.ts';

export interface RcaBenchResult {
  readonly spans: number;
  readonly runs: number;
  /** Sorted, per analysis. */
  readonly wallMs: readonly number[];
  readonly cpuMs: readonly number[];
  readonly shuffledWallMs: readonly number[];
  readonly root: string;
}

const T0 = 1_800_000_000_000;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Seven spans of one shop trace; payment takes `paymentMs` of its own. */
function shopTrace(no: number, startMs: number, paymentMs: number): Span[] {
  const traceId = hex(no + 1, 32);
  const id = (k: number): string => hex(no * 16 + k, 16);
  const span = (
    k: number,
    parent: number | undefined,
    service: string,
    kind: 'server' | 'client',
    endpoint: string,
    at: number,
    durationMs: number,
  ): Span => ({
    traceId,
    spanId: id(k),
    ...(parent === undefined ? {} : { parentSpanId: id(parent) }),
    service,
    name: `GET ${endpoint}`,
    kind,
    endpoint,
    startMs: at,
    durationMs,
    status: 'unset',
    ...(kind === 'server' ? { httpStatus: 200 } : {}),
    attributes: {},
  });
  const inv = 20;
  const pay = paymentMs;
  const checkout = 30 + inv + 2 + pay + 2;
  const s = startMs;
  return [
    span(1, undefined, 'frontend', 'server', '/', s, 10 + checkout + 2),
    span(2, 1, 'frontend', 'client', '/checkout', s + 10, checkout + 2),
    span(3, 2, 'checkout', 'server', '/checkout', s + 11, checkout),
    span(4, 3, 'checkout', 'client', '/reserve', s + 41, inv + 2),
    span(5, 4, 'inventory', 'server', '/reserve', s + 42, inv),
    span(6, 3, 'checkout', 'client', '/payment', s + 43 + inv, pay + 2),
    span(7, 6, 'payment', 'server', '/payment', s + 44 + inv, pay),
  ];
}

function stats(
  service: string,
  endpoint: string,
  p95Ms: number,
  baselineMs: number,
): EndpointStats {
  return {
    service,
    endpoint,
    fromMs: T0,
    toMs: T0 + 120_000,
    requestCount: 14_286,
    errorCount: 0,
    errorRate: 0,
    avgLatencyMs: p95Ms / 2,
    p50Ms: p95Ms / 2,
    p95Ms,
    p99Ms: p95Ms,
    statusDistribution: { '200': 14_286 },
    baselineLatencyMs: baselineMs,
    baselineErrorRate: 0.001,
  };
}

export function runRcaBench(runs = 7): RcaBenchResult {
  const spans: Span[] = [];
  for (let i = 0; i < 14_286; i++)
    spans.push(...shopTrace(i, T0 + i * 5, i % 10 === 0 ? 1_200 : 80));
  const edge = (from: string, to: string) => ({
    from,
    to,
    calls: 14_286,
    callRatePerS: 119,
    errorRate: 0,
    p95Ms: 100,
    lastSeenMs: T0,
  });
  const input: RcaInput = {
    fromMs: T0,
    toMs: T0 + 120_000,
    signals: [],
    spans,
    map: {
      fromMs: T0,
      toMs: T0 + 120_000,
      nodes: [],
      edges: [
        edge('frontend', 'checkout'),
        edge('checkout', 'inventory'),
        edge('checkout', 'payment'),
      ],
    },
    stats: [
      stats('frontend', '/', 1_300, 160),
      stats('checkout', '/checkout', 1_290, 140),
      stats('inventory', '/reserve', 20, 20),
      stats('payment', '/payment', 1_200, 90),
    ],
  };
  const rng = createRng(7);
  const shuffled = [...spans];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  let root = String(analyzeRootCause(input).rootCause?.service); // warm-up
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  const shuffledWallMs: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c = cpuUsage();
    const t = performance.now();
    root = String(analyzeRootCause(input).rootCause?.service);
    wallMs.push(Math.round(performance.now() - t));
    const d = cpuUsage(c);
    cpuMs.push(Math.round((d.user + d.system) / 1000));
    const t2 = performance.now();
    analyzeRootCause({ ...input, spans: shuffled });
    shuffledWallMs.push(Math.round(performance.now() - t2));
  }
  const asc = (a: number, b: number): number => a - b;
  return {
    spans: spans.length,
    runs,
    wallMs: wallMs.sort(asc),
    cpuMs: cpuMs.sort(asc),
    shuffledWallMs: shuffledWallMs.sort(asc),
    root,
  };
}

if (argv[1] !== undefined && import.meta.url === pathToFileURL(argv[1]).href) {
  const result = runRcaBench();
  const hardware = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    platform: platform(),
    arch: arch(),
  };
  console.log(
    JSON.stringify({ date: new Date().toISOString(), hardware, loadavg: loadavg(), ...result }),
  );
}
