import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Problem } from '../contract/index.ts';
import { encodeRemoteWrite } from '../ingest/index.ts';
import { type Harness, openHarness, T0 } from './harness.test-support.ts';
import { defaultServerOptions } from './options.ts';

let h: Harness;
beforeEach(async () => {
  h = await openHarness({ maxBodyBytes: 4 * 1024 });
});
afterEach(async () => {
  await h.close();
});

function remoteWrite(body: Uint8Array, contentType = 'application/x-protobuf') {
  return h.app.inject({
    method: 'POST',
    url: '/api/v1/write',
    headers: { 'content-type': contentType, 'content-encoding': 'snappy' },
    payload: Buffer.from(body),
  });
}

describe('POST /api/v1/write (Prometheus remote write)', () => {
  it('stores the series and answers 204 with no body, then publishes', async () => {
    const published: number[] = [];
    h.bus.subscribe((m) => {
      published.push(m.batch.length);
    });
    const res = await remoteWrite(
      encodeRemoteWrite([
        {
          labels: { __name__: 'up', job: 'api' },
          samples: [
            [T0 - 1_000, 1],
            [T0, 0],
          ],
        },
        { labels: { __name__: 'up', job: 'db' }, samples: [[T0, 1]] },
      ]),
    );
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    const got = await h.store.select({ metric: 'up', matchers: [], fromMs: 0, toMs: T0 });
    expect(got.map((s) => [s.labels.job, s.points])).toEqual(
      expect.arrayContaining([
        [
          'api',
          [
            [T0 - 1_000, 1],
            [T0, 0],
          ],
        ],
        ['db', [[T0, 1]]],
      ]),
    );
    expect(published).toEqual([2]);
  });

  it('rejects the whole request when one series is bad, naming its index', async () => {
    const res = await remoteWrite(
      encodeRemoteWrite([
        { labels: { __name__: 'up', job: 'api' }, samples: [[T0, 1]] },
        { labels: { __name__: '9bad' }, samples: [[T0, 1]] },
      ]),
    );
    expect(res.statusCode).toBe(400);
    const p = res.json() as Problem;
    expect(p.code).toBe('INGEST_INVALID_BATCH');
    expect(p.errors?.[0]?.index).toBe(1);
    expect(await h.store.series({ matchers: [] })).toEqual([]);
  });

  it.each([
    {
      name: 'not snappy',
      body: new Uint8Array([1, 2, 3, 4, 5]),
      type: 'application/x-protobuf',
      status: 400,
      code: 'INGEST_DECODE_FAILED',
    },
    {
      name: 'JSON content type',
      body: new Uint8Array([1]),
      type: 'application/json',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a body over the limit',
      body: new Uint8Array(5 * 1024),
      type: 'application/x-protobuf',
      status: 413,
      code: 'INGEST_BODY_TOO_LARGE',
    },
  ])('answers $status $code for $name', async ({ body, type, status, code }) => {
    const res = await remoteWrite(body, type);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.json() as Problem).code).toBe(code);
  });
});

function lineProtocol(url: string, body: string, contentType = 'text/plain; charset=utf-8') {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    payload: body,
  });
}

