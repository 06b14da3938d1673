/**
 * @module
 * `npm run bench [-- --quick] [--only opsight,prometheus,victoria-metrics]
 * [--formats remote-write,json,influx]`: the ingest/disk/query/RSS benchmark of issue 2
 * item 10, opsight beside Prometheus and VictoriaMetrics on the same workload in the same run.
 * Prints a table, writes bench/results/<date>.json and (full runs) appends to
 * docs/performance.md.
 */

import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runDetectorBench } from './detect.ts';
import { encodeLineProtocolSlice, encodeNdjsonSlice, encodeRemoteWriteSlice } from './encode.ts';
import {
  allEngines,
  ENGINE_NAMES,
  type Engine,
  type EngineName,
  FORMAT_NAMES,
  type FormatName,
} from './engines.ts';
import type { ClientRequests } from './http-load.ts';
import { type RunResult, runEngineFormat } from './measure.ts';
import { type OtlpBenchResult, runOtlpBench } from './otlp.ts';
import { runRcaBench } from './rca.ts';
import { renderIncidentRcaBench, runIncidentRcaBench } from './rca-incident.ts';
import {
  type BenchResults,
  type Hardware,
  renderDetectorTable,
  renderMarkdownSection,
  renderTable,
} from './report.ts';
import { runStoreDirect, type StoreDirectResult } from './store-direct.ts';
import {
  alignDown,
  defaultWorkloadOptions,
  generateWorkload,
  planClients,
  quickWorkloadOptions,
  type Slice,
  sliceSamples,
  type Workload,
} from './workload.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLIENTS = 4;
/**
 * Consecutive samples of each owned series per request. With 1,000 series (250 per client):
 * remote write 2,500 samples per request (Prometheus's own sender batches 2,000 by default),
 * NDJSON 1,000 events, Influx 5,000 lines (the batch size InfluxData recommends).
 */
const SAMPLES_PER_SERIES: Record<FormatName, number> = { 'remote-write': 10, json: 4, influx: 20 };
const ENCODERS: Record<FormatName, (w: Workload, s: Slice) => Uint8Array> = {
  'remote-write': encodeRemoteWriteSlice,
  json: (w, s) => Buffer.from(encodeNdjsonSlice(w, s)),
  influx: (w, s) => Buffer.from(encodeLineProtocolSlice(w, s)),
};

const benchStarted = performance.now();

/** Progress on stderr, each line stamped with the seconds since the bench started. */
function log(line: string): void {
  const stamp = `[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s]`;
  process.stderr.write(`${line.replace(/^(\n*)/, `$1${stamp} `)}\n`);
}

function loud(line: string): void {
  process.stderr.write(`\n!!! ${line}\n\n`);
}

function list<T extends string>(raw: string | undefined, allowed: readonly T[], flag: string): T[] {
  if (raw === undefined) return [...allowed];
  const picked = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const p of picked) {
    if (!(allowed as readonly string[]).includes(p)) {
      throw new Error(`--${flag}: unknown value '${p}' (one or more of ${allowed.join(', ')})`);
    }
  }
  return picked as T[];
}

function hardware(): Hardware {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: process.platform,
    kernel: release(),
    loadAverageAtStart: loadavg(),
  };
}

function encodeClients(workload: Workload, format: FormatName): ClientRequests[] {
  return planClients(workload, CLIENTS, SAMPLES_PER_SERIES[format]).map((plan) => ({
    bodies: plan.map((s) => ENCODERS[format](workload, s)),
    samples: plan.map(sliceSamples),
  }));
}

function describeWorkload(w: Workload): Record<string, unknown> {
  const o = w.options;
  return {
    ...o,
    startMs: w.startMs,
    start: new Date(w.startMs).toISOString(),
    end: new Date(o.endMs).toISOString(),
    totalSamples: o.seriesCount * o.samplesPerSeries,
    metric: 'bench_metric',
    labels: 'source_id (unique), instance (100 values), job (4), region (3)',
    values: `mean-reverting random walk + daily sine, levels 10..1000, rounded to ${o.decimals ?? 'full precision'} decimals`,
    clients: CLIENTS,
    samplesPerSeriesPerRequest: SAMPLES_PER_SERIES,
  };
}

