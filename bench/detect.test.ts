import { describe, expect, it } from 'vitest';
import { runDetectorBench } from './detect.ts';

describe('runDetectorBench', () => {
  it('measures points/s and state bytes for each detector (tiny run)', async () => {
    const r = await runDetectorBench({
      detectors: ['ensemble', 'ewma'],
      points: 2000,
      seriesForThroughput: 10,
      stateSeries: 20,
      statePointsPerSeries: 30,
    });
    expect(r.throughput.map((t) => t.detector)).toEqual(['ensemble', 'ewma']);
    for (const t of r.throughput) {
      expect(t.points).toBe(2000);
      expect(t.pointsPerSec).toBeGreaterThan(0);
    }
    const ensemble = r.state[0];
    const ewma = r.state[1];
    expect(ensemble?.series).toBe(20);
    // The ensemble carries the seasonal tables (576 float32 as base64, ~3 KB).
    expect(ensemble?.serializedBytesPerSeries).toBeGreaterThan(3000);
    expect(ewma?.serializedBytesPerSeries).toBeLessThan(400);
  });
});
