import { describe, expect, it } from 'vitest';
import { isOpsError, type OpsError } from '../contract/index.ts';
import {
  bucketCount,
  defaultStepMs,
  parseDurationMs,
  parseGroupBy,
  parseSelector,
  parseSelectors,
  parseTimeMs,
} from './params.ts';

function thrown(fn: () => unknown): OpsError {
  try {
    fn();
  } catch (err) {
    if (isOpsError(err)) return err;
    throw err;
  }
  throw new Error('expected an OpsError');
}

describe('parseDurationMs', () => {
  it.each([
    ['60s', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1m30s500ms', 90_500],
    ['60000', 60_000],
    [' 15s ', 15_000],
  ])('%s → %d ms', (text, want) => expect(parseDurationMs(text, 'step')).toBe(want));

  it.each(['', '0', '0s', '-5m', '1.5h', '5 m', '5M', 'm', '1y', '15s,', 'abc'])(
    'rejects %j naming the field',
    (text) => {
      const err = thrown(() => parseDurationMs(text, 'step'));
      expect(err.code).toBe('INVALID_PARAMETER');
      expect(err.items[0]?.field).toBe('step');
    },
  );
});

describe('parseTimeMs', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it.each([
    ['1767225600000', 1_767_225_600_000],
    ['0', 0],
    ['2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1)],
    ['2026-01-01T02:00:00.250+02:00', Date.UTC(2026, 0, 1, 0, 0, 0, 250)],
    ['now', now],
    ['now-15m', now - 900_000],
    ['now+1h', now + 3_600_000],
  ])('%s', (text, want) => expect(parseTimeMs(text, 'from', now)).toBe(want));

  it.each([
    '2026-01-01',
    '2026-01-01T00:00:00',
    '2026-02-30T00:00:00Z',
    'yesterday',
    'now-',
    'now-abc',
    '1e12',
    '99999999999999999999',
  ])('rejects %j', (text) => {
    const err = thrown(() => parseTimeMs(text, 'to', now));
    expect(err.code).toBe('INVALID_PARAMETER');
    expect(err.items[0]?.field).toBe('to');
  });
});

describe('parseSelector', () => {
  it.each([
    { text: 'service="api"', want: { matchers: [{ name: 'service', op: '=', value: 'api' }] } },
    { text: 'env!="dev"', want: { matchers: [{ name: 'env', op: '!=', value: 'dev' }] } },
    {
      text: 'path=~"/api/.*"',
      want: { matchers: [{ name: 'path', op: '=~', value: '/api/.*' }] },
    },
    { text: 'zone !~ "eu-.*"', want: { matchers: [{ name: 'zone', op: '!~', value: 'eu-.*' }] } },
    {
      text: 'a="1",b!="2"',
      want: {
        matchers: [
          { name: 'a', op: '=', value: '1' },
          { name: 'b', op: '!=', value: '2' },
        ],
      },
    },
    { text: 'latency_ms', want: { metric: 'latency_ms', matchers: [] } },
    {
      text: 'latency_ms{service="api", env=~"prod|staging",}',
      want: {
        metric: 'latency_ms',
        matchers: [
          { name: 'service', op: '=', value: 'api' },
          { name: 'env', op: '=~', value: 'prod|staging' },
        ],
      },
    },
    { text: 'up{}', want: { metric: 'up', matchers: [] } },
    {
      text: '{__name__="cpu",host="a"}',
      want: { metric: 'cpu', matchers: [{ name: 'host', op: '=', value: 'a' }] },
    },
    {
      text: '{__name__=~"cpu.*"}',
      want: { matchers: [{ name: '__name__', op: '=~', value: 'cpu.*' }] },
    },
    {
      text: String.raw`msg="say \"hi\"\\n"`,
      want: { matchers: [{ name: 'msg', op: '=', value: 'say "hi"\\n' }] },
    },
    { text: "a='x'", want: { matchers: [{ name: 'a', op: '=', value: 'x' }] } },
    { text: 'a=`\\d+`', want: { matchers: [{ name: 'a', op: '=', value: '\\d+' }] } },
    { text: 'k8s.pod="p-1"', want: { matchers: [{ name: 'k8s.pod', op: '=', value: 'p-1' }] } },
    { text: 'a=""', want: { matchers: [{ name: 'a', op: '=', value: '' }] } },
  ])('$text', ({ text, want }) => expect(parseSelector(text, 'match[]', 0)).toEqual(want));

  it.each([
    ['', 'empty selector'],
    ['service=api', 'quoted value'],
    ['service', undefined],
    ['service=="api"', 'quoted value'],
    ['a="1" b="2"', 'expected ,'],
    ['cpu{a="1"', 'expected , or }'],
    ['cpu{a="1"} x', 'unexpected text'],
    ['a=~"("', 'invalid regex'],
    ['a="unterminated', 'unterminated'],
    ['{__name__="a",__name__="b"}', 'two metric names'],
    ['9cpu{}', 'label name'],
  ])('rejects %j', (text, reason) => {
    if (text === 'service') {
      // A bare word is a metric name, not an error.
      expect(parseSelector(text, 'match[]')).toEqual({ metric: 'service', matchers: [] });
      return;
    }
    const err = thrown(() => parseSelector(text, 'match[]', 2));
    expect(err.code).toBe('INVALID_PARAMETER');
    expect(err.items[0]).toMatchObject({ index: 2, field: 'match[]' });
    if (reason !== undefined) expect(err.items[0]?.reason).toContain(reason);
  });
});

it('rejects a selector longer than the limit', () => {
  const err = thrown(() => parseSelector(`a=~"${'x'.repeat(5_000)}"`, 'match[]', 0));
  expect(err.items[0]).toMatchObject({ field: 'match[]', index: 0 });
  expect(err.items[0]?.reason).toMatch(/limit is 4096/);
});

describe('parseSelectors', () => {
  it('ANDs every match[] and takes the metric from either place', () => {
    expect(parseSelectors(undefined, ['cpu{a="1"}', 'b="2"'])).toEqual({
      metric: 'cpu',
      matchers: [
        { name: 'a', op: '=', value: '1' },
        { name: 'b', op: '=', value: '2' },
      ],
    });
    expect(parseSelectors('cpu', ['__name__="cpu"'])).toEqual({ metric: 'cpu', matchers: [] });
    expect(parseSelectors(undefined, undefined)).toEqual({ matchers: [] });
  });

  it('rejects conflicting metric names, naming the match[] index', () => {
    const err = thrown(() => parseSelectors('cpu', ['a="1"', 'mem{}']));
    expect(err.items[0]).toMatchObject({ index: 1, field: 'match[]' });
  });

  it('rejects an invalid metric parameter', () => {
    expect(thrown(() => parseSelectors('9x', [])).items[0]?.field).toBe('metric');
  });
});

describe('parseGroupBy', () => {
  it.each([
    [undefined, undefined],
    ['', []],
    ['service', ['service']],
    ['service, region ,service', ['service', 'region']],
    [',', []],
  ])('%j → %j', (text, want) => expect(parseGroupBy(text)).toEqual(want));

  it('rejects a bad label name', () => {
    expect(thrown(() => parseGroupBy('a,b-c')).items[0]?.field).toBe('group_by');
  });
});

describe('buckets and default step', () => {
  it.each([
    { from: 0, to: 60_000, step: 60_000, want: 2 },
    { from: 0, to: 59_999, step: 60_000, want: 1 },
    { from: 30_000, to: 90_000, step: 60_000, want: 2 },
  ])('bucketCount($from, $to, $step) = $want', ({ from, to, step, want }) =>
    expect(bucketCount(from, to, step)).toBe(want),
  );
  it.each([
    { range: 3_600_000, want: 12_000 },
    { range: 60_000, want: 1_000 },
    { range: 86_400_000, want: 288_000 },
  ])('defaultStepMs over $range ms = $want', ({ range, want }) =>
    expect(defaultStepMs(0, range)).toBe(want),
  );
});
