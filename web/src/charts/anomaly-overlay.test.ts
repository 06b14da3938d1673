import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../src/contract/index.ts';
import { labelsKey } from './align.ts';
import {
  anomalyId,
  type BaselineSeries,
  lineKey,
  mergeAnomalies,
  nearestMark,
  overlayExtent,
  scoreColor,
  shapeBands,
  shapeMarks,
} from './anomaly-overlay.ts';

function anomaly(p: Partial<Anomaly> & { timestampMs: number }): Anomaly {
  return {
    metric: 'latency_ms',
    labels: { service: 'api', source_id: 'api-1' },
    value: 900,
    score: 0.8,
    expected: 100,
    lower: 80,
    upper: 120,
    deviation: 800,
    detector: 'ewma',
    reason: 'latency_ms 900 is 9x its baseline 100',
    ...p,
  };
}

describe('lineKey', () => {
  it.each([
    [{ service: 'a', source_id: 'a-1' }, undefined, 'service="a",source_id="a-1"'],
    [{ service: 'a', source_id: 'a-1' }, [], '{}'],
    [{ service: 'a', source_id: 'a-1' }, ['service'], 'service="a"'],
    [{ service: 'a', source_id: 'a-1' }, ['source_id', 'service'], 'service="a",source_id="a-1"'],
    [{ service: 'a' }, ['region'], '{}'],
  ])('%j by %j -> %s', (labels, groupBy, key) => {
    expect(lineKey(labels, groupBy)).toBe(key);
  });
});

describe('shapeBands', () => {
  const a1: BaselineSeries = {
    labels: { service: 'a', source_id: 'a-1' },
    points: [
      [120, 10, 8, 12],
      [60, 10, 9, 11],
    ],
  };
  const a2: BaselineSeries = {
    labels: { service: 'a', source_id: 'a-2' },
    points: [[60, 20, 15, 25]],
  };
  const b1: BaselineSeries = {
    labels: { service: 'b', source_id: 'b-1' },
    points: [[60, 5, Number.NaN, 6]],
  };

  it('keeps one band per raw series when the chart shows each series, sorted by time', () => {
    const keys = [labelsKey(a1.labels), labelsKey(a2.labels)];
    const bands = shapeBands([a1, a2], undefined, keys);
    expect(bands.map((b) => b.key)).toEqual(keys);
    expect(bands[0]?.points).toEqual([
      [60, 10, 9, 11],
      [120, 10, 8, 12],
    ]);
  });

  it('merges bands folding into one line: mean expected, lowest lower, highest upper', () => {
    const bands = shapeBands([a1, a2], ['service'], ['service="a"']);
    expect(bands).toEqual([
      {
        key: 'service="a"',
        points: [
          [60, 15, 9, 25],
          [120, 10, 8, 12],
        ],
      },
    ]);
  });

  it('drops lines the chart does not show and points with non-finite numbers', () => {
    expect(shapeBands([a1, b1], ['service'], ['service="b"'])).toEqual([]);
    expect(shapeBands([a1, b1], ['service'], ['service="a"']).map((b) => b.key)).toEqual([
      'service="a"',
    ]);
  });
});

describe('anomalies', () => {
  it('merges live into known ones without duplicates, newest first, bounded', () => {
    const old = anomaly({ timestampMs: 1_000 });
    const mid = anomaly({ timestampMs: 2_000 });
    const pushed = anomaly({ timestampMs: 3_000 });
    const merged = mergeAnomalies([mid, old], [pushed, { ...mid }], 10);
    expect(merged.map((a) => a.timestampMs)).toEqual([3_000, 2_000, 1_000]);
    expect(mergeAnomalies([mid, old], [pushed], 2).map((a) => a.timestampMs)).toEqual([
      3_000, 2_000,
    ]);
    expect(anomalyId(mid)).not.toBe(anomalyId({ ...mid, detector: 'mad' }));
  });

  it('places marks on the chart lines inside the window, one per sample (highest score)', () => {
    const list = [
      anomaly({ timestampMs: 500 }),
      anomaly({ timestampMs: 1_000, score: 0.6, detector: 'mad' }),
      anomaly({ timestampMs: 1_000, score: 0.9, detector: 'ewma' }),
      anomaly({ timestampMs: 1_500, labels: { service: 'other', source_id: 'o-1' } }),
      anomaly({ timestampMs: 2_500 }),
    ];
    const marks = shapeMarks(list, ['service'], ['service="api"'], 1_000, 2_000);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ key: 'service="api"', score: 0.9, detector: 'ewma' });
  });

  it.each([
    [0.5, 'hsl(45 85% 55%)'],
    [0.75, 'hsl(23 85% 55%)'],
    [1, 'hsl(0 85% 55%)'],
    [0.2, 'hsl(45 85% 55%)'],
  ])('colours score %d as %s', (score, colour) => {
    expect(scoreColor(score)).toBe(colour);
  });

  it('widens the y extent to the band and the marks', () => {
    const bands = [{ key: 'k', points: [[0, 10, 4, 30]] as const }];
    const marks = shapeMarks(
      [anomaly({ timestampMs: 0, value: 90 })],
      undefined,
      [labelsKey({ service: 'api', source_id: 'api-1' })],
      0,
      10,
    );
    expect(overlayExtent(bands, marks)).toEqual([4, 90]);
    expect(overlayExtent([], [])).toBeUndefined();
  });

  it('finds the mark under the cursor within the radius only', () => {
    const pos = [
      { x: 10, y: 10 },
      { x: 50, y: 50 },
      { x: 54, y: 50 },
    ];
    expect(nearestMark(pos, 53, 50, 8)).toBe(2);
    expect(nearestMark(pos, 12, 12, 8)).toBe(0);
    expect(nearestMark(pos, 100, 100, 8)).toBe(-1);
  });
});
