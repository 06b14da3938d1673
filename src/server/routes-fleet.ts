/**
 * @module
 * Fleet routes (docs/fleet.md, docs/api.md "Fleet API"), registered when a FleetRuntime is wired.
 *
 * Compatible with the original fleet lab (snake_case, ISO 8601):
 * - `POST /telemetry`: one reading or an array → 200 `{received, accepted, partial, rejected,
 *   samples, issue_count, issues}` when at least one reading was usable; 422
 *   FLEET_READINGS_INVALID naming every issue when none was (the issues are recorded either way);
 *   400 when the body is not JSON or not an object/array. Any content type is read as JSON, so
 *   `curl -d '{...}'` works as it did against the lab.
 * - `GET /telemetry?vehicle_id=&since=&limit=` → `{ readings }`, the rolling window, oldest first.
 * - `POST /simulate_anomaly` `{vehicle_id?, kind, duration_s?}` → 202 `{vehicle_id, kind,
 *   starts_at, ends_at}`; 503 FLEET_DEMO_UNAVAILABLE without an emulator, 404 for an unknown
 *   vehicle.
 * Native (camelCase, epoch ms, like the rest of /api/v1):
 * - `GET /api/v1/fleet/vehicles?band=&sort=risk|id|cost&q=`, `GET /api/v1/fleet/vehicles/:id`,
 *   `GET /api/v1/fleet/impact`, `GET /api/v1/fleet/quality?limit=`, `GET /api/v1/fleet/rules`,
 *   `GET /api/v1/fleet/demo`;
 * - `GET /api/v1/live/fleet`: server-sent events, `fleet` `{generatedAtMs, vehicles, impact}` at
 *   once, then at most once per `FLEET_PUSH_MS` while readings arrive.
 */
import { type Static, Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FAILURE_MODES, type QualityIssue, RISK_BANDS, type RiskBand } from '../analytics/index.ts';
import { OpsError, toProblem, VEHICLE_ID_RE } from '../contract/index.ts';
import type { FleetIngestResult, FleetRuntime, VehicleSummary } from '../pipeline/index.ts';
import {
  FLEET_ANOMALY_KINDS,
  type FleetAnomaly,
  type FleetAnomalyKind,
} from '../simulate/index.ts';
import type { ServerContext } from './context.ts';
import { toOpsError } from './error-boundary.ts';
import { openLiveStream } from './live-stream.ts';
import type { FleetDemoControl } from './options.ts';
import { invalidParameter, parseEnumList, parseTimeMs } from './params.ts';
import { problemResponses } from './schemas.ts';

/** Least time between two `fleet` events of /api/v1/live/fleet. */
export const FLEET_PUSH_MS = 1_000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 5_000;
const DEFAULT_ANOMALY_S = 30;
const MAX_ANOMALY_S = 3_600;
const SORTS = ['risk', 'id', 'cost'] as const;
type Sort = (typeof SORTS)[number];

// ---- Schemas (they are also the serialisers: a field missing here is dropped from answers) ----

const Num = Type.Number();
const OptNum = Type.Optional(Type.Number());

const LabIssueSchema = Type.Object({
  item: Type.Integer({ description: 'Index of the reading in the request (0 for a single one)' }),
  vehicle_id: Type.String({ description: '`unknown` when the reading named none usable' }),
  field: Type.String({ description: 'The field, `reading` for the whole reading, `ts` its time' }),
  rule: Type.String({ description: 'missing_field, wrong_type, out_of_range, stuck_sensor, …' }),
  reason: Type.String(),
  value: Type.Optional(Type.Unknown({ description: 'The offending value as sent' })),
});

const TelemetryResultSchema = Type.Object({
  received: Type.Integer(),
  accepted: Type.Integer({ description: 'Readings stored with every field valid' }),
  partial: Type.Integer({ description: 'Readings stored with some fields rejected' }),
  rejected: Type.Integer({ description: 'Readings with nothing usable (issues recorded only)' }),
  samples: Type.Integer({ description: 'Values stored (valid fields plus quality markers)' }),
  issue_count: Type.Integer({ description: 'All issues found (recorded and counted)' }),
  issues: Type.Array(LabIssueSchema, { description: 'The first 100 issues' }),
});

