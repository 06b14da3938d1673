/**
 * @module
 * `opsight simulate fleet`: runs the vehicle-fleet emulator (src/simulate/fleet-simulator.ts) and
 * writes its readings, one JSON object per line, to a file (or stdout with `--out -`), or posts
 * them as JSON arrays to a server's POST /telemetry (the original fleet lab's endpoint). The same
 * --seed, --vehicles, --profile and --start give byte-identical output. An adapter: the emulator
 * is pure; files, HTTP and time are here, behind `SimulateDeps`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createFleetSimulator,
  DEFAULT_FLEET_PROFILE,
  type FleetProfile,
  type FleetSimulator,
  parseFleetProfile,
} from '../simulate/index.ts';
import {
  endpointUrl,
  parseDurationMs,
  parseIsoMs,
  parseSpeed,
  type SimulateDeps,
  type Writer,
} from './simulate.ts';

interface FleetFlags {
  seed: number;
  vehicles: number;
  profile?: string;
  start?: number;
  duration: number;
  faultyChance: number;
  out?: string;
  target?: string;
  speed: number;
  batchSize: number;
  maxRetries: number;
  apiKey?: string;
  quiet?: boolean;
}

/** What the server said about the readings, summed over requests. */
export interface FleetPostTotals {
  requests: number;
  accepted: number;
  partial: number;
  rejected: number;
  issues: number;
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

function parseChance(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= 1)) {
    throw new InvalidArgumentError(`--faulty-chance must be a number in 0..1, got "${text}"`);
  }
  return n;
}

/** POST /telemetry of the server at `target` (a base URL or the full endpoint). */
export function telemetryUrl(target: string): string {
  return endpointUrl(target, '/telemetry');
}

/**
 * The default first reading time: with --target, early enough that no reading is ahead of the
 * server's clock at the chosen speed (now − duration × (1 − 1/speed)); with --out, now. Whole
 * seconds.
 */
export function defaultStartMs(
  nowMs: number,
  durationMs: number,
  speed: number | undefined,
): number {
  const lead = speed === undefined ? 0 : durationMs * (1 - 1 / speed);
  return Math.floor((nowMs - lead) / 1000) * 1000;
}

