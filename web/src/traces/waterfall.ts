/**
 * @module
 * Lays out one trace as a waterfall: spans in depth-first order under their parents (children by
 * start time), each with its depth and its offset from the trace's start, so a row's bar sits at
 * `offsetMs / totalMs` of the axis. A span whose parent is not in the trace (not sent, or still
 * in flight) is shown as a root rather than dropped. Cycles in bad data cannot loop: each span is
 * placed once.
 */
import type { Span } from '../../../src/contract/index.ts';

/**
 * The contract's `spanFailed` (error status or HTTP 5xx), restated: web imports contract types
 * only, so the server's schemas stay out of the bundle.
 */
export function spanFailed(span: Pick<Span, 'status' | 'httpStatus'>): boolean {
  return span.status === 'error' || (span.httpStatus !== undefined && span.httpStatus >= 500);
}

export interface WaterfallRow {
  readonly span: Span;
  readonly depth: number;
  /** Start relative to the trace's first span, in ms. */
  readonly offsetMs: number;
  readonly failed: boolean;
  /** Whether the parent span id names a span missing from the trace. */
  readonly orphan: boolean;
}

export interface Waterfall {
  readonly rows: readonly WaterfallRow[];
  readonly startMs: number;
  /** From the first span's start to the last span's end; at least 1 ms. */
  readonly totalMs: number;
  /** Services in order of first appearance (colour assignment follows it). */
  readonly services: readonly string[];
}

export function buildWaterfall(spans: readonly Span[]): Waterfall {
  if (spans.length === 0) return { rows: [], startMs: 0, totalMs: 1, services: [] };
  const byId = new Map<string, Span>();
  for (const s of spans) byId.set(s.spanId, s);
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of byId.values()) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span): number =>
    a.startMs - b.startMs || a.spanId.localeCompare(b.spanId);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const s of byId.values()) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.startMs + Math.max(0, s.durationMs));
  }

  const rows: WaterfallRow[] = [];
  const placed = new Set<string>();
  const visit = (s: Span, depth: number): void => {
    if (placed.has(s.spanId)) return;
    placed.add(s.spanId);
    rows.push({
      span: s,
      depth,
      offsetMs: s.startMs - startMs,
      failed: spanFailed(s),
      orphan: s.parentSpanId !== undefined && !byId.has(s.parentSpanId),
    });
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  // Spans only reachable through a cycle (a→b→a) have no root: show them at the top level.
  for (const s of [...byId.values()].sort(byStart)) visit(s, 0);

  const services: string[] = [];
  for (const r of rows) if (!services.includes(r.span.service)) services.push(r.span.service);
  return { rows, startMs, totalMs: Math.max(1, endMs - startMs), services };
}

/** Distinct hues for services, in order of first appearance; reads on dark and light themes. */
const SERVICE_HUES = [210, 145, 275, 30, 185, 330, 95, 250, 55, 0];

export function serviceColour(index: number): string {
  const hue = SERVICE_HUES[index % SERVICE_HUES.length] as number;
  // Beyond the palette, shift lightness so the 11th service does not repeat the 1st exactly.
  const lightness = 55 - 8 * Math.floor(index / SERVICE_HUES.length);
  return `hsl(${hue} 60% ${Math.max(30, lightness)}%)`;
}

/** Exception events of a span (`exception.type`, `exception.message`, `exception.stacktrace`). */
export function exceptionsOf(span: Span): { type: string; message: string; stack: string }[] {
  return (span.events ?? [])
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: String(e.attributes['exception.type'] ?? ''),
      message: String(e.attributes['exception.message'] ?? ''),
      stack: String(e.attributes['exception.stacktrace'] ?? ''),
    }));
}

/** Ticks for the time axis: about `count` round steps (1, 2, 5 × 10^n ms) across `totalMs`. */
export function axisTicks(totalMs: number, count = 5): number[] {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const out: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}
