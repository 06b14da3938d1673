/**
 * @module
 * A layered layout for the service map, drawn by hand in SVG (a few services; no layout library
 * needed). Callers are left of the services they call: each service's layer is the longest call
 * chain reaching it from a service nobody calls (edges that close a cycle are ignored for
 * layering). Within a layer, services are ordered by the mean position of their callers
 * (barycenter, a few sweeps), which keeps most edges from crossing. Services with no call at all
 * (just started, or idle) go in a grid below the graph, `GRID_COLS` wide at least, so a map of
 * only those is not one tall column. Positions are in an abstract grid: `x = layer`, `y = row`;
 * the page scales them.
 */

/** Fewest columns of the grid of services without calls. */
export const GRID_COLS = 4;

export interface MapEdgeRef {
  readonly from: string;
  readonly to: string;
}

export interface LayoutNode {
  readonly id: string;
  readonly layer: number;
  /** Row within the layer, 0 at the top (for isolated services: the row below the graph). */
  readonly row: number;
  /** Neither calls nor is called. */
  readonly isolated: boolean;
}

export interface MapLayout {
  readonly nodes: readonly LayoutNode[];
  readonly layers: number;
  /** Rows in all: the graph's tallest layer, then the grid of isolated services. */
  readonly rows: number;
  /** Rows of the connected graph (its tallest layer). */
  readonly graphRows: number;
}

export function layoutServiceMap(
  services: readonly string[],
  edges: readonly MapEdgeRef[],
): MapLayout {
  const all = [...new Set([...services, ...edges.flatMap((e) => [e.from, e.to])])].sort();
  const linked = new Set(edges.filter((e) => e.from !== e.to).flatMap((e) => [e.from, e.to]));
  const ids = all.filter((id) => linked.has(id));
  const isolated = all.filter((id) => !linked.has(id));
  const out = new Map<string, string[]>();
  for (const id of ids) out.set(id, []);
  for (const e of edges) {
    if (e.from !== e.to) out.get(e.from)?.push(e.to);
  }
  for (const list of out.values()) list.sort();

  // Drop back edges (found by DFS from every node in name order) so the rest is acyclic.
  const state = new Map<string, 'open' | 'done'>();
  const dag = new Map<string, string[]>();
  for (const id of ids) dag.set(id, []);
  const dfs = (id: string): void => {
    state.set(id, 'open');
    for (const to of out.get(id) ?? []) {
      const st = state.get(to);
      if (st === 'open') continue; // back edge: closes a cycle
      dag.get(id)?.push(to);
      if (st === undefined) dfs(to);
    }
    state.set(id, 'done');
  };
  const indegree = new Map<string, number>();
  for (const id of ids) indegree.set(id, 0);
  for (const e of edges) {
    if (e.from !== e.to) indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  }
  // Start from uncalled services so cycles break at the edge leading back towards an entry.
  for (const id of ids.filter((i) => indegree.get(i) === 0)) if (!state.has(id)) dfs(id);
  for (const id of ids) if (!state.has(id)) dfs(id);

  // Longest path layering over the DAG (topological order by Kahn's algorithm).
  const indeg = new Map<string, number>();
  for (const id of ids) indeg.set(id, 0);
  for (const list of dag.values()) for (const to of list) indeg.set(to, (indeg.get(to) ?? 0) + 1);
  const layer = new Map<string, number>();
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (const id of queue) layer.set(id, 0);
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const to of dag.get(id) ?? []) {
      layer.set(to, Math.max(layer.get(to) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (indeg.get(to) ?? 0) - 1;
      indeg.set(to, left);
      if (left === 0) queue.push(to);
    }
  }

  const layers = ids.length === 0 ? 0 : Math.max(...ids.map((id) => layer.get(id) ?? 0)) + 1;
  const byLayer: string[][] = Array.from({ length: layers }, () => []);
  for (const id of ids) byLayer[layer.get(id) ?? 0]?.push(id);

  // Barycenter ordering: sweep down using callers, then up using callees, a few times.
  const callers = new Map<string, string[]>();
  for (const [from, list] of dag) {
    for (const to of list) callers.set(to, [...(callers.get(to) ?? []), from]);
  }
  const rowOf = new Map<string, number>();
  const index = (): void => {
    for (const l of byLayer) {
      for (const [i, id] of l.entries()) rowOf.set(id, i);
    }
  };
  index();
  const mean = (xs: readonly string[], fallback: number): number =>
    xs.length === 0 ? fallback : xs.reduce((s, x) => s + (rowOf.get(x) ?? 0), 0) / xs.length;
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let l = 1; l < layers; l++) {
      const list = byLayer[l] as string[];
      list.sort(
        (a, b) =>
          mean(callers.get(a) ?? [], rowOf.get(a) ?? 0) -
            mean(callers.get(b) ?? [], rowOf.get(b) ?? 0) || a.localeCompare(b),
      );
      index();
    }
    for (let l = layers - 2; l >= 0; l--) {
      const list = byLayer[l] as string[];
      list.sort(
        (a, b) =>
          mean(dag.get(a) ?? [], rowOf.get(a) ?? 0) - mean(dag.get(b) ?? [], rowOf.get(b) ?? 0) ||
          a.localeCompare(b),
      );
      index();
    }
  }

  const graphRows = Math.max(0, ...byLayer.map((l) => l.length));
  const nodes: LayoutNode[] = [];
  for (const [l, list] of byLayer.entries()) {
    for (const [r, id] of list.entries()) nodes.push({ id, layer: l, row: r, isolated: false });
  }
  const cols = Math.max(layers, Math.min(GRID_COLS, isolated.length));
  for (const [i, id] of isolated.entries()) {
    nodes.push({ id, layer: i % cols, row: graphRows + Math.floor(i / cols), isolated: true });
  }
  const gridRows = cols === 0 ? 0 : Math.ceil(isolated.length / cols);
  return {
    nodes,
    layers: Math.max(layers, isolated.length > 0 ? cols : 0),
    rows: graphRows + gridRows,
    graphRows,
  };
}