describe('POST /write and /api/v2/write (Influx line protocol)', () => {
  const tsSeconds = Math.floor(T0 / 1000);
  it.each([
    { url: '/write?precision=s&db=x', ts: String(tsSeconds), want: T0 },
    { url: '/api/v2/write?precision=ms&org=o&bucket=b', ts: String(T0), want: T0 },
    { url: '/api/v2/write?precision=us', ts: `${T0}000`, want: T0 },
    { url: '/write', ts: `${T0}000000`, want: T0 },
    { url: '/write?precision=m', ts: String(T0 / 60_000), want: T0 },
  ])('$url stores samples at the right time and answers 204', async ({ url, ts, want }) => {
    const res = await lineProtocol(
      url,
      `cpu,host=a usage=12.5,idle=80i ${ts}\nmem value=3 ${ts}\n`,
    );
    expect(res.statusCode, res.body).toBe(204);
    const usage = await h.store.select({ metric: 'cpu_usage', matchers: [], fromMs: 0, toMs: T0 });
    expect(usage).toEqual([{ metric: 'cpu_usage', labels: { host: 'a' }, points: [[want, 12.5]] }]);
    const mem = await h.store.select({ metric: 'mem', matchers: [], fromMs: 0, toMs: T0 });
    expect(mem[0]?.points).toEqual([[want, 3]]);
  });

  it('accepts a body with no content type', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      payload: `up value=1 ${T0}`,
    });
    expect(res.statusCode, res.body).toBe(204);
  });

  it('rejects the whole body when one line is bad, naming the line', async () => {
    const res = await lineProtocol(
      '/api/v2/write?precision=ms',
      `ok value=1 ${T0}\n\nbad value=oops ${T0}\n`,
    );
    expect(res.statusCode).toBe(400);
    const p = res.json() as Problem;
    expect(p.code).toBe('INGEST_INVALID_BATCH');
    expect(p.errors?.[0]).toMatchObject({ index: 2 });
    expect(await h.store.series({ matchers: [] })).toEqual([]);
  });

  it.each([
    { url: '/api/v2/write?precision=h', field: 'precision' },
    { url: '/write?precision=fortnight', field: 'precision' },
  ])('rejects $url naming $field', async ({ url, field }) => {
    const res = await lineProtocol(url, `up value=1 ${T0}`);
    expect(res.statusCode).toBe(400);
    const p = res.json() as Problem;
    expect(p.code).toBe('INVALID_PARAMETER');
    expect(p.errors?.[0]?.field).toBe(field);
  });

  it('answers 413 over the body limit', async () => {
    const res = await lineProtocol('/write', `up value=1 ${T0}\n`.repeat(400));
    expect(res.statusCode).toBe(413);
    expect((res.json() as Problem).code).toBe('INGEST_BODY_TOO_LARGE');
  });
});

describe('Content-Encoding', () => {
  const line = `up value=1 ${T0}\n`;

  it.each([
    {
      name: 'gzip events',
      url: '/api/v1/events',
      type: 'application/x-ndjson',
      body: JSON.stringify({
        timestamp: new Date(T0).toISOString(),
        source_id: 'a',
        metric_name: 'up',
        metric_value: 1,
      }),
    },
    {
      name: 'gzip line protocol',
      url: '/api/v2/write?precision=ms',
      type: 'text/plain',
      body: line,
    },
  ])('$name is inflated and stored', async ({ url, type, body }) => {
    const res = await h.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': type, 'content-encoding': 'gzip' },
      payload: gzipSync(body),
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    expect(await h.store.series({ metric: 'up', matchers: [] })).toHaveLength(1);
  });

  it.each([
    {
      name: 'an unknown coding',
      encoding: 'br',
      payload: Buffer.from(line),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'corrupt gzip',
      encoding: 'gzip',
      payload: Buffer.from('not gzip'),
      status: 400,
      code: 'INGEST_DECODE_FAILED',
    },
    {
      name: 'a gzip bomb',
      encoding: 'gzip',
      payload: gzipSync(Buffer.alloc(2 * 1024 * 1024)),
      status: 413,
      code: 'INGEST_BODY_TOO_LARGE',
    },
  ])('$name → $status $code', async ({ encoding, payload, status, code }) => {
    await h.close();
    h = await openHarness({
      maxBodyBytes: 64 * 1024,
      ingestLimits: { ...defaultServerOptions().ingestLimits, maxDecompressedBytes: 1024 * 1024 },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/write?precision=ms',
      headers: { 'content-type': 'text/plain', 'content-encoding': encoding },
      payload,
    });
    expect(res.statusCode, res.body).toBe(status);
    expect((res.json() as Problem).code).toBe(code);
    expect(await h.store.series({ matchers: [] })).toEqual([]);
  });
});
