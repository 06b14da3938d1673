import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateWorkload, planClients, sliceSamples, type WorkloadOptions } from './workload.ts';

const END_MS = Date.UTC(2026, 0, 2);

function options(over: Partial<WorkloadOptions> = {}): WorkloadOptions {
  return {
    seriesCount: 12,
    samplesPerSeries: 50,
    intervalMs: 10_000,
    seed: 7,
    endMs: END_MS,
    decimals: 2,
    ...over,
  };
}

describe('generateWorkload', () => {
  it('is deterministic: same options, bit-identical labels and values', () => {
    const a = generateWorkload(options());
    const b = generateWorkload(options());
    expect(b.labels).toEqual(a.labels);
    expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(true);
  });

  it('changes with the seed', () => {
    const a = generateWorkload(options());
    const b = generateWorkload(options({ seed: 8 }));
    expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(false);
  });

  it('pins the generator (seed 42): change this only on purpose, it moves every figure', () => {
    const w = generateWorkload(options({ seed: 42, seriesCount: 3, samplesPerSeries: 4 }));
    expect(Array.from(w.values)).toMatchInlineSnapshot(`
      [
        524.06,
        523.07,
        524.51,
        523.1,
        184.3,
        184.5,
        185.19,
        185.62,
        34.22,
        34.32,
        34.27,
        34.36,
      ]
    `);
  });

  it.each([
    { decimals: 2, scale: 100 },
    { decimals: 0, scale: 1 },
  ])('rounds values to $decimals decimals', ({ decimals, scale }) => {
    const w = generateWorkload(options({ decimals }));
    for (const v of w.values) expect(Math.round(v * scale) / scale).toBe(v);
  });

  it('keeps full precision when decimals is null', () => {
    const w = generateWorkload(options({ decimals: null }));
    const fractional = Array.from(w.values).filter((v) => Math.round(v * 100) / 100 !== v);
    expect(fractional.length).toBeGreaterThan(w.values.length / 2);
  });

  it('ends at endMs with evenly spaced samples, inside a plausible range', () => {
    const w = generateWorkload(options());
    expect(w.startMs + 49 * 10_000).toBe(END_MS);
    for (const v of w.values) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(2_000);
    }
  });

  it('gives every series a unique source_id and few distinct other label values', () => {
    const w = generateWorkload(options({ seriesCount: 200, samplesPerSeries: 1 }));
    expect(new Set(w.labels.map((l) => l.source_id)).size).toBe(200);
    expect(new Set(w.labels.map((l) => l.job)).size).toBe(4);
    expect(new Set(w.labels.map((l) => l.region)).size).toBe(3);
  });

  it('rejects an endMs off the interval grid', () => {
    expect(() => generateWorkload(options({ endMs: END_MS + 1 }))).toThrow(RangeError);
  });
});

describe('planClients', () => {
  it('covers every sample exactly once, clients own disjoint series, time moves forward', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 70 }),
        (seriesCount, samplesPerSeries, clients, perSeries) => {
          const w = generateWorkload(options({ seriesCount, samplesPerSeries }));
          const plans = planClients(w, clients, perSeries);
          expect(plans).toHaveLength(clients);
          const seen = new Uint8Array(seriesCount * samplesPerSeries);
          let total = 0;
          for (const plan of plans) {
            let lastTo = 0;
            for (const s of plan) {
              expect(s.sampleFrom).toBe(lastTo);
              expect(s.sampleTo - s.sampleFrom).toBeLessThanOrEqual(perSeries);
              lastTo = s.sampleTo;
              total += sliceSamples(s);
              for (let i = s.seriesFrom; i < s.seriesTo; i++) {
                for (let j = s.sampleFrom; j < s.sampleTo; j++)
                  seen[i * samplesPerSeries + j]! += 1;
              }
            }
          }
          expect(total).toBe(seriesCount * samplesPerSeries);
          expect(seen.every((n) => n === 1)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    {
      clients: 4,
      seriesCount: 1_000,
      perSeries: 10,
      samplesPerSeries: 8_640,
      requests: 864,
      perRequest: 2_500,
    },
    {
      clients: 4,
      seriesCount: 1_000,
      perSeries: 4,
      samplesPerSeries: 8_640,
      requests: 2_160,
      perRequest: 1_000,
    },
  ])(
    'full workload, $perSeries per series: $requests requests per client of $perRequest samples',
    ({ clients, seriesCount, perSeries, samplesPerSeries, requests, perRequest }) => {
      const w = {
        options: options({ seriesCount, samplesPerSeries }),
        labels: [],
        startMs: 0,
        values: new Float64Array(0),
      };
      const plans = planClients(w, clients, perSeries);
      for (const plan of plans) {
        expect(plan).toHaveLength(requests);
        expect(sliceSamples(plan[0]!)).toBe(perRequest);
      }
    },
  );
});
