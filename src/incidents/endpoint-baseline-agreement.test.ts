import { describe, expect, it } from 'vitest';
import { defaultRedOptions, RedAggregator } from '../analytics/index.ts';
import type { Span } from '../contract/index.ts';
import { EndpointDetector } from './endpoint-detector.ts';

const B = 10_000;

/** Ten server spans of audit /audit/list ending inside bucket `n`, each `ms` long. */
function bucketSpans(n: number, ms: number): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < 10; i++) {
    const endMs = n * B + i * 1_000 + 500;
    out.push({
      traceId: `t${n}-${i}`,
      spanId: `s${n}-${i}`,
      service: 'audit',
      endpoint: '/audit/list',
      name: 'GET /audit/list',
      kind: 'server',
      startMs: endMs - ms,
      durationMs: ms,
      status: 'ok',
      httpStatus: 200,
      attributes: {},
    });
  }
  return out;
}

/**
 * The RED baseline and the endpoint check as the pipeline wires them: per closed bucket, the
 * detector sees the last minute's stats with the baseline learned before its last bucket.
 */
function run(latencyAt: (n: number) => number, buckets: number) {
  const red = new RedAggregator(defaultRedOptions());
  const detector = new EndpointDetector();
  let raisedAtBucket: number | undefined;
  for (let n = 0; n < buckets; n++) {
    red.add(bucketSpans(n, latencyAt(n)));
    red.advance((n + 1) * B);
    const toMs = (n + 1) * B;
    const signals = detector.observe(red.stats(toMs - 60_000, toMs), toMs);
    if (raisedAtBucket === undefined && signals.some((s) => s.kind === 'latency')) {
      raisedAtBucket = n;
    }
  }
  return { raisedAtBucket, baselineMs: red.baseline('audit', '/audit/list')?.latencyMs };
}

describe('RED baseline and endpoint latency check agree on what is anomalous', () => {
  it('a 2.4x latency step is detected, not learned as the new normal', () => {
    // 10 minutes at 150 ms, then 360 ms (the audit delay the evaluation missed).
    const r = run((n) => (n < 60 ? 150 : 360), 80);
    expect(r.raisedAtBucket).toBeDefined();
    expect(r.raisedAtBucket).toBeGreaterThanOrEqual(60);
    expect(r.raisedAtBucket).toBeLessThan(70);
    // The baseline froze at the healthy level.
    expect(r.baselineMs).toBeCloseTo(150, 0);
  });

  it('a 1.5x step is neither a signal nor kept out of the baseline', () => {
    const r = run((n) => (n < 60 ? 150 : 225), 120);
    expect(r.raisedAtBucket).toBeUndefined();
    expect(r.baselineMs).toBeGreaterThan(215);
  });
});
