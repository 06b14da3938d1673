import { describe, expect, it } from 'vitest';
import { summarize } from './live.ts';

describe('summarize', () => {
  it.each([
    { states: [], want: 'idle' },
    { states: ['live', 'live'], want: 'live' },
    { states: ['live', 'connecting'], want: 'connecting' },
    { states: ['connecting', 'reconnecting', 'live'], want: 'reconnecting' },
  ] as const)('$states -> $want', ({ states, want }) => expect(summarize(states)).toBe(want));
});
