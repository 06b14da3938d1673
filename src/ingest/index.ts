/**
 * @module
 * Wire decoders: pure functions from request bytes to a `SampleBatch` or a list of problems. No
 * I/O and no clock (the caller passes `nowMs` in the limits); the server calls them from its
 * routes. Formats: data contract v1 (JSON array, NDJSON), Prometheus remote write v1, Influx line
 * protocol. See docs/data-contract.md and docs/formats/.
 */
export {
  decodeEventArray,
  decodeEventsJson,
  decodeEventsNdjson,
  EVENT_FIELDS,
  MAX_NAME_LENGTH,
  SEVERITY_LABEL,
} from './events.ts';
export { parseIsoTimestampMs } from './iso-time.ts';
export { defaultIngestLimits, formatDurationMs, type IngestLimits } from './limits.ts';
export {
  decodeLineProtocol,
  encodeLineProtocol,
  type LineProtocolOptions,
  type LineProtocolPrecision,
  parseLineProtocolPrecision,
  VALUE_FIELD,
} from './line-protocol.ts';
export { decodeOtlpTracesJson } from './otlp-json.ts';
export {
  decodeOtlpTracesProto,
  decodeRpcStatus,
  encodeExportTraceResponse,
  encodeOtlpTracesProto,
  encodeRpcStatus,
  rpcCodeForHttpStatus,
} from './otlp-proto.ts';
export {
  defaultOtlpTraceLimits,
  type OtlpTraceLimits,
  type SpanDecodeResult,
  UNKNOWN_SERVICE,
} from './otlp-spans.ts';
export {
  decodeRemoteWrite,
  decodeRemoteWriteProto,
  STALE_NAN_HI,
  STALE_NAN_LO,
} from './remote-write.ts';
export {
  encodeRemoteWrite,
  encodeRemoteWriteProto,
  type RemoteWriteSeries,
} from './remote-write-encode.ts';
export type { DecodeFailure, DecodeResult, DecodeSuccess } from './result.ts';
export { type SnappyResult, uncompressSnappy } from './snappy.ts';
