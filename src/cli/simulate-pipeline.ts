/**
 * @module
 * `opsight simulate pipeline`: runs the data-pipeline simulator (src/simulate/pipeline-simulator.ts)
 * and writes its per-cycle telemetry as data contract v1 events — NDJSON to a file, or streamed to
 * a server's POST /api/v1/events — with its spikes and slowdowns as an optional ground-truth
 * labels file. Same flags and output as `simulate cloud` where they overlap.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { TelemetryEvent } from '../contract/index.ts';
import {
  createPipelineSimulator,
  defaultPipelineSimulatorOptions,
  type PipelineSimulator,
  pipelineCycleEvents,
} from '../simulate/index.ts';
import {
  eventsUrl,
  parseDurationMs,
  parseIsoMs,
  parseSpeed,
  postBatch,
  type SimulateDeps,
} from './simulate.ts';

interface PipelineFlags {
  seed: number;
  start?: number;
  duration: number;
  cycle: number;
  name: string;
  backpressure?: boolean;
  spikeAt: number[];
  slowdownAt: number[];
  out?: string;
  labelsOut?: string;
  target?: string;
  speed: number;
  maxRetries: number;
  apiKey?: string;
  quiet?: boolean;
}

/** Cycles per write or request while streaming. */
const CYCLES_PER_CHUNK = 60;

