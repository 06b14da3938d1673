import { describe, expect, it } from 'vitest';
import { layoutServiceMap } from './layout.ts';

function placed(services: string[], edges: [string, string][]) {
  const l = layoutServiceMap(
    services,
    edges.map(([from, to]) => ({ from, to })),
  );
  return Object.fromEntries(l.nodes.map((n) => [n.id, [n.layer, n.row]]));
}

describe('layoutServiceMap', () => {
  it('puts callers left of callees, by the longest chain', () => {
    const p = placed(
      ['frontend', 'checkout', 'payment', 'inventory'],
      [
        ['frontend', 'checkout'],
        ['checkout', 'payment'],
        ['frontend', 'payment'],
        ['checkout', 'inventory'],
      ],
    );
    expect(p.frontend?.[0]).toBe(0);
    expect(p.checkout?.[0]).toBe(1);
    expect(p.payment?.[0]).toBe(2);
    expect(p.inventory?.[0]).toBe(2);
  });

  it('lays out a cycle without looping, entry first', () => {
    const p = placed(
      ['web', 'a', 'b'],
      [
        ['web', 'a'],
        ['a', 'b'],
        ['b', 'a'],
      ],
    );
    expect(p).toEqual({ web: [0, 0], a: [1, 0], b: [2, 0] });
  });

  it('includes services only named by edges, and puts isolated services below the graph', () => {
    const l = layoutServiceMap(['lonely'], [{ from: 'x', to: 'y' }]);
    expect(l.nodes.map((n) => [n.id, n.layer, n.row, n.isolated])).toEqual([
      ['x', 0, 0, false],
      ['y', 1, 0, false],
      ['lonely', 0, 1, true],
    ]);
    expect(l.layers).toBe(2);
    expect(l.rows).toBe(2);
    expect(l.graphRows).toBe(1);
  });

  it('lays out services without calls in a grid, not one column', () => {
    const l = layoutServiceMap(['a', 'b', 'c', 'd', 'e', 'f'], []);
    expect(l.layers).toBe(4);
    expect(l.rows).toBe(2);
    expect(l.nodes.find((n) => n.id === 'e')).toEqual({
      id: 'e',
      layer: 0,
      row: 1,
      isolated: true,
    });
  });

  it('orders a layer by its callers to avoid crossings', () => {
    const p = placed(
      ['a', 'b', 'y', 'z'],
      [
        ['a', 'z'],
        ['b', 'y'],
      ],
    );
    // a above b, so z (called by a) goes above y.
    expect(p.a?.[1]).toBeLessThan(p.b?.[1] as number);
    expect(p.z?.[1]).toBeLessThan(p.y?.[1] as number);
  });

  it('handles an empty map', () => {
    expect(layoutServiceMap([], [])).toEqual({ nodes: [], layers: 0, rows: 0, graphRows: 0 });
  });
});
