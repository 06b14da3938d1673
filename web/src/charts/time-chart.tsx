/**
 * @module
 * TimeChart: the one React wrapper around uPlot that every page uses.
 *
 * - Resize-aware: a ResizeObserver keeps the canvas as wide as its box.
 * - Theme-aware: axis and grid colours come from CSS variables; the chart rebuilds on a switch.
 * - Local time on the x axis (uPlot formats with the browser's time zone; `ms: 1` = epoch ms).
 * - Its own legend (React, below the plot): the value under the cursor, or the latest value when
 *   the cursor is away; click a name to hide or show the line.
 * - Series may come and go between updates: same set of series -> setData (cheap, keeps zoom and
 *   hidden lines); a different set -> the plot is rebuilt with stable per-series colours.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue } from '../format.ts';
import { useTheme } from '../theme.ts';
import {
  alignSeries,
  assignColors,
  defaultAlignOptions,
  type InputSeries,
  lastValue,
  seriesName,
  type YValue,
} from './align.ts';
import { axisNumber, axisTimes, formatClock } from './axis.ts';

export interface TimeChartProps {
  /** undefined while the first answer is pending. */
  readonly series: readonly InputSeries[] | undefined;
  readonly stepMs: number;
  /** Unit for the y axis and legend: `ms`, `%`, `req/s`, … */
  readonly unit: string;
  /** Legend name of a series without labels (a folded total). */
  readonly fallbackName: string;
  /** Pins the x axis to the whole window (else it fits the data). */
  readonly xRange?: { readonly fromMs: number; readonly toMs: number } | undefined;
  readonly height?: number;
  /** Accessible name of the plot (screen readers cannot read a canvas). */
  readonly ariaLabel: string;
  /** Drag-to-zoom on x reports the selected interval; without it dragging does nothing. */
  readonly onZoom?: ((fromMs: number, toMs: number) => void) | undefined;
  readonly error?: string | undefined;
  /** Dashed horizontal lines (KPI targets), drawn when inside the visible y range. */
  readonly thresholds?: readonly { readonly value: number; readonly label: string }[] | undefined;
}

const DEFAULT_HEIGHT_PX = 220;
/** Beyond this many series the legend lists the first ones only (all are still drawn). */
const MAX_LEGEND_ITEMS = 30;

