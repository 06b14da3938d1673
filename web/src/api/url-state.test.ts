import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AGGREGATIONS, type Matcher } from '../../../src/contract/index.ts';
import {
  AGGREGATION_NAMES,
  DEFAULT_EXPLORE,
  decodeExploreState,
  type ExploreState,
  encodeExploreState,
  formatMatcher,
  parseMatcher,
} from './url-state.ts';

it('offers exactly the aggregations of the query model', () =>
  expect(AGGREGATION_NAMES).toEqual(AGGREGATIONS));

describe('parseMatcher', () => {
  it.each([
    { text: 'service="checkout"', want: { name: 'service', op: '=', value: 'checkout' } },
    { text: 'service=checkout', want: { name: 'service', op: '=', value: 'checkout' } },
    { text: 'source_id=~"chk-.*"', want: { name: 'source_id', op: '=~', value: 'chk-.*' } },
    { text: 'az != "b"', want: { name: 'az', op: '!=', value: 'b' } },
    { text: 'az!~"a|b"', want: { name: 'az', op: '!~', value: 'a|b' } },
    { text: 'msg="say \\"hi\\""', want: { name: 'msg', op: '=', value: 'say "hi"' } },
    { text: 'service.name="x"', want: { name: 'service.name', op: '=', value: 'x' } },
    { text: '="x"', want: undefined },
    { text: '1abc="x"', want: undefined },
    { text: 'service', want: undefined },
    { text: 'service="unterminated', want: undefined },
  ])('$text', ({ text, want }) => expect(parseMatcher(text)).toEqual(want));

  const arbMatcher: fc.Arbitrary<Matcher> = fc.record({
    name: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.]{0,12}$/),
    op: fc.constantFrom('=', '!=', '=~', '!~'),
    value: fc.string({ maxLength: 20 }),
  });

  it('round-trips through formatMatcher', () =>
    fc.assert(
      fc.property(arbMatcher, (m) => {
        expect(parseMatcher(formatMatcher(m))).toEqual(m);
      }),
    ));
});

describe('explore state in the URL', () => {
  it('encodes the example from the docs', () =>
    expect(
      encodeExploreState({
        ...DEFAULT_EXPLORE,
        metric: 'latency_ms',
        matchers: [{ name: 'service', op: '=', value: 'checkout' }],
        agg: 'p95',
        groupBy: ['service'],
        range: { kind: 'relative', windowMs: 3_600_000 },
      }),
    ).toBe('metric=latency_ms&match=service%3D%22checkout%22&agg=p95&group_by=service&range=1h'));

  it.each([
    { name: 'each series', groupBy: undefined },
    { name: 'one total', groupBy: [] },
    { name: 'two labels', groupBy: ['service', 'source_id'] },
  ])('keeps group_by: $name', ({ groupBy }) => {
    const s: ExploreState = { ...DEFAULT_EXPLORE, metric: 'm', groupBy };
    expect(decodeExploreState(encodeExploreState(s)).groupBy).toEqual(groupBy);
  });

  it('decodes garbage into defaults rather than failing', () =>
    expect(decodeExploreState('?agg=median&match=%%%&step=fast&range=never')).toEqual(
      DEFAULT_EXPLORE,
    ));

  const arbState: fc.Arbitrary<ExploreState> = fc.record({
    metric: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:.]{0,20}$/),
    matchers: fc.array(
      fc.record({
        name: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/),
        op: fc.constantFrom('=', '!=', '=~', '!~') as fc.Arbitrary<Matcher['op']>,
        value: fc.string({ maxLength: 12 }),
      }),
      { maxLength: 3 },
    ),
    agg: fc.constantFrom(...AGGREGATION_NAMES),
    groupBy: fc.option(fc.array(fc.stringMatching(/^[a-z_]{1,8}$/), { maxLength: 3 }), {
      nil: undefined,
    }),
    range: fc.oneof(
      fc.record({
        kind: fc.constant('relative' as const),
        windowMs: fc.integer({ min: 1_000, max: 30 * 86_400_000 }),
      }),
      fc
        .tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 1e10 }))
        .map(([fromMs, len]) => ({ kind: 'absolute' as const, fromMs, toMs: fromMs + len })),
    ),
    stepMs: fc.option(fc.integer({ min: 1, max: 86_400_000 }), { nil: undefined }),
  });

  it('decode(encode(state)) is the state', () =>
    fc.assert(
      fc.property(arbState, (s) => {
        expect(decodeExploreState(encodeExploreState(s))).toEqual(s);
      }),
    ));
});
