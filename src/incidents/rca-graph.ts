/**
 * @module
 * Graph-based root-cause ranking over the service map, MicroRCA-style: a personalised PageRank
 * on the anomalous subgraph, where a walker standing at a symptom moves toward its dependencies
 * (callee direction), steps back to callers only with a lower weight, and stays put at a node
 * more anomalous than everything it calls. Personalisation is each node's anomaly severity, so
 * the walk restarts at symptoms; the stationary probability ranks the likely cause.
 *
 * Transition weights out of node u (severity a, in [0, 1]; sim(u, v) = min(a_u, a_v) / max):
 *   forward u → v (u calls v):  sim(u, v) × a_v
 *   back    u → w (w calls u):  backWeight × sim(u, w) × a_w
 *   self    u → u:              max(0, a_u − max over callees v of a_v)
 * each row normalised to 1 (a row with no weight teleports by the personalisation).
 *
 * Worked example (see rca-graph.test.ts): A → B → C, B also back to A with half the weight of its
 * forward step, C holds itself; uniform personalisation, damping 0.5 gives π = (7, 9, 17) / 33.
 */
import type { ServiceMap } from '../contract/index.ts';

export interface WeightedEdge {
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

export interface PageRankOptions {
  /** Probability of following an edge (1 − damping restarts by the personalisation). */
  readonly damping: number;
  readonly maxIterations: number;
  /** Stop when the L1 change of one iteration is below this. */
  readonly tolerance: number;
}

export function defaultPageRankOptions(): PageRankOptions {
  return { damping: 0.85, maxIterations: 200, tolerance: 1e-12 };
}

/**
 * Personalised PageRank by power iteration: π ← d·πP + (1 − d)·p, where P is the row-normalised
 * edge weights and p the normalised personalisation (uniform when it sums to 0). Rows with no
 * outgoing weight teleport by p. Nodes are processed in the given order, so equal input gives
 * identical output.
 */
export function personalizedPageRank(
  nodes: readonly string[],
  edges: readonly WeightedEdge[],
  personalization: ReadonlyMap<string, number>,
  options: PageRankOptions = defaultPageRankOptions(),
): Map<string, number> {
  const n = nodes.length;
  const out = new Map<string, number>();
  if (n === 0) return out;
  const index = new Map<string, number>();
  nodes.forEach((name, i) => {
    index.set(name, i);
  });
  const p = new Float64Array(n);
  let pSum = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.max(0, personalization.get(nodes[i]!) ?? 0);
    p[i] = v;
    pSum += v;
  }
  for (let i = 0; i < n; i++) p[i] = pSum > 0 ? p[i]! / pSum : 1 / n;

  const rowSum = new Float64Array(n);
  const adj: { to: number; w: number }[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const f = index.get(e.from);
    const t = index.get(e.to);
    if (f === undefined || t === undefined || !(e.weight > 0)) continue;
    adj[f]!.push({ to: t, w: e.weight });
    rowSum[f]! += e.weight;
  }

  let pi = Float64Array.from(p);
  const d = options.damping;
  for (let iter = 0; iter < options.maxIterations; iter++) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const mass = pi[i]!;
      if (rowSum[i] === 0) {
        dangling += mass;
        continue;
      }
      for (const { to, w } of adj[i]!) next[to]! += (d * mass * w) / rowSum[i]!;
    }
    let delta = 0;
    for (let i = 0; i < n; i++) {
      next[i]! += (1 - d) * p[i]! + d * dangling * p[i]!;
      delta += Math.abs(next[i]! - pi[i]!);
    }
    pi = next;
    if (delta < options.tolerance) break;
  }
  for (let i = 0; i < n; i++) out.set(nodes[i]!, pi[i]!);
  return out;
}

/**
 * The weighted anomalous subgraph: services with severity > 0 and the map edges between them,
 * weighted as in the module comment.
 */
export function anomalyGraph(
  severity: ReadonlyMap<string, number>,
  map: ServiceMap,
  backWeight: number,
): { nodes: string[]; edges: WeightedEdge[] } {
  const nodes = [...severity.entries()]
    .filter(([, a]) => a > 0)
    .map(([s]) => s)
    .sort();
  const inGraph = new Set(nodes);
  const sev = (s: string): number => severity.get(s) ?? 0;
  const sim = (u: string, v: string): number => {
    const hi = Math.max(sev(u), sev(v));
    return hi > 0 ? Math.min(sev(u), sev(v)) / hi : 0;
  };
  const pairs = new Set<string>();
  const calls: [string, string][] = [];
  for (const e of map.edges) {
    if (e.from === e.to || !inGraph.has(e.from) || !inGraph.has(e.to)) continue;
    const k = `${e.from}\u0000${e.to}`;
    if (pairs.has(k)) continue;
    pairs.add(k);
    calls.push([e.from, e.to]);
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  calls.sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
  const edges: WeightedEdge[] = [];
  const maxCallee = new Map<string, number>();
  for (const [u, v] of calls) {
    edges.push({ from: u, to: v, weight: sim(u, v) * sev(v) });
    edges.push({ from: v, to: u, weight: backWeight * sim(u, v) * sev(u) });
    maxCallee.set(u, Math.max(maxCallee.get(u) ?? 0, sev(v)));
  }
  for (const u of nodes) {
    edges.push({ from: u, to: u, weight: Math.max(0, sev(u) - (maxCallee.get(u) ?? 0)) });
  }
  return { nodes, edges };
}

/** Each anomalous service's stationary probability, divided by the largest (so the top is 1). */
export function graphScores(
  severity: ReadonlyMap<string, number>,
  map: ServiceMap,
  backWeight: number,
  options: PageRankOptions = defaultPageRankOptions(),
): Map<string, number> {
  const { nodes, edges } = anomalyGraph(severity, map, backWeight);
  const personalization = new Map(nodes.map((s) => [s, severity.get(s) ?? 0] as const));
  const pi = personalizedPageRank(nodes, edges, personalization, options);
  let max = 0;
  for (const v of pi.values()) max = Math.max(max, v);
  const out = new Map<string, number>();
  for (const [s, v] of pi) out.set(s, max > 0 ? v / max : 0);
  return out;
}
