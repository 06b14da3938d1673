/**
 * Real responses agree with the route schemas (what the OpenAPI document publishes) and the
 * schemas' static types agree with contract/api.ts (what the dashboard imports).
 */
import type { Static, TSchema } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type {
  Kpi,
  KpiReport,
  LiveQueryUpdate,
  Overview,
  ServiceStatus,
} from '../contract/index.ts';
import { event, type Harness, openHarness, postEvents, T0 } from './harness.test-support.ts';
import {
  KpiReportSchema,
  type KpiSchema,
  OverviewSchema,
  ProblemSchema,
  RangeSeriesSchema,
  SeriesInfoSchema,
  type ServiceStatusSchema,
} from './schemas.ts';

// Compile-time: a value of each schema's static type is a value of the contract type.
const kpi: Kpi = {} as Static<typeof KpiSchema>;
const report: KpiReport = {} as Static<typeof KpiReportSchema>;
const status: ServiceStatus = {} as Static<typeof ServiceStatusSchema>;
const overview: Overview = {} as Static<typeof OverviewSchema>;
const live: LiveQueryUpdate['series'][number] = {} as Static<typeof RangeSeriesSchema>;
void [kpi, report, status, overview, live];

const ajv = new Ajv({ strict: false, allErrors: true });
function check(schema: TSchema, value: unknown): void {
  const validate = ajv.compile(schema);
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
}

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  const events = [];
  for (let ts = T0 - 300_000; ts < T0; ts += 10_000) {
    for (const [metric_name, metric_value] of [
      ['requests_per_second', 50],
      ['errors_per_second', 4],
      ['latency_ms', 700],
    ] as const) {
      events.push(event({ metric_name, metric_value, timestampMs: ts, tags: { service: 'api' } }));
    }
  }
  await postEvents(h.app, events);
});
afterAll(async () => {
  await h.close();
});

it.each([
  { url: '/api/v1/series?metric=latency_ms', schema: { type: 'array', items: SeriesInfoSchema } },
  {
    url: '/api/v1/query_range?metric=latency_ms&step=1m',
    schema: { type: 'array', items: RangeSeriesSchema },
  },
  { url: '/api/v1/kpis?service=api&window=10m', schema: KpiReportSchema },
  { url: '/api/v1/overview', schema: OverviewSchema },
  { url: '/api/v1/query_range?metric=latency_ms&step=nope', schema: ProblemSchema },
])('$url matches its schema', async ({ url, schema }) => {
  const res = await h.app.inject(url);
  check(schema as TSchema, res.json());
});

it('the overview of an unhealthy service carries reasons and non-ok KPIs', async () => {
  const o = (await h.app.inject('/api/v1/overview')).json() as Overview;
  expect(o.services[0]?.light).toBe('red');
  expect(o.services[0]?.kpis.find((k) => k.name === 'error_rate')?.status).toBe('breach');
  expect(o.services[0]?.kpis.find((k) => k.name === 'latency_p95')?.status).toBe('warn');
});
