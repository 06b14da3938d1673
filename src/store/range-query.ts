/**
 * @module
 * The engine-neutral half of `queryRange`: grouping matched series, asking the engine for each
 * series' slots, folding them with the analytics executor, and shaping the answer. The embedded
 * engine and a PostgreSQL engine differ only in how they produce slots (raw samples, rollups).
 */
import {
  emptySlots,
  lookbackStartMs,
  RangeAggregator,
  type SlotColumns,
  type SlotNeeds,
  slotNeeds,
} from '../analytics/index.ts';
import {
  type Labels,
  OpsError,
  type RangeQuery,
  type RangeSeries,
  seriesKey,
} from '../contract/index.ts';

/** What the executor asks of an engine for one series. */
export interface SlotRequest {
  /** First timestamp needed (look-back for rate), inclusive. */
  readonly startMs: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly needs: SlotNeeds;
}

export function validateRange(q: RangeQuery): void {
  if (!(q.stepMs > 0) || !Number.isFinite(q.stepMs)) {
    throw new OpsError(
      'INVALID_PARAMETER',
      `step must be a positive number of ms, got ${q.stepMs}`,
      {
        items: [{ field: 'step', reason: 'must be > 0' }],
      },
    );
  }
  if (!(q.fromMs <= q.toMs)) {
    throw new OpsError('QUERY_INVALID_RANGE', `from (${q.fromMs}) is after to (${q.toMs})`, {
      items: [{ field: 'from', reason: 'must be <= to' }],
    });
  }
}

function groupLabels(labels: Labels, groupBy: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name of [...groupBy].sort()) {
    const v = labels[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Runs a range query over `series` (already matched). `fill` appends the slots of series `i`
 * (time-ordered, split at fromMs) for the request to `out`.
 */
export function executeRange<S extends { readonly labels: Labels }>(
  q: RangeQuery,
  series: readonly S[],
  fill: (s: S, request: SlotRequest, out: SlotColumns) => void,
): RangeSeries[] {
  validateRange(q);
  const spec = { fromMs: q.fromMs, toMs: q.toMs, stepMs: q.stepMs, agg: q.agg };
  const request: SlotRequest = {
    startMs: lookbackStartMs(spec),
    fromMs: q.fromMs,
    toMs: q.toMs,
    stepMs: q.stepMs,
    needs: slotNeeds(q.agg),
  };
  const agg = new RangeAggregator(spec);
  const out: Array<{ key: string; labels: Labels; points: RangeSeries['points'] }> = [];
  const slots = emptySlots();
  if (q.groupBy === undefined) {
    for (const s of series) {
      slots.reset();
      fill(s, request, slots);
      agg.add(0, slots);
      const points = agg.take(0);
      if (points.length > 0) out.push({ key: seriesKey('', s.labels), labels: s.labels, points });
    }
  } else {
    const groups = new Map<string, { index: number; labels: Labels }>();
    for (const s of series) {
      const labels = groupLabels(s.labels, q.groupBy);
      const key = seriesKey('', labels);
      let g = groups.get(key);
      if (g === undefined) {
        g = { index: groups.size, labels };
        groups.set(key, g);
      }
      slots.reset();
      fill(s, request, slots);
      agg.add(g.index, slots);
    }
    for (const [key, g] of groups) {
      const points = agg.take(g.index);
      if (points.length > 0) out.push({ key, labels: g.labels, points });
    }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map(({ labels, points }) => ({ labels, points }));
}
