/**
 * Bad input never crashes the server and never earns a 5xx: random bodies on every ingest route
 * and random parameters on every query route get a 2xx or a 4xx problem (seeded, so a failure
 * replays).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, openHarness } from './harness.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await openHarness({ maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await h.close();
});

const INGEST = [
  { url: '/api/v1/events', type: 'application/json' },
  { url: '/api/v1/events', type: 'application/x-ndjson' },
  { url: '/api/v1/write', type: 'application/x-protobuf' },
  { url: '/write', type: 'text/plain' },
  { url: '/api/v2/write?precision=ms', type: 'text/plain' },
];

const jsonish = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.json().map((s) => Buffer.from(s)),
  fc
    .array(
      fc.record({
        timestamp: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        source_id: fc.string(),
        metric_name: fc.string(),
        metric_value: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
      }),
      { maxLength: 5 },
    )
    .map((a) => Buffer.from(JSON.stringify(a))),
);

it.each(INGEST)('$url ($type) answers random bodies without a 5xx', async ({ url, type }) => {
  await fc.assert(
    fc.asyncProperty(jsonish, async (payload) => {
      const res = await h.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': type },
        payload,
      });
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }),
    { numRuns: 60, seed: 20260101 },
  );
});

const QUERY = [
  '/api/v1/series',
  '/api/v1/query_range',
  '/api/v1/kpis',
  '/api/v1/overview',
  '/api/v1/labels/service/values',
];
const PARAMS = [
  'metric',
  'match[]',
  'from',
  'to',
  'step',
  'agg',
  'group_by',
  'limit',
  'window',
  'service',
  'source',
];

it.each(QUERY)('%s answers random parameters without a 5xx', async (path) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...PARAMS), fc.string({ maxLength: 30 })), {
        maxLength: 5,
      }),
      async (pairs) => {
        const q = new URLSearchParams(pairs).toString();
        const res = await h.app.inject(`${path}?${q}`);
        expect(res.statusCode, `${q} → ${res.body}`).toBeLessThan(500);
      },
    ),
    { numRuns: 80, seed: 20260101 },
  );
});
