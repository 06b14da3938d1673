/**
 * @module
 * Schemas of the incident routes (TypeBox → JSON Schema → /api/docs): the native shape is the
 * contract's `Incident` (epoch ms, camelCase); the `/aiops` compatibility shape is snake_case with
 * ISO 8601 times, as the original AIOps design answered. Objects allow additional properties, so
 * a field the contract gains later is serialised rather than silently dropped.
 */
import { type Static, Type } from '@fastify/type-provider-typebox';
import {
  FAULT_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type Incident,
  type TimelineAction,
} from '../contract/index.ts';
import { problemResponses } from './schemas.ts';

const open = { additionalProperties: true } as const;
/** A string enum with the union of its values as its static type. */
const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });

const TIMELINE_ACTIONS: readonly TimelineAction[] = [
  'opened',
  'signal',
  'severity',
  'root_cause',
  'acknowledged',
  'resolved',
  'auto_resolved',
  'reopened',
  'note',
];

export const SignalSchema = Type.Object(
  {
    id: Type.String(),
    source: literals(['endpoint', 'anomaly', 'alert']),
    service: Type.String(),
    endpoint: Type.Optional(Type.String()),
    kind: literals(FAULT_KINDS),
    atMs: Type.Number({ description: 'Event time first seen, epoch ms' }),
    lastAtMs: Type.Number(),
    observed: Type.Number(),
    baseline: Type.Number(),
    unit: literals(['ms', 'ratio', 'per_s', 'value']),
    metric: Type.Optional(Type.String()),
    alertSeverity: Type.Optional(Type.String()),
    description: Type.String(),
  },
  open,
);

const RootCauseSchema = Type.Object(
  {
    service: Type.String(),
    endpoint: Type.Optional(Type.String()),
    kind: literals(FAULT_KINDS),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    description: Type.String(),
  },
  open,
);

const CandidateSchema = Type.Object(
  {
    service: Type.String(),
    endpoint: Type.Optional(Type.String()),
    kind: literals(FAULT_KINDS),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    evidence: Type.Object(
      {
        traceIds: Type.Array(Type.String()),
        signals: Type.Array(SignalSchema),
        path: Type.Array(Type.String()),
        firstAnomalousMs: Type.Optional(Type.Number()),
        methods: Type.Record(Type.String(), Type.Number()),
        notes: Type.Array(Type.String()),
      },
      open,
    ),
  },
  open,
);

const TimelineEntrySchema = Type.Object(
  {
    atMs: Type.Number(),
    action: literals(TIMELINE_ACTIONS),
    by: Type.String({ description: '`opsight` for automatic changes, else who acted' }),
    note: Type.Optional(Type.String()),
    from: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
  },
  open,
);

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    status: literals(INCIDENT_STATUSES),
    severity: literals(INCIDENT_SEVERITIES),
    firstDetectedMs: Type.Number({ description: 'Event time of the earliest signal, epoch ms' }),
    openedAtMs: Type.Number(),
    updatedAtMs: Type.Number(),
    lastSignalAtMs: Type.Number(),
    acknowledgedAtMs: Type.Optional(Type.Number()),
    resolvedAtMs: Type.Optional(Type.Number()),
    analyzedAtMs: Type.Optional(Type.Number()),
    rootCause: Type.Optional(RootCauseSchema),
    candidates: Type.Array(CandidateSchema, { description: 'Ranked best first' }),
    affectedServices: Type.Array(Type.String()),
    affectedEndpoints: Type.Array(Type.String()),
    impact: Type.Object(
      {
        services: Type.Array(Type.String()),
        endpoints: Type.Array(Type.String()),
        requests: Type.Number(),
        failedRequests: Type.Number(),
      },
      open,
    ),
    signals: Type.Array(SignalSchema),
    signalCount: Type.Integer(),
    totalTraces: Type.Integer(),
    sampleTraces: Type.Array(Type.String()),
    timeline: Type.Array(TimelineEntrySchema),
    reopenCount: Type.Integer(),
  },
  { ...open, description: 'An incident (src/contract/incident.ts); times are epoch ms' },
);