function integer(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${name} must be an integer, got "${text}"`);
    }
    return n;
  };
}

/** `5m` (offset from --start) collected into a list. */
function offsets(text: string, previous: number[] = []): number[] {
  return [...previous, parseDurationMs(text)];
}

export function pipelineCommand(deps: SimulateDeps): Command {
  const d = defaultPipelineSimulatorOptions();
  return new Command('pipeline')
    .description(
      'Simulate a staged data pipeline (ingest → validate → enrich → store) whose enrich stage is ' +
        'the bottleneck: bounded queues, traffic waves, spikes and slowdowns that recover. Same ' +
        '--seed and --start: byte-identical output.',
    )
    .option('--seed <n>', 'random seed (integer)', integer('--seed'), d.seed)
    .option(
      '--start <iso>',
      'first cycle, ISO 8601 with zone (default: now, whole seconds)',
      parseIsoMs,
    )
    .addOption(
      new Option('--duration <d>', 'simulated time span, e.g. 30m, 24h')
        .argParser(parseDurationMs)
        .default(3_600_000, '1h'),
    )
    .addOption(
      new Option('--cycle <d>', 'length of one cycle')
        .argParser(parseDurationMs)
        .default(d.cycleMs, '1s'),
    )
    .option('--name <name>', 'the pipeline tag of the telemetry', d.name)
    .option('--backpressure', 'stages stop taking work while the next queue is full')
    .option(
      '--spike-at <offset>',
      'force a 60-cycle traffic spike at this offset (repeatable)',
      offsets,
      [],
    )
    .option(
      '--slowdown-at <offset>',
      'force a 120-cycle enrich slowdown at this offset (repeatable)',
      offsets,
      [],
    )
    .option('--out <file>', 'write events to a file (*.ndjson)')
    .option('--labels-out <file>', 'write the spikes and slowdowns as JSON')
    .option('--target <url>', 'stream events to a server, e.g. http://127.0.0.1:8080')
    .addOption(
      new Option('--speed <speed>', 'with --target: realtime, max, or a factor like 60x')
        .argParser(parseSpeed)
        .default(Number.POSITIVE_INFINITY, 'max'),
    )
    .option('--max-retries <n>', 'with --target: retries of a batch', integer('--max-retries'), 8)
    .option('--api-key <key>', 'with --target: sent as Authorization: Bearer <key>')
    .option('--quiet', 'no summary line')
    .addHelpText(
      'after',
      `
Examples:
  $ opsight simulate pipeline --seed 7 --start 2026-01-01T00:00:00Z --duration 2h \\
      --slowdown-at 30m --out data/pipeline.ndjson --labels-out data/pipeline-labels.json
  $ opsight simulate pipeline --duration 10m --target http://127.0.0.1:8080 --speed realtime`,
    )
    .action(async function (this: Command, flags: PipelineFlags) {
      if ((flags.out === undefined) === (flags.target === undefined)) {
        this.error('error: give exactly one of --out <file> or --target <url>');
      }
      if (flags.out !== undefined && !/\.(ndjson|jsonl)$/i.test(flags.out)) {
        this.error(`error: --out "${flags.out}": name it *.ndjson`);
      }
      let url: string | undefined;
      try {
        if (flags.target !== undefined) url = eventsUrl(flags.target);
      } catch (err) {
        this.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
      const startMs = flags.start ?? Math.floor(deps.nowMs() / 1000) * 1000;
      let sim: PipelineSimulator;
      try {
        sim = createPipelineSimulator({
          seed: flags.seed,
          startMs,
          cycleMs: flags.cycle,
          name: flags.name,
          backpressure: flags.backpressure === true,
        });
      } catch (err) {
        this.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
      const forced = [
        ...flags.spikeAt.map((at) => ({ at: startMs + at, kind: 'spike' as const, cycles: 60 })),
        ...flags.slowdownAt.map((at) => ({
          at: startMs + at,
          kind: 'degradation' as const,
          cycles: 120,
        })),
      ].sort((a, b) => a.at - b.at);
      const endMs = startMs + flags.duration;
      let count = 0;
      const out = flags.out === undefined ? undefined : await openOut(flags.out);
      const wallStartMs = deps.nowMs();
      while (sim.nowMs < endMs) {
        // Run up to the next forced disturbance, the chunk's end or the run's end.
        let toMs = Math.min(endMs, sim.nowMs + CYCLES_PER_CHUNK * flags.cycle);
        const next = forced[0];
        if (next !== undefined && next.at <= sim.nowMs) {
          sim.inject(next.kind, next.cycles);
          forced.shift();
          continue;
        }
        if (next !== undefined) toMs = Math.min(toMs, next.at);
        if (url !== undefined && Number.isFinite(flags.speed)) {
          const dueWallMs = wallStartMs + (sim.nowMs - startMs) / flags.speed;
          const waitMs = dueWallMs - deps.nowMs();
          if (waitMs > 0) await deps.sleep(waitMs);
        }
        const events: TelemetryEvent[] = sim
          .runUntil(toMs)
          .flatMap((c) => pipelineCycleEvents(flags.name, c));
        count += events.length;
        if (out !== undefined)
          await out.write(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        else if (url !== undefined && events.length > 0) await postBatch(url, events, flags, deps);
      }
      await out?.close();
      if (flags.labelsOut !== undefined) {
        await mkdir(dirname(flags.labelsOut), { recursive: true });
        const doc = {
          simulator: 'pipeline',
          seed: flags.seed,
          pipeline: flags.name,
          start: new Date(startMs).toISOString(),
          end: new Date(endMs).toISOString(),
          cycle_ms: flags.cycle,
          disturbances: sim.disturbances().map((x) => ({
            kind: x.kind,
            stage: x.stage,
            start: new Date(x.startMs).toISOString(),
            end: new Date(x.endMs).toISOString(),
          })),
        };
        await writeFile(flags.labelsOut, `${JSON.stringify(doc, null, 2)}\n`);
      }
      if (flags.quiet !== true) {
        const t = sim.totals();
        deps.stdout.write(
          `simulate pipeline: ${count} events over ${sim.cycle} cycles from ${new Date(startMs).toISOString()}; ` +
            `${t.arrived} arrived, ${t.completed} stored, ${t.dropped} dropped, ${t.rejected} rejected; ` +
            `${sim.disturbances().length} disturbances -> ${flags.out ?? url}\n`,
        );
      }
    });
}

async function openOut(
  file: string,
): Promise<{ write(text: string): Promise<void>; close(): Promise<void> }> {
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {
    // Surfaced by the races below.
  });
  return {
    async write(text) {
      if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
    },
    async close() {
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    },
  };
}