async function main(): Promise<number> {
  const { values: flags } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      formats: { type: 'string' },
      seed: { type: 'string', default: '42' },
      'query-runs': { type: 'string' },
      record: { type: 'boolean' },
      'no-record': { type: 'boolean', default: false },
      'no-store': { type: 'boolean', default: false },
      'no-detectors': { type: 'boolean', default: false },
      otlp: { type: 'boolean', default: false },
      'no-otlp': { type: 'boolean', default: false },
      'no-rca': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (flags.help) {
    process.stdout.write(
      [
        'usage: npm run bench -- [options]',
        '  --quick                 100 series × 2,160 samples (smoke test) instead of 1,000 × 8,640',
        `  --only LIST             engines, comma-separated: ${ENGINE_NAMES.join(', ')}`,
        `  --formats LIST          ingest formats: ${FORMAT_NAMES.join(', ')}`,
        '  --seed N                workload seed (default 42)',
        '  --query-runs N          timed query runs after 2 warm-ups (default 20)',
        '  --no-store              skip the in-process store figure',
        '  --no-detectors          skip the detector throughput and state-size figures',
        '  --otlp                  only the OTLP trace ingest figures (POST /v1/traces, ~20 s)',
        '  --no-otlp               skip the OTLP trace ingest figures',
        '  --no-rca                skip the root-cause analysis latency at 100k spans',
        '  --record / --no-record  append to docs/performance.md (default: only full runs of everything)',
        '  --keep                  keep the temporary data dirs',
        '',
      ].join('\n'),
    );
    return 0;
  }
  if (flags.otlp === true) {
    // Only the OTLP trace ingest section: quick, with its own results file.
    const otlp = await runOtlpBench(undefined, log);
    const at = new Date().toISOString();
    const dir = join(REPO_ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${at.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-otlp.json`);
    const out = { date: at, command: 'npm run bench -- --otlp', hardware: hardware(), otlp };
    await writeFile(path, `${JSON.stringify(out, null, 2)}\n`);
    for (const r of otlp.results) {
      process.stdout.write(
        `OTLP ${r.format.padEnd(8)} ${Math.round(r.spansPerSec).toLocaleString('en-US').padStart(9)} spans/s  (${r.spans} spans, ${r.bytesPerRequest} B/request, ${r.failedRequests} failed)\n`,
      );
    }
    process.stdout.write(
      `disk: ${otlp.diskBytesPerSpan?.toFixed(0) ?? '?'} B/span\nraw figures: ${relative(process.cwd(), path)}\n`,
    );
    return otlp.results.some((r) => r.failedRequests > 0) ? 1 : 0;
  }
  const engineNames = list<EngineName>(flags.only, ENGINE_NAMES, 'only');
  const formats = list<FormatName>(flags.formats, FORMAT_NAMES, 'formats');
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed: an integer');
  const queryRuns = flags['query-runs'] === undefined ? 20 : Number(flags['query-runs']);
  if (!Number.isInteger(queryRuns) || queryRuns < 1)
    throw new Error('--query-runs: a positive integer');
  const quick = flags.quick === true;
  const command = [
    'npm run bench',
    ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
  ].join(' ');

  const date = new Date();
  const results: BenchResults = {
    date: date.toISOString(),
    command,
    quick,
    hardware: hardware(),
    versions: {},
    workload: {},
    runs: [],
    storeDirect: [],
    skipped: [],
    errors: [],
    notes: [],
  };

  const engines: Engine[] = [];
  for (const engine of allEngines()) {
    if (!engineNames.includes(engine.name)) continue;
    const reason = engine.unavailable();
    if (reason !== null) {
      loud(`${engine.name} SKIPPED: ${reason}. Its columns will be empty.`);
      results.skipped.push({ what: engine.name, reason });
      continue;
    }
    results.versions[engine.name] = engine.version();
    engines.push(engine);
  }

  // Two minutes before now, so every engine takes the whole day (none is in the future) and
  // VictoriaMetrics's 30 s search latency offset does not hide the newest samples.
  const endMs = alignDown(Date.now() - 120_000, 60_000);
  const workloadOptions = {
    ...(quick ? quickWorkloadOptions(endMs) : defaultWorkloadOptions(endMs)),
    seed,
  };
  let started = performance.now();
  const workload = generateWorkload(workloadOptions);
  Object.assign(results.workload, describeWorkload(workload));
  log(
    `workload: ${workloadOptions.seriesCount} series × ${workloadOptions.samplesPerSeries} samples at ${workloadOptions.intervalMs / 1000} s ` +
      `(${new Date(workload.startMs).toISOString()} .. ${new Date(endMs).toISOString()}), generated in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const workDir = await mkdtemp(join(tmpdir(), 'opsight-bench-'));
  const queries = {
    aggregate: {
      fromMs: alignDown(workload.startMs, 60_000),
      toMs: endMs,
      stepMs: 60_000,
      allSeries: true,
    },
    perSeries: {
      fromMs: alignDown(workload.startMs, 60_000),
      toMs: endMs,
      stepMs: 60_000,
      allSeries: false,
      job: 'api',
    },
  };
  try {
    for (const format of formats) {
      const targets = engines.filter((e) => e.endpoint(format) !== null);
      if (targets.length === 0) continue;
      started = performance.now();
      const clients = encodeClients(workload, format);
      const bytes = clients.reduce((n, c) => n + c.bodies.reduce((a, b) => a + b.byteLength, 0), 0);
      const requests = clients.reduce((n, c) => n + c.bodies.length, 0);
      log(
        `\n${format}: ${requests} requests, ${(bytes / 1e6).toFixed(1)} MB, encoded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      for (const engine of targets) {
        try {
          const r: RunResult = await runEngineFormat(engine, format, clients, {
            workDir,
            queries: format === 'remote-write' ? queries : null,
            queryRuns,
            queryWarmups: 2,
            perSeriesRuns: quick ? 3 : 5,
            log,
          });
          results.runs.push(r);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          loud(`${engine.name} on ${format} FAILED: ${message}`);
          results.errors.push(`${engine.name}/${format}: ${message}`);
        }
      }
    }

    if (engineNames.includes('opsight') && flags['no-store'] !== true) {
      const plans = planClients(workload, CLIENTS, SAMPLES_PER_SERIES['remote-write']);
      for (const w of [workload, generateWorkload({ ...workloadOptions, decimals: null })]) {
        const label =
          w.options.decimals === null ? 'full precision' : `${w.options.decimals} decimals`;
        try {
          const r: StoreDirectResult = await runStoreDirect(
            w,
            plans,
            join(workDir, `store-${label.replace(' ', '-')}`),
          );
          log(
            `\nstore in-process (${label}): ${(r.samplesPerSec / 1e6).toFixed(3)} M samples/s, flush ${r.flushMs.toFixed(0)} ms, ${r.bytesPerSample.toFixed(2)} B/sample`,
          );
          results.storeDirect.push(r);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          loud(`store in-process (${label}) FAILED: ${message}`);
          results.errors.push(`store/${label}: ${message}`);
        }
      }
    }
    if (flags['no-otlp'] !== true) {
      try {
        // Issue 4: spans/s over POST /v1/traces, protobuf and JSON.
        (results as BenchResults & { otlp?: OtlpBenchResult }).otlp = await runOtlpBench(
          undefined,
          log,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        loud(`OTLP bench FAILED: ${message}`);
        results.errors.push(`otlp: ${message}`);
      }
    }
    if (flags['no-detectors'] !== true) {
      try {
        // Issue 3: detector points/s and bytes of state per series at 100,000 series.
        const d = await runDetectorBench(
          quick ? { points: 200_000, stateSeries: 10_000 } : { stateSeries: 100_000 },
        );
        results.detectors = d;
        log(`\ndetectors (${d.cpu}):\n${renderDetectorTable(d)}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        loud(`detector bench FAILED: ${message}`);
        results.errors.push(`detectors: ${message}`);
      }
    }
    if (flags['no-rca'] !== true) {
      // Issue 4 item 11: analyzeRootCause on >= 100k spans, hand-built traces (bench/rca.ts)
      // and the window of a simulated incident as the pipeline hands it over (rca-incident.ts).
      try {
        const synthetic = runRcaBench();
        const mid = synthetic.wallMs[Math.floor(synthetic.wallMs.length / 2)] ?? Number.NaN;
        log(
          `\nRCA, ${synthetic.spans} hand-built spans: median ${mid.toFixed(0)} ms wall over ${synthetic.runs} runs (root ${synthetic.root})`,
        );
        const incident = await runIncidentRcaBench();
        log(`\n${renderIncidentRcaBench(incident)}`);
        results.rca = { synthetic, incident };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        loud(`rca bench FAILED: ${message}`);
        results.errors.push(`rca: ${message}`);
      }
    }
  } finally {
    if (flags.keep === true) log(`data dirs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }

  addNotes(results, workload);
  const [startLoad = 0] = results.hardware.loadAverageAtStart;
  const [endLoad = 0] = loadavg();
  results.notes.push(
    `1-minute load average ${startLoad.toFixed(1)} at the start and ${endLoad.toFixed(1)} at the end on ${results.hardware.cores} cores` +
      (Math.max(startLoad, endLoad) > results.hardware.cores / 2
        ? ': the machine was shared with other jobs, so every figure is noisy and the absolute numbers are pessimistic; the ratios (engines measured minutes apart in the same run) suffer less but are not immune.'
        : '.'),
  );
  const stamp = results.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const resultsPath = join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`);
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);

  process.stdout.write(`\n${renderTable(results)}\n\n`);
  for (const n of results.notes) process.stdout.write(`- ${n}\n`);
  process.stdout.write(`\nraw figures: ${relative(process.cwd(), resultsPath)}\n`);

  const everything = !quick && flags.only === undefined && flags.formats === undefined;
  if (flags['no-record'] !== true && (flags.record === true || everything)) {
    const doc = join(REPO_ROOT, 'docs', 'performance.md');
    const detectors =
      results.detectors === undefined
        ? ''
        : `\nDetectors (issue 3; points/s per detector, serialized state per series):\n\n\`\`\`\n${renderDetectorTable(results.detectors)}\n\`\`\`\n`;
    const section = renderMarkdownSection(results, relative(REPO_ROOT, resultsPath)) + detectors;
    let existing = '';
    try {
      existing = await readFile(doc, 'utf8');
    } catch {
      // First run: the file is created below with its introduction.
    }
    if (existing === '') await writeFile(doc, `# Performance\n\n${section}`);
    else await appendFile(doc, `\n${section}`);
    process.stdout.write(`appended to ${relative(process.cwd(), doc)}\n`);
  }
  return results.errors.length > 0 ? 1 : 0;
}

function addNotes(results: BenchResults, workload: Workload): void {
  const o = workload.options;
  results.notes.push(
    `Workload: ${o.seriesCount.toLocaleString('en-US')} series × ${o.samplesPerSeries.toLocaleString('en-US')} samples at ${o.intervalMs / 1000} s, seed ${o.seed}, ` +
      `values rounded to ${o.decimals} decimals; ${CLIENTS} clients, each owning a quarter of the series and sending in time order ` +
      `(each request: the client's series × ${SAMPLES_PER_SERIES['remote-write']} samples for remote write, × ${SAMPLES_PER_SERIES.json} for NDJSON, × ${SAMPLES_PER_SERIES.influx} for Influx). ` +
      'Clients run in the bench process on the same machine as the server, so they compete with it for the CPU.',
  );
  const full = results.storeDirect.find((s) => s.decimals === null);
  const rounded = results.storeDirect.find((s) => s.decimals !== null);
  if (full !== undefined && rounded !== undefined) {
    results.notes.push(
      `opsight store on disk: ${rounded.bytesPerSample.toFixed(2)} B/sample with ${rounded.decimals}-decimal values, ` +
        `${full.bytesPerSample.toFixed(2)} B/sample with full-precision floats (same series and timestamps).`,
    );
  }
  const ours = results.runs.find((r) => r.engine === 'opsight' && r.format === 'remote-write');
  const core = results.runs.find((r) => r.engine === 'opsight-core' && r.format === 'remote-write');
  if (ours !== undefined || core !== undefined) {
    results.notes.push(
      'opsight columns: `opsight start --no-demo` as shipped, which also runs the anomaly detectors on every ingested ' +
        'series and stores three baseline series (expected, lower, upper) per series; rows marked "core server" run ' +
        '`opsight start --no-demo --no-detect`, which keeps only what it was sent, as the peers do.',
    );
  }
  const prom = results.runs.find((r) => r.engine === 'prometheus' && r.format === 'remote-write');
  if (prom?.disk.extra !== undefined) {
    const e = prom.disk.extra;
    results.notes.push(
      `Prometheus disk: ${prom.disk.note}. Its compacted blocks alone hold ${(e.blockSamples ?? 0).toLocaleString('en-US')} samples in ` +
        `${((e.blockBytes ?? 0) / 1e6).toFixed(1)} MB = ${(e.blockBytesPerSample ?? 0).toFixed(2)} B/sample; the rest is WAL and head chunks.`,
    );
  }
  const vm = results.runs.find(
    (r) => r.engine === 'victoria-metrics' && r.format === 'remote-write',
  );
  if (vm !== undefined)
    results.notes.push(
      `VictoriaMetrics disk: ${vm.disk.note}; queries run with -search.disableCache.`,
    );
  results.notes.push(
    'Query: opsight `query_range?metric=bench_metric&step=60s&agg=avg&group_by=` (all series into one); peers ' +
      '`avg(avg_over_time(bench_metric[1m]))` at step 60 s; 2 warm-ups then the timed runs, sequential, over the whole workload span. ' +
      'Per series: the quarter of the series with job="api", each its own line (opsight without group_by, peers ' +
      '`avg_over_time(bench_metric{job="api"}[1m])`), 1 warm-up.',
  );
  for (const r of results.runs) {
    if (r.ingest.failedRequests > 0) {
      results.notes.push(
        `${r.engine}/${r.format}: ${r.ingest.failedRequests} of ${r.ingest.requests} requests failed (${r.ingest.rejectedSamples} samples not counted): ${r.ingest.firstError}`,
      );
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
