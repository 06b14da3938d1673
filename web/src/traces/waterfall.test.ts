import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/contract/index.ts';
import { axisTicks, buildWaterfall, exceptionsOf } from './waterfall.ts';

function span(id: string, parent: string | undefined, startMs: number, durationMs: number): Span {
  return {
    traceId: 't'.repeat(32),
    spanId: id,
    ...(parent ? { parentSpanId: parent } : {}),
    service: `svc-${id}`,
    name: `op-${id}`,
    kind: 'server',
    endpoint: `/${id}`,
    startMs,
    durationMs,
    status: 'unset',
    attributes: {},
  };
}

describe('buildWaterfall', () => {
  it('nests children under parents, ordered by start, with offsets from the trace start', () => {
    const w = buildWaterfall([
      span('c2', 'b', 1_030, 5),
      span('a', undefined, 1_000, 100),
      span('b', 'a', 1_010, 50),
      span('c1', 'b', 1_020, 5),
      span('d', 'a', 1_070, 20),
    ]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.offsetMs])).toEqual([
      ['a', 0, 0],
      ['b', 1, 10],
      ['c1', 2, 20],
      ['c2', 2, 30],
      ['d', 1, 70],
    ]);
    expect(w.totalMs).toBe(100);
    expect(w.services).toEqual(['svc-a', 'svc-b', 'svc-c1', 'svc-c2', 'svc-d']);
  });

  it('shows a span with a missing parent as a root, marked orphan', () => {
    const w = buildWaterfall([span('a', undefined, 0, 10), span('x', 'gone', 5, 1)]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.orphan])).toEqual([
      ['a', 0, false],
      ['x', 0, true],
    ]);
  });

  it('places every span once even when parents form a cycle', () => {
    const w = buildWaterfall([span('a', 'b', 0, 10), span('b', 'a', 1, 10)]);
    expect(w.rows.map((r) => r.span.spanId).sort()).toEqual(['a', 'b']);
  });

  it('marks failed spans (error status or 5xx)', () => {
    const bad = { ...span('a', undefined, 0, 10), httpStatus: 503 };
    const err = { ...span('b', 'a', 1, 1), status: 'error' as const };
    expect(buildWaterfall([bad, err]).rows.map((r) => r.failed)).toEqual([true, true]);
  });

  it('is empty for no spans', () => {
    expect(buildWaterfall([]).rows).toEqual([]);
  });
});

describe('exceptionsOf', () => {
  it('reads the OTel exception keys', () => {
    const s: Span = {
      ...span('a', undefined, 0, 1),
      events: [
        { name: 'log', timeMs: 0, attributes: {} },
        {
          name: 'exception',
          timeMs: 0,
          attributes: {
            'exception.type': 'Error',
            'exception.message': 'boom',
            'exception.stacktrace': 'at x',
          },
        },
      ],
    };
    expect(exceptionsOf(s)).toEqual([{ type: 'Error', message: 'boom', stack: 'at x' }]);
  });
});

describe('axisTicks', () => {
  it.each([
    { totalMs: 100, want: [0, 20, 40, 60, 80, 100] },
    { totalMs: 7, want: [0, 2, 4, 6] },
    { totalMs: 0, want: [0] },
  ])('$totalMs ms', ({ totalMs, want }) => expect(axisTicks(totalMs)).toEqual(want));
});
