/**
 * @module
 * OTLP/HTTP binary protobuf for traces: the message definitions (written here from the OTLP
 * specification, opentelemetry-proto `trace/v1`, `common/v1`, `resource/v1`,
 * `collector/trace/v1`), decoded and encoded with protobufjs. Why the library and not a
 * hand-written reader like remote write's: docs/decisions/0008-otlp-decoding.md.
 *
 * ```proto
 * message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
 * message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
 * message ScopeSpans    { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
 * message Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
 *                string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7;
 *                fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; ...
 *                repeated Event events = 11; ... Status status = 15; fixed32 flags = 16; }
 * message Status { string message = 2; StatusCode code = 3; }
 * ```
 *
 * Also the answers: `ExportTraceServiceResponse` on success and `google.rpc.Status` (with a
 * `google.rpc.BadRequest` detail naming each bad field) on failure, as OTLP/HTTP requires for
 * protobuf clients.
 */
import protobuf from 'protobufjs';
import { OpsError, type ProblemItem } from '../contract/index.ts';
import {
  mapExportTraceRequest,
  type OtlpTraceLimits,
  type SpanDecodeResult,
} from './otlp-spans.ts';

const KEY_VALUE = {
  fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } },
};

/** The OTLP trace messages as a protobufjs JSON descriptor (field names lowerCamelCase). */
const DESCRIPTOR = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          oneofs: {
            value: {
              oneof: [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
              ],
            },
          },
          fields: {
            stringValue: { type: 'string', id: 1 },
            boolValue: { type: 'bool', id: 2 },
            intValue: { type: 'int64', id: 3 },
            doubleValue: { type: 'double', id: 4 },
            arrayValue: { type: 'ArrayValue', id: 5 },
            kvlistValue: { type: 'KeyValueList', id: 6 },
            bytesValue: { type: 'bytes', id: 7 },
          },
        },
        ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
        KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        KeyValue: KEY_VALUE,
        InstrumentationScope: {
          fields: {
            name: { type: 'string', id: 1 },
            version: { type: 'string', id: 2 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Resource: {
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 1 },
            droppedAttributesCount: { type: 'uint32', id: 2 },
          },
        },
        ExportTraceServiceRequest: {
          fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
        },
        ExportTraceServiceResponse: {
          fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } },
        },
        ExportTracePartialSuccess: {
          fields: {
            rejectedSpans: { type: 'int64', id: 1 },
            errorMessage: { type: 'string', id: 2 },
          },
        },
        ResourceSpans: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        ScopeSpans: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            spans: { rule: 'repeated', type: 'Span', id: 2 },
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            parentSpanId: { type: 'bytes', id: 4 },
            flags: { type: 'fixed32', id: 16 },
            name: { type: 'string', id: 5 },
            kind: { type: 'int32', id: 6 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            droppedAttributesCount: { type: 'uint32', id: 10 },
            events: { rule: 'repeated', type: 'Event', id: 11 },
            droppedEventsCount: { type: 'uint32', id: 12 },
            links: { rule: 'repeated', type: 'Link', id: 13 },
            droppedLinksCount: { type: 'uint32', id: 14 },
            status: { type: 'Status', id: 15 },
          },
        },
        Event: {
          fields: {
            timeUnixNano: { type: 'fixed64', id: 1 },
            name: { type: 'string', id: 2 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Link: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 4 },
            droppedAttributesCount: { type: 'uint32', id: 5 },
            flags: { type: 'fixed32', id: 6 },
          },
        },
        // SpanKind and StatusCode are read as plain integers (the enum's numbers), so an
        // unknown value reaches the validator instead of vanishing.
        Status: {
          fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } },
        },
        // google.rpc.Status and google.rpc.BadRequest, for error answers.
        RpcStatus: {
          fields: {
            code: { type: 'int32', id: 1 },
            message: { type: 'string', id: 2 },
            details: { rule: 'repeated', type: 'Any', id: 3 },
          },
        },
        Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
        BadRequest: {
          fields: { fieldViolations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
        },
        FieldViolation: {
          fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const RequestType = root.lookupType('otlp.ExportTraceServiceRequest');
const ResponseType = root.lookupType('otlp.ExportTraceServiceResponse');
const RpcStatusType = root.lookupType('otlp.RpcStatus');
const BadRequestType = root.lookupType('otlp.BadRequest');

/** Decodes an uncompressed protobuf `ExportTraceServiceRequest` body into spans. */
export function decodeOtlpTracesProto(body: Uint8Array, limits: OtlpTraceLimits): SpanDecodeResult {
  let message: protobuf.Message;
  try {
    message = RequestType.decode(body);
  } catch (err) {
    return {
      ok: false,
      error: new OpsError(
        'INGEST_DECODE_FAILED',
        `the body is not a valid protobuf ExportTraceServiceRequest: ${(err as Error).message}`,
        { cause: err },
      ),
    };
  }
  return mapExportTraceRequest(message, limits);
}

/**
 * Encodes an ExportTraceServiceRequest given in the OTLP/JSON shape (hex ids, int64 as decimal
 * strings or numbers, lowerCamelCase keys) as protobuf bytes: for tests, the benchmark and
 * clients without an OTel SDK.
 */
export function encodeOtlpTracesProto(request: unknown): Uint8Array {
  return RequestType.encode(RequestType.fromObject(jsonToProtoShape(request) as object)).finish();
}

/** Hex ids → bytes, base64 bytesValue → bytes; everything else as it is. */
function jsonToProtoShape(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => jsonToProtoShape(x));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonToProtoShape(x, k);
    return out;
  }
  if (typeof v === 'string' && (key === 'traceId' || key === 'spanId' || key === 'parentSpanId')) {
    const bytes = new Uint8Array(v.length / 2);
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Number.parseInt(v.slice(2 * i, 2 * i + 2), 16);
    return bytes;
  }
  if (typeof v === 'string' && key === 'bytesValue') {
    return Uint8Array.from(atob(v), (c) => c.charCodeAt(0));
  }
  return v;
}