export function TimeChart(props: TimeChartProps): React.JSX.Element {
  const { series, stepMs, unit, fallbackName, xRange, ariaLabel, onZoom, error, thresholds } =
    props;
  const height = props.height ?? DEFAULT_HEIGHT_PX;
  const theme = useTheme();
  const plotRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<uPlot | undefined>(undefined);
  const [cursorIdx, setCursorIdx] = useState<number | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());

  const shaped = useMemo(
    () => alignSeries(series ?? [], defaultAlignOptions(stepMs)),
    [series, stepMs],
  );
  const colors = useMemo(() => assignColors(shaped.keys), [shaped.keys]);
  const names = useMemo(
    () => shaped.labels.map((l) => seriesName(l, fallbackName)),
    [shaped.labels, fallbackName],
  );

  // Latest values for callbacks that uPlot holds on to across renders.
  const latest = useRef({ shaped, xRange, onZoom, hidden, thresholds: props.thresholds });
  latest.current = { shaped, xRange, onZoom, hidden, thresholds: props.thresholds };

  const structure = `${theme}\n${unit}\n${height}\n${onZoom ? 'zoom' : ''}\n${JSON.stringify(thresholds ?? [])}\n${shaped.keys.join('\n')}`;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `structure` is the rebuild trigger; data comes through `latest`.
  useLayoutEffect(() => {
    const el = plotRef.current;
    if (!el) return undefined;
    const css = getComputedStyle(document.documentElement);
    const v = (name: string, fallback: string): string =>
      css.getPropertyValue(name).trim() || fallback;
    const axisColor = v('--chart-axis', '#9aa4b2');
    const gridColor = v('--chart-grid', 'rgba(127,127,127,0.15)');
    const font = `11px ${v('--font-mono', 'ui-monospace, monospace')}`;
    const thresholdColor = v('--orange', '#e3a008');
    const panelColor = v('--panel', '#151b23');
    const { shaped: s } = latest.current;
    const keys = s.keys;
    const cols = assignColors(keys);

    let frame = 0;
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height,
      ms: 1,
      legend: { show: false },
      // Right padding leaves room for the last time label, which centres on its tick.
      padding: [8, 22, 0, 0],
      cursor: {
        points: { size: 7 },
        drag: { x: latest.current.onZoom !== undefined, y: false, setScale: false },
      },
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => {
            const r = latest.current.xRange;
            return r ? [r.fromMs, r.toMs] : [min, max];
          },
        },
        y: { range: (_u, min, max) => yRange(min, max) },
      },
      axes: [
        {
          stroke: axisColor,
          font,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1, size: 4 },
          values: (_u, splits, _axis, _space, incrMs) => axisTimes(splits, incrMs),
        },
        {
          stroke: axisColor,
          font,
          size: 58,
          grid: { stroke: gridColor, width: 1 },
          ticks: { show: false },
          values: (_u, splits) => splits.map((x) => axisNumber(x, unit)),
        },
      ],
      series: [
        {},
        ...keys.map((key, i) => ({
          label: key,
          stroke: cols[i] as string,
          width: 1.5,
          show: !latest.current.hidden.has(key),
          points: { size: 4 },
        })),
      ],
      hooks: {
        draw: [
          (u) =>
            drawThresholds(u, latest.current.thresholds ?? [], thresholdColor, panelColor, font),
        ],
        setCursor: [
          (u) => {
            cancelAnimationFrame(frame);
            const idx = u.cursor.idx ?? null;
            frame = requestAnimationFrame(() => setCursorIdx(idx));
          },
        ],
        setSelect: [
          (u) => {
            const cb = latest.current.onZoom;
            if (!cb || u.select.width < 5) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            cb(Math.round(from), Math.round(to));
          },
        ],
      },
    };
    const u = new uPlot(opts, toAligned(s), el);
    uRef.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      u.destroy();
      uRef.current = undefined;
    };
  }, [structure, height, unit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new x window must rescale even with equal data (read through `latest`).
  useLayoutEffect(() => {
    uRef.current?.setData(toAligned(shaped));
  }, [shaped, xRange?.fromMs, xRange?.toMs]);

  // A rebuilt chart starts with no cursor.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each rebuild by design.
  useEffect(() => setCursorIdx(null), [structure]);

  const toggle = (i: number): void => {
    const key = shaped.keys[i] as string;
    const next = new Set(hidden);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setHidden(next);
    uRef.current?.setSeries(i + 1, { show: !next.has(key) });
  };

  const idx = cursorIdx !== null && cursorIdx < shaped.xs.length ? cursorIdx : null;
  const atMs = idx === null ? undefined : shaped.xs[idx];
  const empty = series !== undefined && shaped.keys.length === 0;

  return (
    <div className="chart">
      <div
        className="chart-plot"
        ref={plotRef}
        role="img"
        aria-label={ariaLabel}
        style={{ height }}
        // For browser tests and curious readers: what the canvas currently shows.
        data-series={shaped.keys.length}
        data-points={shaped.xs.length}
        data-from-ms={xRange?.fromMs}
        data-to-ms={xRange?.toMs}
        data-last-ms={shaped.xs[shaped.xs.length - 1]}
      >
        {series === undefined && !error ? <div className="chart-overlay">Loading…</div> : null}
        {empty && !error ? <div className="chart-overlay">No data in this range</div> : null}
        {error ? <div className="chart-overlay chart-error">{error}</div> : null}
      </div>
      <div className="chart-legend">
        <span className="chart-legend-time">
          {atMs === undefined ? 'latest' : formatClock(atMs, true)}
        </span>
        {shaped.keys.slice(0, MAX_LEGEND_ITEMS).map((key, i) => {
          const col = shaped.ys[i] as YValue[];
          const value = idx === null ? lastValue(col) : col[idx];
          return (
            <button
              type="button"
              key={key}
              className={`chart-legend-item${hidden.has(key) ? ' is-hidden' : ''}`}
              data-series-name={names[i]}
              onClick={() => toggle(i)}
              title={`${hidden.has(key) ? 'Show' : 'Hide'} ${names[i]}`}
            >
              <span className="swatch" style={{ background: colors[i] }} />
              <span className="chart-legend-name">{names[i]}</span>
              <span className="chart-legend-value">{formatValue(value ?? null, unit)}</span>
            </button>
          );
        })}
        {shaped.keys.length > MAX_LEGEND_ITEMS ? (
          <span className="chart-legend-more">
            +{shaped.keys.length - MAX_LEGEND_ITEMS} more series (narrow the query or group them)
          </span>
        ) : null}
      </div>
    </div>
  );
}

/** Dashed target lines with their label at the right end; skipped when outside the y range. */
function drawThresholds(
  u: uPlot,
  lines: readonly { value: number; label: string }[],
  color: string,
  background: string,
  font: string,
): void {
  // No lines, no reference: a lone target over an empty plot would read as data.
  if (u.series.length <= 1) return;
  const { min, max } = u.scales.y ?? {};
  if (min === undefined || max === undefined || min === null || max === null) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  for (const t of lines) {
    if (t.value < min || t.value > max) continue;
    const y = Math.round(u.valToPos(t.value, 'y', true)) + 0.5;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.strokeStyle = color;
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = font.replace(/^(\d+)px/, (_m, px: string) => `${Number(px) * devicePixelRatio}px`);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    const x = left + width - 4 * devicePixelRatio;
    const textY = y - 2 * devicePixelRatio;
    const m = ctx.measureText(t.label);
    const pad = 3 * devicePixelRatio;
    // A backing plate in the page colour keeps the label legible over busy lines.
    ctx.fillStyle = background;
    ctx.fillRect(
      x - m.width - pad,
      textY - m.actualBoundingBoxAscent - pad,
      m.width + 2 * pad,
      m.actualBoundingBoxAscent + 2 * pad,
    );
    ctx.fillStyle = color;
    ctx.fillText(t.label, x, textY);
    ctx.restore();
  }
}

function toAligned(s: { xs: number[]; ys: YValue[][] }): uPlot.AlignedData {
  return [s.xs, ...s.ys] as uPlot.AlignedData;
}

/** y from 0 (all our metrics are non-negative) to a little above the top; 0..1 when flat zero. */
function yRange(min: number | null, max: number | null): uPlot.Range.MinMax {
  const lo = min === null ? 0 : Math.min(0, min);
  const hi = max === null || max <= lo ? lo + 1 : max + (max - lo) * 0.08;
  return [lo, hi];
}
