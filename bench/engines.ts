/**
 * @module
 * The servers under test and how each is started, fed, queried, settled and measured.
 * opsight runs as `node bin/opsight start`; the peers are Debian's Prometheus 2.42 and
 * VictoriaMetrics 1.79, found on PATH and never installed by the bench.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type DirUsage,
  dirBreakdown,
  dirUsage,
  type ServerProcess,
  startProcess,
} from './processes.ts';

export const ENGINE_NAMES = ['opsight', 'opsight-core', 'prometheus', 'victoria-metrics'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const FORMAT_NAMES = ['remote-write', 'json', 'influx'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface IngestEndpoint {
  readonly path: string;
  readonly headers: Record<string, string>;
}

export interface QueryRequest {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /**
   * true: one aggregate over all series; false: one line per series of `job` (a quarter of
   * them, so the answer stays under opsight's default limit of 1,000,000 points).
   */
  readonly allSeries: boolean;
  readonly job?: string;
}

export interface DiskReport {
  readonly usage: DirUsage;
  /** Bytes per top-level entry of the data dir. */
  readonly breakdown: Record<string, number>;
  /** What the bytes include, for the report. */
  readonly note: string;
  /** Optional finer figure, e.g. Prometheus's persisted blocks alone. */
  readonly extra?: Record<string, number>;
}

export interface Engine {
  readonly name: EngineName;
  /** Why it cannot run here, or null. */
  unavailable(): string | null;
  version(): string;
  start(dataDir: string, port: number, logPath: string): Promise<ServerProcess>;
  readonly readyPath: string;
  endpoint(format: FormatName): IngestEndpoint | null;
  /** Query URL path + query string for the 24 h aggregate (null if unsupported). */
  queryPath(q: QueryRequest): string | null;
  /** After ingest, before queries: make the data queryable / persisted as the engine does. */
  settle(server: ServerProcess, log: (line: string) => void): Promise<Record<string, number>>;
  /** After the process stopped gracefully. */
  disk(dataDir: string): Promise<DiskReport>;
}

const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this PATH entry: try the next.
    }
  }
  return null;
}

function firstLine(command: string, args: string[]): string {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.split('\n')[0]?.trim() ?? '';
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message : String(err)})`;
  }
}

function promQl(q: QueryRequest): string | null {
  const selector = q.job === undefined ? 'bench_metric' : `bench_metric{job="${q.job}"}`;
  const inner = `avg_over_time(${selector}[1m])`;
  const query = encodeURIComponent(q.allSeries ? `avg(${inner})` : inner);
  return `/api/v1/query_range?query=${query}&start=${q.fromMs / 1000}&end=${q.toMs / 1000}&step=${q.stepMs / 1000}`;
}

export function opsightEngine(): Engine {
  const bin = join(REPO_ROOT, 'bin', 'opsight');
  return {
    name: 'opsight',
    unavailable: () => null,
    version() {
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        version?: string;
      };
      let rev = '';
      try {
        rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        }).trim();
      } catch {
        // Not a git checkout: the package version alone.
      }
      return `${pkg.version ?? '?'}${rev === '' ? '' : ` (${rev})`}`;
    },
    async start(dataDir, port, logPath) {
      return startProcess(
        'opsight',
        process.execPath,
        [bin, 'start', '--no-demo', '--port', String(port), '--data-dir', dataDir],
        port,
        logPath,
        REPO_ROOT,
      );
    },
    readyPath: '/readyz',
    endpoint(format) {
      switch (format) {
        case 'remote-write':
          return { path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS };
        case 'json':
          return { path: '/api/v1/events', headers: { 'content-type': 'application/x-ndjson' } };
        case 'influx':
          return {
            path: '/api/v2/write?precision=ms',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          };
      }
    },
    queryPath(q) {
      const group = q.allSeries ? '&group_by=' : '';
      const match = q.job === undefined ? '' : `&match[]=${encodeURIComponent(`{job="${q.job}"}`)}`;
      return `/api/v1/query_range?metric=bench_metric${match}&from=${q.fromMs}&to=${q.toMs}&step=${q.stepMs / 1000}s&agg=avg${group}`;
    },
    async settle() {
      // Acknowledged writes are already queryable; persistence happens on the graceful stop.
      return {};
    },
    async disk(dataDir) {
      return {
        usage: await dirUsage(dataDir),
        breakdown: await dirBreakdown(dataDir),
        note: 'whole data dir after SIGTERM (graceful stop flushes the head)',
      };
    },
  };
}

/**
 * `opsight start --no-detect`: the same server and store without per-series anomaly detection
 * (which stores three baseline series for every series), so the figures compare with what the
 * peers do. Remote write only.
 */
export function opsightCoreEngine(): Engine {
  const full = opsightEngine();
  const bin = join(REPO_ROOT, 'bin', 'opsight');
  return {
    ...full,
    name: 'opsight-core',
    async start(dataDir, port, logPath) {
      return startProcess(
        'opsight-core',
        process.execPath,
        [bin, 'start', '--no-demo', '--no-detect', '--port', String(port), '--data-dir', dataDir],
        port,
        logPath,
        REPO_ROOT,
      );
    },
    endpoint: (format) => (format === 'remote-write' ? full.endpoint(format) : null),
    async disk(dataDir) {
      return { ...(await full.disk(dataDir)), note: 'whole data dir after SIGTERM (--no-detect)' };
    },
  };
}

/** Prometheus metrics text → value of an unlabelled gauge. */
function gauge(text: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

export function prometheusEngine(): Engine {
  const bin = findBinary('prometheus');
  return {
    name: 'prometheus',
    unavailable: () =>
      bin === null
        ? 'binary `prometheus` not found on PATH (Debian: apt-get install -y prometheus)'
        : null,
    version: () => (bin === null ? 'absent' : firstLine(bin, ['--version'])),
    async start(dataDir, port, logPath) {
      const configPath = join(dirname(logPath), 'prometheus.yml');
      // No scrape jobs. The out-of-order window: Prometheus rejects samples older than its
      // newest minus 1 h ("out of bounds"), and four independent clients backfilling a day can
      // drift further apart than that; with the window it takes them (through its slower
      // out-of-order head) instead of failing the request.
      await writeFile(
        configPath,
        'global:\n  scrape_interval: 1h\nscrape_configs: []\nstorage:\n  tsdb:\n    out_of_order_time_window: 1d\n',
      );
      return startProcess(
        'prometheus',
        bin as string,
        [
          '--web.enable-remote-write-receiver',
          `--storage.tsdb.path=${dataDir}`,
          `--config.file=${configPath}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--storage.tsdb.retention.time=30d',
        ],
        port,
        logPath,
      );
    },
    readyPath: '/-/ready',
    endpoint: (format) =>
      format === 'remote-write' ? { path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS } : null,
    queryPath: promQl,
    async settle(server, log) {
      // Prometheus keeps the newest data in its head (memory + WAL + mmapped head chunks) and
      // cuts 2 h blocks in the background once the head spans more than 3 h. Wait for that
      // to finish, so the disk figure shows its steady state rather than a WAL full of a day.
      const started = performance.now();
      const deadline = Date.now() + 300_000;
      let spanMs = Number.POSITIVE_INFINITY;
      while (Date.now() < deadline) {
        const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
        const min = gauge(text, 'prometheus_tsdb_head_min_time');
        const max = gauge(text, 'prometheus_tsdb_head_max_time');
        if (min !== null && max !== null) spanMs = max - min;
        if (spanMs <= 3 * 3_600_000) break;
        await delay(500);
      }
      const settleMs = performance.now() - started;
      log(
        `prometheus head compaction settled in ${(settleMs / 1000).toFixed(1)} s (head span ${(spanMs / 3_600_000).toFixed(1)} h)`,
      );
      return { settleMs, headSpanMs: spanMs };
    },
    async disk(dataDir) {
      const usage = await dirUsage(dataDir);
      const breakdown = await dirBreakdown(dataDir);
      // Persisted blocks are the directories named by ULID (26 characters).
      const blocks = await dirUsage(dataDir, (rel) => /^[0-9A-Z]{26}\//.test(rel));
      let blockSamples = 0;
      for (const name of Object.keys(breakdown)) {
        if (!/^[0-9A-Z]{26}$/.test(name)) continue;
        try {
          const meta = JSON.parse(readFileSync(join(dataDir, name, 'meta.json'), 'utf8')) as {
            stats?: { numSamples?: number };
          };
          blockSamples += meta.stats?.numSamples ?? 0;
        } catch {
          // A block without readable meta.json is ignored by Prometheus too.
        }
      }
      return {
        usage,
        breakdown,
        note: 'whole data dir after SIGTERM: compacted 2 h blocks + the head (WAL, mmapped head chunks) for the newest ~3 h',
        extra: {
          blockBytes: blocks.bytes,
          blockSamples,
          blockBytesPerSample: blockSamples > 0 ? blocks.bytes / blockSamples : 0,
        },
      };
    },
  };
}

