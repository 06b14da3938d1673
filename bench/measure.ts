/**
 * @module
 * One measured run: an engine, a format, a fresh data dir. Start the server, send the
 * pre-encoded bodies from concurrent clients, settle, time the queries, read peak RSS, stop
 * gracefully and measure the data dir.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, FormatName, QueryRequest } from './engines.ts';
import { type ClientRequests, type LoadResult, runClients } from './http-load.ts';
import { freePort, logTail, peakRssBytes, stopProcess, waitReady } from './processes.ts';

export interface QueryStats {
  readonly path: string;
  readonly warmups: number;
  readonly runsMs: number[];
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** What the last answer held, so readers can see every engine computed the same thing. */
  readonly seriesCount: number;
  readonly pointCount: number;
  readonly meanValue: number | null;
  readonly error: string | null;
}

export interface RunResult {
  readonly engine: string;
  readonly format: FormatName;
  readonly samples: number;
  readonly ingest: LoadResult & { readonly samplesPerSec: number };
  readonly settle: Record<string, number>;
  readonly query: QueryStats | null;
  readonly queryPerSeries: QueryStats | null;
  readonly peakRssBytes: number | null;
  readonly stop: string;
  /** SIGTERM to exit: for opsight, the flush of the head to disk. */
  readonly stopMs: number;
  readonly disk: {
    readonly bytes: number;
    readonly allocatedBytes: number;
    readonly bytesPerSample: number;
    readonly breakdown: Record<string, number>;
    readonly note: string;
    readonly extra?: Record<string, number>;
  };
}

