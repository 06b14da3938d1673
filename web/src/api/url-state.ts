/**
 * @module
 * The explore page's state lives in the URL so a chart can be shared by copying the address:
 * `/explore?metric=latency_ms&match=service%3D%22checkout%22&agg=p95&group_by=service&range=1h`.
 * Decoding is forgiving (bad pieces fall back to defaults); encoding is canonical, so
 * decode(encode(s)) === s for every valid state.
 */
import type { Aggregation, Matcher } from '../../../src/contract/index.ts';
import {
  DEFAULT_RANGE,
  formatDurationMs,
  parseDurationMs,
  rangeFromParams,
  rangeToParams,
  type TimeRange,
} from '../time/range.ts';

/** Mirrors AGGREGATIONS in src/contract/query.ts (web imports types only). */
export const AGGREGATION_NAMES: readonly Aggregation[] = [
  'avg',
  'min',
  'max',
  'sum',
  'count',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
];

export interface ExploreState {
  /** Empty until the user picks one. */
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly agg: Aggregation;
  /** undefined keeps every series apart; [] folds them into one; else one line per combination. */
  readonly groupBy: readonly string[] | undefined;
  readonly range: TimeRange;
  /** A fixed step; undefined chooses one from the window (see chooseStepMs). */
  readonly stepMs: number | undefined;
}

export const DEFAULT_EXPLORE: ExploreState = {
  metric: '',
  matchers: [],
  agg: 'avg',
  groupBy: undefined,
  range: DEFAULT_RANGE,
  stepMs: undefined,
};

const OPS: readonly Matcher['op'][] = ['=~', '!~', '!=', '='];

/**
 * Parses one PromQL-style matcher: `service="checkout"`, `source_id=~"chk-.*"`. Quotes are
 * optional around values without spaces or commas. Returns undefined when malformed.
 */
export function parseMatcher(text: string): Matcher | undefined {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const [, name, op, raw] = m as unknown as [string, string, Matcher['op'], string];
  if (!OPS.includes(op)) return undefined;
  let value = raw;
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined;
    value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return { name, op, value };
}

/** The inverse of parseMatcher, always quoting: `service="checkout"`. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}"${m.value.replace(/(["\\])/g, '\\$1')}"`;
}

export function decodeExploreState(search: string): ExploreState {
  const params = new URLSearchParams(search);
  const agg = params.get('agg');
  const groupByText = params.get('group_by');
  const stepText = params.get('step');
  const matchers: Matcher[] = [];
  for (const text of params.getAll('match')) {
    const m = parseMatcher(text);
    if (m) matchers.push(m);
  }
  return {
    metric: params.get('metric') ?? '',
    matchers,
    agg: AGGREGATION_NAMES.includes(agg as Aggregation) ? (agg as Aggregation) : 'avg',
    groupBy: groupByText === null ? undefined : splitList(groupByText),
    range: rangeFromParams(params, DEFAULT_RANGE),
    stepMs: stepText === null ? undefined : parseDurationMs(stepText),
  };
}

/** Canonical query string (without `?`); default values are left out to keep URLs short. */
export function encodeExploreState(state: ExploreState): string {
  const params = new URLSearchParams();
  if (state.metric !== '') params.set('metric', state.metric);
  for (const m of state.matchers) params.append('match', formatMatcher(m));
  if (state.agg !== 'avg') params.set('agg', state.agg);
  if (state.groupBy !== undefined) params.set('group_by', state.groupBy.join(','));
  rangeToParams(state.range, params);
  if (state.stepMs !== undefined) params.set('step', formatDurationMs(state.stepMs));
  return params.toString();
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
