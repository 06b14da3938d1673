/**
 * Issue #3 item 3, end to end through the real CLI: a steady series posted to /api/v1/events
 * gets the default detectors with no configuration; a spike becomes an anomaly that
 * /api/v1/anomalies lists with its explanation, before and after a restart; the detector state
 * survives the restart (a second spike right after it is caught at once, which a cold
 * detector, still warming up, could not do).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../src/contract/index.ts';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

const METRIC = 'checkout_latency_ms';
const STEP_MS = 10_000;
const DEADLINE_MS = 20_000;

const running: OpsightProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Deterministic small noise around 100 (no Math.random: the test must replay identically). */
function steadyValue(i: number): number {
  return 100 + ((i * 7919) % 13) / 3 - 2;
}

async function post(url: string, points: readonly (readonly [number, number])[]): Promise<void> {
  const body = points.map(([t, v]) => ({
    timestamp: new Date(t).toISOString(),
    source_id: 'shop-1',
    metric_name: METRIC,
    metric_value: v,
    tags: { service: 'checkout' },
  }));
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function anomalies(url: string, fromMs: number, toMs: number): Promise<Anomaly[]> {
  const q = new URLSearchParams({ metric: METRIC, from: String(fromMs), to: String(toMs) });
  const res = await fetch(`${url}/api/v1/anomalies?${q}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Anomaly[];
}

/** Polls until `accept` holds, failing at the deadline with the last answer. */
async function waitFor<T>(what: string, get: () => Promise<T>, accept: (v: T) => boolean) {
  const end = Date.now() + DEADLINE_MS;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await get();
    if (accept(last)) return last;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what} not seen within ${DEADLINE_MS} ms; last: ${JSON.stringify(last)}`);
}

const spikes = (list: readonly Anomaly[]) => list.filter((a) => a.value === 1000);

describe('detection end to end', () => {
  it('stores a spike as an explained anomaly, queryable before and after a restart', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const startMs = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
    const points: [number, number][] = Array.from({ length: 400 }, (_, i) => [
      startMs + i * STEP_MS,
      i === 360 ? 1000 : steadyValue(i),
    ]);
    const spikeTs = startMs + 360 * STEP_MS;
    const toMs = startMs + 600 * STEP_MS;

    const first = await startOpsight({ dataDir, args: ['--no-demo'] });
    running.push(first);
    for (let i = 0; i < points.length; i += 100) await post(first.url, points.slice(i, i + 100));

    const found = await waitFor(
      'the spike anomaly',
      () => anomalies(first.url, startMs, toMs),
      (list) => spikes(list).length > 0,
    );
    expect(spikes(found)).toHaveLength(1);
    const a = spikes(found)[0] as Anomaly;
    expect(a).toMatchObject({
      metric: METRIC,
      labels: { source_id: 'shop-1', service: 'checkout' },
      timestampMs: spikeTs,
      value: 1000,
    });
    expect(a.score).toBeGreaterThanOrEqual(0.5);
    expect(a.expected).toBeGreaterThan(95);
    expect(a.expected).toBeLessThan(105);
    expect(a.lower).toBeLessThanOrEqual(a.expected);
    expect(a.upper).toBeGreaterThanOrEqual(a.expected);
    expect(a.reason).toContain('above expected');

    const band = await fetch(
      `${first.url}/api/v1/baseline?metric=${METRIC}&from=${startMs}&to=${toMs}&step=1m`,
    );
    expect(band.status).toBe(200);
    const bandBody = (await band.json()) as { points: number[][] }[];
    // One band point per 5 minutes of event time (server.detectBandStep) over 66 minutes.
    expect(bandBody[0]?.points.length).toBeGreaterThanOrEqual(12);

    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'detect', 'state-0000.json'))).toBe(true);

    const second = await startOpsight({ dataDir, args: ['--no-demo'] });
    running.push(second);
    const after = await anomalies(second.url, startMs, toMs);
    expect(spikes(after)).toEqual([a]);

    // Restored state: a spike straight after the restart is caught (a cold ensemble would
    // still be warming up on its first samples).
    const more: [number, number][] = Array.from({ length: 20 }, (_, k) => {
      const i = 400 + k;
      return [startMs + i * STEP_MS, k === 10 ? 1000 : steadyValue(i)];
    });
    await post(second.url, more);
    const again = await waitFor(
      'the spike after the restart',
      () => anomalies(second.url, startMs, toMs),
      (list) => spikes(list).length >= 2,
    );
    expect(spikes(again).map((x) => x.timestampMs)).toEqual([startMs + 410 * STEP_MS, spikeTs]);
  });

  it('scores nothing with --no-detect, while ingest and queries work', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const startMs = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
    const points: [number, number][] = Array.from({ length: 400 }, (_, i) => [
      startMs + i * STEP_MS,
      i === 360 ? 1000 : steadyValue(i),
    ]);
    const p = await startOpsight({ dataDir, args: ['--no-demo', '--no-detect'] });
    running.push(p);
    for (let i = 0; i < points.length; i += 100) await post(p.url, points.slice(i, i + 100));
    const q = new URLSearchParams({
      metric: METRIC,
      from: String(startMs),
      to: String(startMs + 400 * STEP_MS),
    });
    const raw = await fetch(`${p.url}/api/v1/query_range?${q}&step=10s`);
    expect(raw.status).toBe(200);
    expect(await anomalies(p.url, startMs, startMs + 600 * STEP_MS)).toEqual([]);
    expect(await p.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'detect'))).toBe(false);
  });
});
