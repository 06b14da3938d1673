/**
 * @module
 * Metric names that KPIs, health lights and the simulators agree on. A service is identified by
 * the label `service` (falling back to `source_id`). Anything pushing these names gets KPIs and a
 * traffic light with no configuration.
 */
export const WELL_KNOWN_METRICS = {
  /** Requests served per second (gauge), per service. */
  requestRate: 'requests_per_second',
  /** Failed requests per second (gauge), per service. */
  errorRate: 'errors_per_second',
  /** Request latency in milliseconds (gauge: a summary of the interval, or single observations). */
  latency: 'latency_ms',
  /** CPU busy share in percent, 0..100 (gauge). */
  cpu: 'cpu_usage_percent',
} as const;

export const SERVICE_LABEL = 'service';
export const SOURCE_LABEL = 'source_id';

/** A vehicle id of the fleet API and emulator: 1-64 letters, digits, `_ . : -`. */
export const VEHICLE_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
