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
 * - An optional anomaly overlay (charts/anomaly-overlay.ts): the learned baseline band of each
 *   line (translucent fill lower..upper, expected as a thin dashed line, drawn under the lines
 *   by a `drawAxes` hook) and anomaly marks (rings coloured by score, drawn on top by a `draw`
 *   hook). Hovering a mark explains it; a click pins the explanation.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Anomaly } from '../../../src/contract/index.ts';
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
import {
  type AnomalyMark,
  anomalyId,
  type BandLine,
  type BaselineSeries,
  nearestMark,
  overlayExtent,
  scoreColor,
  scoreWord,
  shapeBands,
  shapeMarks,
} from './anomaly-overlay.ts';
import { axisNumber, axisTimes, formatClock } from './axis.ts';

/** Baseline bands and anomalies of the charted series (raw series; folded by `groupBy`). */
export interface ChartOverlay {
  readonly baselines: readonly BaselineSeries[];
  readonly anomalies: readonly Anomaly[];
  /** The chart's grouping: undefined = each series, [] = one total. */
  readonly groupBy: readonly string[] | undefined;
}

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
  readonly overlay?: ChartOverlay | undefined;
  /** The y axis reaches at least this high (so reference lines above the data still show). */
  readonly minYMax?: number | undefined;
}

const DEFAULT_HEIGHT_PX = 220;
/** How close (CSS px) the cursor must come to a mark to explain it. */
const MARK_HIT_RADIUS_PX = 9;

interface MarkTip {
  /** anomalyId of the mark (its index moves as the live window slides). */
  readonly id: string;
  readonly leftPx: number;
  readonly topPx: number;
  readonly pinned: boolean;
  /** Open to the left of the mark (a mark in the right half of the plot). */
  readonly flip: boolean;
}
/** Beyond this many series the legend lists the first ones only (all are still drawn). */
const MAX_LEGEND_ITEMS = 30;

