import { describe, expect, it } from 'vitest';
import type { Anomaly, Labels, SeriesEstimate } from '../contract/index.ts';
import { signalFromAnomaly } from '../incidents/index.ts';
import { anomalyContext } from './incident-runtime.ts';

const labels = { service: 'orders', source_id: 'orders', region: 'eu-west-1' };

function anomaly(metric: string, value: number): Anomaly {
  return {
    metric,
    labels,
    timestampMs: 1_000,
    value,
    score: 0.9,
    expected: 0.01,
    lower: 0,
    upper: 0.1,
    deviation: value - 0.01,
    detector: 'ewma',
    reason: 'test',
  };
}

/** A detection runtime that knows one series: requests_per_second of `labels`. */
function detection(requestsPerSecond: number) {
  return {
    latest(metric: string, l: Labels): SeriesEstimate | undefined {
      if (metric !== 'requests_per_second' || l.service !== labels.service) return undefined;
      return { value: requestsPerSecond } as SeriesEstimate;
    },
  };
}

describe('anomalyContext: the request rate next to an error anomaly', () => {
  it('reads requests_per_second of the same labels for errors_per_second only', () => {
    expect(anomalyContext(detection(200), anomaly('errors_per_second', 0.5))).toEqual({
      requestsPerSecond: 200,
    });
    expect(anomalyContext(detection(200), anomaly('latency_ms', 900))).toEqual({});
    expect(anomalyContext({}, anomaly('errors_per_second', 0.5))).toEqual({});
  });

  it('so 0.5 errors/s of 200 requests/s (0.25 %) is no signal, 5 errors/s (2.5 %) is', () => {
    const a = anomaly('errors_per_second', 0.5);
    expect(signalFromAnomaly(a, anomalyContext(detection(200), a))).toBeUndefined();
    const b = anomaly('errors_per_second', 5);
    expect(signalFromAnomaly(b, anomalyContext(detection(200), b))?.kind).toBe('errors');
  });
});
