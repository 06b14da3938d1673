/**
 * Decoder throughput on one core. Not a test: run it by hand and copy the numbers into
 * docs/decisions/0002-ingest-decoders.md.
 *
 *   npx rolldown src/ingest/decoders.bench.ts --platform node --format esm -o /tmp/ingest-bench.mjs \
 *     && node /tmp/ingest-bench.mjs
 */
import { decodeEventsJson, decodeEventsNdjson } from './events.ts';
import { defaultIngestLimits } from './limits.ts';
import { decodeLineProtocol, encodeLineProtocol } from './line-protocol.ts';
import { decodeRemoteWrite, decodeRemoteWriteProto } from './remote-write.ts';
import {
  encodeRemoteWrite,
  encodeRemoteWriteProto,
  type RemoteWriteSeries,
} from './remote-write-encode.ts';
import type { DecodeResult } from './result.ts';
import { uncompressSnappy } from './snappy.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const limits = { ...defaultIngestLimits(NOW), maxItemsPerBatch: 1_000_000 };

/** A seeded random walk, so runs are comparable. */
let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

function rwSeries(seriesCount: number, samplesPer: number): RemoteWriteSeries[] {
  const out: RemoteWriteSeries[] = [];
  for (let i = 0; i < seriesCount; i++) {
    const samples: [number, number][] = [];
    let v = 100 * rand();
    for (let j = 0; j < samplesPer; j++) {
      v += rand() - 0.5;
      samples.push([NOW - (samplesPer - j) * 10_000, v]);
    }
    out.push({
      labels: {
        __name__: `metric_${i % 10}`,
        source_id: `host-${i}`,
        service: `svc-${i % 5}`,
        region: 'eu-west-1',
      },
      samples,
    });
  }
  return out;
}

/**
 * Runs `fn` for about 0.5 s of CPU time, three times, and reports the best rate. CPU time (not
 * wall time) because the machine is shared: time spent descheduled is not the decoder's.
 */
function time(name: string, units: number, unitName: string, fn: () => unknown): void {
  for (let i = 0; i < 5; i++) fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let runs = 0;
    const start = process.cpuUsage();
    let usedUs = 0;
    while (usedUs < 500_000) {
      fn();
      runs++;
      const u = process.cpuUsage(start);
      usedUs = u.user + u.system;
    }
    best = Math.max(best, (units * runs) / (usedUs / 1e6));
  }
  process.stdout.write(
    `${name.padEnd(56)} ${(best / 1e6).toFixed(2).padStart(7)} M ${unitName}/s\n`,
  );
}

function mustOk(r: DecodeResult): DecodeResult {
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);

for (const [seriesCount, samplesPer] of [
  [1000, 10],
  [100, 100],
  [2000, 1],
] as const) {
  const series = rwSeries(seriesCount, samplesPer);
  const n = seriesCount * samplesPer;
  const proto = encodeRemoteWriteProto(series);
  const body = encodeRemoteWrite(series);
  const label = `${seriesCount} series x ${samplesPer}`;
  mustOk(decodeRemoteWrite(body, limits));
  time(`remote write decode (snappy+proto+validate) ${label}`, n, 'samples', () =>
    decodeRemoteWrite(body, limits),
  );
  time(`remote write decode proto only ${label}`, n, 'samples', () =>
    decodeRemoteWriteProto(proto, limits),
  );
  time(`snappy uncompress only ${label}`, n, 'samples', () =>
    uncompressSnappy(body, limits.maxDecompressedBytes),
  );
  time(`remote write encode (proto+snappy) ${label}`, n, 'samples', () =>
    encodeRemoteWrite(series),
  );
}

{
  const events = rwSeries(100, 10).flatMap((s) =>
    s.samples.map(([ts, v]) => ({
      timestamp: new Date(ts).toISOString(),
      source_id: s.labels.source_id,
      metric_name: s.labels.__name__,
      metric_value: v,
      tags: { service: s.labels.service, region: s.labels.region },
    })),
  );
  const json = JSON.stringify(events);
  const ndjson = events.map((e) => JSON.stringify(e)).join('\n');
  mustOk(decodeEventsJson(json, limits));
  time('events JSON array, 1000 events (parse+validate)', events.length, 'events', () =>
    decodeEventsJson(json, limits),
  );
  time('events NDJSON, 1000 events (parse+validate)', events.length, 'events', () =>
    decodeEventsNdjson(ndjson, limits),
  );
  time('events JSON.parse alone, 1000 events', events.length, 'events', () => JSON.parse(json));
}

{
  const series = rwSeries(1000, 10);
  const lp = encodeLineProtocol(series);
  const lines = series.length * 10;
  mustOk(decodeLineProtocol(lp, limits));
  time('line protocol, 10,000 lines, 4 tags, 1 field', lines, 'lines', () =>
    decodeLineProtocol(lp, limits),
  );
  // Telegraf-like: several fields per line.
  const multi: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    multi.push(
      `cpu,host=host-${i % 1000},cpu=cpu${i % 4},region=eu usage_user=${(i % 100) / 3},usage_system=${i % 7}.5,usage_idle=90i ${NOW - i}000000`,
    );
  }
  const multiBody = multi.join('\n');
  mustOk(decodeLineProtocol(multiBody, limits));
  time('line protocol, 10,000 lines, 3 tags, 3 fields', 10_000, 'lines', () =>
    decodeLineProtocol(multiBody, limits),
  );
}
