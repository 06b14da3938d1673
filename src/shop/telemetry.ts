/**
 * @module
 * One OpenTelemetry tracer provider per shop service, as each would have in its own process:
 * resource `service.name`, a BatchSpanProcessor and an OTLP/HTTP protobuf exporter to opsight's
 * own `POST /v1/traces`. Nothing is registered globally (several providers share this process):
 * services call `provider.getTracer` and pass contexts explicitly.
 */
import type { Tracer } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export const SHOP_VERSION = '1.0.0';

export interface ExportCounts {
  /** Spans the exporter delivered (the receiver answered 2xx). */
  exportedSpans: number;
  /** Spans in batches that failed to export (dropped). */
  failedSpans: number;
  failedBatches: number;
  lastError?: string;
}

/** Wraps an exporter to count what got through, so the shop can report it. */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #counts: ExportCounts;
  readonly #onFailure: (error: Error | undefined) => void;

  constructor(
    inner: SpanExporter,
    counts: ExportCounts,
    onFailure: (error: Error | undefined) => void,
  ) {
    this.#inner = inner;
    this.#counts = counts;
    this.#onFailure = onFailure;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.#counts.exportedSpans += spans.length;
      } else {
        this.#counts.failedSpans += spans.length;
        this.#counts.failedBatches++;
        this.#counts.lastError = result.error?.message ?? 'export failed';
        this.#onFailure(result.error);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

export interface TelemetryOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:8080/v1/traces`. */
  readonly otlpUrl: string;
  /** Extra request headers, e.g. the API key. */
  readonly headers: Readonly<Record<string, string>>;
  /** Batch export period, ms (the SDK default is 5 s; the demo wants fresh data). */
  readonly exportIntervalMs: number;
  /** Replaces the OTLP exporter (tests). */
  readonly exporter?: (service: string) => SpanExporter;
  readonly onExportFailure: (service: string, error: Error | undefined) => void;
}

export interface ServiceTelemetry {
  readonly tracer: Tracer;
  readonly counts: ExportCounts;
  /** Exports what is queued. */
  flush(): Promise<void>;
  /** Flushes and stops the provider. */
  shutdown(): Promise<void>;
}

export function createServiceTelemetry(service: string, o: TelemetryOptions): ServiceTelemetry {
  const counts: ExportCounts = { exportedSpans: 0, failedSpans: 0, failedBatches: 0 };
  const inner =
    o.exporter?.(service) ??
    new OTLPTraceExporter({ url: o.otlpUrl, headers: { ...o.headers }, timeoutMillis: 10_000 });
  const exporter = new CountingExporter(inner, counts, (err) => o.onExportFailure(service, err));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: service,
      [ATTR_SERVICE_VERSION]: SHOP_VERSION,
      'service.namespace': 'opsight-demo-shop',
      'deployment.environment.name': 'demo',
    }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: o.exportIntervalMs,
        maxExportBatchSize: 512,
        maxQueueSize: 4096,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('opsight-demo-shop', SHOP_VERSION),
    counts,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
