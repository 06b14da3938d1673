/**
 * @module
 * The results file's shape, the console table and the docs/performance.md section.
 */
import type { DetectorBenchResult } from './detect.ts';
import type { EngineName, FormatName } from './engines.ts';
import type { QueryStats, RunResult } from './measure.ts';
import type { RcaBenchResult } from './rca.ts';
import type { IncidentRcaBenchResult } from './rca-incident.ts';
import type { StoreDirectResult } from './store-direct.ts';

export interface Hardware {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  readonly loadAverageAtStart: number[];
}

export interface BenchResults {
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly hardware: Hardware;
  readonly versions: Partial<Record<EngineName, string>>;
  readonly workload: Record<string, unknown>;
  readonly runs: RunResult[];
  readonly storeDirect: StoreDirectResult[];
  /** Detector throughput and state size (issue 3), when measured. */
  detectors?: DetectorBenchResult;
  /** Root-cause analysis latency at 100k spans (issue 4 item 11), when measured. */
  rca?: { synthetic?: RcaBenchResult; incident?: IncidentRcaBenchResult };
  readonly skipped: { readonly what: string; readonly reason: string }[];
  readonly errors: string[];
  readonly notes: string[];
}

type Better = 'higher' | 'lower';

interface Row {
  readonly figure: string;
  readonly better: Better;
  /** Issue 2's target for opsight, on the same side as `better`. */
  readonly target?: number;
  readonly values: Partial<Record<EngineName, number | null>>;
  readonly digits: number;
}

const PEERS: readonly EngineName[] = ['prometheus', 'victoria-metrics'];

function run(results: BenchResults, engine: EngineName, format: FormatName): RunResult | undefined {
  return results.runs.find((r) => r.engine === engine && r.format === format);
}

/** Values per column; the opsight column comes from `ours` ('opsight' or 'opsight-core'). */
function perEngine(
  results: BenchResults,
  format: FormatName,
  pick: (r: RunResult) => number | null | undefined,
  ours: EngineName = 'opsight',
): Partial<Record<EngineName, number | null>> {
  const out: Partial<Record<EngineName, number | null>> = {};
  const mine = run(results, ours, format);
  if (mine !== undefined) out.opsight = pick(mine) ?? null;
  for (const e of PEERS) {
    const r = run(results, e, format);
    if (r !== undefined) out[e] = pick(r) ?? null;
  }
  return out;
}

const okQuery = (q: QueryStats | null): number | null =>
  q === null || q.error !== null ? null : q.p50Ms;

function rows(results: BenchResults): Row[] {
  const mps = (r: RunResult): number | null =>
    r.ingest.acceptedSamples === 0 ? null : r.ingest.samplesPerSec / 1e6;
  const out: Row[] = [
    {
      figure: 'ingest, remote write (M samples/s)',
      target: 1,
      better: 'higher',
      digits: 3,
      values: perEngine(results, 'remote-write', mps),
    },
    {
      figure: 'ingest, JSON NDJSON (M samples/s)',
      better: 'higher',
      digits: 3,
      values: perEngine(results, 'json', mps),
    },
    {
      figure: 'ingest, Influx line protocol (M samples/s)',
      better: 'higher',
      digits: 3,
      values: perEngine(results, 'influx', mps),
    },
  ];
  const direct = results.storeDirect.find((s) => s.decimals !== null);
  if (direct !== undefined) {
    out.push({
      figure: 'store append, in-process (M samples/s)',
      better: 'higher',
      digits: 3,
      values: { opsight: direct.samplesPerSec / 1e6 },
    });
  }
  out.push(
    {
      figure: 'disk after flush (bytes/sample)',
      target: 3,
      better: 'lower',
      digits: 2,
      values: perEngine(results, 'remote-write', (r) => r.disk.bytesPerSample),
    },
    {
      figure: 'query avg of all series, p50 (ms)',
      target: 100,
      better: 'lower',
      digits: 1,
      values: perEngine(results, 'remote-write', (r) => okQuery(r.query)),
    },
    {
      figure: 'query avg of all series, p95 (ms)',
      better: 'lower',
      digits: 1,
      values: perEngine(results, 'remote-write', (r) =>
        r.query === null || r.query.error !== null ? null : r.query.p95Ms,
      ),
    },
    {
      figure: 'query per series, job="api" (¼), p50 (ms)',
      better: 'lower',
      digits: 1,
      values: perEngine(results, 'remote-write', (r) => okQuery(r.queryPerSeries)),
    },
    {
      figure: 'peak RSS, remote write run (MiB)',
      better: 'lower',
      digits: 0,
      values: perEngine(results, 'remote-write', (r) =>
        r.peakRssBytes === null ? null : r.peakRssBytes / 2 ** 20,
      ),
    },
  );
  const core = ' — core server, no detection';
  // Rows for bench/opsight-server.ts, only when it ran (else they would repeat the peers).
  if (run(results, 'opsight-core', 'remote-write') !== undefined)
    out.push(
      {
        figure: `ingest, remote write (M samples/s)${core}`,
        better: 'higher',
        target: 1,
        digits: 3,
        values: perEngine(results, 'remote-write', mps, 'opsight-core'),
      },
      {
        figure: `disk after flush (bytes/sample)${core}`,
        better: 'lower',
        target: 3,
        digits: 2,
        values: perEngine(
          results,
          'remote-write',
          (r) => (r.ingest.acceptedSamples === 0 ? null : r.disk.bytesPerSample),
          'opsight-core',
        ),
      },
      {
        figure: `query avg of all series, p50 (ms)${core}`,
        better: 'lower',
        target: 100,
        digits: 1,
        values: perEngine(results, 'remote-write', (r) => okQuery(r.query), 'opsight-core'),
      },
      {
        figure: `peak RSS, remote write run (MiB)${core}`,
        better: 'lower',
        digits: 0,
        values: perEngine(
          results,
          'remote-write',
          (r) => (r.peakRssBytes === null ? null : r.peakRssBytes / 2 ** 20),
          'opsight-core',
        ),
      },
    );
  return out.filter((r) => Object.values(r.values).some((v) => v !== null && v !== undefined));
}

