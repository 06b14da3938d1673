/**
 * @module
 * `opsight eval --data DIR`: scores detectors against every labelled CSV under DIR (columns
 * timestamp, value, label; case-insensitive) with the window score in the style of NAB,
 * point-adjusted precision/recall/F1 and time to detect (src/detect/scoring.ts), and prints a
 * per-detector and per-domain table; `--out FILE.md|FILE.json` also writes it.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DETECTOR_NAMES,
  type EvalReport,
  evaluate,
  findColumns,
  isDetectorName,
  type LabeledSeries,
  parseTimestampMs,
  parseValue,
  renderEvalMarkdown,
  splitCsvLine,
} from '../detect/index.ts';
import { createCloudSimulator, defaultCloudSimulatorOptions } from '../simulate/index.ts';

/** Reads one labelled CSV into columns; returns an error message when it has no label column. */
export async function readLabeledCsv(path: string, name: string): Promise<LabeledSeries | string> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let cols: { timestamp: number; value: number; label: number } | undefined;
  const ts: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if (cols === undefined) {
      const c = findColumns(line);
      if ('error' in c) {
        lines.close();
        return `${name}: ${c.error}`;
      }
      if (c.label < 0) {
        lines.close();
        return `${name}: no label column (found: ${c.names.join(',')})`;
      }
      cols = c;
      continue;
    }
    const f = splitCsvLine(line);
    ts.push(parseTimestampMs(f[cols.timestamp] ?? ''));
    values.push(parseValue(f[cols.value] ?? ''));
    const l = Number((f[cols.label] ?? '').trim());
    labels.push(Number.isFinite(l) && l !== 0 ? 1 : 0);
  }
  if (cols === undefined) return `${name}: empty file`;
  const parts = name.split('/');
  return {
    name,
    domain: parts.length > 1 ? (parts[0] ?? '.') : '.',
    timestampsMs: Float64Array.from(ts),
    values: Float64Array.from(values),
    labels: Uint8Array.from(labels),
  };
}

/** Every *.csv under `dir`, sorted, as paths relative to it with `/` separators. */
export async function listCsv(dir: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new Error(`cannot read "${dir}": no such directory`);
  }
  if (!info.isDirectory()) throw new Error(`"${dir}" is not a directory`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

const DAY_MS = 86_400_000;

/**
 * A synthetic labelled set from the cloud simulator (src/simulate): one series per service and
 * metric, 1-minute samples, labelled 1 where a ground-truth incident touching that metric is
 * active — or, for a row after a gap, was active during the gap (a source that went silent).
 * Domain = the metric name.
 */
export function simulatedLabeledSeries(days: number, seed: number): LabeledSeries[] {
  const startMs = defaultCloudSimulatorOptions().startMs;
  const endMs = startMs + days * DAY_MS;
  const sim = createCloudSimulator({
    seed,
    startMs,
    durationMs: days * DAY_MS,
    intervalMs: 60_000,
    services: 5,
    incidentsPerDay: 3,
    incidentWarmupMs: DAY_MS,
    incidentMinDurationMs: 10 * 60_000,
    incidentMaxDurationMs: 60 * 60_000,
  });
  const incidents = sim.incidents(startMs, endMs);
  const rows = new Map<
    string,
    { ts: number[]; v: number[]; l: number[]; service: string; metric: string }
  >();
  for (const e of sim.events(startMs, endMs)) {
    const key = `${e.source_id}/${e.metric_name}`;
    let r = rows.get(key);
    if (r === undefined) {
      r = { ts: [], v: [], l: [], service: e.source_id, metric: e.metric_name };
      rows.set(key, r);
    }
    const t = Date.parse(e.timestamp);
    const prev = r.ts.length > 0 ? (r.ts[r.ts.length - 1] ?? t - 1) : t - 1;
    const { service, metric } = r;
    const hit = incidents.some(
      (i) =>
        i.service === service && i.metrics.includes(metric) && i.startMs <= t && i.endMs > prev,
    );
    r.ts.push(t);
    r.v.push(e.metric_value);
    r.l.push(hit ? 1 : 0);
  }
  return [...rows.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, r]) => ({
      name: `simulated/${name}`,
      domain: `simulated ${r.metric}`,
      timestampsMs: Float64Array.from(r.ts),
      values: Float64Array.from(r.v),
      labels: Uint8Array.from(r.l),
    }));
}

