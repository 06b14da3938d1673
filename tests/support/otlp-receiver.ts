/**
 * A tiny OTLP/HTTP protobuf trace receiver for tests: a node:http server on 127.0.0.1 that
 * decodes `POST /v1/traces` with protobufjs and keeps the spans. The schema below is the subset
 * of opentelemetry/proto/collector/trace/v1 the tests read (field numbers from the OTLP spec).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Event events = 11;
  Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
`;

const Request = protobuf
  .parse(SCHEMA, { keepCase: false })
  .root.lookupType('ExportTraceServiceRequest');

/** OTLP span kinds: 1 internal, 2 server, 3 client. Status codes: 0 unset, 1 ok, 2 error. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly durationMs: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly events: { name: string; attributes: Record<string, string | number | boolean> }[];
  readonly statusCode: number;
  readonly statusMessage: string;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly requests: { contentType: string; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}

type Decoded = Record<string, unknown>;
const hex = (b: unknown): string => Buffer.from((b as Uint8Array) ?? []).toString('hex');

function attrs(list: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of (list as Decoded[] | undefined) ?? []) {
    const v = (kv.value ?? {}) as Decoded;
    // int64 comes as a decimal string (longs: String); small enough here to be a number.
    out[kv.key as string] =
      v.intValue !== undefined
        ? Number(v.intValue)
        : ((v.stringValue ?? v.boolValue ?? v.doubleValue) as string | boolean | number);
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      requests.push({ contentType: req.headers['content-type'] ?? '', headers: req.headers });
      const msg = Request.toObject(Request.decode(Buffer.concat(chunks)), {
        longs: String,
      }) as Decoded;
      for (const rs of (msg.resourceSpans as Decoded[] | undefined) ?? []) {
        const service = String(
          attrs((rs.resource as Decoded | undefined)?.attributes)['service.name'],
        );
        for (const ss of (rs.scopeSpans as Decoded[] | undefined) ?? []) {
          for (const s of (ss.spans as Decoded[] | undefined) ?? []) {
            const status = (s.status ?? {}) as Decoded;
            spans.push({
              service,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: String(s.name),
              kind: Number(s.kind ?? 0),
              durationMs:
                Number(BigInt(String(s.endTimeUnixNano)) - BigInt(String(s.startTimeUnixNano))) /
                1e6,
              attributes: attrs(s.attributes),
              events: ((s.events as Decoded[] | undefined) ?? []).map((e) => ({
                name: String(e.name),
                attributes: attrs(e.attributes),
              })),
              statusCode: Number(status.code ?? 0),
              statusMessage: String(status.message ?? ''),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
