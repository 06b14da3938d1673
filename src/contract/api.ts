/**
 * @module
 * Response shapes of the HTTP API that the dashboard consumes. The server's route schemas are
 * the source of truth for the OpenAPI document; these types are what web/ may import.
 */
import type { Labels } from './series.ts';

export type Light = 'green' | 'orange' | 'red' | 'grey';
export type KpiStatus = 'ok' | 'warn' | 'breach' | 'unknown';

/** A KPI is a metric with a target and a judgment (docs/kpis.md). */
export interface Kpi {
  readonly name:
    | 'uptime'
    | 'error_rate'
    | 'latency_p50'
    | 'latency_p95'
    | 'latency_p99'
    | 'throughput';
  readonly label: string;
  /** null when there is no data in the window. */
  readonly value: number | null;
  readonly unit: string;
  readonly target: number;
  readonly comparator: '>=' | '<=';
  readonly status: KpiStatus;
}

export interface KpiReport {
  readonly subject: { readonly kind: 'service' | 'source'; readonly id: string };
  readonly fromMs: number;
  readonly toMs: number;
  readonly kpis: readonly Kpi[];
}

export interface ServiceStatus {
  readonly id: string;
  readonly light: Light;
  /** Why the light has its colour, one short sentence each (empty when green). */
  readonly reasons: readonly string[];
  readonly kpis: readonly Kpi[];
  readonly lastSeenMs: number | null;
}

export interface Overview {
  readonly generatedAtMs: number;
  readonly windowMs: number;
  readonly services: readonly ServiceStatus[];
  readonly totals: {
    readonly series: number;
    readonly samples: number;
    /** Samples accepted per second over the last minute. */
    readonly ingestRate: number;
  };
}

/** One pushed update of a live query: the whole trailing window, replacing the previous one. */
export interface LiveQueryUpdate {
  readonly generatedAtMs: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly series: readonly { readonly labels: Labels; readonly points: [number, number][] }[];
}