export interface EvalFlags {
  readonly data?: string;
  readonly simulateDays?: number;
  readonly seed?: number;
  readonly detector: string;
  readonly out?: string;
  readonly windowFraction: number;
}

export async function runEval(flags: EvalFlags, warn: (text: string) => void): Promise<EvalReport> {
  if (flags.data === undefined && flags.simulateDays === undefined) {
    throw new Error('give --data DIR or --simulate DAYS (or both)');
  }
  const series: LabeledSeries[] = [];
  if (flags.data !== undefined) {
    const files = await listCsv(flags.data);
    for (const f of files) {
      const s = await readLabeledCsv(join(flags.data, f), f);
      if (typeof s === 'string') warn(`skipped ${s}`);
      else series.push(s);
    }
    if (series.length === 0) {
      throw new Error(`no labelled CSV (timestamp,value,label) under "${flags.data}"`);
    }
  }
  if (flags.simulateDays !== undefined) {
    series.push(...simulatedLabeledSeries(flags.simulateDays, flags.seed ?? 1));
  }
  const detectors = flags.detector === 'all' ? [...DETECTOR_NAMES] : [flags.detector];
  return evaluate(detectors, series, flags.windowFraction);
}

function parseDetectorOrAll(text: string): string {
  if (text !== 'all' && !isDetectorName(text)) {
    throw new InvalidArgumentError(
      `unknown detector "${text}"; known: all, ${DETECTOR_NAMES.join(', ')}`,
    );
  }
  return text;
}

interface EvalCliOptions {
  readonly data?: string;
  readonly simulate?: number;
  readonly seed: number;
  readonly detector: string;
  readonly out?: string;
  readonly windowFraction: number;
}

function parseDays(text: string): number {
  const x = Number(text);
  if (!(Number.isInteger(x) && x >= 2 && x <= 60)) {
    throw new InvalidArgumentError(`days must be an integer in 2..60, got "${text}"`);
  }
  return x;
}

function parseSeed(text: string): number {
  const x = Number(text);
  if (!Number.isSafeInteger(x))
    throw new InvalidArgumentError(`seed must be an integer, got "${text}"`);
  return x;
}

function parseFraction(text: string): number {
  const x = Number(text);
  if (!(x > 0 && x <= 1))
    throw new InvalidArgumentError(`window fraction must be in (0, 1], got "${text}"`);
  return x;
}

export function evalCommand(): Command {
  return (
    new Command('eval')
      // addCommand does not pass the program's exitOverride down; main.ts maps CommanderError.
      .exitOverride()
      .description(
        'Score detectors on labelled CSVs (timestamp,value,label) under a directory and/or a simulated labelled set: NAB-style window score (standard, reward_low_FP, reward_low_FN), point-adjusted precision/recall/F1, time to detect; per detector and per domain.',
      )
      .option('--data <dir>', 'directory searched recursively for *.csv with a label column')
      .addOption(
        new Option(
          '--simulate <days>',
          'also score a synthetic labelled set: DAYS (2..60) of the cloud simulator, 1-minute samples',
        ).argParser(parseDays),
      )
      .addOption(new Option('--seed <n>', 'simulator seed').default(1).argParser(parseSeed))
      .addOption(
        new Option('--detector <name>', `detector, or "all": ${DETECTOR_NAMES.join(', ')}`)
          .default('all')
          .argParser(parseDetectorOrAll),
      )
      .option('--out <file>', 'also write the report: *.json as JSON, anything else as markdown')
      .addOption(
        new Option('--window-fraction <x>', 'share of each file covered by NAB windows')
          .default(0.1)
          .argParser(parseFraction),
      )
      .action(async (opts: EvalCliOptions) => {
        const flags: EvalFlags = {
          ...(opts.data === undefined ? {} : { data: opts.data }),
          ...(opts.simulate === undefined ? {} : { simulateDays: opts.simulate }),
          seed: opts.seed,
          detector: opts.detector,
          ...(opts.out === undefined ? {} : { out: opts.out }),
          windowFraction: opts.windowFraction,
        };
        const report = await runEval(flags, (t) => process.stderr.write(`${t}\n`));
        const md = renderEvalMarkdown(report);
        process.stdout.write(md);
        if (flags.out !== undefined) {
          await mkdir(dirname(flags.out), { recursive: true });
          const body = flags.out.endsWith('.json') ? `${JSON.stringify(report, null, 2)}\n` : md;
          await writeFile(flags.out, body);
        }
      })
  );
}
