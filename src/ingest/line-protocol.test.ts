import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultIngestLimits, type IngestLimits } from './limits.ts';
import {
  decodeLineProtocol,
  encodeLineProtocol,
  type LineProtocolPrecision,
  parseLineProtocolPrecision,
} from './line-protocol.ts';
import type { DecodeResult } from './result.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const limits = defaultIngestLimits(NOW);
const wide: IngestLimits = {
  ...limits,
  maxFutureMs: Number.POSITIVE_INFINITY,
  retentionMs: Number.POSITIVE_INFINITY,
};
const TS_NS = `${NOW}000000`;

interface Row {
  metric: string;
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
  item: number | undefined;
}

function rows(r: DecodeResult): Row[] {
  if (!r.ok) throw new Error(`${r.error.message} ${JSON.stringify(r.error.items)}`);
  return r.batch.map((s) => ({
    metric: s.metric,
    labels: { ...s.labels },
    timestampsMs: Array.from(s.timestampsMs),
    values: Array.from(s.values),
    item: s.item,
  }));
}

describe('decodeLineProtocol: good lines', () => {
  it.each([
    {
      name: 'float field and tags',
      body: `cpu,host=a,az=b usage=0.5 ${TS_NS}`,
      want: [
        {
          metric: 'cpu_usage',
          labels: { az: 'b', host: 'a' },
          timestampsMs: [NOW],
          values: [0.5],
          item: 0,
        },
      ],
    },
    {
      name: 'value field is the bare measurement',
      body: `temp value=21 ${TS_NS}`,
      want: [{ metric: 'temp', labels: {}, timestampsMs: [NOW], values: [21], item: 0 }],
    },
    {
      name: 'integer, unsigned, booleans; string skipped',
      body: `m a=2i,b=3u,c=true,d=F,e="x y, z=1",f=-1.5e3 ${TS_NS}`,
      want: [
        { metric: 'm_a', labels: {}, timestampsMs: [NOW], values: [2], item: 0 },
        { metric: 'm_b', labels: {}, timestampsMs: [NOW], values: [3], item: 0 },
        { metric: 'm_c', labels: {}, timestampsMs: [NOW], values: [1], item: 0 },
        { metric: 'm_d', labels: {}, timestampsMs: [NOW], values: [0], item: 0 },
        { metric: 'm_f', labels: {}, timestampsMs: [NOW], values: [-1500], item: 0 },
      ],
    },
    {
      name: 'escaped tag values and string quotes',
      body: `m,path=C:\\\\dir\\ one,q=a\\,b\\=c v=1,s="say \\"hi\\"" ${TS_NS}`,
      want: [
        {
          metric: 'm_v',
          labels: { path: 'C:\\dir one', q: 'a,b=c' },
          timestampsMs: [NOW],
          values: [1],
          item: 0,
        },
      ],
    },
    {
      name: 'missing timestamp means now',
      body: 'm v=1',
      want: [{ metric: 'm_v', labels: {}, timestampsMs: [NOW], values: [1], item: 0 }],
    },
    {
      name: 'comments, blank lines and CRLF; index counts every line',
      body: `# a comment\r\n\r\n   \n  # indented comment\nm v=1 ${TS_NS}\r\nm v=2 ${TS_NS}\n`,
      want: [{ metric: 'm_v', labels: {}, timestampsMs: [NOW, NOW], values: [1, 2], item: 4 }],
    },
    {
      name: 'unsorted tags group with sorted ones',
      body: `m,b=2,a=1 v=1 ${TS_NS}\nm,a=1,b=2 v=2 ${TS_NS}`,
      want: [
        {
          metric: 'm_v',
          labels: { a: '1', b: '2' },
          timestampsMs: [NOW, NOW],
          values: [1, 2],
          item: 0,
        },
      ],
    },
    {
      name: 'source_id and severity are ordinary tags here',
      body: `m,source_id=s1,severity=error v=1 ${TS_NS}`,
      want: [
        {
          metric: 'm_v',
          labels: { severity: 'error', source_id: 's1' },
          timestampsMs: [NOW],
          values: [1],
          item: 0,
        },
      ],
    },
    {
      name: 'integer beyond 2^53 is rounded to float64',
      body: `m v=9007199254740993i ${TS_NS}`,
      want: [
        { metric: 'm_v', labels: {}, timestampsMs: [NOW], values: [9007199254740992], item: 0 },
      ],
    },
    {
      name: 'sub-millisecond digits are dropped',
      body: `m v=1 ${NOW}999999`,
      want: [{ metric: 'm_v', labels: {}, timestampsMs: [NOW], values: [1], item: 0 }],
    },
  ])('$name', ({ body, want }) => {
    expect(rows(decodeLineProtocol(body, limits))).toEqual(want);
  });

  it('merges one series named by two lines (field x of m, field value of m_x)', () => {
    const r = decodeLineProtocol(`m,t=1 x=1 ${TS_NS}\nm_x,t=1 value=2 ${TS_NS}`, limits);
    expect(rows(r)).toEqual([
      { metric: 'm_x', labels: { t: '1' }, timestampsMs: [NOW, NOW], values: [1, 2], item: 0 },
    ]);
  });

  it('does not check the keys of skipped string fields', () => {
    const r = decodeLineProtocol(`m v=1,log-line="x" ${TS_NS}`, limits);
    expect(r).toMatchObject({ ok: true, samples: 1, skipped: 1 });
  });

  it('a line of only string fields is valid and yields no sample', () => {
    const r = decodeLineProtocol(`log msg="started" ${TS_NS}\nm v=1 ${TS_NS}`, limits);
    expect(r).toMatchObject({ ok: true, items: 2, samples: 1, skipped: 1 });
  });

  it.each([
    ['ns', TS_NS],
    ['us', `${NOW}000`],
    ['ms', `${NOW}`],
    ['s', `${NOW / 1000}`],
    ['m', `${NOW / 60_000}`],
    ['h', `${NOW / 3_600_000}`],
  ] as const)('precision %s', (precision, ts) => {
    const r = decodeLineProtocol(`m v=1 ${ts}`, limits, { precision });
    expect(rows(r)[0]!.timestampsMs).toEqual([NOW]);
  });
});

