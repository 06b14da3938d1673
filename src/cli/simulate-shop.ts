/**
 * @module
 * `opsight simulate shop`: runs the shop trace simulator (src/simulate/shop-*.ts) and writes its
 * spans as OTLP JSON (`otlp-json`: one ExportTraceServiceRequest per line, per 5 s of event
 * time, what the OpenTelemetry file exporter writes and POST /v1/traces accepts) or as opsight
 * spans (`ndjson`: one contract Span per line), to a file or stdout, with the faults' ground
 * truth as an optional JSON labels file. An adapter: the simulator is pure; files are here.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AttributeValue, Span, SpanAttributes } from '../contract/index.ts';
import {
  createShopSimulator,
  SHOP_FAULT_KINDS,
  type ShopFault,
  type ShopFaultKind,
  type ShopSimulator,
} from '../simulate/index.ts';
import { parseDurationMs, parseIsoMs, type SimulateDeps } from './simulate.ts';

/** Event time per OTLP request (and per chunk of work). */
const SLICE_MS = 5_000;

/** A fault as given on the command line, before its times are anchored to --start. */
interface FaultFlag {
  readonly service: string;
  readonly endpoint?: string;
  readonly kind: ShopFaultKind;
  readonly value: number;
  readonly offsetMs: number;
  readonly durationMs: number;
}

/**
 * Parses `service[/route]:kind[:value]@offset+duration`, e.g. `payment:delay:300@5m+3m`,
 * `inventory:error:0.3@2m+1m`, `catalog/products/{id}:absence@1m+30s`.
 */
export function parseFaultFlag(text: string, previous: readonly FaultFlag[] = []): FaultFlag[] {
  const m = /^([^:/@]+)(\/[^:@]*)?:([a-z]+)(?::([0-9.]+))?@([0-9a-z.]+)\+([0-9a-z.]+)$/.exec(
    text.trim(),
  );
  if (m === null) {
    throw new InvalidArgumentError(
      `"${text}" is not a fault: use service[/route]:kind[:value]@offset+duration, e.g. payment:delay:300@5m+3m`,
    );
  }
  const kind = m[3] as ShopFaultKind;
  if (!SHOP_FAULT_KINDS.includes(kind)) {
    throw new InvalidArgumentError(
      `fault kind "${m[3]}" is not one of ${SHOP_FAULT_KINDS.join(', ')}`,
    );
  }
  const value = m[4] === undefined ? 1 : Number(m[4]);
  return [
    ...previous,
    {
      service: m[1]!,
      ...(m[2] === undefined ? {} : { endpoint: m[2] }),
      kind,
      value,
      offsetMs: m[5] === '0' ? 0 : parseDurationMs(m[5]!),
      durationMs: parseDurationMs(m[6]!),
    },
  ];
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!(/^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(n))) {
    throw new InvalidArgumentError(`--seed must be an integer, got "${text}"`);
  }
  return n;
}

function parseRate(text: string): number {
  const n = Number(text);
  if (!(n > 0 && n <= 100_000)) {
    throw new InvalidArgumentError(`--rps must be a number in (0, 100000], got "${text}"`);
  }
  return n;
}

interface ShopFlags {
  seed: number;
  start?: number;
  duration: number;
  rps: number;
  fault: FaultFlag[];
  format: 'otlp-json' | 'ndjson';
  out?: string;
  labelsOut?: string;
}

