/**
 * @module
 * The one registry of error codes. Each code maps to an HTTP status and a stable title; the
 * server's single error boundary renders them as RFC 9457 problem+json. Codes are documented in
 * docs/errors.md, and a meta-test keeps the registry, the docs and the code in step.
 */

/** One bad item in a batch: where (index into the batch, field path) and why. */
export interface ProblemItem {
  /** Zero-based index of the item in the request (array element, NDJSON line, series, line). */
  readonly index?: number;
  /** Field path inside the item, e.g. `metric_value` or `tags.region`. */
  readonly field: string;
  readonly reason: string;
}

export const errorCodes = {
  // Request shape
  BAD_REQUEST: { status: 400, title: 'The request is malformed' },
  INVALID_PARAMETER: { status: 400, title: 'A query or path parameter is invalid' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported here' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  UNAUTHORIZED: { status: 401, title: 'A valid API key is required' },
  FORBIDDEN: { status: 403, title: 'The API key lacks the scope for this request' },

  // Ingest
  INGEST_INVALID_BATCH: { status: 400, title: 'One or more items in the batch are invalid' },
  INGEST_BODY_TOO_LARGE: { status: 413, title: 'The request body exceeds the configured limit' },
  INGEST_BATCH_TOO_LARGE: {
    status: 413,
    title: 'The batch has more items than the configured limit',
  },
  INGEST_CARDINALITY_LIMIT: {
    status: 422,
    title: 'The batch would create more series for a metric than the configured limit',
  },
  INGEST_DECODE_FAILED: {
    status: 400,
    title: 'The body could not be decoded in the declared format',
  },

  // Query
  QUERY_TOO_MANY_POINTS: {
    status: 422,
    title: 'The query would return more points than the limit',
  },
  QUERY_INVALID_RANGE: { status: 400, title: 'The query time range is invalid' },

  // Store
  STORE_CLOSED: { status: 503, title: 'The store is closed' },
  STORE_CORRUPTION: { status: 500, title: 'Stored data failed an integrity check' },
  STORE_IO: { status: 503, title: 'The store could not read or write its files' },

  // Server lifecycle
  NOT_READY: { status: 503, title: 'The server is starting or shutting down' },
  LIVE_TOO_MANY_STREAMS: { status: 503, title: 'The server has too many live streams open' },
  CHAOS_UNAVAILABLE: { status: 503, title: 'No demo shop is running in this server' },

  // Alerting definitions (rules, SLOs, silences, inhibition rules) sent through the API
  ALERTING_INVALID_DEFINITION: {
    status: 422,
    title: 'The alert rule, SLO, silence or inhibition rule is invalid',
  },
  ALERTING_CONFLICT: {
    status: 409,
    title: 'The alert rule or SLO exists already, or is not one the API may change',
  },

  // Incidents
  INCIDENT_CONFLICT: {
    status: 409,
    title: 'The incident is not in a state that allows this action',
  },

  // Human review
  REVIEW_CONFLICT: {
    status: 409,
    title: 'The review item is not in a state that allows this action',
  },

  // Fleet (POST /telemetry, POST /simulate_anomaly)
  FLEET_READINGS_INVALID: { status: 422, title: 'No reading in the request was usable' },
  FLEET_DEMO_UNAVAILABLE: { status: 503, title: 'No fleet emulator is running in this server' },

  // Config and CLI
  CONFIG_INVALID: { status: 500, title: 'The configuration is invalid' },

  INTERNAL: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;

export interface OpsErrorOptions {
  readonly cause?: unknown;
  readonly items?: readonly ProblemItem[];
}

/** The one error class of opsight. `detail` is for humans; `items` names every bad input. */
export class OpsError extends Error {
  readonly code: ErrorCode;
  readonly items: readonly ProblemItem[];

  constructor(code: ErrorCode, detail: string, options: OpsErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsError';
    this.code = code;
    this.items = options.items ?? [];
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

export function isOpsError(err: unknown): err is OpsError {
  return err instanceof OpsError;
}

/** RFC 9457 problem details, with opsight's `code` and `errors` extension members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly code: ErrorCode;
  readonly errors?: readonly ProblemItem[];
}

export function toProblem(err: OpsError, instance?: string): Problem {
  const { status, title } = errorCodes[err.code];
  const base = {
    type: `/docs/errors#${err.code}`,
    title,
    status,
    detail: err.message,
    code: err.code,
    ...(instance === undefined ? {} : { instance }),
  };
  return err.items.length > 0 ? { ...base, errors: err.items } : base;
}
