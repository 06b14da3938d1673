import { describe, expect, it } from 'vitest';
import { anomalyGraph, graphScores, personalizedPageRank } from './rca-graph.ts';
import { serviceMap } from './rca-testkit.ts';

describe('personalizedPageRank', () => {
  it('matches the hand-computed 3-node example', () => {
    // A → B (1); B → C (1) and back B → A (0.5), so row B is A 1/3, C 2/3; C → C (1).
    // Uniform p = 1/3, damping d = 0.5: π = d·πP + (1 − d)·p gives
    //   π_A = π_B/6 + 1/6,  π_B = π_A/2 + 1/6,  π_C = (2π_B/3 + π_C)/2 + 1/6
    //   ⇒ π_A = 7/33, π_B = 9/33, π_C = 17/33.
    const pi = personalizedPageRank(
      ['A', 'B', 'C'],
      [
        { from: 'A', to: 'B', weight: 1 },
        { from: 'B', to: 'C', weight: 1 },
        { from: 'B', to: 'A', weight: 0.5 },
        { from: 'C', to: 'C', weight: 1 },
      ],
      new Map([
        ['A', 1],
        ['B', 1],
        ['C', 1],
      ]),
      { damping: 0.5, maxIterations: 500, tolerance: 1e-15 },
    );
    expect(pi.get('A')).toBeCloseTo(7 / 33, 10);
    expect(pi.get('B')).toBeCloseTo(9 / 33, 10);
    expect(pi.get('C')).toBeCloseTo(17 / 33, 10);
  });

  it('teleports from a node without out-weight by the personalisation', () => {
    // A → B, B dangling; p = (1, 0); d = 0.5. π_B = 0.5 π_A; π_A = 0.5 + 0.5 π_B (dangling to A).
    // ⇒ π_A = 0.5 + 0.25 π_A ⇒ π_A = 2/3, π_B = 1/3.
    const pi = personalizedPageRank(
      ['A', 'B'],
      [{ from: 'A', to: 'B', weight: 1 }],
      new Map([
        ['A', 1],
        ['B', 0],
      ]),
      { damping: 0.5, maxIterations: 500, tolerance: 1e-15 },
    );
    expect(pi.get('A')).toBeCloseTo(2 / 3, 10);
    expect(pi.get('B')).toBeCloseTo(1 / 3, 10);
  });

  it('returns an empty map for no nodes', () => {
    expect(personalizedPageRank([], [], new Map()).size).toBe(0);
  });
});

describe('anomalyGraph', () => {
  it('weights forward, back and self steps by severity', () => {
    const sev = new Map([
      ['checkout', 0.5],
      ['payment', 1],
      ['healthy', 0],
    ]);
    const g = anomalyGraph(
      sev,
      serviceMap([
        ['checkout', 'payment'],
        ['checkout', 'healthy'],
      ]),
      0.3,
    );
    expect(g.nodes).toEqual(['checkout', 'payment']);
    // sim = 0.5 / 1; forward = 0.5 × 1; back = 0.3 × 0.5 × 0.5; self(payment) = 1 − 0.
    expect(g.edges).toEqual([
      { from: 'checkout', to: 'payment', weight: 0.5 },
      { from: 'payment', to: 'checkout', weight: 0.075 },
      { from: 'checkout', to: 'checkout', weight: 0 },
      { from: 'payment', to: 'payment', weight: 1 },
    ]);
  });

  it('ranks the callee at the bottom of an anomalous chain first', () => {
    const sev = new Map([
      ['frontend', 0.85],
      ['checkout', 0.9],
      ['payment', 0.95],
    ]);
    const scores = graphScores(
      sev,
      serviceMap([
        ['frontend', 'checkout'],
        ['checkout', 'payment'],
      ]),
      0.3,
    );
    expect(scores.get('payment')).toBe(1);
    expect(scores.get('checkout')!).toBeLessThan(1);
    expect(scores.get('checkout')!).toBeGreaterThan(scores.get('frontend')!);
  });
});