export function victoriaMetricsEngine(): Engine {
  const bin = findBinary('victoria-metrics');
  return {
    name: 'victoria-metrics',
    unavailable: () =>
      bin === null
        ? 'binary `victoria-metrics` not found on PATH (Debian: apt-get install -y victoria-metrics)'
        : null,
    version() {
      if (bin === null) return 'absent';
      // Debian's build prints an empty version; its package version says which release it is.
      const own = firstLine(bin, ['-version']);
      if (own !== '') return own;
      // dpkg-query's own format syntax, not a template placeholder.
      const format = '$' + '{Version}';
      return `Debian package ${firstLine('dpkg-query', ['-W', '-f', format, 'victoria-metrics'])}`;
    },
    async start(dataDir, port, logPath) {
      return startProcess(
        'victoria-metrics',
        bin as string,
        [
          `-storageDataPath=${dataDir}`,
          `-httpListenAddr=127.0.0.1:${port}`,
          '-retentionPeriod=30d',
          // Its rollup result cache would answer repeated identical queries from memory;
          // the bench times the engine, not the cache.
          '-search.disableCache',
        ],
        port,
        logPath,
      );
    },
    readyPath: '/health',
    endpoint(format) {
      switch (format) {
        case 'remote-write':
          return { path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS };
        case 'influx':
          return {
            path: '/write?precision=ms',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          };
        case 'json':
          return null;
      }
    },
    queryPath: promQl,
    async settle(server, log) {
      const started = performance.now();
      const res = await fetch(`${server.baseUrl}/internal/force_flush`);
      await res.arrayBuffer();
      const settleMs = performance.now() - started;
      log(`victoria-metrics force_flush: HTTP ${res.status} in ${settleMs.toFixed(0)} ms`);
      return { settleMs };
    },
    async disk(dataDir) {
      return {
        usage: await dirUsage(dataDir),
        breakdown: await dirBreakdown(dataDir),
        note: 'whole data dir after /internal/force_flush and SIGTERM (data + indexdb)',
      };
    },
  };
}

export function allEngines(): Engine[] {
  return [opsightEngine(), opsightCoreEngine(), prometheusEngine(), victoriaMetricsEngine()];
}
