/**
 * @module
 * OTLP/HTTP JSON for traces (`application/json`): the proto3 JSON mapping with OTLP's
 * deviations (hex trace and span ids, enums as integers, lowerCamelCase keys; int64 as decimal
 * strings or numbers). snake_case keys are accepted too, as proto3 JSON parsers do. Unknown
 * fields are ignored, as the spec requires. Mapping and validation: otlp-spans.ts.
 */
import { OpsError } from '../contract/index.ts';
import {
  mapExportTraceRequest,
  type OtlpTraceLimits,
  type SpanDecodeResult,
} from './otlp-spans.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes an uncompressed OTLP/JSON `ExportTraceServiceRequest` body into spans. */
export function decodeOtlpTracesJson(
  body: Uint8Array | string,
  limits: OtlpTraceLimits,
): SpanDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : UTF8.decode(body));
  } catch (err) {
    return {
      ok: false,
      error: new OpsError(
        'INGEST_DECODE_FAILED',
        `the body is not valid JSON (UTF-8): ${(err as Error).message}`,
        { cause: err },
      ),
    };
  }
  return mapExportTraceRequest(parsed, limits);
}