export interface RunOptions {
  readonly workDir: string;
  readonly queries: { readonly aggregate: QueryRequest; readonly perSeries: QueryRequest } | null;
  readonly queryRuns: number;
  readonly queryWarmups: number;
  readonly perSeriesRuns: number;
  readonly log: (line: string) => void;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

interface Summary {
  readonly seriesCount: number;
  readonly pointCount: number;
  readonly meanValue: number | null;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}

/**
 * Counts series and points in a query_range answer, either opsight's `[{labels, points}]`
 * (bare or under `data`/`series`) or Prometheus's `{data: {result: [{values}]}}`.
 */
export function summarizeAnswer(body: unknown): Summary {
  let list: unknown[] | null = Array.isArray(body) ? body : null;
  const obj = asRecord(body);
  if (list === null && obj !== null) {
    const data = obj.data;
    if (Array.isArray(data)) list = data;
    else if (Array.isArray(obj.series)) list = obj.series;
    else {
      const result = asRecord(data)?.result;
      if (Array.isArray(result)) list = result;
    }
  }
  if (list === null) return { seriesCount: 0, pointCount: 0, meanValue: null };
  let points = 0;
  let sum = 0;
  for (const s of list) {
    const rec = asRecord(s);
    const pts = rec?.points ?? rec?.values;
    if (!Array.isArray(pts)) continue;
    for (const p of pts) {
      if (!Array.isArray(p)) continue;
      const v = Number(p[1]);
      if (Number.isFinite(v)) {
        sum += v;
        points++;
      }
    }
  }
  return {
    seriesCount: list.length,
    pointCount: points,
    meanValue: points > 0 ? sum / points : null,
  };
}

export async function timeQueries(
  baseUrl: string,
  path: string,
  warmups: number,
  runs: number,
): Promise<QueryStats> {
  const runsMs: number[] = [];
  let last: unknown = null;
  let error: string | null = null;
  for (let k = 0; k < warmups + runs; k++) {
    const started = performance.now();
    const res = await fetch(baseUrl + path);
    const text = await res.text();
    const ms = performance.now() - started;
    if (!res.ok) {
      error = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      break;
    }
    if (k >= warmups) runsMs.push(ms);
    if (k === warmups + runs - 1) last = JSON.parse(text) as unknown;
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    path,
    warmups,
    runsMs,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    ...summarizeAnswer(last),
    error,
  };
}

export async function runEngineFormat(
  engine: Engine,
  format: FormatName,
  clients: readonly ClientRequests[],
  options: RunOptions,
): Promise<RunResult> {
  const endpoint = engine.endpoint(format);
  if (endpoint === null) throw new Error(`${engine.name} does not take ${format}`);
  const dir = join(options.workDir, `${engine.name}-${format}`);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const server = await engine.start(dataDir, port, join(dir, 'server.log'));
  try {
    await waitReady(server, engine.readyPath, 60_000);
    const samples = clients.reduce((n, c) => n + c.samples.reduce((a, b) => a + b, 0), 0);
    options.log(
      `${engine.name} ← ${format}: ${samples.toLocaleString('en-US')} samples, ${clients.length} clients`,
    );
    const load = await runClients(
      new URL(server.baseUrl + endpoint.path),
      endpoint.headers,
      clients,
    );
    const samplesPerSec = load.acceptedSamples / (load.elapsedMs / 1000);
    options.log(
      `  ingest ${(samplesPerSec / 1e6).toFixed(3)} M samples/s in ${(load.elapsedMs / 1000).toFixed(1)} s` +
        (load.failedRequests > 0
          ? ` — ${load.failedRequests} requests FAILED: ${load.firstError}`
          : ''),
    );
    const settle = await engine.settle(server, (l) => options.log(`  ${l}`));
    let query: QueryStats | null = null;
    let queryPerSeries: QueryStats | null = null;
    if (options.queries !== null) {
      const aggPath = engine.queryPath(options.queries.aggregate);
      if (aggPath !== null) {
        query = await timeQueries(server.baseUrl, aggPath, options.queryWarmups, options.queryRuns);
        options.log(
          `  query p50 ${query.p50Ms.toFixed(1)} ms, p95 ${query.p95Ms.toFixed(1)} ms (${query.pointCount} points)` +
            (query.error === null ? '' : ` — ERROR ${query.error}`),
        );
      }
      const perPath = engine.queryPath(options.queries.perSeries);
      if (perPath !== null && options.perSeriesRuns > 0) {
        queryPerSeries = await timeQueries(server.baseUrl, perPath, 1, options.perSeriesRuns);
        options.log(
          `  per-series query p50 ${queryPerSeries.p50Ms.toFixed(1)} ms (${queryPerSeries.seriesCount} series)` +
            (queryPerSeries.error === null ? '' : ` — ERROR ${queryPerSeries.error}`),
        );
      }
    }
    const rss = await peakRssBytes(server.child.pid);
    const stopStarted = performance.now();
    const stop = await stopProcess(server, 120_000);
    const stopMs = performance.now() - stopStarted;
    const disk = await engine.disk(dataDir);
    const bytesPerSample = load.acceptedSamples > 0 ? disk.usage.bytes / load.acceptedSamples : 0;
    options.log(
      `  disk ${(disk.usage.bytes / 1e6).toFixed(1)} MB = ${bytesPerSample.toFixed(2)} B/sample; peak RSS ${rss === null ? '?' : (rss / 2 ** 20).toFixed(0)} MiB; ${stop} in ${(stopMs / 1000).toFixed(1)} s`,
    );
    return {
      engine: engine.name,
      format,
      samples,
      ingest: { ...load, samplesPerSec },
      settle,
      query,
      queryPerSeries,
      peakRssBytes: rss,
      stop,
      stopMs,
      disk: {
        bytes: disk.usage.bytes,
        allocatedBytes: disk.usage.allocatedBytes,
        bytesPerSample,
        breakdown: disk.breakdown,
        note: disk.note,
        ...(disk.extra === undefined ? {} : { extra: disk.extra }),
      },
    };
  } catch (err) {
    const tail = await logTail(server.logPath);
    await stopProcess(server, 10_000);
    throw new Error(
      `${engine.name}/${format}: ${err instanceof Error ? err.message : String(err)}\nlog tail:\n${tail}`,
    );
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
  }
}
