import { describe, expect, it } from 'vitest';
import { withKeyParam } from './auth.ts';
import { problemMessage, summarize } from './live.ts';

describe('summarize', () => {
  it.each([
    { states: [], want: 'idle' },
    { states: ['live', 'live'], want: 'live' },
    { states: ['live', 'connecting'], want: 'connecting' },
    { states: ['connecting', 'reconnecting', 'live'], want: 'reconnecting' },
  ] as const)('$states -> $want', ({ states, want }) => expect(summarize(states)).toBe(want));
});

describe('problemMessage', () => {
  it.each([
    {
      data: '{"title":"Bad parameter","detail":"step is not a duration"}',
      want: 'Bad parameter: step is not a duration',
    },
    { data: '{"title":"Internal error"}', want: 'Internal error' },
    { data: 'plain text', want: 'plain text' },
  ])('$data', ({ data, want }) => expect(problemMessage(data)).toBe(want));
});

describe('withKeyParam', () => {
  it.each([
    { url: '/api/v1/live/overview', key: undefined, want: '/api/v1/live/overview' },
    { url: '/api/v1/live/overview', key: 'k 1', want: '/api/v1/live/overview?api_key=k%201' },
    { url: '/api/v1/live/query?metric=m', key: 'k', want: '/api/v1/live/query?metric=m&api_key=k' },
  ])('$url with $key', ({ url, key, want }) => expect(withKeyParam(url, key)).toBe(want));
});
