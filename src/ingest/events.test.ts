import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEventArray, decodeEventsJson, decodeEventsNdjson } from './events.ts';
import { defaultIngestLimits, type IngestLimits } from './limits.ts';
import type { DecodeResult } from './result.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const limits: IngestLimits = defaultIngestLimits(NOW);
const T = '2026-01-01T11:59:00Z';
const TMS = Date.parse(T);

function ev(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { timestamp: T, source_id: 'api-1', metric_name: 'cpu', metric_value: 0.5, ...over };
}

function problems(r: DecodeResult) {
  if (r.ok) throw new Error('expected a failure');
  return r.error.items;
}

describe('decodeEventArray: good events', () => {
  it.each([
    { name: 'minimal', event: ev(), labels: { source_id: 'api-1' }, ts: TMS, v: 0.5 },
    {
      name: 'severity becomes a label',
      event: ev({ severity: 'warning' }),
      labels: { severity: 'warning', source_id: 'api-1' },
      ts: TMS,
      v: 0.5,
    },
    {
      name: 'tags become labels',
      event: ev({ tags: { region: 'eu', 'k8s.pod': 'p-1' } }),
      labels: { 'k8s.pod': 'p-1', region: 'eu', source_id: 'api-1' },
      ts: TMS,
      v: 0.5,
    },
    {
      name: 'offset zone',
      event: ev({ timestamp: '2026-01-01T13:30:00+02:00' }),
      labels: { source_id: 'api-1' },
      ts: Date.parse('2026-01-01T11:30:00Z'),
      v: 0.5,
    },
    {
      name: 'fraction truncated to ms',
      event: ev({ timestamp: '2026-01-01T11:59:00.123999999Z' }),
      labels: { source_id: 'api-1' },
      ts: TMS + 123,
      v: 0.5,
    },
    {
      name: 'negative and integer value',
      event: ev({ metric_value: -3 }),
      labels: { source_id: 'api-1' },
      ts: TMS,
      v: -3,
    },
    {
      name: 'metric name with dots and colons',
      event: ev({ metric_name: 'http.server:duration' }),
      labels: { source_id: 'api-1' },
      ts: TMS,
      v: 0.5,
    },
    {
      name: 'exactly maxFutureMs ahead',
      event: ev({ timestamp: '2026-01-01T12:10:00Z' }),
      labels: { source_id: 'api-1' },
      ts: NOW + 600_000,
      v: 0.5,
    },
  ])('$name', ({ event, labels, ts, v }) => {
    const r = decodeEventArray([event], limits);
    expect(r).toMatchObject({ ok: true, items: 1, samples: 1, skipped: 0 });
    if (!r.ok) return;
    expect(r.batch).toHaveLength(1);
    const s = r.batch[0]!;
    expect(s.metric).toBe(event.metric_name);
    expect(s.labels).toEqual(labels);
    expect(Array.from(s.timestampsMs)).toEqual([ts]);
    expect(Array.from(s.values)).toEqual([v]);
    expect(s.item).toBe(0);
  });
});

