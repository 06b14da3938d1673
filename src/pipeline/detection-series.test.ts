import { describe, expect, it } from 'vitest';
import {
  derivedMetric,
  explainAnomaly,
  formatNumber,
  isDerivedMetric,
} from './detection-series.ts';

describe('explainAnomaly', () => {
  it.each([
    {
      a: { value: 1000, expected: 100, lower: 90, upper: 110, detector: 'ewma' },
      deviation: 900,
      reason:
        "ewma: observed 1000 is 900 above expected 100 (normal 90 to 110; 90× the band's half-width)",
    },
    {
      a: { value: 40, expected: 100, lower: 80, upper: 130, detector: 'seasonal' },
      deviation: -60,
      reason:
        "seasonal: observed 40 is 60 below expected 100 (normal 80 to 130; 3× the band's half-width)",
    },
    {
      a: { value: 5, expected: 5, lower: 5, upper: 5, detector: 'cusum' },
      deviation: 0,
      reason:
        'cusum: lasting shift above the baseline 5: observed 5, a run of samples above it accumulated past the limit (single-sample band 5 to 5)',
    },
    {
      a: { value: 9, expected: 2, lower: 0.5, upper: 7, detector: 'traffic' },
      deviation: 7,
      reason:
        'traffic: the recent average (not this sample alone) rose above 7, around the baseline 2 (observed 9)',
    },
    {
      a: { value: 0.4, expected: 2, lower: 0.5, upper: 7, detector: 'traffic' },
      deviation: -1.6,
      reason:
        'traffic: the recent average (not this sample alone) fell below 0.5, around the baseline 2 (observed 0.4)',
    },
    {
      a: { value: 12.5, expected: 12.5, lower: 12.5, upper: 12.5, detector: 'silence' },
      deviation: 0,
      reason: 'silence: no new sample when one was due (last value 12.5)',
    },
  ])('$a.detector: $reason', ({ a, deviation, reason }) => {
    expect(explainAnomaly(a)).toEqual({ deviation, reason });
  });
});

describe('naming', () => {
  it.each([
    [123.456789, '123.5'],
    [0, '0'],
    [-0.000012345, '-0.00001234'],
    [1.5e20, '1.500e+20'],
    [1_234_567, '1235000'],
  ])('formatNumber(%s) = %s', (x, s) => {
    expect(formatNumber(x)).toBe(s);
  });

  it('derived names carry a colon, and only those are derived', () => {
    expect(derivedMetric('latency_ms', 'score')).toBe('latency_ms:anomaly_score');
    expect(derivedMetric('latency_ms', 'upper')).toBe('latency_ms:upper');
    expect(isDerivedMetric('latency_ms:upper')).toBe(true);
    expect(isDerivedMetric('http.server.duration')).toBe(false);
  });
});