export function shopCommand(deps: SimulateDeps): Command {
  return new Command('shop')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void deps.stdout.write(s),
      writeErr: (s) => void deps.stderr.write(s),
    })
    .description(
      'Simulate traces of a shop of services (frontend, checkout, payment, inventory, shipping, ' +
        'catalog, db) with injected faults and their ground truth. Same --seed and --start: ' +
        'byte-identical output.',
    )
    .option('--seed <n>', 'random seed (integer)', parseSeed, 42)
    .option(
      '--start <iso>',
      'first request, ISO 8601 with zone (default: now, whole second)',
      parseIsoMs,
    )
    .addOption(
      new Option('--duration <d>', 'simulated time, e.g. 10m')
        .argParser(parseDurationMs)
        .default(600_000, '10m'),
    )
    .option('--rps <n>', 'requests per second entering the shop', parseRate, 20)
    .option(
      '--fault <spec>',
      'a fault, repeatable: service[/route]:kind[:value]@offset+duration with kind one of ' +
        `${SHOP_FAULT_KINDS.join(', ')} (e.g. payment:delay:300@5m+3m)`,
      (text: string, prev: FaultFlag[]) => parseFaultFlag(text, prev),
      [] as FaultFlag[],
    )
    .addOption(
      new Option('--format <f>', 'output format')
        .choices(['otlp-json', 'ndjson'])
        .default('otlp-json'),
    )
    .option('--out <file>', 'write to a file (default: stdout)')
    .option('--labels-out <file>', 'write the faults ground truth as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ opsight simulate shop --seed 7 --start 2026-01-01T00:00:00Z --duration 10m \\
      --fault payment:delay:300@5m+3m --out data/shop.otlp.jsonl --labels-out data/shop-labels.json
  $ opsight simulate shop --duration 1m --format ndjson --fault inventory:error:0.3@10s+30s`,
    )
    .action(async function (this: Command, flags: ShopFlags) {
      const startMs = flags.start ?? Math.floor(deps.nowMs() / 1000) * 1000;
      const faults: ShopFault[] = flags.fault.map((f) => ({
        service: f.service,
        ...(f.endpoint === undefined ? {} : { endpoint: f.endpoint }),
        kind: f.kind,
        value: f.value,
        startMs: startMs + f.offsetMs,
        endMs: startMs + f.offsetMs + f.durationMs,
      }));
      let sim: ShopSimulator;
      try {
        sim = createShopSimulator({
          seed: flags.seed,
          startMs,
          durationMs: flags.duration,
          requestsPerSecond: flags.rps,
          faults,
        });
      } catch (err) {
        const items = (err as { items?: readonly { field: string; reason: string }[] }).items ?? [];
        this.error(
          `error: ${items.length > 0 ? items.map((p) => `--fault ${p.field.replace(/^faults/, '')} ${p.reason}`).join('\n  ') : String(err)}`,
        );
      }
      if (flags.labelsOut !== undefined) {
        await mkdir(dirname(flags.labelsOut), { recursive: true });
        const doc = {
          simulator: 'shop',
          seed: flags.seed,
          start: new Date(startMs).toISOString(),
          faults: sim.labels(),
        };
        await writeFile(flags.labelsOut, `${JSON.stringify(doc, null, 2)}\n`);
      }
      if (flags.out !== undefined) await mkdir(dirname(flags.out), { recursive: true });
      const out = flags.out === undefined ? undefined : createWriteStream(flags.out);
      const write = async (text: string): Promise<void> => {
        if (out === undefined) deps.stdout.write(text);
        else if (!out.write(text)) await once(out, 'drain');
      };
      let count = 0;
      // Spans end up to a trace's length after the last arrival: keep reading until then.
      const endMs = sim.endMs + 5 * 60_000;
      for (let from = startMs; from < endMs; from += SLICE_MS) {
        const spans = sim.spansBetween(from, Math.min(endMs, from + SLICE_MS));
        if (spans.length === 0) continue;
        count += spans.length;
        await write(
          flags.format === 'ndjson'
            ? spans.map((s) => `${JSON.stringify(s)}\n`).join('')
            : `${JSON.stringify(toOtlpJson(spans))}\n`,
        );
      }
      if (out !== undefined) {
        out.end();
        await once(out, 'finish');
        deps.stderr.write(
          `simulate shop: ${count} spans, ${faults.length} faults -> ${flags.out}` +
            `${flags.labelsOut === undefined ? '' : ` (labels: ${flags.labelsOut})`}\n`,
        );
      }
    });
}

/** OTLP span kinds (SpanKind enum of the trace proto). */
const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** Epoch ms with microsecond precision → OTLP's decimal nanosecond string, exactly. */
export function msToUnixNano(ms: number): string {
  const whole = Math.floor(ms);
  const us = Math.round((ms - whole) * 1000);
  return (BigInt(whole) * 1_000_000n + BigInt(us) * 1000n).toString();
}

function otlpValue(v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function otlpAttributes(a: SpanAttributes, skip?: string): { key: string; value: unknown }[] {
  return Object.entries(a)
    .filter(([k]) => k !== skip)
    .map(([key, v]) => ({ key, value: otlpValue(v) }));
}

/** One ExportTraceServiceRequest (OTLP/JSON) holding `spans`, one resource per service. */
export function toOtlpJson(spans: readonly Span[]): Record<string, unknown> {
  const byService = new Map<string, Span[]>();
  for (const s of spans) {
    const list = byService.get(s.service) ?? [];
    list.push(s);
    byService.set(s.service, list);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'opsight-shop-simulator' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId === undefined ? {} : { parentSpanId: s.parentSpanId }),
            name: s.name,
            kind: OTLP_KIND[s.kind],
            startTimeUnixNano: msToUnixNano(s.startMs),
            endTimeUnixNano: msToUnixNano(s.startMs + s.durationMs),
            attributes: otlpAttributes(s.attributes, 'service.name'),
            ...(s.events === undefined
              ? {}
              : {
                  events: s.events.map((e) => ({
                    timeUnixNano: msToUnixNano(e.timeMs),
                    name: e.name,
                    attributes: otlpAttributes(e.attributes),
                  })),
                }),
            status:
              s.status === 'error'
                ? { code: 2, ...(s.errorMessage === undefined ? {} : { message: s.errorMessage }) }
                : { code: s.status === 'ok' ? 1 : 0 },
          })),
        },
      ],
    })),
  };
}