describe('decodeEventArray: bad events name index, field and reason', () => {
  it.each([
    {
      name: 'not an object',
      event: 5,
      field: '',
      reason: 'event must be a JSON object, got a number',
    },
    { name: 'null item', event: null, field: '', reason: 'event must be a JSON object, got null' },
    {
      name: 'unknown field',
      event: ev({ value: 1 }),
      field: 'value',
      reason:
        'unknown field "value"; an event has only timestamp, source_id, metric_name, metric_value, severity, tags',
    },
    {
      name: 'numeric string',
      event: ev({ metric_value: '1.5' }),
      field: 'metric_value',
      reason: 'metric_value must be a finite number, got "1.5" (a string; send numbers unquoted)',
    },
    {
      name: 'non-numeric string',
      event: ev({ metric_value: 'abc' }),
      field: 'metric_value',
      reason: 'metric_value must be a finite number, got "abc"',
    },
    {
      name: 'null value',
      event: ev({ metric_value: null }),
      field: 'metric_value',
      reason: 'metric_value must be a finite number, got null',
    },
    {
      name: 'infinite value',
      event: ev({ metric_value: Number.POSITIVE_INFINITY }),
      field: 'metric_value',
      reason: 'metric_value must be a finite number, got Infinity',
    },
    {
      name: 'missing value',
      event: ev({ metric_value: undefined }),
      field: 'metric_value',
      reason: 'metric_value is required',
    },
    {
      name: 'date-only timestamp',
      event: ev({ timestamp: '2026-01-01' }),
      field: 'timestamp',
      reason:
        'timestamp "2026-01-01" is a date without a time; send a full date-time such as 2026-01-01T00:00:00Z',
    },
    {
      name: 'zoneless timestamp',
      event: ev({ timestamp: '2026-01-01T11:00:00' }),
      field: 'timestamp',
      reason:
        'timestamp "2026-01-01T11:00:00" has no zone; add Z for UTC or an offset such as +02:00',
    },
    {
      name: 'numeric timestamp',
      event: ev({ timestamp: 1767268800000 }),
      field: 'timestamp',
      reason:
        'timestamp must be an ISO 8601 string such as "2026-01-01T00:00:00Z", got 1767268800000',
    },
    {
      name: 'impossible date',
      event: ev({ timestamp: '2025-02-29T00:00:00Z' }),
      field: 'timestamp',
      reason: 'timestamp "2025-02-29T00:00:00Z" is not a real calendar date',
    },
    {
      name: 'hour 24',
      event: ev({ timestamp: '2026-01-01T24:00:00Z' }),
      field: 'timestamp',
      reason:
        'timestamp must be ISO 8601 / RFC 3339 with a date, a time and a zone, such as 2026-01-01T00:00:00Z or 2026-01-01T02:00:00.250+02:00; got "2026-01-01T24:00:00Z"',
    },
    {
      name: 'too far in the future',
      event: ev({ timestamp: '2031-01-01T00:00:00Z' }),
      field: 'timestamp',
      reason:
        'timestamp 2031-01-01T00:00:00Z is more than 10m in the future (server time 2026-01-01T12:00:00.000Z)',
    },
    {
      name: 'older than retention',
      event: ev({ timestamp: '2025-11-01T00:00:00Z' }),
      field: 'timestamp',
      reason:
        'timestamp 2025-11-01T00:00:00Z is older than the 30d retention window (server time 2026-01-01T12:00:00.000Z)',
    },
    {
      name: 'bad metric name',
      event: ev({ metric_name: 'cpu-usage' }),
      field: 'metric_name',
      reason:
        "metric_name \"cpu-usage\" is not a valid name: use letters, digits, '_', ':' and '.', not starting with a digit or '.'",
    },
    {
      name: 'empty source',
      event: ev({ source_id: '' }),
      field: 'source_id',
      reason: 'source_id must not be empty',
    },
    {
      name: 'numeric source',
      event: ev({ source_id: 7 }),
      field: 'source_id',
      reason: 'source_id must be a string, got 7',
    },
    {
      name: 'bad severity',
      event: ev({ severity: 'fatal' }),
      field: 'severity',
      reason: 'severity must be one of debug, info, warning, error, critical, got "fatal"',
    },
    {
      name: 'tag collides with source_id',
      event: ev({ tags: { source_id: 'x' } }),
      field: 'tags.source_id',
      reason: 'tag "source_id" collides with the top-level field source_id; set the field instead',
    },
    {
      name: 'tag collides with severity',
      event: ev({ tags: { severity: 'x' } }),
      field: 'tags.severity',
      reason: 'tag "severity" collides with the top-level field severity; set the field instead',
    },
    {
      name: 'reserved tag',
      event: ev({ tags: { __name__: 'x' } }),
      field: 'tags.__name__',
      reason: 'tag name "__name__" is reserved: names starting with "__" are internal',
    },
    {
      name: 'bad tag name',
      event: ev({ tags: { 'a-b': 'x' } }),
      field: 'tags.a-b',
      reason:
        "tag name \"a-b\" is not valid: use letters, digits, '_' and '.', not starting with a digit or '.'",
    },
    {
      name: 'number tag value',
      event: ev({ tags: { a: 1 } }),
      field: 'tags.a',
      reason: 'tag values must be strings, got 1',
    },
    {
      name: 'empty tag value',
      event: ev({ tags: { a: '' } }),
      field: 'tags.a',
      reason:
        'tag value must not be empty (an empty label is the same as no label; leave the tag out)',
    },
    {
      name: 'long tag value',
      event: ev({ tags: { a: 'x'.repeat(1025) } }),
      field: 'tags.a',
      reason: 'tag value is longer than 1024 characters',
    },
    {
      name: 'too many tags',
      event: ev({ tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`t${i}`, 'v'])) }),
      field: 'tags',
      reason: 'tags has 33 entries; the limit is 32',
    },
    {
      name: 'tags is an array',
      event: ev({ tags: ['a'] }),
      field: 'tags',
      reason: 'tags must be an object of string values, got an array',
    },
  ])('$name', ({ event, field, reason }) => {
    const r = decodeEventArray([ev(), event], limits);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INGEST_INVALID_BATCH');
    expect(r.error.items).toEqual([{ index: 1, field, reason }]);
    expect(r.error.message).toBe(
      '1 of 2 events is invalid; the batch was rejected as a whole and nothing was stored',
    );
  });

  it('lists every bad field of every bad item, in order', () => {
    const r = decodeEventArray(
      [ev({ metric_value: 'x', extra: 1 }), ev(), ev({ timestamp: 'now', source_id: '' })],
      limits,
    );
    expect(problems(r).map((p) => [p.index, p.field])).toEqual([
      [0, 'extra'],
      [0, 'metric_value'],
      [2, 'timestamp'],
      [2, 'source_id'],
    ]);
    if (!r.ok) expect(r.error.message).toMatch(/^2 of 3 events are invalid/);
  });

  it('cuts long names quoted back in problems', () => {
    const long = 'k'.repeat(100_000);
    const [p] = problems(decodeEventArray([ev({ [long]: 1 })], limits));
    expect(p!.field).toHaveLength(200);
    expect(p!.field.endsWith('…')).toBe(true);
    expect(p!.reason.length).toBeLessThanOrEqual(600);
  });

  it('caps the listed problems but counts them all', () => {
    const r = decodeEventArray(
      Array.from({ length: 20 }, () => ev({ metric_value: null })),
      { ...limits, maxProblemItems: 5 },
    );
    expect(problems(r)).toHaveLength(5);
    if (!r.ok) expect(r.error.message).toContain('(the first 5 of 20 problems are listed)');
  });
});

