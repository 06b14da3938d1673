import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEvalMarkdown } from '../detect/index.ts';
import { evalCommand, listCsv, readLabeledCsv, runEval, simulatedLabeledSeries } from './eval.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'tests', 'fixtures', 'labeled');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-eval-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opsight eval', () => {
  it('finds the labelled fixtures by domain', async () => {
    expect(await listCsv(FIXTURES)).toEqual([
      'application-crash-rate-1/app1-01.csv',
      'consumer-purchase-rate/purchase-02.csv',
      'middle-tier-api-dependency-latency/outbound-01.csv',
    ]);
    const s = await readLabeledCsv(
      join(FIXTURES, 'application-crash-rate-1/app1-01.csv'),
      'application-crash-rate-1/app1-01.csv',
    );
    expect(typeof s).not.toBe('string');
    if (typeof s === 'string') return;
    expect(s.domain).toBe('application-crash-rate-1');
    expect(s.labels.reduce((a, b) => a + b, 0)).toBe(40);
    expect(s.timestampsMs[0]).toBe(Date.UTC(2018, 6, 3, 14));
  });

  it('smoke: scores every detector on the fixtures with finite NAB scores', async () => {
    const warnings: string[] = [];
    const report = await runEval({ data: FIXTURES, detector: 'all', windowFraction: 0.1 }, (t) =>
      warnings.push(t),
    );
    expect(warnings).toEqual([]);
    const e = report.overall.ensemble;
    expect(e?.files).toBe(3);
    expect(e?.episodes).toBeGreaterThan(5);
    expect(Number.isFinite(e?.nab.standard)).toBe(true);
    expect(e?.detected).toBeGreaterThan(0);
    expect(Object.keys(report.byDomain.ensemble ?? {})).toHaveLength(3);
    const md = renderEvalMarkdown(report);
    expect(md).toMatch(/\| ensemble \| -?\d+\.\d \|/);
    expect(md).toMatch(/\*\*cusum\*\* by domain/);
  });

  it('skips files without a label column with a warning, and fails when none is left', async () => {
    writeFileSync(join(dir, 'plain.csv'), 'timestamp,value\n2018-07-03 14:00:00,1\n');
    const warnings: string[] = [];
    await expect(
      runEval({ data: dir, detector: 'ewma', windowFraction: 0.1 }, (t) => warnings.push(t)),
    ).rejects.toThrow(/no labelled CSV/);
    expect(warnings[0]).toMatch(/plain\.csv: no label column \(found: timestamp,value\)/);
    await expect(
      runEval(
        { data: join(dir, 'missing'), detector: 'ewma', windowFraction: 0.1 },
        () => undefined,
      ),
    ).rejects.toThrow(/no such directory/);
  });

  it('writes JSON with --out *.json', async () => {
    const out = join(dir, 'r', 'eval.json');
    const cmd = evalCommand().exitOverride();
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await cmd.parseAsync([
        'node',
        'eval',
        '--data',
        FIXTURES,
        '--detector',
        'ewma',
        '--out',
        out,
      ]);
    } finally {
      process.stdout.write = write;
    }
    const json = JSON.parse(readFileSync(out, 'utf8')) as { detectors: string[] };
    expect(json.detectors).toEqual(['ewma']);
  });

  it('simulated labelled set: one series per service and metric, labels from ground-truth incidents', () => {
    const set = simulatedLabeledSeries(2, 3);
    expect(set).toHaveLength(20); // 5 services × 4 metrics
    const labelled = set.reduce((n, s) => n + s.labels.reduce((a, b) => a + b, 0), 0);
    expect(labelled).toBeGreaterThan(0);
    for (const s of set) {
      expect(s.labels.length).toBe(s.values.length);
      expect(s.domain).toMatch(/^simulated /);
      // No incident starts in the first simulated day (warm-up).
      expect(s.labels.subarray(0, 1440).every((l) => l === 0)).toBe(true);
    }
    // Deterministic for a seed.
    expect(simulatedLabeledSeries(2, 3)[7]?.values).toEqual(set[7]?.values);
  });

  it('needs --data or --simulate', async () => {
    await expect(
      runEval({ detector: 'ewma', windowFraction: 0.1 }, () => undefined),
    ).rejects.toThrow(/give --data DIR or --simulate DAYS/);
  });
});
