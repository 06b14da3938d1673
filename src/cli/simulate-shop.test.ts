import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../contract/index.ts';
import { decodeOtlpTracesJson, defaultOtlpTraceLimits } from '../ingest/index.ts';
import { createShopSimulator } from '../simulate/index.ts';
import type { SimulateDeps } from './simulate.ts';
import { msToUnixNano, parseFaultFlag, shopCommand } from './simulate-shop.ts';

const START = '2026-01-01T00:00:00Z';
const START_MS = Date.parse(START);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-simulate-shop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function shop(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: SimulateDeps = {
    fetch: () => Promise.reject(new Error('no network in this test')),
    sleep: async () => {},
    nowMs: () => START_MS,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  };
  const program = new Command('opsight').exitOverride();
  program.addCommand(new Command('simulate').exitOverride().addCommand(shopCommand(deps)));
  try {
    await program.parseAsync(['node', 'opsight', 'simulate', 'shop', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

describe('opsight simulate shop', () => {
  it('writes OTLP JSON that opsight decodes back to exactly the simulator spans', async () => {
    const file = join(dir, 'shop.otlp.jsonl');
    const labels = join(dir, 'labels.json');
    const r = await shop(
      '--seed',
      '9',
      '--start',
      START,
      '--duration',
      '30s',
      '--rps',
      '10',
      '--fault',
      'payment:delay:250@10s+10s',
      '--out',
      file,
      '--labels-out',
      labels,
    );
    expect(r.code, r.err).toBe(0);
    const decoded: Span[] = [];
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      const d = decodeOtlpTracesJson(line, defaultOtlpTraceLimits(START_MS));
      if (!d.ok) throw d.error;
      decoded.push(...d.spans);
    }
    const sim = createShopSimulator({
      seed: 9,
      startMs: START_MS,
      durationMs: 30_000,
      requestsPerSecond: 10,
      faults: [
        {
          service: 'payment',
          kind: 'delay',
          value: 250,
          startMs: START_MS + 10_000,
          endMs: START_MS + 20_000,
        },
      ],
    });
    const want = sim.spansBetween(START_MS, START_MS + 10 * 60_000);
    const key = (s: Span): string => `${s.traceId}/${s.spanId}`;
    const byKey = new Map(decoded.map((s) => [key(s), s]));
    expect(decoded).toHaveLength(want.length);
    for (const w of want) {
      const got = byKey.get(key(w))!;
      expect(got).toMatchObject({
        traceId: w.traceId,
        service: w.service,
        kind: w.kind,
        endpoint: w.endpoint,
        status: w.status,
        startMs: w.startMs,
      });
      // The decoder subtracts nanoseconds and converts: equal to the microsecond.
      expect(got.durationMs).toBeCloseTo(w.durationMs, 6);
      expect(got.parentSpanId).toBe(w.parentSpanId);
      expect(got.httpStatus).toBe(w.httpStatus);
    }
    const doc = JSON.parse(readFileSync(labels, 'utf8'));
    expect(doc.faults).toMatchObject([
      { service: 'payment', fault: 'delay', kind: 'latency', value: 250 },
    ]);
  });

  it('writes contract spans as NDJSON to stdout, the same for the same seed', async () => {
    const a = await shop('--seed', '3', '--start', START, '--duration', '5s', '--format', 'ndjson');
    const b = await shop('--seed', '3', '--start', START, '--duration', '5s', '--format', 'ndjson');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const first = JSON.parse(a.out.split('\n')[0]!) as Span;
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['payment:slow:3@1m+1m', /not one of delay, error/],
    ['payment-delay', /is not a fault/],
  ])('rejects the fault %s', (spec, why) => {
    expect(() => parseFaultFlag(spec)).toThrow(why);
  });

  it('names an unknown fault service', async () => {
    const r = await shop('--start', START, '--duration', '5s', '--fault', 'nope:error:0.5@1s+1s');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/\[0\]\.service unknown service nope/);
  });

  it('parses routes and converts times to exact nanoseconds', () => {
    expect(parseFaultFlag('catalog/products/{id}:absence@1m+30s')).toEqual([
      {
        service: 'catalog',
        endpoint: '/products/{id}',
        kind: 'absence',
        value: 1,
        offsetMs: 60_000,
        durationMs: 30_000,
      },
    ]);
    expect(msToUnixNano(1767225600028.293)).toBe('1767225600028293000');
    expect(msToUnixNano(1767225600000)).toBe('1767225600000000000');
  });
});
