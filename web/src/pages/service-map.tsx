/**
 * @module
 * The service map: services as boxes coloured by health (green, orange, red, grey for no
 * traffic), calls as arrows labelled with their rate and error rate, laid out caller-left to
 * callee-right (map/layout.ts), drawn as SVG. It is fetched again whenever the pushed overview
 * (`/api/v1/live/overview`, every 2 s) crosses into a new 5 s slot, so it needs no stream of its
 * own. Clicking a service opens its page. The chaos controls of the demo shop sit beside it.
 */
import { useMemo } from 'react';
import type { ServiceEdge, ServiceMap, ServiceNode } from '../../../src/contract/index.ts';
import { useRefetch } from '../api/alerting.ts';
import { useLiveOverview } from '../api/hooks.ts';
import { getServiceMap } from '../api/service-map.ts';
import { ChaosPanel } from '../components/chaos-panel.tsx';
import { formatMs, formatNumber, formatPercent } from '../format.ts';
import { layoutServiceMap } from '../map/layout.ts';
import { navigate, servicePath } from '../router.ts';

const MAP_WINDOW_MS = 5 * 60_000;
const REFRESH_SLOT_MS = 5_000;
/** Node width: fits the longest name and stats line, within these bounds (px). */
const NODE_MIN_W = 168;
const NODE_MAX_W = 320;
/** Rough glyph widths of the node's two text lines (15 px bold sans, 11 px mono). */
const NAME_CHAR_PX = 9;
const STATS_CHAR_PX = 6.8;
const NODE_H = 62;
const COL_GAP = 200;
const ROW_GAP = 44;
const PAD = 24;

/** Fill per health; fixed colours (not theme variables) so the SVG reads the same anywhere. */
export const HEALTH_FILL: Record<ServiceNode['health'], string> = {
  green: '#2f9e44',
  orange: '#d9860b',
  red: '#e03131',
  grey: '#6e7781',
};

export function ServiceMapPage(): React.JSX.Element {
  const { overview } = useLiveOverview(15 * 60_000);
  const slot = overview ? Math.floor(overview.generatedAtMs / REFRESH_SLOT_MS) : 0;
  const map = useRefetch((signal) => getServiceMap(MAP_WINDOW_MS, signal), slot);
  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Service map</h1>
          <p className="sub">
            Calls learned from traces over the last 5 min
            {map.value
              ? ` · ${map.value.nodes.length} services · ${map.value.edges.length} edges`
              : ''}
          </p>
        </div>
        <div className="map-legend">
          {(['green', 'orange', 'red', 'grey'] as const).map((h) => (
            <span key={h} className="legend-service">
              <span className="swatch-box" style={{ background: HEALTH_FILL[h] }} />
              {h === 'green'
                ? 'healthy'
                : h === 'orange'
                  ? 'degraded'
                  : h === 'red'
                    ? 'failing'
                    : 'no traffic'}
            </span>
          ))}
        </div>
      </div>
      {map.error ? <div className="banner banner-error">{map.error}</div> : null}
      <div className="map-layout">
        <section className="card map-card" aria-label="Service map">
          {map.value && map.value.nodes.length === 0 && map.value.edges.length === 0 ? (
            <div className="empty-note">
              No spans in the last 5 minutes. Send traces (OTLP to <code>/v1/traces</code>) or start
              the demo shop.
            </div>
          ) : map.value ? (
            <MapSvg map={map.value} />
          ) : (
            <p className="sub">{map.error ? 'No map to draw.' : 'Loading…'}</p>
          )}
        </section>
        <ChaosPanel refreshKey={slot} />
      </div>
    </main>
  );
}

function edgeColour(e: ServiceEdge): string {
  return e.errorRate >= 0.05
    ? HEALTH_FILL.red
    : e.errorRate >= 0.01
      ? HEALTH_FILL.orange
      : '#8d96a5';
}

