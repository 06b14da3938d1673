/**
 * The hand-written event decoder must accept exactly what the TelemetryEvent JSON Schema accepts
 * (validated by ajv with ajv-formats, as fastify does), apart from the limits the schema cannot
 * express (the time window). A table pins the edge cases; a property covers the rest.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelemetryEventSchema } from '../contract/index.ts';
import { decodeEventArray } from './events.ts';
import { defaultIngestLimits, type IngestLimits } from './limits.ts';

// ajv-formats is CommonJS with `exports.default`; NodeNext types the default import as the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(TelemetryEventSchema);

/** Schema rules only: the time window is not expressible in JSON Schema, so open it wide. */
const wide: IngestLimits = {
  ...defaultIngestLimits(Date.parse('2026-01-01T00:00:00Z')),
  maxFutureMs: Number.POSITIVE_INFINITY,
  retentionMs: Number.POSITIVE_INFINITY,
};

function agree(event: unknown): { decoder: boolean; schema: boolean } {
  return { decoder: decodeEventArray([event], wide).ok, schema: validate(event) };
}

const base = {
  timestamp: '2026-01-01T00:00:00Z',
  source_id: 's',
  metric_name: 'm',
  metric_value: 1,
};

describe('decoder and JSON Schema agree', () => {
  it.each([
    ['minimal', base, true],
    ['all fields', { ...base, severity: 'error', tags: { a: 'b', 'x.y': 'z' } }, true],
    ['leap day', { ...base, timestamp: '2024-02-29T23:59:59.999999999-12:00' }, true],
    ['year 0000', { ...base, timestamp: '0000-01-01T00:00:00Z' }, true],
    ['not a leap day', { ...base, timestamp: '2100-02-29T00:00:00Z' }, false],
    ['April 31', { ...base, timestamp: '2026-04-31T00:00:00Z' }, false],
    ['leap second', { ...base, timestamp: '2016-12-31T23:59:60Z' }, false],
    ['lower-case z', { ...base, timestamp: '2026-01-01T00:00:00z' }, false],
    ['space separator', { ...base, timestamp: '2026-01-01 00:00:00Z' }, false],
    ['no zone', { ...base, timestamp: '2026-01-01T00:00:00' }, false],
    ['offset without colon', { ...base, timestamp: '2026-01-01T00:00:00+0200' }, false],
    ['10 fraction digits', { ...base, timestamp: '2026-01-01T00:00:00.1234567890Z' }, false],
    ['empty fraction', { ...base, timestamp: '2026-01-01T00:00:00.Z' }, false],
    ['date only', { ...base, timestamp: '2026-01-01' }, false],
    ['extra field', { ...base, value: 1 }, false],
    ['string value', { ...base, metric_value: '1' }, false],
    ['null severity', { ...base, severity: null }, false],
    ['source 256 chars', { ...base, source_id: 'x'.repeat(256) }, true],
    ['source 257 chars', { ...base, source_id: 'x'.repeat(257) }, false],
    ['source 256 astral chars', { ...base, source_id: '😀'.repeat(256) }, true],
    ['metric starting with digit', { ...base, metric_name: '1m' }, false],
    ['metric starting with colon', { ...base, metric_name: ':m' }, true],
    ['tag key 128 chars', { ...base, tags: { ['k'.repeat(128)]: 'v' } }, true],
    ['tag key 129 chars', { ...base, tags: { ['k'.repeat(129)]: 'v' } }, false],
    ['tag __x', { ...base, tags: { __x: 'v' } }, false],
    ['tag _x', { ...base, tags: { _x: 'v' } }, true],
    ['tag source_id', { ...base, tags: { source_id: 'v' } }, false],
    ['tag source_idx', { ...base, tags: { source_idx: 'v' } }, true],
    ['tag value 1024 astral', { ...base, tags: { a: '😀'.repeat(1024) } }, true],
    ['tag value 1025', { ...base, tags: { a: 'v'.repeat(1025) } }, false],
    ['tag value empty', { ...base, tags: { a: '' } }, false],
    ['32 tags', { ...base, tags: Object.fromEntries(range(32).map((i) => [`t${i}`, 'v'])) }, true],
    ['33 tags', { ...base, tags: Object.fromEntries(range(33).map((i) => [`t${i}`, 'v'])) }, false],
    ['array', [base], false],
  ])('%s', (_name, event, valid) => {
    expect(agree(event)).toEqual({ decoder: valid, schema: valid });
  });

  it('on random events (property)', () => {
    fc.assert(
      fc.property(arbEvent(), (event) => {
        const wire = JSON.parse(JSON.stringify(event)) as unknown;
        const a = agree(wire);
        expect(a.decoder).toBe(a.schema);
      }),
      { seed: 20261122, numRuns: 3000 },
    );
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Timestamps that are mostly near-valid, so the property probes the edges. */
function arbTimestamp(): fc.Arbitrary<unknown> {
  const parts = fc.record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 60 }),
    s: fc.integer({ min: 0, max: 61 }),
    frac: fc.constantFrom('', '.', '.5', '.123', '.123456789', '.1234567890'),
    sep: fc.constantFrom('T', 'T', 'T', 't', ' '),
    zone: fc.constantFrom('Z', 'Z', '+02:00', '-11:30', '+24:00', 'z', '', '+0200', '-00:60'),
  });
  const built = parts.map(
    (p) =>
      `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}${p.sep}${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${p.frac}${p.zone}`,
  );
  return fc.oneof(
    { weight: 8, arbitrary: built },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
  );
}

function arbName(first: string, rest: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...first.split('')),
      fc.string({ unit: fc.constantFrom(...rest.split('')), maxLength: 8 }),
    )
    .map(([a, b]) => a + b);
}

function arbEvent(): fc.Arbitrary<Record<string, unknown>> {
  const tagKey = fc.oneof(
    arbName('ab_', 'ab_.1'),
    fc.constantFrom('source_id', 'severity', '__name__', 'a-b', '1a', '', 'k'.repeat(129)),
  );
  const tagValue = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom('v'.repeat(1024), 'v'.repeat(1025)) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) },
  );
  return fc
    .record(
      {
        timestamp: arbTimestamp(),
        source_id: fc.oneof(
          { weight: 6, arbitrary: fc.string({ maxLength: 6 }) },
          { weight: 1, arbitrary: fc.constantFrom('s'.repeat(256), 's'.repeat(257)) },
          { weight: 1, arbitrary: fc.integer() },
        ),
        metric_name: fc.oneof(
          { weight: 6, arbitrary: arbName('ab_:.1', 'ab_:.1-') },
          { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
        ),
        metric_value: fc.oneof(
          { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
          { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null)) },
        ),
        severity: fc.constantFrom('debug', 'info', 'warning', 'error', 'critical', 'fatal', 'INFO'),
        tags: fc.oneof(
          { weight: 6, arbitrary: fc.dictionary(tagKey, tagValue, { maxKeys: 4 }) },
          { weight: 1, arbitrary: fc.constantFrom(null, [], 'a') },
        ),
        extra: fc.integer(),
      },
      { requiredKeys: [] },
    )
    .map((e) => {
      // Keep the unknown field rare, so most events probe the known fields.
      const { extra, ...rest } = e;
      return extra !== undefined && extra % 7 === 0 ? { ...rest, extra } : rest;
    });
}