describe('decodeLineProtocol: bad lines name line, field and reason', () => {
  it.each([
    {
      name: 'no fields',
      line: 'cpu,host=a',
      field: 'fields',
      reason:
        'the line has no fields: a space and at least one field=value must follow the measurement and tags',
    },
    {
      name: 'missing measurement',
      line: ',host=a v=1',
      field: 'measurement',
      reason: 'the line starts with ",": the measurement is missing',
    },
    {
      name: 'tag without =',
      line: 'cpu,host v=1',
      field: 'tags.host',
      reason: 'expected "=" after tag key "host" (column 9)',
    },
    {
      name: 'empty tag value',
      line: 'cpu,host= v=1',
      field: 'tags.host',
      reason: 'tag "host" has an empty value (column 10)',
    },
    {
      name: 'field without =',
      line: 'cpu v',
      field: 'fields.v',
      reason: 'expected "=" after field key "v" (column 6)',
    },
    {
      name: 'missing field value',
      line: 'cpu v=',
      field: 'fields.v',
      reason: 'the field value is missing (column 7)',
    },
    {
      name: 'bad number',
      line: 'cpu v=12x',
      field: 'fields.v',
      reason:
        '"12x" is not a number, an integer (1i), an unsigned integer (1u), a boolean or a "string" (column 7)',
    },
    {
      name: 'bad integer',
      line: 'cpu v=1.5i',
      field: 'fields.v',
      reason: '"1.5i" is not a valid integer (digits then i) (column 7)',
    },
    {
      name: 'negative unsigned',
      line: 'cpu v=-1u',
      field: 'fields.v',
      reason: '"-1u" is not a valid unsigned integer (digits then u) (column 7)',
    },
    {
      name: 'int64 overflow',
      line: 'cpu v=9223372036854775808i',
      field: 'fields.v',
      reason: '9223372036854775808i is out of the int64 range (column 7)',
    },
    {
      name: 'float overflow',
      line: 'cpu v=1e400',
      field: 'fields.v',
      reason: '1e400 is out of the float64 range (column 7)',
    },
    {
      name: 'unterminated string',
      line: 'cpu s="abc',
      field: 'fields.s',
      reason: 'the string value of field "s" has no closing quote (column 7)',
    },
    {
      name: 'duplicate field',
      line: 'cpu v=1,v=2',
      field: 'fields.v',
      reason: 'field "v" appears more than once',
    },
    {
      name: 'duplicate tag',
      line: 'cpu,a=1,a=2 v=1',
      field: 'tags.a',
      reason: 'tag "a" appears more than once',
    },
    {
      name: 'bad measurement name',
      line: 'cpu-load v=1',
      field: 'measurement',
      reason:
        "measurement \"cpu-load\" cannot be a metric name: use letters, digits, '_', ':' and '.', not starting with a digit or '.'",
    },
    {
      name: 'bad field key',
      line: 'cpu idle-time=1',
      field: 'fields.idle-time',
      reason:
        "field key \"idle-time\" cannot be part of a metric name: use letters, digits, '_', ':' and '.'",
    },
    {
      name: 'bad tag key',
      line: 'cpu,host-name=a v=1',
      field: 'tags.host-name',
      reason:
        "tag key \"host-name\" cannot be a label name: use letters, digits, '_' and '.', not starting with a digit or '.'",
    },
    {
      name: 'reserved tag key',
      line: 'cpu,__name__=a v=1',
      field: 'tags.__name__',
      reason: 'tag key "__name__" is reserved: names starting with "__" are internal',
    },
    {
      name: 'float timestamp',
      line: 'cpu v=1 1.5',
      field: 'timestamp',
      reason:
        'timestamp must be an integer number of nanoseconds since the epoch (precision=ns), got "1.5"',
    },
    {
      name: 'text after timestamp',
      line: 'cpu v=1 123 456',
      field: 'line',
      reason:
        'unexpected text after the timestamp (column 13); escape spaces in names with a backslash',
    },
    {
      name: 'future timestamp',
      line: 'cpu v=1 1924992000000000000',
      field: 'timestamp',
      reason:
        'timestamp 1924992000000000000 (2031-01-01T00:00:00.000Z, precision=ns) is more than 10m in the future (server time 2026-01-01T12:00:00.000Z)',
    },
    {
      name: 'old timestamp',
      line: 'cpu v=1 0',
      field: 'timestamp',
      reason:
        'timestamp 0 (1970-01-01T00:00:00.000Z, precision=ns) is older than the 30d retention window (server time 2026-01-01T12:00:00.000Z)',
    },
  ])('$name', ({ line, field, reason }) => {
    const body = `# header\nm v=1 ${TS_NS}\n${line}\n`;
    const r = decodeLineProtocol(body, limits);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INGEST_INVALID_BATCH');
    expect(r.error.items).toEqual([{ index: 2, field, reason }]);
    expect(r.error.message).toBe(
      '1 of 2 lines is invalid; the batch was rejected as a whole and nothing was stored',
    );
  });

  it('lists every bad line', () => {
    const r = decodeLineProtocol('a v=x\nb v=1\n\nc,t v=1\n', limits);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.items.map((p) => p.index)).toEqual([0, 3]);
  });

  it.each([
    {
      name: 'too many samples',
      body: `m a=1,b=2 ${TS_NS}\nm c=3 ${TS_NS}`,
      code: 'INGEST_BATCH_TOO_LARGE',
      detail: /holds 3 samples; the limit is 2/,
    },
    {
      name: 'invalid UTF-8',
      body: new Uint8Array([0x6d, 0x20, 0xff]),
      code: 'INGEST_DECODE_FAILED',
      detail: /not valid UTF-8/,
    },
  ])('request-level failure: $name', ({ body, code, detail }) => {
    const r = decodeLineProtocol(body, { ...limits, maxItemsPerBatch: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(detail);
  });
});

describe('parseLineProtocolPrecision', () => {
  it.each([
    ['v1', undefined, 'ns'],
    ['v1', 'n', 'ns'],
    ['v1', 'u', 'us'],
    ['v1', 'h', 'h'],
    ['v2', '', 'ns'],
    ['v2', 'us', 'us'],
    ['v2', 's', 's'],
  ] as const)('%s %s -> %s', (api, value, want) => {
    expect(parseLineProtocolPrecision(value, api)).toEqual({ ok: true, precision: want });
  });

  it.each([
    ['v2', 'm', 'precision must be one of ns, us, ms, s for /api/v2/write, got "m"'],
    ['v1', 'seconds', 'precision must be one of ns, u, ms, s, m, h for /write, got "seconds"'],
    ['v1', 'toString', 'precision must be one of ns, u, ms, s, m, h for /write, got "toString"'],
  ] as const)('%s rejects %s', (api, value, message) => {
    const r = parseLineProtocolPrecision(value, api);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_PARAMETER');
      expect(r.error.message).toBe(message);
    }
  });
});