/** The success answer: an ExportTraceServiceResponse with `partial_success` unset (0 bytes). */
export function encodeExportTraceResponse(): Uint8Array {
  return ResponseType.encode(ResponseType.create({})).finish();
}

/** gRPC status codes used in `google.rpc.Status.code` (OTLP lets clients ignore it). */
export const RPC_CODES = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC code that fits an HTTP status. */
export function rpcCodeForHttpStatus(status: number): number {
  if (status === 401) return RPC_CODES.UNAUTHENTICATED;
  if (status === 404) return RPC_CODES.NOT_FOUND;
  if (status === 413 || status === 429) return RPC_CODES.RESOURCE_EXHAUSTED;
  if (status === 503) return RPC_CODES.UNAVAILABLE;
  if (status >= 400 && status < 500) return RPC_CODES.INVALID_ARGUMENT;
  return RPC_CODES.INTERNAL;
}

/**
 * A failure answer for protobuf clients: `google.rpc.Status` whose details hold one
 * `google.rpc.BadRequest` with a field violation per problem item (OTLP/HTTP "Bad Data").
 */
export function encodeRpcStatus(
  code: number,
  message: string,
  items: readonly ProblemItem[] = [],
): Uint8Array {
  const details =
    items.length === 0
      ? []
      : [
          {
            typeUrl: 'type.googleapis.com/google.rpc.BadRequest',
            value: BadRequestType.encode(
              BadRequestType.create({
                fieldViolations: items.map((i) => ({ field: i.field, description: i.reason })),
              }),
            ).finish(),
          },
        ];
  return RpcStatusType.encode(RpcStatusType.fromObject({ code, message, details })).finish();
}

/** Decodes a `google.rpc.Status` (for tests and clients of this server). */
export function decodeRpcStatus(bytes: Uint8Array): {
  code: number;
  message: string;
  violations: { field: string; description: string }[];
} {
  const s = RpcStatusType.toObject(RpcStatusType.decode(bytes), { defaults: true }) as {
    code: number;
    message: string;
    details: { typeUrl: string; value: Uint8Array }[];
  };
  const violations: { field: string; description: string }[] = [];
  for (const d of s.details) {
    if (d.typeUrl !== 'type.googleapis.com/google.rpc.BadRequest') continue;
    const b = BadRequestType.toObject(BadRequestType.decode(d.value), { defaults: true }) as {
      fieldViolations: { field: string; description: string }[];
    };
    violations.push(...b.fieldViolations);
  }
  return { code: s.code, message: s.message, violations };
}