function fmt(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (
    a === null ||
    a === undefined ||
    b === null ||
    b === undefined ||
    b === 0 ||
    !Number.isFinite(a)
  )
    return '—';
  return `${(a / b).toFixed(2)}×`;
}

/** `≥ 1.000 met` / `≤ 3.00 missed`, or empty when the figure has no target. */
function target(r: Row): string {
  if (r.target === undefined) return '';
  const v = r.values.opsight;
  const bound = `${r.better === 'higher' ? '≥' : '≤'} ${fmt(r.target, r.digits)}`;
  if (v === null || v === undefined || !Number.isFinite(v)) return `${bound} (no figure)`;
  const met = r.better === 'higher' ? v >= r.target : v <= r.target;
  return `${bound} ${met ? 'met' : 'MISSED'}`;
}

function tableCells(results: BenchResults): string[][] {
  const header = [
    'figure',
    'opsight',
    'prometheus',
    'victoria-metrics',
    'opsight/prometheus',
    'opsight/victoria-metrics',
    'better',
    'opsight target',
  ];
  const body = rows(results).map((r) => [
    r.figure,
    fmt(r.values.opsight, r.digits),
    fmt(r.values.prometheus, r.digits),
    fmt(r.values['victoria-metrics'], r.digits),
    ratio(r.values.opsight, r.values.prometheus),
    ratio(r.values.opsight, r.values['victoria-metrics']),
    r.better,
    target(r),
  ]);
  return [header, ...body];
}

/** A fixed-width table for the terminal. */
export function renderTable(results: BenchResults): string {
  const cells = tableCells(results);
  const widths = (cells[0] as string[]).map((_, c) =>
    Math.max(...cells.map((row) => (row[c] ?? '').length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const [header, ...body] = cells;
  return [
    line(header as string[]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
}

function markdownTable(results: BenchResults): string {
  const [header, ...body] = tableCells(results);
  const row = (r: string[]): string => `| ${r.join(' | ')} |`;
  const align = (header as string[]).map((_, c) => (c === 0 ? '---' : '---:'));
  return [row(header as string[]), row(align), ...body.map(row)].join('\n');
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** One section of docs/performance.md: a run's date, machine, command, table and notes. */
export function renderMarkdownSection(results: BenchResults, resultsFile: string): string {
  const h = results.hardware;
  const lines = [
    `## ${results.date}${results.quick ? ' (quick)' : ''}`,
    '',
    `- Command: \`${results.command}\`; raw figures: \`${resultsFile}\`.`,
    `- Machine: ${h.cpuModel}, ${h.cores} cores, ${mib(h.memoryBytes)}, Node ${h.node}, ${h.platform} ${h.kernel}; load average at start ${h.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}.`,
    `- Versions: ${Object.entries(results.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
    markdownTable(results),
    '',
  ];
  const notes = [...results.notes];
  for (const s of results.skipped) notes.push(`Skipped ${s.what}: ${s.reason}.`);
  for (const e of results.errors) notes.push(`Error: ${e.split('\n')[0]}`);
  if (notes.length > 0) lines.push(...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** The detector figures as a small table: points/s (wall and per CPU-second) and state bytes. */
export function renderDetectorTable(d: DetectorBenchResult): string {
  const state = new Map(d.state.map((s) => [s.detector, s]));
  const rows = d.throughput.map((t) => {
    const st = state.get(t.detector);
    return [
      t.detector,
      (t.pointsPerSec / 1e6).toFixed(2),
      (t.pointsPerCpuSec / 1e6).toFixed(2),
      st === undefined ? '—' : st.serializedBytesPerSeries.toFixed(0),
      st === undefined || Number.isNaN(st.heapBytesPerSeries)
        ? '—'
        : st.heapBytesPerSeries.toFixed(0),
    ];
  });
  const series = d.state[0]?.series ?? 0;
  const head = [
    'detector',
    'M points/s',
    'M points/CPU-s',
    `state B/series (JSON, ${series.toLocaleString('en-US')} series)`,
    'heap B/series',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