describe('properties', () => {
  const arbName = fc
    .tuple(
      fc.constantFrom('a', 'b', 'z'),
      fc.string({ unit: fc.constantFrom('a', '_', '1', '.'), maxLength: 5 }),
    )
    .map(([a, b]) => a + b);
  const arbValue = fc.string({
    unit: fc.constantFrom('x', ' ', ',', '=', '\\', '"', 'é', '#'),
    minLength: 1,
    maxLength: 6,
  });
  const arbSeries = fc.record({
    labels: fc
      .tuple(
        fc.constantFrom('cpu', 'disk.io', 'net:rx'),
        fc.dictionary(arbName, arbValue, { maxKeys: 4 }),
      )
      .map(([name, rest]) => ({ ...rest, __name__: name })),
    samples: fc.array(
      fc.tuple(
        fc.integer({ min: -(10 ** 12), max: 10 ** 13 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
      ),
      { maxLength: 4 },
    ),
  });

  it.each(['ns', 'ms'] as const)(
    'decode(encode(series)) keeps every sample (precision %s)',
    (precision) => {
      fc.assert(
        fc.property(fc.array(arbSeries, { maxLength: 6 }), (series) => {
          const r = decodeLineProtocol(encodeLineProtocol(series, precision), wide, { precision });
          const got = rows(r);
          const want = new Map<string, { ts: number[]; vs: number[] }>();
          for (const s of series) {
            const key = JSON.stringify(Object.entries(s.labels).sort());
            const w = want.get(key) ?? { ts: [], vs: [] };
            for (const [ts, v] of s.samples) {
              w.ts.push(ts);
              w.vs.push(v);
            }
            if (s.samples.length > 0) want.set(key, w);
          }
          expect(got).toHaveLength(want.size);
          for (const g of got) {
            const key = JSON.stringify(Object.entries({ ...g.labels, __name__: g.metric }).sort());
            expect({ ts: g.timestampsMs, vs: g.values }).toEqual(want.get(key));
          }
        }),
        { seed: 21, numRuns: 300 },
      );
    },
  );

  it('never throws on arbitrary text', () => {
    const unit = fc.constantFrom(
      'm',
      'v',
      '=',
      ',',
      ' ',
      '\\',
      '"',
      '1',
      '.',
      'i',
      'u',
      '-',
      'e',
      '\n',
      '#',
      't',
      '\t',
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit, maxLength: 60 })),
        fc.constantFrom<LineProtocolPrecision>('ns', 'us', 'ms', 's', 'm', 'h'),
        (body, precision) => {
          const r = decodeLineProtocol(body, limits, { precision });
          expect(typeof r.ok).toBe('boolean');
          if (r.ok) expect(r.samples).toBe(r.batch.reduce((n, s) => n + s.values.length, 0));
        },
      ),
      { seed: 22, numRuns: 3000 },
    );
  });
});
