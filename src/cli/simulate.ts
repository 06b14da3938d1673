/**
 * @module
 * `opsight simulate cloud`: runs the cloud-service simulator (src/simulate) and writes its
 * telemetry to a file (NDJSON or CSV, streamed) or streams it to a server's POST /api/v1/events,
 * optionally with the ground-truth incidents as a JSON labels file. An adapter: the simulator is
 * pure; files, HTTP, time and the terminal are here, behind `SimulateDeps` so tests can fake them.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { TelemetryEvent } from '../contract/index.ts';
import {
  type CloudSimulator,
  type CloudSimulatorOptions,
  createCloudSimulator,
  defaultCloudSimulatorOptions,
  INCIDENT_KINDS,
  type IncidentKind,
  type IncidentSpec,
  MAX_SERVICES,
  toIncidentLabel,
  validateCloudSimulatorOptions,
} from '../simulate/index.ts';

/** The outside world of the command, injectable for tests. */
export interface SimulateDeps {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly nowMs: () => number;
  readonly stdout: Writer;
  readonly stderr: Writer;
}

export interface Writer {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

export function defaultSimulateDeps(): SimulateDeps {
  return {
    fetch: (input, init) => fetch(input, init),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    nowMs: () => Date.now(),
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses `10s`, `5m`, `24h`, `7d`, `1h30m`, `250ms` into milliseconds (> 0). Throws
 * InvalidArgumentError, which commander reports against the option.
 */
export function parseDurationMs(text: string): number {
  const ms = parseDurationOrZeroMs(text);
  if (ms === 0) throw new InvalidArgumentError(`"${text}" is not a duration > 0`);
  return ms;
}

/** Like `parseDurationMs`, but also takes `0`. */
export function parseDurationOrZeroMs(text: string): number {
  if (text.trim() === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
  let total = 0;
  let at = 0;
  const t = text.trim();
  while (at < t.length) {
    re.lastIndex = at;
    const m = re.exec(t);
    if (m === null) {
      throw new InvalidArgumentError(
        `"${text}" is not a duration: use a number and a unit (ms, s, m, h, d, w), e.g. 10s, 24h, 1h30m`,
      );
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = re.lastIndex;
  }
  if (t.length === 0 || !Number.isFinite(total)) {
    throw new InvalidArgumentError(`"${text}" is not a duration`);
  }
  return Math.round(total);
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 instant with a zone (`2026-01-01T00:00:00Z`) into epoch ms. */
export function parseIsoMs(text: string): number {
  const ms = ISO_WITH_ZONE.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `"${text}" is not an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z`,
    );
  }
  return ms;
}

function parseInteger(name: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!(/^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(n) && n >= min && n <= max)) {
      throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, got "${text}"`);
    }
    return n;
  };
}

function parseNonNegative(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !(Number.isFinite(n) && n >= 0)) {
      throw new InvalidArgumentError(`${name} must be a number >= 0, got "${text}"`);
    }
    return n;
  };
}

/** `realtime` = 1, `max` = Infinity, `60x` = 60 simulated seconds per wall second. */
export function parseSpeed(text: string): number {
  if (text === 'realtime') return 1;
  if (text === 'max') return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?)x$/.exec(text);
  const factor = m === null ? Number.NaN : Number(m[1]);
  if (!(factor > 0)) {
    throw new InvalidArgumentError(
      `"${text}" is not a speed: use realtime, max, or a factor like 60x`,
    );
  }
  return factor;
}

type OutputFormat = 'ndjson' | 'csv';

function formatOf(file: string): OutputFormat {
  if (/\.(ndjson|jsonl)$/i.test(file)) return 'ndjson';
  if (/\.csv$/i.test(file)) return 'csv';
  throw new InvalidArgumentError(`cannot tell the format of "${file}": name it *.ndjson or *.csv`);
}

interface CloudFlags {
  seed: number;
  start?: number;
  duration: number;
  interval: number;
  services: number;
  incidentsPerDay: number;
  incidentWarmup: number;
  incidentsFile?: string;
  out?: string;
  labelsOut?: string;
  target?: string;
  speed: number;
  batchSize: number;
  maxRetries: number;
  apiKey?: string;
  quiet?: boolean;
}

export function simulateCommand(deps: SimulateDeps = defaultSimulateDeps()): Command {
  const simulate = new Command('simulate')
    .description('Generate realistic telemetry with ground-truth incidents')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => void deps.stdout.write(s),
      writeErr: (s) => void deps.stderr.write(s),
    });
  const defaults = defaultCloudSimulatorOptions();
  simulate
    .command('cloud')
    .description(
      'Simulate N cloud services (requests, errors, latency, CPU) with daily/weekly seasonality, ' +
        'noise, drift and scheduled incidents. Same --seed and --start: byte-identical output.',
    )
    .option(
      '--seed <n>',
      'random seed (integer)',
      parseInteger('--seed', -(2 ** 53 - 1), 2 ** 53 - 1),
      defaults.seed,
    )
    .option(
      '--start <iso>',
      'first timestamp, ISO 8601 with zone (default: now, rounded down to the interval)',
      parseIsoMs,
    )
    .addOption(
      new Option('--duration <d>', 'simulated time span, e.g. 30m, 24h, 7d')
        .argParser(parseDurationMs)
        .default(86_400_000, '24h'),
    )
    .addOption(
      new Option('--interval <d>', 'time between samples of a service, e.g. 10s')
        .argParser(parseDurationMs)
        .default(defaults.intervalMs, '10s'),
    )
    .option(
      '--services <n>',
      `number of services (1..${MAX_SERVICES})`,
      parseInteger('--services', 1, MAX_SERVICES),
      defaults.services,
    )
    .option(
      '--incidents-per-day <n>',
      'seeded incidents per simulated day (0 for none)',
      parseNonNegative('--incidents-per-day'),
      defaults.incidentsPerDay,
    )
    .addOption(
      new Option(
        '--incident-warmup <d>',
        'no seeded incident starts this soon after --start (0 allowed)',
      )
        .argParser(parseDurationOrZeroMs)
        .default(defaults.incidentWarmupMs, '2h'),
    )
    .option(
      '--incidents-file <file>',
      'explicit incident schedule instead of the seeded one: a JSON array of ' +
        '{service, kind, start, end | duration, magnitude?}',
    )
    .option('--out <file>', 'write events to a file: *.ndjson or *.csv (streamed)')
    .option('--labels-out <file>', 'write the ground-truth incidents as JSON')
    .option('--target <url>', 'stream events to a server, e.g. http://127.0.0.1:8080')
    .addOption(
      new Option('--speed <speed>', 'with --target: realtime, max, or a factor like 60x')
        .argParser(parseSpeed)
        .default(1, 'realtime'),
    )
    .option(
      '--batch-size <n>',
      'with --target: most events per request',
      parseInteger('--batch-size', 1, 50_000),
      5000,
    )
    .option(
      '--max-retries <n>',
      'with --target: retries of a batch on 5xx or connection errors',
      parseInteger('--max-retries', 0, 100),
      8,
    )
    .option('--api-key <key>', 'with --target: sent as Authorization: Bearer <key>')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Examples:
  $ opsight simulate cloud --seed 42 --start 2026-01-01T00:00:00Z --duration 24h \\
      --interval 10s --services 5 --out data/cloud.ndjson --labels-out data/cloud-labels.json
  $ opsight simulate cloud --duration 1h --target http://127.0.0.1:8080 --speed max
  $ opsight simulate cloud --duration 2h --target http://127.0.0.1:8080 --speed realtime`,
    )
    .action(async function (this: Command, flags: CloudFlags) {
      if (flags.out === undefined && flags.target === undefined) {
        this.error('error: give --out <file> or --target <url> (where the events should go)');
      }
      if (flags.out !== undefined && flags.target !== undefined) {
        this.error('error: give either --out or --target, not both');
      }
      let format: OutputFormat | undefined;
      try {
        if (flags.out !== undefined) format = formatOf(flags.out);
        if (flags.target !== undefined) eventsUrl(flags.target);
      } catch (err) {
        this.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
      const startMs = flags.start ?? Math.floor(deps.nowMs() / flags.interval) * flags.interval;
      const schedule =
        flags.incidentsFile === undefined ? 'seeded' : await readSchedule(flags.incidentsFile);
      const options: CloudSimulatorOptions = {
        ...defaults,
        seed: flags.seed,
        startMs,
        durationMs: flags.duration,
        intervalMs: flags.interval,
        services: flags.services,
        incidentsPerDay: flags.incidentsPerDay,
        incidentWarmupMs: flags.incidentWarmup,
        schedule,
      };
      const problems = validateCloudSimulatorOptions(options);
      if (problems.length > 0) {
        this.error(`error: ${problems.map((p) => `${flagOf(p.field)} ${p.reason}`).join('\n  ')}`);
      }
      const sim = createCloudSimulator(options);
      const started = deps.nowMs();
      if (flags.labelsOut !== undefined) await writeLabels(flags.labelsOut, sim, flags.seed);
      const progress = createProgress(sim, deps, flags.quiet === true);
      const count =
        flags.out !== undefined && format !== undefined
          ? await writeEvents(sim, flags.out, format, progress)
          : await postEvents(sim, flags as CloudFlags & { target: string }, deps, progress);
      progress.stop();
      if (flags.quiet !== true) {
        const where = flags.out ?? eventsUrl(flags.target ?? '');
        const secs = ((deps.nowMs() - started) / 1000).toFixed(1);
        deps.stdout.write(
          `simulate cloud: ${count} events, ${sim.services.length} services, ` +
            `${sim.ticksBetween(sim.startMs, sim.endMs)} intervals from ${new Date(sim.startMs).toISOString()}, ` +
            `${sim.incidents().length} incidents -> ${where}` +
            `${flags.labelsOut === undefined ? '' : ` (labels: ${flags.labelsOut})`} in ${secs} s\n`,
        );
      }
    });
  return simulate;
}

const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  seed: '--seed',
  startMs: '--start',
  durationMs: '--duration',
  intervalMs: '--interval',
  services: '--services',
  incidentsPerDay: '--incidents-per-day',
  incidentWarmupMs: '--incident-warmup',
  schedule: '--incidents-file',
};

/** Names a simulator option by the flag that sets it: `schedule[2].service` -> `--incidents-file [2].service`. */
function flagOf(field: string): string {
  const m = /^([A-Za-z]+)(.*)$/.exec(field);
  const flag = m === null ? undefined : FLAG_OF_OPTION[m[1]!];
  return flag === undefined ? field : `${flag}${m![2]!.startsWith('[') ? ' ' : ''}${m![2]}`;
}

/** The labels file: the run's parameters and its incidents, times as ISO 8601. */
async function writeLabels(file: string, sim: CloudSimulator, seed: number): Promise<void> {
  const doc = {
    simulator: 'cloud',
    seed,
    start: new Date(sim.startMs).toISOString(),
    end: new Date(sim.endMs).toISOString(),
    interval_ms: sim.intervalMs,
    services: sim.services.map((s) => s.name),
    incidents: sim.incidents().map(toIncidentLabel),
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/** Reads an explicit schedule; every problem is reported at once. */
async function readSchedule(file: string): Promise<IncidentSpec[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `--incidents-file ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!Array.isArray(parsed)) throw new Error(`--incidents-file ${file}: expected a JSON array`);
  const problems: string[] = [];
  const specs: IncidentSpec[] = [];
  parsed.forEach((raw: unknown, i) => {
    const at = `--incidents-file ${file} [${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${at}: expected an object`);
      return;
    }
    const r = raw as Record<string, unknown>;
    const kind = r.kind;
    if (typeof r.service !== 'string') problems.push(`${at}.service: expected a service name`);
    if (typeof kind !== 'string' || !(INCIDENT_KINDS as readonly string[]).includes(kind)) {
      problems.push(`${at}.kind: expected one of ${INCIDENT_KINDS.join(', ')}`);
    }
    const isoMs = (v: unknown): number =>
      typeof v === 'string' && ISO_WITH_ZONE.test(v) ? Date.parse(v) : Number.NaN;
    const startMs = isoMs(r.start);
    if (!Number.isFinite(startMs)) {
      problems.push(`${at}.start: expected an ISO 8601 time with a zone`);
    }
    let durationMs = Number.NaN;
    try {
      if (r.end !== undefined) durationMs = isoMs(r.end) - startMs;
      else if (typeof r.duration === 'string') durationMs = parseDurationMs(r.duration);
    } catch {
      // Reported below as a missing or bad duration.
    }
    if (!(durationMs > 0))
      problems.push(`${at}: expected "end" after "start", or "duration" like 10m`);
    if (r.magnitude !== undefined && typeof r.magnitude !== 'number') {
      problems.push(`${at}.magnitude: expected a number`);
    }
    specs.push({
      service: String(r.service),
      kind: kind as IncidentKind,
      startMs,
      durationMs,
      ...(typeof r.magnitude === 'number' ? { magnitude: r.magnitude } : {}),
    });
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return specs;
}

/** Simulated time per chunk of work: about 2,000 events, at least one interval. */
function chunkMs(sim: CloudSimulator, events: number): number {
  const perTick = sim.services.length * 4;
  return Math.max(1, Math.floor(events / perTick)) * sim.intervalMs;
}

const CSV_HEADER = 'timestamp,source_id,metric_name,metric_value,tags\n';

/**
 * One CSV row. Tags are `key=value` pairs joined by `;` in the event's key order; a field holding
 * a comma, quote or newline is quoted per RFC 4180.
 */
export function csvRow(e: TelemetryEvent): string {
  const tags = Object.entries(e.tags ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return `${[e.timestamp, e.source_id, e.metric_name, String(e.metric_value), tags].map(csvField).join(',')}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

async function writeEvents(
  sim: CloudSimulator,
  file: string,
  format: OutputFormat,
  progress: Progress,
): Promise<number> {
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {
    // Surfaced by the race below.
  });
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  let count = 0;
  if (format === 'csv') await write(CSV_HEADER);
  const step = chunkMs(sim, 2000);
  for (let from = sim.startMs; from < sim.endMs; from += step) {
    const to = Math.min(sim.endMs, from + step);
    let text = '';
    for (const e of sim.events(from, to)) {
      text += format === 'csv' ? csvRow(e) : `${JSON.stringify(e)}\n`;
      count++;
    }
    await write(text);
    progress.update(to, count);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return count;
}

/** POST /api/v1/events of the server at `target` (a base URL or the full endpoint). */
export function eventsUrl(target: string): string {
  return endpointUrl(target, '/api/v1/events');
}

/** `path` on the server at `target`, which may be a base URL or already the full endpoint. */
export function endpointUrl(target: string, path: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`--target "${target}" is not a URL, e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--target "${target}" must be an http:// or https:// URL`);
  }
  if (!url.pathname.endsWith(path)) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  }
  return url.toString();
}

/**
 * Streams the run to the server. With a finite speed, a tick is sent once the wall clock reaches
 * `wallStart + (tick - startMs) / speed`; ticks that are due together share a request (up to
 * --batch-size events), so a fast speed does not mean one request per tick.
 */
async function postEvents(
  sim: CloudSimulator,
  flags: CloudFlags & { target: string },
  deps: SimulateDeps,
  progress: Progress,
): Promise<number> {
  const url = eventsUrl(flags.target);
  const maxBatchMs = chunkMs(sim, flags.batchSize);
  const wallStartMs = deps.nowMs();
  let count = 0;
  let cursorMs = sim.startMs;
  while (cursorMs < sim.endMs) {
    let toMs = Math.min(sim.endMs, cursorMs + maxBatchMs);
    if (Number.isFinite(flags.speed)) {
      const dueWallMs = wallStartMs + (cursorMs - sim.startMs) / flags.speed;
      const waitMs = dueWallMs - deps.nowMs();
      if (waitMs > 0) await deps.sleep(waitMs);
      // Everything due by now, at least the next tick (its timestamp is cursorMs or later).
      const simNowMs = sim.startMs + (deps.nowMs() - wallStartMs) * flags.speed;
      toMs = Math.min(toMs, Math.max(cursorMs + 1, Math.floor(simNowMs) + 1));
      toMs = alignUp(sim, toMs);
    }
    const events = sim.eventsBetween(cursorMs, toMs);
    if (events.length > 0) await postBatch(url, events, flags, deps);
    count += events.length;
    cursorMs = toMs;
    progress.update(toMs, count);
  }
  return count;
}

/** The first tick time at or after `ms` (or the run's end). */
function alignUp(sim: CloudSimulator, ms: number): number {
  const k = Math.ceil((ms - sim.startMs) / sim.intervalMs);
  return Math.min(sim.endMs, sim.startMs + k * sim.intervalMs);
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 8000;

/** Posts one NDJSON batch, retrying 5xx, 429 and connection errors with backoff. */
export async function postBatch(
  url: string,
  events: readonly TelemetryEvent[],
  flags: Pick<CloudFlags, 'apiKey' | 'maxRetries'>,
  deps: SimulateDeps,
): Promise<void> {
  const body = events.map((e) => JSON.stringify(e)).join('\n');
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (flags.apiKey !== undefined) headers.authorization = `Bearer ${flags.apiKey}`;
  for (let attempt = 0; ; attempt++) {
    let why: string;
    try {
      const res = await deps.fetch(url, { method: 'POST', headers, body });
      if (res.ok) {
        await res.arrayBuffer(); // Drain, so the connection is reused.
        return;
      }
      const text = await res.text();
      if (res.status < 500 && res.status !== 429) {
        throw new RejectedError(
          `the server rejected a batch: ${describeProblem(res.status, text)}`,
        );
      }
      why = describeProblem(res.status, text);
    } catch (err) {
      if (err instanceof RejectedError) throw err;
      why = connectionError(err);
    }
    if (attempt >= flags.maxRetries) {
      throw new Error(`gave up on ${url} after ${attempt + 1} attempts: ${why}`);
    }
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
    deps.stderr.write(`simulate: ${why}; retrying in ${delayMs} ms\n`);
    await deps.sleep(delayMs);
  }
}

class RejectedError extends Error {}

/** Status plus the problem+json title, detail and first items, or the start of a plain body. */
function describeProblem(status: number, text: string): string {
  let problem: unknown;
  try {
    problem = JSON.parse(text);
  } catch {
    // Not JSON: show the start of the body as it is.
  }
  if (typeof problem !== 'object' || problem === null) {
    return `HTTP ${status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, 300)}`}`;
  }
  const p = problem as Record<string, unknown>;
  const lines = [
    `HTTP ${status} ${typeof p.title === 'string' ? p.title : ''}`.trimEnd(),
    ...(typeof p.detail === 'string' ? [`  ${p.detail}`] : []),
  ];
  const items = Array.isArray(p.items) ? p.items : Array.isArray(p.errors) ? p.errors : [];
  for (const item of items.slice(0, 5)) {
    const it = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    lines.push(
      `  item ${String(it.index ?? '-')} ${String(it.field ?? '')}: ${String(it.reason ?? JSON.stringify(item))}`,
    );
  }
  if (items.length > 5) lines.push(`  ... and ${items.length - 5} more`);
  return lines.join('\n');
}

function connectionError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

interface Progress {
  /** Simulated time reached (epoch ms) and events so far. */
  update(reachedMs: number, events: number): void;
  stop(): void;
}

/** Runs shorter than this many intervals finish too fast to need progress output. */
const PROGRESS_MIN_TICKS = 1000;

/** A cli-progress bar on a TTY; otherwise a plain line every 10 % of the run. */
function createProgress(sim: CloudSimulator, deps: SimulateDeps, quiet: boolean): Progress {
  const total = sim.ticksBetween(sim.startMs, sim.endMs);
  const ticksAt = (ms: number): number => sim.ticksBetween(sim.startMs, ms);
  if (quiet || total < PROGRESS_MIN_TICKS) return { update: () => {}, stop: () => {} };
  if (deps.stderr.isTTY === true) {
    const bar = new SingleBar({
      format:
        'simulate cloud [{bar}] {percentage}% | {value}/{total} intervals | {events} events | eta {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    bar.start(total, 0, { events: 0 });
    return {
      update: (ms, events) => bar.update(ticksAt(ms), { events }),
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  return {
    update: (ms, events) => {
      const done = ticksAt(ms);
      while (nextTenth <= 10 && done * 10 >= nextTenth * total) {
        deps.stderr.write(
          `simulate cloud: ${nextTenth * 10}% (${done}/${total} intervals, ${events} events, ` +
            `simulated time ${new Date(Math.min(ms, sim.endMs)).toISOString()})\n`,
        );
        nextTenth++;
      }
    },
    stop: () => {},
  };
}
