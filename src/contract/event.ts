/**
 * @module
 * Data contract v1: the telemetry event. The JSON Schema here is the source of truth; the
 * ingest decoder is a hand-written fast path tested to agree with it (docs/data-contract.md).
 */
import { type Static, Type } from '@sinclair/typebox';

export const SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const TelemetryEventSchema = Type.Object(
  {
    timestamp: Type.String({
      format: 'date-time',
      // RFC 3339 narrowed: upper-case T and Z, a zone always, at most 9 fraction digits.
      pattern:
        '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$',
      description: 'When the value was observed, ISO 8601 / RFC 3339 with a zone (Z or ±hh:mm).',
      examples: ['2026-01-01T00:00:10Z'],
    }),
    source_id: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'What emitted the value: a service, host, vehicle or pipeline stage.',
    }),
    metric_name: Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[a-zA-Z_:][a-zA-Z0-9_:.]*$',
      description: 'What was measured. Prometheus naming plus dots.',
    }),
    metric_value: Type.Number({ description: 'The observed value; finite float64.' }),
    severity: Type.Optional(
      Type.Union(
        SEVERITIES.map((s) => Type.Literal(s)),
        { description: 'How the producer judges the value; stored as the label `severity`.' },
      ),
    ),
    tags: Type.Optional(
      // Names: LABEL_NAME_RE, at most 128 characters, not reserved (`__*`, `source_id`,
      // `severity`). Counts and lengths are the default IngestLimits (src/ingest/limits.ts).
      Type.Record(
        Type.String({
          pattern: '^(?!__)(?!(source_id|severity)$)[a-zA-Z_][a-zA-Z0-9_.]{0,127}$',
        }),
        Type.String({ minLength: 1, maxLength: 1024 }),
        {
          description: 'Extra dimensions, stored as labels. At most 32 by default.',
          maxProperties: 32,
          // TypeBox's Record leaves other keys open; a key that misses the pattern is an error.
          additionalProperties: false,
        },
      ),
    ),
  },
  {
    $id: 'https://opsight.dev/schemas/telemetry-event.json',
    title: 'TelemetryEvent',
    description: 'One observation of one metric from one source (opsight data contract v1).',
    additionalProperties: false,
  },
);

export type TelemetryEvent = Static<typeof TelemetryEventSchema>;