export function TimeChart(props: TimeChartProps): React.JSX.Element {
  const {
    series,
    stepMs,
    unit,
    fallbackName,
    xRange,
    ariaLabel,
    onZoom,
    error,
    thresholds,
    overlay,
  } = props;
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
  const bands = useMemo(
    () => (overlay ? shapeBands(overlay.baselines, overlay.groupBy, shaped.keys) : []),
    [overlay, shaped.keys],
  );
  const marks = useMemo(() => {
    if (!overlay) return [];
    const fromMs = xRange?.fromMs ?? shaped.xs[0] ?? 0;
    const toMs = xRange?.toMs ?? shaped.xs[shaped.xs.length - 1] ?? 0;
    return shapeMarks(overlay.anomalies, overlay.groupBy, shaped.keys, fromMs, toMs);
  }, [overlay, shaped.keys, shaped.xs, xRange?.fromMs, xRange?.toMs]);
  const [tip, setTip] = useState<MarkTip | undefined>(undefined);
  const tipRef = useRef<MarkTip | undefined>(undefined);
  tipRef.current = tip;

  // Latest values for callbacks that uPlot holds on to across renders.
  const minYMax = props.minYMax;
  const latest = useRef({ shaped, xRange, onZoom, hidden, thresholds, bands, marks, minYMax });
  latest.current = { shaped, xRange, onZoom, hidden, thresholds, bands, marks, minYMax };

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
    /** Pixel positions (CSS px in the plot area) of the marks last drawn, for hit tests. */
    let markPositions: { x: number; y: number }[] = [];
    const colorOfKey = (key: string): string => cols[keys.indexOf(key)] ?? axisColor;
    const isShown = (key: string): boolean => !latest.current.hidden.has(key);
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
        y: {
          range: (_u, min, max) => {
            const ext = overlayExtent(latest.current.bands, latest.current.marks);
            // Only the top: our metrics are non-negative, a band reaching below 0 is clipped.
            let top = ext && (max === null || ext[1] > max) ? ext[1] : max;
            const floor = latest.current.minYMax;
            if (floor !== undefined && (top === null || top < floor)) top = floor;
            return yRange(min, top);
          },
        },
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
        drawAxes: [
          (u) =>
            drawBands(
              u,
              latest.current.bands.filter((b) => isShown(b.key)),
              colorOfKey,
            ),
        ],
        draw: [
          (u) =>
            drawThresholds(u, latest.current.thresholds ?? [], thresholdColor, panelColor, font),
          (u) => {
            markPositions = drawMarks(u, latest.current.marks, isShown, panelColor);
            // Where the marks are (CSS px in this box), for browser tests and curious readers.
            el.dataset.markPositions = markPositions
              .filter((p) => p.x > -1e5)
              .map(
                (p) =>
                  `${Math.round(p.x + u.over.offsetLeft)},${Math.round(p.y + u.over.offsetTop)}`,
              )
              .join(' ');
          },
        ],
        setCursor: [
          (u) => {
            cancelAnimationFrame(frame);
            const idx = u.cursor.idx ?? null;
            const { left, top } = u.cursor;
            const hit =
              left === undefined || top === undefined || left < 0
                ? -1
                : nearestMark(markPositions, left, top, MARK_HIT_RADIUS_PX);
            frame = requestAnimationFrame(() => {
              setCursorIdx(idx);
              if (tipRef.current?.pinned) return;
              const p = markPositions[hit];
              const m = latest.current.marks[hit];
              setTip(
                hit < 0 || p === undefined || m === undefined
                  ? undefined
                  : {
                      id: anomalyId(m),
                      leftPx: p.x + u.over.offsetLeft,
                      topPx: p.y + u.over.offsetTop,
                      pinned: false,
                      flip: p.x > u.over.clientWidth / 2,
                    },
              );
            });
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
    // A click on a mark pins its explanation; a click elsewhere lets it go.
    const onClick = (e: MouseEvent): void => {
      const r = u.over.getBoundingClientRect();
      const hit = nearestMark(
        markPositions,
        e.clientX - r.left,
        e.clientY - r.top,
        MARK_HIT_RADIUS_PX,
      );
      const p = markPositions[hit];
      const m = latest.current.marks[hit];
      setTip(
        hit < 0 || p === undefined || m === undefined
          ? undefined
          : {
              id: anomalyId(m),
              leftPx: p.x + u.over.offsetLeft,
              topPx: p.y + u.over.offsetTop,
              pinned: true,
              flip: p.x > u.over.clientWidth / 2,
            },
      );
    };
    u.over.addEventListener('click', onClick);
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      u.over.removeEventListener('click', onClick);
      u.destroy();
      uRef.current = undefined;
    };
  }, [structure, height, unit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new x window must rescale even with equal data (read through `latest`).
  useLayoutEffect(() => {
    uRef.current?.setData(toAligned(shaped));
  }, [shaped, xRange?.fromMs, xRange?.toMs, bands, marks]);

  // A rebuilt chart starts with no explanation open.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each rebuild by design.
  useEffect(() => setTip(undefined), [structure]);

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
  // A mark that slid out of the window closes its explanation.
  const tipMark = tip === undefined ? undefined : marks.find((m) => anomalyId(m) === tip.id);
  let bandPoints = 0;
  for (const b of bands) bandPoints += b.points.length;

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
        data-anomalies={overlay ? marks.length : undefined}
        data-band-points={overlay ? bandPoints : undefined}
      >
        {series === undefined && !error ? <div className="chart-overlay">Loading…</div> : null}
        {empty && !error ? <div className="chart-overlay">No data in this range</div> : null}
        {error ? <div className="chart-overlay chart-error">{error}</div> : null}
        {tip && tipMark ? (
          <AnomalyTip
            mark={tipMark}
            unit={unit}
            name={seriesName(shaped.labels[shaped.keys.indexOf(tipMark.key)] ?? {}, fallbackName)}
            tip={tip}
            onClose={() => setTip(undefined)}
          />
        ) : null}
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

/** The explanation of one anomaly: observed, expected and band, deviation, detector, reason. */
function AnomalyTip(props: {
  readonly mark: AnomalyMark;
  readonly unit: string;
  readonly name: string;
  readonly tip: MarkTip;
  readonly onClose: () => void;
}): React.JSX.Element {
  const { mark: m, unit, tip } = props;
  const ratio = m.expected !== 0 ? m.value / m.expected : undefined;
  const sign = m.deviation > 0 ? '+' : '';
  return (
    <div
      className={`anomaly-tip${tip.pinned ? ' is-pinned' : ''}${tip.flip ? ' is-flipped' : ''}`}
      role="dialog"
      aria-label="Anomaly explanation"
      data-anomaly-tip={m.detector}
      style={{ left: tip.leftPx, top: tip.topPx }}
    >
      <div className="anomaly-tip-head">
        <span className="anomaly-dot" style={{ background: scoreColor(m.score) }} />
        <strong>
          Anomaly · {scoreWord(m.score)} ({m.score.toFixed(2)})
        </strong>
        {tip.pinned ? (
          <button type="button" className="icon" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        ) : null}
      </div>
      <div className="anomaly-tip-sub">
        {props.name} · {formatClock(m.timestampMs, true)}
      </div>
      <dl>
        <dt>Observed</dt>
        <dd>{formatValue(m.value, unit)}</dd>
        <dt>Expected</dt>
        <dd>
          {formatValue(m.expected, unit)}{' '}
          <span className="sub">
            (normal {formatValue(m.lower, unit)} – {formatValue(m.upper, unit)})
          </span>
        </dd>
        <dt>Deviation</dt>
        <dd>
          {sign}
          {formatValue(m.deviation, unit)}
          {ratio !== undefined && Number.isFinite(ratio) ? ` (${ratio.toFixed(1)}× expected)` : ''}
        </dd>
        <dt>Detector</dt>
        <dd>{m.detector}</dd>
      </dl>
      <p className="anomaly-tip-reason">{m.reason}</p>
    </div>
  );
}

/** Colour with an alpha, for the palette's `#rrggbb` (other forms are returned as they are). */
function withAlpha(color: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) return color;
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `${color}${a}`;
}

/** The baseline band of each line: translucent lower..upper fill, dashed expected line. */
function drawBands(u: uPlot, bands: readonly BandLine[], colorOf: (key: string) => string): void {
  if (bands.length === 0) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const b of bands) {
    const first = b.points[0];
    if (first === undefined) continue;
    // [x px, expected, lower, upper]; a lone point is drawn as a short plateau so it shows.
    const pts: [number, number, number, number][] = b.points.map((p) => [
      u.valToPos(p[0], 'x', true),
      u.valToPos(p[1], 'y', true),
      u.valToPos(p[2], 'y', true),
      u.valToPos(p[3], 'y', true),
    ]);
    if (pts.length === 1) {
      const [x, e, lo, hi] = pts[0] as [number, number, number, number];
      const h = 3 * devicePixelRatio;
      pts.splice(0, 1, [x - h, e, lo, hi], [x + h, e, lo, hi]);
    }
    const color = colorOf(b.key);
    ctx.beginPath();
    for (const [i, p] of pts.entries()) {
      if (i === 0) ctx.moveTo(p[0], p[3]);
      else ctx.lineTo(p[0], p[3]);
    }
    for (let i = pts.length - 1; i >= 0; i--) {
      const p = pts[i] as [number, number, number, number];
      ctx.lineTo(p[0], p[2]);
    }
    ctx.closePath();
    ctx.fillStyle = withAlpha(color, 0.16);
    ctx.fill();
    ctx.beginPath();
    for (const [i, p] of pts.entries()) {
      if (i === 0) ctx.moveTo(p[0], p[1]);
      else ctx.lineTo(p[0], p[1]);
    }
    ctx.strokeStyle = withAlpha(color, 0.75);
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
}

/**
 * Anomaly marks at (time, observed value): a filled dot in the score's colour with a ring in the
 * panel colour, so it stands out over any line. Returns their CSS-pixel positions in the plot
 * area (hidden lines' marks get an off-plot position, so they cannot be hovered).
 */
function drawMarks(
  u: uPlot,
  marks: readonly AnomalyMark[],
  isShown: (key: string) => boolean,
  ring: string,
): { x: number; y: number }[] {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const positions: { x: number; y: number }[] = [];
  // A mark at the very edge (the newest sample) is drawn whole, into the padding.
  const margin = 10 * devicePixelRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left - margin, top - margin, width + 2 * margin, height + 2 * margin);
  ctx.clip();
  for (const m of marks) {
    if (!isShown(m.key)) {
      positions.push({ x: -1e6, y: -1e6 });
      continue;
    }
    const x = u.valToPos(m.timestampMs, 'x');
    const y = u.valToPos(m.value, 'y');
    positions.push({ x, y });
    const cx = left + x * devicePixelRatio;
    const cy = top + y * devicePixelRatio;
    const r = (3.5 + 3 * m.score) * devicePixelRatio;
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    ctx.fillStyle = scoreColor(m.score);
    ctx.fill();
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.strokeStyle = ring;
    ctx.stroke();
    // An outer halo in the score's colour: a mark reads as a mark even on a line of that colour.
    ctx.beginPath();
    ctx.arc(cx, cy, r + 2.5 * devicePixelRatio, 0, 2 * Math.PI);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.strokeStyle = scoreColor(m.score);
    ctx.stroke();
  }
  ctx.restore();
  return positions;
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
