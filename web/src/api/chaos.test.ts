import { describe, expect, it } from 'vitest';
import { chaosRequest, parseChaosStatus } from './chaos.ts';

describe('chaos client', () => {
  it.each([
    {
      a: { kind: 'delay', endpoint: '/payment', durationMs: 800 } as const,
      want: { url: '/simulate/delay', body: { endpoint: '/payment', duration_ms: 800 } },
    },
    {
      a: { kind: 'error', endpoint: '/payment', rate: 0.5 } as const,
      want: { url: '/simulate/error', body: { endpoint: '/payment', rate: 0.5 } },
    },
    {
      a: { kind: 'timeout', endpoint: '/x' } as const,
      want: { url: '/simulate/timeout', body: { endpoint: '/x' } },
    },
    { a: { kind: 'clear' } as const, want: { url: '/simulate/clear', body: {} } },
  ])('$a.kind', ({ a, want }) => expect(chaosRequest(a)).toEqual(want));

  it('reads the status leniently', () => {
    expect(
      parseChaosStatus({
        endpoints: ['/a', 3],
        faults: [{ endpoint: '/a', kind: 'delay', value: 5, sinceMs: 1 }, { nope: 1 }],
      }),
    ).toEqual({
      endpoints: ['/a'],
      faults: [{ endpoint: '/a', kind: 'delay', value: 5, sinceMs: 1 }],
    });
    expect(parseChaosStatus(null)).toEqual({ endpoints: [], faults: [] });
  });
});