const RecentReadingSchema = Type.Object({
  ts: Type.String({ format: 'date-time' }),
  vehicle_id: Type.String(),
  coolant_temp_f: OptNum,
  intake_air_temp_f: OptNum,
  engine_rpm: OptNum,
  speed_mph: OptNum,
  vibration_score: OptNum,
  engine_hours: OptNum,
  invalid_fields: Type.Array(Type.String(), {
    description: 'Fields sent but rejected by validation (their values are left out)',
  }),
  received_at: Type.String({ format: 'date-time' }),
});

const TelemetryQuerySchema = Type.Object({
  vehicle_id: Type.Optional(Type.String()),
  since: Type.Optional(
    Type.String({ description: 'ISO 8601 with a zone, epoch milliseconds, or now-5m' }),
  ),
  limit: Type.Optional(Type.String({ description: `1..${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })),
});

const AnomalyResultSchema = Type.Object({
  vehicle_id: Type.String(),
  kind: Type.String(),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.String({ format: 'date-time' }),
});

const FactorSchema = Type.Object({
  name: Type.String(),
  mode: Type.String({ description: FAILURE_MODES.join(' | ') }),
  points: Num,
  detail: Type.String(),
});

const ExposureSchema = Type.Object({
  mode: Type.String(),
  points: Num,
  failureChance: Num,
  downtimeHours: Num,
  cost: Num,
});

const FieldValuesSchema = Type.Object({
  coolant_temp_f: OptNum,
  intake_air_temp_f: OptNum,
  engine_rpm: OptNum,
  speed_mph: OptNum,
  vibration_score: OptNum,
  engine_hours: OptNum,
});

const CountsByRule = Type.Record(Type.String(), Type.Number());

const VehicleSchema = Type.Object({
  vehicleId: Type.String(),
  model: Type.Optional(Type.String()),
  score: Type.Number({ description: '0..100' }),
  band: Type.String({ description: RISK_BANDS.join(' | ') }),
  factors: Type.Array(FactorSchema, { description: 'Largest first' }),
  lastSeenMs: Num,
  latest: FieldValuesSchema,
  downtimeHoursAtRisk: Num,
  costAtRisk: Num,
  exposure: Type.Array(ExposureSchema),
  readings: Type.Integer(),
  issues: Type.Integer(),
  quality: Type.Record(Type.String(), CountsByRule, {
    description: 'Issue counts: field → rule → count',
  }),
  qualityIssues: Type.Integer(),
});

const ProfileSchema = Type.Object(
  {
    vehicle_id: Type.String(),
    model: Type.Optional(Type.String()),
    baselines: FieldValuesSchema,
    hours_since_service: Num,
  },
  { description: "The emulated vehicle's profile: warm running baselines, service history" },
);

const AssumptionsSchema = Type.Object({
  costPerDowntimeHour: Num,
  currency: Type.String(),
  horizonDays: Num,
  modes: Type.Record(Type.String(), Type.Object({ downtimeHours: Num, repairCost: Num })),
  pointsForCertainFailure: Num,
  maxFailureChance: Num,
  serviceIntervalHours: Num,
});

const ImpactSchema = Type.Object({
  vehicles: Type.Integer(),
  byBand: Type.Object({
    low: Type.Integer(),
    medium: Type.Integer(),
    high: Type.Integer(),
    critical: Type.Integer(),
  }),
  downtimeHoursAtRisk: Num,
  costAtRisk: Num,
  topVehicles: Type.Array(
    Type.Object({ vehicleId: Type.String(), costAtRisk: Num, band: Type.String() }),
  ),
  assumptions: AssumptionsSchema,
});

const QualityIssueSchema = Type.Object({
  vehicleId: Type.String(),
  field: Type.String(),
  rule: Type.String(),
  reason: Type.String(),
  value: Type.Optional(Type.Unknown()),
  atMs: Num,
  item: Type.Optional(Type.Integer()),
});

const QualityReportSchema = Type.Object({
  totals: Type.Object({ checked: Type.Integer(), withIssues: Type.Integer() }),
  counts: Type.Record(Type.String(), Type.Record(Type.String(), CountsByRule), {
    description: 'vehicle → field → rule → count',
  }),
  recent: Type.Array(QualityIssueSchema, { description: 'Newest first' }),
  mqtt: Type.Optional(
    Type.Object(
      {
        connected: Type.Boolean(),
        messages: Type.Integer(),
        readings: Type.Integer(),
        stored: Type.Integer(),
        malformed: Type.Integer({ description: 'Payloads not JSON, not an object/array, too big' }),
        mismatched: Type.Integer({ description: 'Readings naming another vehicle than the topic' }),
        failed: Type.Integer(),
        reconnects: Type.Integer(),
        lastError: Type.Optional(Type.String()),
      },
      { description: 'The MQTT adapter (with --mqtt)' },
    ),
  ),
});

const RuleSchema = Type.Object({
  min: Num,
  max: Num,
  unit: Type.String(),
  maxChangePerS: OptNum,
  monotonic: Type.Optional(Type.Boolean()),
  stuckAfter: OptNum,
  why: Type.String(),
});

const DemoAnomalySchema = Type.Object({
  vehicleId: Type.String(),
  kind: Type.String(),
  startMs: Num,
  endMs: Num,
  active: Type.Boolean(),
});

const VehiclesQuerySchema = Type.Object({
  band: Type.Optional(Type.String({ description: 'Comma-separated bands, e.g. high,critical' })),
  sort: Type.Optional(Type.String({ description: 'risk (default) | id | cost' })),
  q: Type.Optional(Type.String({ description: 'Substring of the vehicle id or model' })),
});

const TAGS = ['fleet'];

// ---- Parsing ----

function parseLimit(text: string | undefined, max: number, def: number): number {
  if (text === undefined || text === '') return def;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw invalidParameter('limit', `must be an integer in 1..${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** `since`: ISO 8601 with a zone, epoch ms (or `now-5m`, like every time parameter here). */
function parseSince(text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return parseTimeMs(text, 'since', nowMs);
}

function parseVehicleId(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (!VEHICLE_ID_RE.test(text)) {
    throw invalidParameter('vehicle_id', 'must be 1-64 letters, digits, _ . : -');
  }
  return text;
}

function parseSort(text: string | undefined): Sort {
  if (text === undefined || text === '') return 'risk';
  if (!(SORTS as readonly string[]).includes(text)) {
    throw invalidParameter('sort', `${JSON.stringify(text)} is not one of ${SORTS.join(', ')}`);
  }
  return text as Sort;
}

/** Filters and sorts vehicle summaries as GET /api/v1/fleet/vehicles does. */
export function selectVehicles(
  all: readonly VehicleSummary[],
  q: { bands?: readonly RiskBand[]; sort: Sort; text?: string },
): VehicleSummary[] {
  const text = q.text?.trim().toLowerCase();
  const out = all.filter(
    (v) =>
      (q.bands === undefined || q.bands.includes(v.band)) &&
      (text === undefined ||
        text === '' ||
        v.vehicleId.toLowerCase().includes(text) ||
        (v.model ?? '').toLowerCase().includes(text)),
  );
  const byId = (a: VehicleSummary, b: VehicleSummary): number =>
    a.vehicleId < b.vehicleId ? -1 : a.vehicleId > b.vehicleId ? 1 : 0;
  if (q.sort === 'id') out.sort(byId);
  else if (q.sort === 'cost') out.sort((a, b) => b.costAtRisk - a.costAtRisk || byId(a, b));
  else out.sort((a, b) => b.score - a.score || b.costAtRisk - a.costAtRisk || byId(a, b));
  return out;
}

/** The body of POST /telemetry: JSON text of any content type; 400 when it is not JSON. */
function parseJsonBody(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  if (text.trim() === '') {
    throw new OpsError('BAD_REQUEST', 'the body is empty; send one reading or an array of them', {
      items: [{ field: 'body', reason: 'empty' }],
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OpsError('BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`, {
      items: [{ field: 'body', reason: 'not valid JSON' }],
    });
  }
}

function labIssue(i: QualityIssue): Static<typeof LabIssueSchema> {
  return {
    item: i.item ?? 0,
    vehicle_id: i.vehicleId,
    field: i.field,
    rule: i.rule,
    reason: i.reason,
    ...(i.value === undefined ? {} : { value: i.value }),
  };
}

/** The lab's answer to POST /telemetry, or the 422 when nothing was usable. */
export function telemetryAnswer(r: FleetIngestResult): Static<typeof TelemetryResultSchema> {
  if (r.accepted + r.partial === 0) {
    const items = r.issues.map((i) => ({
      index: i.item ?? 0,
      field: i.field,
      reason: `${i.rule}: ${i.reason}`,
    }));
    throw new OpsError(
      'FLEET_READINGS_INVALID',
      r.received === 0
        ? 'the array is empty: send at least one reading'
        : `none of the ${r.received} reading(s) was usable: ${r.issueCount} issue(s), recorded as data-quality events`,
      { items: items.length > 0 ? items : [{ field: 'body', reason: 'no readings' }] },
    );
  }
  return {
    received: r.received,
    accepted: r.accepted,
    partial: r.partial,
    rejected: r.rejected,
    samples: r.samples,
    issue_count: r.issueCount,
    issues: r.issues.map(labIssue),
  };
}

function labAnomaly(a: FleetAnomaly): Static<typeof AnomalyResultSchema> {
  return {
    vehicle_id: a.vehicleId,
    kind: a.kind,
    starts_at: new Date(a.startMs).toISOString(),
    ends_at: new Date(a.endMs).toISOString(),
  };
}

/** `{vehicle_id?, kind, duration_s?}` from a JSON body or the query string. */
export function parseAnomalyRequest(
  body: unknown,
  query: unknown,
): { kind: FleetAnomalyKind; vehicleId?: string; durationS: number } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const get = (k: string): unknown => (b[k] !== undefined ? b[k] : q[k]);
  const kind = get('kind');
  if (typeof kind !== 'string' || !(FLEET_ANOMALY_KINDS as readonly string[]).includes(kind)) {
    throw invalidParameter(
      'kind',
      `${kind === undefined ? 'is required' : `${JSON.stringify(kind)} is not a kind`}; one of ${FLEET_ANOMALY_KINDS.join(', ')}`,
    );
  }
  const rawId = get('vehicle_id');
  if (rawId !== undefined && rawId !== null && typeof rawId !== 'string') {
    throw invalidParameter('vehicle_id', 'must be a string');
  }
  const vehicleId = parseVehicleId(rawId ?? undefined);
  const rawD = get('duration_s');
  let durationS = DEFAULT_ANOMALY_S;
  if (rawD !== undefined && rawD !== null && rawD !== '') {
    const d =
      typeof rawD === 'number' ? rawD : typeof rawD === 'string' ? Number(rawD) : Number.NaN;
    if (!Number.isFinite(d) || d < 1 || d > MAX_ANOMALY_S) {
      throw invalidParameter(
        'duration_s',
        `must be a number of seconds in 1..${MAX_ANOMALY_S}, got ${JSON.stringify(rawD)}`,
      );
    }
    durationS = d;
  }
  return {
    kind: kind as FleetAnomalyKind,
    ...(vehicleId === undefined ? {} : { vehicleId }),
    durationS,
  };
}

export function registerFleetRoutes(
  root: FastifyInstance,
  ctx: ServerContext,
  fleet: FleetRuntime,
  demo: FleetDemoControl | undefined,
): void {
  const { clock } = ctx.deps;

  root.register(async (scoped) => {
    // POST /telemetry reads any content type as JSON text (the lab took `curl -d` bodies).
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: ctx.options.maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/telemetry',
      {
        schema: {
          summary: 'Ingest fleet readings (one or an array), validated field by field',
          tags: TAGS,
          consumes: ['application/json'],
          response: { 200: TelemetryResultSchema, ...problemResponses },
        },
      },
      async (request) => {
        const result = await fleet.ingest(parseJsonBody(request.body));
        if (result.issueCount > 0) {
          request.log.debug(
            { issues: result.issueCount, rejected: result.rejected },
            'fleet readings with data-quality issues',
          );
        }
        return telemetryAnswer(result);
      },
    );
    app.post(
      '/simulate_anomaly',
      {
        schema: {
          summary: 'Start a demo anomaly on an emulated vehicle (ends on its own)',
          tags: TAGS,
          consumes: ['application/json'],
          response: { 202: AnomalyResultSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        if (demo === undefined) {
          throw new OpsError(
            'FLEET_DEMO_UNAVAILABLE',
            'no fleet emulator runs in this server (started with --no-demo or demoFleetVehicles 0)',
          );
        }
        const raw = request.body;
        const body =
          Buffer.isBuffer(raw) && raw.length > 0
            ? parseJsonBody(raw)
            : ({} as Record<string, never>);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new OpsError('BAD_REQUEST', 'send a JSON object {vehicle_id?, kind, duration_s?}', {
            items: [{ field: 'body', reason: 'not an object' }],
          });
        }
        const a = demo.inject(parseAnomalyRequest(body, request.query));
        request.log.info({ anomaly: a }, 'fleet: demo anomaly started');
        return reply.code(202).send(labAnomaly(a));
      },
    );
  });

  // The read routes are typed by their generics, not inferred from the response schemas: the
  // runtime's readonly arrays are fine to serialise but not assignable to TypeBox's mutable ones.
  root.get<{ Querystring: Static<typeof TelemetryQuerySchema> }>(
    '/telemetry',
    {
      schema: {
        summary: 'Recent fleet readings (rolling window), oldest first',
        tags: TAGS,
        querystring: TelemetryQuerySchema,
        response: {
          200: Type.Object({ readings: Type.Array(RecentReadingSchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const vehicleId = parseVehicleId(q.vehicle_id);
      const sinceMs = parseSince(q.since, clock.nowMs());
      const limit = parseLimit(q.limit, MAX_LIMIT, DEFAULT_LIMIT);
      return {
        readings: fleet.recent({
          ...(vehicleId === undefined ? {} : { vehicleId }),
          ...(sinceMs === undefined ? {} : { sinceMs }),
          limit,
        }),
      };
    },
  );

  root.get<{ Querystring: Static<typeof VehiclesQuerySchema> }>(
    '/api/v1/fleet/vehicles',
    {
      schema: {
        summary: 'Vehicles with risk score, band, factors and cost at risk',
        tags: TAGS,
        querystring: VehiclesQuerySchema,
        response: {
          200: Type.Object({ vehicles: Type.Array(VehicleSchema) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const bands = parseEnumList(request.query.band, 'band', RISK_BANDS);
      return {
        vehicles: selectVehicles(fleet.vehicles(), {
          ...(bands === undefined ? {} : { bands }),
          sort: parseSort(request.query.sort),
          ...(request.query.q === undefined ? {} : { text: request.query.q }),
        }),
      };
    },
  );

  root.get<{ Params: { id: string } }>(
    '/api/v1/fleet/vehicles/:id',
    {
      schema: {
        summary: 'One vehicle: risk, factors, exposure per failure mode, data quality',
        tags: TAGS,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Type.Object({
            vehicle: VehicleSchema,
            profile: Type.Optional(ProfileSchema),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const v = fleet.vehicle(request.params.id);
      if (v === undefined) {
        throw new OpsError('NOT_FOUND', `no readings from vehicle ${request.params.id}`, {
          items: [{ field: 'id', reason: `unknown vehicle ${request.params.id}` }],
        });
      }
      const profile = demo?.profiles?.().find((p) => p.vehicle_id === v.vehicleId);
      return profile === undefined ? { vehicle: v } : { vehicle: v, profile };
    },
  );

  root.get(
    '/api/v1/fleet/impact',
    {
      schema: {
        summary: 'Business impact: downtime hours and cost at risk, with the assumptions',
        tags: TAGS,
        response: { 200: ImpactSchema, ...problemResponses },
      },
    },
    async () => fleet.impact(),
  );

  root.get<{ Querystring: { limit?: string } }>(
    '/api/v1/fleet/quality',
    {
      schema: {
        summary: 'Data quality: totals, issue counts per vehicle and field, newest issues',
        tags: TAGS,
        querystring: Type.Object({ limit: Type.Optional(Type.String()) }),
        response: { 200: QualityReportSchema, ...problemResponses },
      },
    },
    async (request) => {
      const report = fleet.qualityReport(parseLimit(request.query.limit, 1_000, 100));
      const mqtt = ctx.deps.fleetMqtt?.stats();
      return mqtt === undefined ? report : { ...report, mqtt };
    },
  );

  root.get(
    '/api/v1/fleet/rules',
    {
      schema: {
        summary: 'The validation rules per field (valid range, max change per second, stuck after)',
        tags: TAGS,
        response: {
          200: Type.Object({ rules: Type.Record(Type.String(), RuleSchema) }),
          ...problemResponses,
        },
      },
    },
    async () => ({ rules: fleet.quality.options.rules }),
  );

  root.get(
    '/api/v1/fleet/demo',
    {
      schema: {
        summary: 'The fleet emulator: whether it runs, its vehicles and injected anomalies',
        tags: TAGS,
        response: {
          200: Type.Object({
            available: Type.Boolean(),
            vehicleIds: Type.Array(Type.String()),
            kinds: Type.Array(Type.String()),
            anomalies: Type.Array(DemoAnomalySchema, { description: 'Newest first, at most 50' }),
          }),
          ...problemResponses,
        },
      },
    },
    async () => {
      const nowMs = clock.nowMs();
      return {
        available: demo !== undefined,
        vehicleIds: demo?.vehicleIds() ?? [],
        kinds: [...FLEET_ANOMALY_KINDS],
        anomalies: [...(demo?.anomalies() ?? [])]
          .reverse()
          .slice(0, 50)
          .map((a) => ({ ...a, active: nowMs >= a.startMs && nowMs < a.endMs })),
      };
    },
  );

  root.get(
    '/api/v1/live/fleet',
    {
      schema: {
        summary:
          'Server-sent events: `fleet` {generatedAtMs, vehicles, impact} now, then ≤ 1/s while readings arrive',
        tags: ['live', ...TAGS],
        querystring: Type.Object({ api_key: Type.Optional(Type.String()) }),
        response: problemResponses,
      },
    },
    async (request, reply) => openFleetStream(ctx, fleet, request, reply),
  );
}

function openFleetStream(
  ctx: ServerContext,
  fleet: FleetRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const stream = openLiveStream(ctx, request, reply);
  const send = (): void => {
    try {
      stream.send('fleet', {
        generatedAtMs: ctx.deps.clock.nowMs(),
        vehicles: selectVehicles(fleet.vehicles(), { sort: 'risk' }),
        impact: fleet.impact(),
      });
    } catch (err) {
      const ops = toOpsError(err);
      if (ops.status >= 500) request.log.error({ err }, 'live fleet snapshot failed');
      stream.send('problem', toProblem(ops, request.url));
    }
  };
  // Snapshots, not deltas: a reading marks the view dirty; a timer sends at most one snapshot per
  // period, and none while no data flows.
  let dirty = false;
  const off = fleet.onReading(() => {
    dirty = true;
  });
  const timer = setInterval(() => {
    if (!dirty || stream.closed) return;
    dirty = false;
    send();
  }, FLEET_PUSH_MS);
  stream.onClose(() => {
    off();
    clearInterval(timer);
  });
  send();
  return reply;
}