describe('decodeEventsJson', () => {
  it('groups samples of one series and keeps the first item index', () => {
    const body = JSON.stringify([
      ev({ metric_name: 'a' }),
      ev({ metric_name: 'b', tags: { x: '1', y: '2' } }),
      ev({ metric_name: 'b', tags: { y: '2', x: '1' }, metric_value: 2 }),
      ev({ metric_name: 'a', metric_value: 3 }),
    ]);
    const r = decodeEventsJson(body, limits);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r).toMatchObject({ items: 4, samples: 4 });
    expect(r.batch.map((s) => [s.metric, s.item, Array.from(s.values)])).toEqual([
      ['a', 0, [0.5, 3]],
      ['b', 1, [0.5, 2]],
    ]);
  });

  it.each([
    {
      name: 'syntax error',
      body: '[{"a":',
      code: 'INGEST_DECODE_FAILED',
      detail: /not valid JSON/,
    },
    {
      name: 'object',
      body: '{"a":1}',
      code: 'INGEST_DECODE_FAILED',
      detail: /must be a JSON array/,
    },
    {
      name: 'invalid UTF-8',
      body: new Uint8Array([0x5b, 0xff, 0x5d]),
      code: 'INGEST_DECODE_FAILED',
      detail: /not valid UTF-8/,
    },
    {
      name: 'too many events',
      body: JSON.stringify(Array.from({ length: 4 }, () => ev())),
      code: 'INGEST_BATCH_TOO_LARGE',
      detail: /holds 4 events; the limit is 3/,
    },
  ])('request-level failure: $name', ({ body, code, detail }) => {
    const r = decodeEventsJson(body, { ...limits, maxItemsPerBatch: 3 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(detail);
  });

  it('accepts bytes and an empty array', () => {
    const r = decodeEventsJson(new TextEncoder().encode('[]'), limits);
    expect(r).toEqual({ ok: true, batch: [], items: 0, samples: 0, skipped: 0 });
  });
});

describe('decodeEventsNdjson', () => {
  it('skips blank lines and names bad lines by 0-based line number', () => {
    const body = [
      JSON.stringify(ev()),
      '',
      '   ',
      '{not json',
      JSON.stringify(ev({ metric_value: 'x' })),
      '',
    ].join('\r\n');
    const r = decodeEventsNdjson(body, limits);
    expect(problems(r).map((p) => [p.index, p.field])).toEqual([
      [3, ''],
      [4, 'metric_value'],
    ]);
    expect(problems(r)[0]!.reason).toMatch(/^line is not valid JSON: /);
    if (!r.ok) expect(r.error.message).toMatch(/^2 of 3 events are invalid/);
  });

  it('decodes good lines, with or without a final newline', () => {
    for (const end of ['', '\n']) {
      const body = `${JSON.stringify(ev())}\n\n${JSON.stringify(ev({ metric_value: 2 }))}${end}`;
      const r = decodeEventsNdjson(body, limits);
      expect(r).toMatchObject({ ok: true, items: 2, samples: 2 });
      if (r.ok) expect(r.batch[0]!.item).toBe(0);
    }
  });

  it('counts the events when the batch is too large', () => {
    const body = Array.from({ length: 5 }, () => JSON.stringify(ev())).join('\n');
    const r = decodeEventsNdjson(body, { ...limits, maxItemsPerBatch: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INGEST_BATCH_TOO_LARGE');
      expect(r.error.message).toMatch(/holds 5 events; the limit is 2/);
    }
  });
});

describe('properties', () => {
  it('never throws on arbitrary strings (JSON and NDJSON)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        decodeEventsJson(s, limits);
        decodeEventsNdjson(s, limits);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (v) => {
        const r = decodeEventArray(v, limits);
        expect(typeof r.ok).toBe('boolean');
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('NDJSON and JSON array decode the same events to the same batch', () => {
    const arbEvent = fc.record({
      timestamp: fc
        .integer({ min: NOW - 86_400_000, max: NOW })
        .map((ms) => new Date(ms).toISOString()),
      source_id: fc.constantFrom('a', 'b'),
      metric_name: fc.constantFrom('cpu', 'mem'),
      metric_value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    });
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
        const a = decodeEventsJson(JSON.stringify(events), limits);
        const b = decodeEventsNdjson(events.map((e) => JSON.stringify(e)).join('\n'), limits);
        expect(a.ok && b.ok).toBe(true);
        expect(b).toEqual(a);
        if (a.ok) expect(a.samples).toBe(events.length);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});
