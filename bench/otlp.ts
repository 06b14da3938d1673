/**
 * @module
 * OTLP trace ingest over HTTP (issue 4 item 1): spans/s that `opsight start --no-demo` takes on
 * POST /v1/traces, in protobuf and in JSON, from 4 concurrent clients sending requests of 512
 * spans (the JS SDK's BatchSpanProcessor batch) with 8 spans per trace and attributes like the
 * HTTP instrumentation's. Every request is acknowledged only after its spans are fdatasync'ed.
 * Part of `npm run bench` (skip with --no-otlp; only this with --otlp-only); about 20 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../src/contract/index.ts';
import { encodeOtlpTracesProto } from '../src/ingest/index.ts';
import { type ClientRequests, runClients } from './http-load.ts';
import { dirUsage, freePort, startProcess, stopProcess, waitReady } from './processes.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface OtlpBenchOptions {
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly spansPerRequest: number;
  readonly seed: number;
}

export function defaultOtlpBenchOptions(): OtlpBenchOptions {
  return { clients: 4, requestsPerClient: 25, spansPerRequest: 512, seed: 42 };
}

export interface OtlpFormatResult {
  readonly format: 'protobuf' | 'json';
  readonly requests: number;
  readonly spans: number;
  readonly bytesPerRequest: number;
  readonly elapsedMs: number;
  readonly spansPerSec: number;
  readonly failedRequests: number;
  readonly firstError: string | null;
}

export interface OtlpBenchResult {
  readonly options: OtlpBenchOptions;
  readonly results: OtlpFormatResult[];
  readonly diskBytesPerSpan: number | null;
}

/** One request of `spans` spans starting near `nowMs`, seeded. */
export function otlpRequest(spans: number, nowMs: number, next: () => number): unknown {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  const out: unknown[] = [];
  const baseNs = BigInt(Math.floor(nowMs - 60_000)) * 1_000_000n;
  for (let t = 0; t < Math.ceil(spans / 8); t++) {
    const traceId = hex(32);
    const rootId = hex(16);
    for (let k = 0; k < 8 && out.length < spans; k++) {
      const start = baseNs + BigInt(Math.floor(next() * 1e9));
      const failed = next() < 0.05;
      out.push({
        traceId,
        spanId: k === 0 ? rootId : hex(16),
        parentSpanId: k === 0 ? '' : rootId,
        name: k === 0 ? 'POST /api/orders/:id' : 'GET',
        kind: k === 0 ? 2 : 3,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + BigInt(Math.floor(next() * 5e7))),
        attributes: [
          str('http.request.method', k === 0 ? 'POST' : 'GET'),
          k === 0
            ? str('http.route', '/api/orders/:id')
            : str('url.full', 'http://stock:8080/items/42'),
          int('http.response.status_code', failed ? 503 : 200),
          str('server.address', 'stock'),
          int('server.port', 8080),
          str('network.protocol.version', '1.1'),
        ],
        events: failed
          ? [
              {
                timeUnixNano: String(start + 1000n),
                name: 'exception',
                attributes: [
                  str('exception.type', 'Error'),
                  str('exception.message', 'upstream unavailable'),
                  str(
                    'exception.stacktrace',
                    `Error: upstream unavailable\n${'    at f (x.ts:1:1)\n'.repeat(8)}`,
                  ),
                ],
              },
            ]
          : [],
        status: { code: failed ? 2 : 0 },
      });
    }
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            str('service.name', 'checkout'),
            str('service.version', '1.2.3'),
            str('telemetry.sdk.language', 'nodejs'),
            str('host.name', 'shop-1'),
          ],
        },
        scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans: out }],
      },
    ],
  };
}

/** Starts opsight, sends the protobuf then the JSON workload, stops it. */
export async function runOtlpBench(
  o: OtlpBenchOptions = defaultOtlpBenchOptions(),
  log: (line: string) => void = () => {},
): Promise<OtlpBenchResult> {
  // A proper seeded generator: a plain LCG repeats ids within a run (and the store would then
  // drop the repeats as duplicates).
  const rng = createRng(o.seed);
  const next = (): number => rng.next();
  const workDir = await mkdtemp(join(tmpdir(), 'opsight-otlp-bench-'));
  const port = await freePort();
  const server = startProcess(
    'opsight',
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'opsight'),
      'start',
      '--no-demo',
      '--port',
      String(port),
      '--data-dir',
      join(workDir, 'data'),
    ],
    port,
    join(workDir, 'opsight.log'),
    REPO_ROOT,
  );
  const results: OtlpFormatResult[] = [];
  let diskBytesPerSpan: number | null = null;
  try {
    await waitReady(server, '/readyz', 30_000);
    // Warm-up (not counted): both decoders and the store's paths get compiled first, so neither
    // format pays for the JIT in its figure.
    for (const contentType of ['application/x-protobuf', 'application/json']) {
      const bodies = Array.from({ length: 8 }, () => {
        const request = otlpRequest(o.spansPerRequest, Date.now(), next);
        return contentType === 'application/json'
          ? Buffer.from(JSON.stringify(request))
          : encodeOtlpTracesProto(request);
      });
      await runClients(new URL(`${server.baseUrl}/v1/traces`), { 'content-type': contentType }, [
        { bodies, samples: bodies.map(() => o.spansPerRequest) },
      ]);
    }
    for (const format of ['protobuf', 'json'] as const) {
      const clients: ClientRequests[] = [];
      let bytes = 0;
      for (let c = 0; c < o.clients; c++) {
        const bodies: Uint8Array[] = [];
        for (let r = 0; r < o.requestsPerClient; r++) {
          const request = otlpRequest(o.spansPerRequest, Date.now(), next);
          const body =
            format === 'protobuf'
              ? encodeOtlpTracesProto(request)
              : Buffer.from(JSON.stringify(request));
          bytes += body.byteLength;
          bodies.push(body);
        }
        clients.push({ bodies, samples: bodies.map(() => o.spansPerRequest) });
      }
      const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
      const load = await runClients(
        new URL(`${server.baseUrl}/v1/traces`),
        { 'content-type': contentType },
        clients,
      );
      const requests = o.clients * o.requestsPerClient;
      const r: OtlpFormatResult = {
        format,
        requests,
        spans: load.acceptedSamples,
        bytesPerRequest: Math.round(bytes / requests),
        elapsedMs: load.elapsedMs,
        spansPerSec: load.acceptedSamples / (load.elapsedMs / 1000),
        failedRequests: load.failedRequests,
        firstError: load.firstError,
      };
      results.push(r);
      log(
        `otlp ${format}: ${r.spans} spans in ${(r.elapsedMs / 1000).toFixed(2)} s = ${Math.round(r.spansPerSec).toLocaleString('en-US')} spans/s (${r.bytesPerRequest} B/request, ${r.failedRequests} failed)`,
      );
    }
  } finally {
    await stopProcess(server, 10_000);
    const disk = await dirUsage(join(workDir, 'data', 'traces'));
    const spans = results.reduce((n, r) => n + r.spans, 0);
    if (spans > 0) diskBytesPerSpan = disk.bytes / spans;
    await rm(workDir, { recursive: true, force: true });
  }
  return { options: o, results, diskBytesPerSpan };
}
