import { describe, expect, it } from 'vitest';
import type { RunResult } from './measure.ts';
import { type BenchResults, renderMarkdownSection, renderTable } from './report.ts';

function run(
  engine: string,
  samplesPerSec: number,
  bytesPerSample: number,
  p50Ms: number,
): RunResult {
  return {
    engine,
    format: 'remote-write',
    samples: 1_000,
    ingest: {
      elapsedMs: 1,
      requests: 1,
      acceptedSamples: 1_000,
      failedRequests: 0,
      rejectedSamples: 0,
      firstError: null,
      samplesPerSec,
    },
    settle: {},
    query: {
      path: '/q',
      warmups: 2,
      runsMs: [p50Ms],
      p50Ms,
      p95Ms: p50Ms,
      seriesCount: 1,
      pointCount: 1,
      meanValue: 1,
      error: null,
    },
    queryPerSeries: null,
    peakRssBytes: 100 * 2 ** 20,
    stop: 'exited 0',
    stopMs: 1,
    disk: { bytes: 1, allocatedBytes: 1, bytesPerSample, breakdown: {}, note: '' },
  };
}

function results(runs: RunResult[]): BenchResults {
  return {
    date: '2026-11-22T01:55:00.000Z',
    command: 'npm run bench',
    quick: false,
    hardware: {
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryBytes: 2 ** 34,
      node: 'v20.20.2',
      platform: 'linux',
      kernel: '6.1',
      loadAverageAtStart: [1, 2, 3],
    },
    versions: { opsight: '0.1.0' },
    workload: {},
    runs,
    storeDirect: [],
    skipped: [{ what: 'prometheus', reason: 'binary not found' }],
    errors: [],
    notes: ['shared machine'],
  };
}

describe('renderTable', () => {
  it('prints figures, opsight/peer ratios and whether each target was met', () => {
    const table = renderTable(
      results([run('opsight', 1_500_000, 2.5, 120), run('victoria-metrics', 3_000_000, 1.25, 40)]),
    );
    const line = (prefix: string): string =>
      table.split('\n').find((l) => l.startsWith(prefix)) ?? '';
    expect(line('ingest, remote write')).toMatch(
      /1\.500 .* 3\.000 .* 0\.50× .* higher .* ≥ 1\.000 met/,
    );
    expect(line('disk after flush')).toMatch(/2\.50 .* 1\.25 .* 2\.00× .* lower .* ≤ 3\.00 met/);
    expect(line('query avg of all series, p50')).toMatch(
      /120\.0 .* 40\.0 .* 3\.00× .* ≤ 100\.0 MISSED/,
    );
    // No run of that format: the row is left out rather than printed empty.
    expect(table).not.toContain('JSON NDJSON');
  });
});

describe('renderMarkdownSection', () => {
  it('has the date, the command, the machine, a table and the notes', () => {
    const md = renderMarkdownSection(results([run('opsight', 1e6, 2, 50)]), 'bench/results/x.json');
    expect(md).toContain('## 2026-11-22T01:55:00.000Z');
    expect(md).toContain('`npm run bench`');
    expect(md).toContain('AMD EPYC, 2 cores');
    expect(md).toMatch(/^\| figure \| opsight \|/m);
    expect(md).toContain('- shared machine');
    expect(md).toContain('- Skipped prometheus: binary not found.');
  });
});
