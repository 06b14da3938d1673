/**
 * @module
 * Spans and the things derived from them: one span is one timed operation of one service in one
 * trace (OpenTelemetry's model, flattened to what opsight uses). OTLP decoders produce them, the
 * trace store keeps them, RED metrics, the service map and root-cause analysis read them.
 * Times are epoch milliseconds as floats (OTLP's nanoseconds keep microsecond precision).
 */

export const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

/** OTLP status codes: unset (the default), ok (explicitly set by the app) and error. */
export const SPAN_STATUSES = ['unset', 'ok', 'error'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

export type AttributeValue = string | number | boolean;
export type SpanAttributes = Readonly<Record<string, AttributeValue>>;

/** A timed annotation inside a span; exceptions are `name: 'exception'` with the OTel keys. */
export interface SpanEvent {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: SpanAttributes;
}

export interface Span {
  /** 32 lower-case hex digits (W3C trace-id). */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  /** The resource's `service.name` (`unknown_service` when the producer sent none). */
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKind;
  /**
   * The endpoint this span served or called: `http.route` (server) or the URL path (client),
   * else the span name. RED metrics and RCA group by (service, endpoint).
   */
  readonly endpoint: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: SpanStatus;
  /** `http.response.status_code` (or the older `http.status_code`), when present. */
  readonly httpStatus?: number;
  /** The status message, else the first exception's `exception.message`. */
  readonly errorMessage?: string;
  /** Resource and span attributes merged (span wins), OTel keys as sent. */
  readonly attributes: SpanAttributes;
  readonly events?: readonly SpanEvent[];
}

/** A span counts as failed when its status is error or its HTTP status is 5xx. */
export function spanFailed(span: Pick<Span, 'status' | 'httpStatus'>): boolean {
  return span.status === 'error' || (span.httpStatus !== undefined && span.httpStatus >= 500);
}

/** Search over stored spans (GET /api/v1/traces). Bounds are inclusive epoch ms on span start. */
export interface TraceQuery {
  readonly service?: string;
  /** Matches span name or endpoint. */
  readonly operation?: string;
  /** `error`: traces with a failed span; `ok`: traces without. */
  readonly status?: 'error' | 'ok';
  readonly minDurationMs?: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** Newest first; default 20. */
  readonly limit?: number;
}

/** One row of a trace search: a trace summarised by its root (or earliest) span. */
export interface TraceSummary {
  readonly traceId: string;
  readonly rootService: string;
  readonly rootName: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly services: readonly string[];
}

/** Rate, errors and duration of one (service, endpoint) over a window, from server spans. */
export interface EndpointStats {
  readonly service: string;
  readonly endpoint: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly requestCount: number;
  readonly errorCount: number;
  /** errorCount / requestCount (0 with no requests). */
  readonly errorRate: number;
  readonly avgLatencyMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Count per HTTP status code as a string (`"200"`, `"503"`), `"unset"` without one. */
  readonly statusDistribution: Readonly<Record<string, number>>;
  /**
   * Requests that ended in a timeout: HTTP 504, HTTP status 0 (no response), or an error
   * message containing `timeout` (case-insensitive). Absent when the producer of the stats does
   * not count them; consumers then fall back to `statusDistribution` 504 and 0.
   */
  readonly timeoutCount?: number;
  /** What was learned as normal before now (undefined while still learning). */
  readonly baselineLatencyMs?: number;
  readonly baselineErrorRate?: number;
}

/** A node of the service map: one service, with its server-side RED over the window. */
export interface ServiceNode {
  readonly service: string;
  readonly requestRatePerS: number;
  readonly errorRate: number;
  readonly p95Ms: number;
  /** green / orange / red, by the same health rules as endpoints (docs/aiops.md). */
  readonly health: 'green' | 'orange' | 'red' | 'grey';
}

/** A learned call edge: `from` made client calls served by `to`. */
export interface ServiceEdge {
  readonly from: string;
  readonly to: string;
  readonly calls: number;
  readonly callRatePerS: number;
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly lastSeenMs: number;
}

export interface ServiceMap {
  readonly fromMs: number;
  readonly toMs: number;
  readonly nodes: readonly ServiceNode[];
  readonly edges: readonly ServiceEdge[];
}