function MapSvg(props: { readonly map: ServiceMap }): React.JSX.Element {
  const { map } = props;
  const statsOf = (node: ServiceNode | undefined): string =>
    node
      ? `${formatNumber(node.requestRatePerS)}/s · ${formatPercent(node.errorRate * 100)}% · p95 ${formatMs(node.p95Ms)}`
      : 'no server spans';
  const nodeW = Math.min(
    NODE_MAX_W,
    Math.max(
      NODE_MIN_W,
      ...map.nodes.map(
        (n) => 24 + Math.max(n.service.length * NAME_CHAR_PX, statsOf(n).length * STATS_CHAR_PX),
      ),
    ),
  );
  const maxNameChars = Math.floor((nodeW - 24) / NAME_CHAR_PX);
  const layout = useMemo(
    () =>
      layoutServiceMap(
        map.nodes.map((n) => n.service),
        map.edges,
      ),
    [map],
  );
  const pos = new Map<string, { x: number; y: number }>();
  const heightPx =
    PAD * 2 + Math.max(1, layout.rows) * NODE_H + Math.max(0, layout.rows - 1) * ROW_GAP;
  // Centre each layer of the graph vertically in the graph's band; the grid of services without
  // calls sits below it, row by row.
  const graphH = layout.graphRows * NODE_H + Math.max(0, layout.graphRows - 1) * ROW_GAP;
  const perLayer = new Map<number, number>();
  for (const n of layout.nodes) {
    if (!n.isolated) perLayer.set(n.layer, (perLayer.get(n.layer) ?? 0) + 1);
  }
  for (const n of layout.nodes) {
    const x = PAD + n.layer * (nodeW + COL_GAP);
    if (n.isolated) {
      pos.set(n.id, { x, y: PAD + n.row * (NODE_H + ROW_GAP) });
      continue;
    }
    const count = perLayer.get(n.layer) ?? 1;
    const colH = count * NODE_H + (count - 1) * ROW_GAP;
    const top = PAD + (graphH - colH) / 2;
    pos.set(n.id, { x, y: top + n.row * (NODE_H + ROW_GAP) });
  }
  const widthPx =
    PAD * 2 + Math.max(1, layout.layers) * nodeW + Math.max(0, layout.layers - 1) * COL_GAP;
  const byName = new Map(map.nodes.map((n) => [n.service, n]));

  return (
    <svg
      className="service-map"
      data-map
      viewBox={`0 0 ${widthPx} ${heightPx}`}
      width={widthPx}
      height={heightPx}
      role="img"
      aria-label="Service map"
    >
      <defs>
        {['#8d96a5', HEALTH_FILL.orange, HEALTH_FILL.red].map((c) => (
          <marker
            key={c}
            id={`arrow-${c.slice(1)}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" fill={c} />
          </marker>
        ))}
      </defs>
      {map.edges.map((e) => {
        const a = pos.get(e.from);
        const b = pos.get(e.to);
        if (!a || !b) return null;
        const colour = edgeColour(e);
        let d: string;
        let lx: number;
        let ly: number;
        if (b.x > a.x) {
          const x1 = a.x + nodeW;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x - 2;
          const y2 = b.y + NODE_H / 2;
          const mx = (x1 + x2) / 2;
          d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
          // The label sits 70% along the curve, nearer the callee: edges fanning out of one
          // service are far apart there, so their labels do not collide.
          const t = 0.7;
          const u = 1 - t;
          lx = u * u * u * x1 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * x2;
          ly = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2 - 6;
        } else {
          // A call back to the same or an earlier layer (a cycle): loop under the boxes.
          const x1 = a.x + nodeW / 2;
          const y1 = a.y + NODE_H;
          const x2 = b.x + nodeW / 2 + (a === b ? 30 : 0);
          const y2 = b.y + NODE_H + 2;
          const dip = Math.max(y1, y2) + 40;
          d = `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`;
          lx = (x1 + x2) / 2;
          ly = dip - 4;
        }
        return (
          <g
            key={`${e.from}->${e.to}`}
            className="map-edge"
            data-edge={`${e.from}->${e.to}`}
            data-error-rate={e.errorRate}
          >
            <path
              d={d}
              fill="none"
              stroke={colour}
              strokeWidth={1.5 + Math.min(3, Math.log10(1 + e.callRatePerS))}
              markerEnd={`url(#arrow-${colour.slice(1)})`}
            />
            <text x={lx} y={ly} textAnchor="middle" className="map-edge-label">
              {formatNumber(e.callRatePerS)}/s · {formatPercent(e.errorRate * 100)}% err
            </text>
          </g>
        );
      })}
      {layout.nodes.map((n) => {
        const p = pos.get(n.id);
        if (!p) return null;
        const node = byName.get(n.id);
        const health = node?.health ?? 'grey';
        return (
          // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>.
          <g
            key={n.id}
            className="map-node"
            data-node={n.id}
            data-health={health}
            role="button"
            tabIndex={0}
            aria-label={`${n.id}: ${health}`}
            transform={`translate(${p.x},${p.y})`}
            onClick={() => navigate(servicePath(n.id))}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') navigate(servicePath(n.id));
            }}
          >
            <rect width={nodeW} height={NODE_H} rx={10} fill={HEALTH_FILL[health]} />
            <title>{n.id}</title>
            <text x={12} y={24} className="map-node-name">
              {n.id.length > maxNameChars ? `${n.id.slice(0, maxNameChars - 1)}…` : n.id}
            </text>
            <text x={12} y={46} className="map-node-stats">
              {statsOf(node)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