const Csv = (allowed: readonly string[]) =>
  Type.Optional(
    Type.String({ description: `Comma-separated, any of ${allowed.join(', ')}`, maxLength: 200 }),
  );

export const IncidentListQuerySchema = Type.Object({
  status: Csv(INCIDENT_STATUSES),
  severity: Csv(INCIDENT_SEVERITIES),
  from: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now-24h' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339, epoch ms, or now' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: 'Most incidents; default 100' }),
  ),
});

export const IncidentIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
});

/** Body of acknowledge / resolve; a request without a body is taken as `{}`. */
export const IncidentActionBody = Type.Object(
  {
    by: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Who acts; default api' }),
    ),
    note: Type.Optional(Type.String({ maxLength: 4_000 })),
  },
  { additionalProperties: false },
);

export const LiveIncidentsQuerySchema = Type.Object({
  api_key: Type.Optional(Type.String({ description: 'API key, for EventSource clients' })),
});

export const incidentListResponses = {
  200: Type.Object({ incidents: Type.Array(IncidentSchema) }),
  ...problemResponses,
};

export const incidentResponses = {
  200: Type.Object({ incident: IncidentSchema }),
  ...problemResponses,
};

// ---------------------------------------------------------------------------------------------
// /aiops compatibility (snake_case, ISO 8601)

const Iso = Type.String({ description: 'ISO 8601 instant', format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.Object>>(t: T) => Type.Union([t, Type.Null()]);

export const CompatIncidentSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    status: literals(INCIDENT_STATUSES),
    severity: literals(INCIDENT_SEVERITIES),
    first_detected: Iso,
    last_updated: Iso,
    acknowledged_at: Type.Union([Iso, Type.Null()]),
    resolved_at: Type.Union([Iso, Type.Null()]),
    root_cause: Nullable(
      Type.Object({
        service: Type.String(),
        endpoint: Type.Union([Type.String(), Type.Null()]),
        kind: Type.String(),
        confidence: Type.Number(),
        description: Type.String(),
      }),
    ),
    candidates: Type.Array(
      Type.Object({
        service: Type.String(),
        endpoint: Type.Union([Type.String(), Type.Null()]),
        kind: Type.String(),
        score: Type.Number(),
        evidence: Type.Object({
          trace_ids: Type.Array(Type.String()),
          path: Type.Array(Type.String()),
          first_anomalous: Type.Union([Iso, Type.Null()]),
          methods: Type.Record(Type.String(), Type.Number()),
          notes: Type.Array(Type.String()),
          signals: Type.Array(
            Type.Object({
              kind: Type.String(),
              service: Type.String(),
              endpoint: Type.Union([Type.String(), Type.Null()]),
              observed: Type.Number(),
              baseline: Type.Number(),
              unit: Type.String(),
              description: Type.String(),
            }),
          ),
        }),
      }),
      { description: 'Best first' },
    ),
    affected_services: Type.Array(Type.String()),
    affected_endpoints: Type.Array(Type.String()),
    total_traces: Type.Integer(),
    sample_traces: Type.Array(Type.String()),
    timeline: Type.Array(
      Type.Object({
        at: Iso,
        action: Type.String(),
        by: Type.String(),
        note: Type.Optional(Type.String()),
        from: Type.Optional(Type.String()),
        to: Type.Optional(Type.String()),
      }),
    ),
  },
  { description: 'An incident in the original AIOps API shape' },
);

export const compatListResponses = {
  200: Type.Object({
    incident_count: Type.Integer(),
    active_incidents: Type.Array(CompatIncidentSchema),
  }),
  ...problemResponses,
};

export const compatAnalyzeResponses = {
  200: Type.Object({
    analyzed_at: Iso,
    incident_count: Type.Integer(),
    active_incidents: Type.Array(CompatIncidentSchema),
  }),
  ...problemResponses,
};

export const compatIncidentResponses = {
  200: CompatIncidentSchema,
  ...problemResponses,
};

export type WireIncident = Static<typeof IncidentSchema>;

/**
 * The contract's incident as the schema's static type. They describe the same JSON; the only
 * difference TypeScript sees is that the contract's arrays are readonly and TypeBox's are not.
 */
export function wireIncident(incident: Incident): WireIncident {
  return incident as unknown as WireIncident;
}