async function readProfile(file: string): Promise<FleetProfile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`--profile ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseFleetProfile(parsed);
  } catch (err) {
    throw new Error(`--profile ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function fleetCommand(deps: SimulateDeps): Command {
  return new Command('fleet')
    .description(
      'Simulate a vehicle fleet: one OBD-II-style reading per vehicle per second (coolant, intake ' +
        'air, rpm, speed, vibration, engine hours) with drive cycles, drift, noise and occasional ' +
        'damaged readings. Same --seed, --vehicles, --profile and --start: byte-identical output.',
    )
    .option(
      '--seed <n>',
      'random seed (integer)',
      parseInteger('--seed', -(2 ** 31), 2 ** 31 - 1),
      1,
    )
    .option(
      '--vehicles <n>',
      'number of vehicles (more than the profile has are derived from it)',
      parseInteger('--vehicles', 1, 10_000),
      12,
    )
    .option(
      '--profile <file>',
      'fleet profile JSON (default: the built-in one, examples/fleet-profile.json)',
    )
    .option(
      '--start <iso>',
      'first reading time, ISO 8601 with zone (default: now; with --target, early enough that no reading is in the future)',
      parseIsoMs,
    )
    .addOption(
      new Option('--duration <d>', 'simulated time span, e.g. 10m, 2h')
        .argParser(parseDurationMs)
        .default(600_000, '10m'),
    )
    .option(
      '--faulty-chance <p>',
      'chance per vehicle-second of a damaged reading (missing field, wrong type, out of range, stuck sensor, jump)',
      parseChance,
      0.002,
    )
    .option('--out <file>', 'write readings as NDJSON (one reading per line; - for stdout)')
    .option(
      '--target <url>',
      'post readings as JSON arrays to POST /telemetry, e.g. http://127.0.0.1:8080',
    )
    .addOption(
      new Option('--speed <speed>', 'with --target: realtime, max, or a factor like 60x')
        .argParser(parseSpeed)
        .default(1, 'realtime'),
    )
    .option(
      '--batch-size <n>',
      'with --target: most readings per request',
      parseInteger('--batch-size', 1, 10_000),
      1000,
    )
    .option(
      '--max-retries <n>',
      'with --target: retries of a request on 5xx, 429 or connection errors',
      parseInteger('--max-retries', 0, 100),
      8,
    )
    .option('--api-key <key>', 'with --target: sent as Authorization: Bearer <key>')
    .option('--quiet', 'no summary line')
    .addHelpText(
      'after',
      `
Examples:
  $ opsight simulate fleet --seed 7 --vehicles 20 --start 2026-01-01T00:00:00Z --duration 1h \\
      --out data/fleet.ndjson
  $ opsight simulate fleet --profile examples/fleet-profile.json --target http://127.0.0.1:8080
  $ opsight simulate fleet --duration 30m --target http://127.0.0.1:8080 --speed max`,
    )
    .action(async function (this: Command, flags: FleetFlags) {
      if ((flags.out === undefined) === (flags.target === undefined)) {
        this.error('error: give either --out <file> or --target <url>');
      }
      let profile: FleetProfile = DEFAULT_FLEET_PROFILE;
      let url: string | undefined;
      try {
        if (flags.profile !== undefined) profile = await readProfile(flags.profile);
        if (flags.target !== undefined) url = telemetryUrl(flags.target);
        if (flags.out !== undefined && flags.out !== '-' && !/\.(ndjson|jsonl)$/i.test(flags.out)) {
          throw new Error(`--out ${flags.out}: name it *.ndjson (or - for stdout)`);
        }
      } catch (err) {
        this.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
      const startMs =
        flags.start ??
        defaultStartMs(deps.nowMs(), flags.duration, url === undefined ? undefined : flags.speed);
      const sim = createFleetSimulator({
        seed: flags.seed,
        startMs,
        vehicles: flags.vehicles,
        profile,
        faultyReadingChance: flags.faultyChance,
      });
      const endMs = sim.nowMs + Math.ceil(flags.duration / 1000) * 1000;
      const started = deps.nowMs();
      let count: number;
      let totals: FleetPostTotals | undefined;
      if (url === undefined) {
        count = await writeReadings(sim, endMs, flags.out as string, deps.stdout);
      } else {
        totals = { requests: 0, accepted: 0, partial: 0, rejected: 0, issues: 0 };
        count = await postReadings(sim, endMs, url, flags, deps, totals);
      }
      if (flags.quiet !== true && flags.out !== '-') {
        const secs = ((deps.nowMs() - started) / 1000).toFixed(1);
        const server =
          totals === undefined
            ? ''
            : ` (accepted ${totals.accepted}, partial ${totals.partial}, rejected ${totals.rejected}, issues ${totals.issues}, ${totals.requests} requests)`;
        deps.stderr.write(
          `simulate fleet: ${count} readings, ${flags.vehicles} vehicles, ${(endMs - startMs) / 1000} s from ` +
            `${new Date(startMs).toISOString()} -> ${url ?? flags.out}${server} in ${secs} s\n`,
        );
      }
    });
}

/** Seconds of readings per write. */
const WRITE_SLICE_S = 60;

async function writeReadings(
  sim: FleetSimulator,
  endMs: number,
  file: string,
  stdout: Writer,
): Promise<number> {
  let count = 0;
  const lines = (toMs: number): string => {
    let text = '';
    for (const r of sim.runUntil(toMs)) {
      text += `${JSON.stringify(r.reading)}\n`;
      count++;
    }
    return text;
  };
  if (file === '-') {
    while (sim.nowMs < endMs)
      stdout.write(lines(Math.min(endMs, sim.nowMs + WRITE_SLICE_S * 1000)));
    return count;
  }
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {
    // Surfaced by the races below.
  });
  while (sim.nowMs < endMs) {
    const text = lines(Math.min(endMs, sim.nowMs + WRITE_SLICE_S * 1000));
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return count;
}

/**
 * Posts the run. With a finite speed, the second at `t` is sent once the wall clock reaches
 * `wallStart + (t - start) / speed`; seconds due together share a request (up to --batch-size).
 */
async function postReadings(
  sim: FleetSimulator,
  endMs: number,
  url: string,
  flags: FleetFlags,
  deps: SimulateDeps,
  totals: FleetPostTotals,
): Promise<number> {
  const startMs = sim.nowMs;
  const wallStartMs = deps.nowMs();
  const perSecond = sim.vehicleIds().length;
  const maxSeconds = Math.max(1, Math.floor(flags.batchSize / perSecond));
  let count = 0;
  while (sim.nowMs < endMs) {
    let toMs = Math.min(endMs, sim.nowMs + maxSeconds * 1000);
    if (Number.isFinite(flags.speed)) {
      const dueWallMs = wallStartMs + (sim.nowMs - startMs) / flags.speed;
      const waitMs = dueWallMs - deps.nowMs();
      if (waitMs > 0) await deps.sleep(waitMs);
      const simNowMs = startMs + (deps.nowMs() - wallStartMs) * flags.speed;
      toMs = Math.min(toMs, Math.max(sim.nowMs + 1000, Math.floor(simNowMs / 1000) * 1000 + 1000));
    }
    const readings = sim.runUntil(toMs).map((r) => r.reading);
    await postArray(url, readings, flags, deps, totals);
    count += readings.length;
  }
  return count;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 8000;

/**
 * Posts one JSON array. 200 and 422 (nothing usable: the damaged readings were recorded as
 * data-quality events) are answers; other 4xx stop the run; 5xx, 429 and connection errors are
 * retried with backoff.
 */
async function postArray(
  url: string,
  readings: readonly unknown[],
  flags: FleetFlags,
  deps: SimulateDeps,
  totals: FleetPostTotals,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (flags.apiKey !== undefined) headers.authorization = `Bearer ${flags.apiKey}`;
  const body = JSON.stringify(readings);
  for (let attempt = 0; ; attempt++) {
    let why: string;
    try {
      const res = await deps.fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status === 200) {
        const r = JSON.parse(text) as {
          accepted: number;
          partial: number;
          rejected: number;
          issue_count: number;
        };
        totals.requests++;
        totals.accepted += r.accepted;
        totals.partial += r.partial;
        totals.rejected += r.rejected;
        totals.issues += r.issue_count;
        return;
      }
      if (res.status === 422) {
        const p = JSON.parse(text) as { errors?: unknown[] };
        totals.requests++;
        totals.rejected += readings.length;
        totals.issues += p.errors?.length ?? 0;
        return;
      }
      if (res.status < 500 && res.status !== 429) {
        throw new RejectedError(
          `the server rejected a request: HTTP ${res.status} ${text.slice(0, 500)}`,
        );
      }
      why = `HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof RejectedError) throw err;
      why =
        err instanceof Error
          ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}`
          : String(err);
    }
    if (attempt >= flags.maxRetries) {
      throw new Error(`gave up on ${url} after ${attempt + 1} attempts: ${why}`);
    }
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
    deps.stderr.write(`simulate fleet: ${why}; retrying in ${delayMs} ms\n`);
    await deps.sleep(delayMs);
  }
}

class RejectedError extends Error {}
