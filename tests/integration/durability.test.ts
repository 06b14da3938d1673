/**
 * Issue #2 item 4: a 2xx means durable. Writers keep posting while the server is SIGKILLed;
 * after a restart on the same data dir every acknowledged sample is there exactly once.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

const running: OpsightProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Batch `b` holds 200 events: 4 sources × 50 seconds, each second one value. */
function batch(b: number, nowMs: number): string {
  const lines: string[] = [];
  for (let s = 0; s < 4; s++) {
    for (let i = 0; i < 50; i++) {
      const ts = nowMs - 3_600_000 + (b * 50 + i) * 1_000;
      lines.push(
        JSON.stringify({
          timestamp: new Date(ts).toISOString(),
          source_id: `src-${s}`,
          metric_name: 'durability_probe',
          metric_value: b * 1_000 + i + s / 10,
        }),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function countPerSecond(
  url: string,
  fromMs: number,
  toMs: number,
): Promise<Map<string, number>> {
  const q = new URLSearchParams({
    metric: 'durability_probe',
    from: String(fromMs),
    to: String(toMs),
    step: '1000',
    agg: 'count',
  });
  const res = await fetch(`${url}/api/v1/query_range?${q}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    labels: Record<string, string>;
    points: [number, number][];
  }[];
  const counts = new Map<string, number>();
  for (const s of body) for (const [t, c] of s.points) counts.set(`${s.labels.source_id}@${t}`, c);
  return counts;
}

describe('durability', () => {
  it('keeps every acknowledged sample across SIGKILL, with no duplicates', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await startOpsight({ dataDir, args: ['--no-demo'] });
    running.push(first);
    const nowMs = Date.now();
    const acked: number[] = [];
    let stop = false;
    const writer = async (offset: number): Promise<void> => {
      for (let b = offset; !stop && b < 400; b += 4) {
        try {
          const res = await fetch(`${first.url}/api/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body: batch(b, nowMs),
          });
          if (res.ok) acked.push(b);
          else return;
        } catch {
          return; // the server was killed mid-request: this batch was not acknowledged
        }
      }
    };
    const writers = [0, 1, 2, 3].map((o) => writer(o));
    // Kill once a fair number of batches were acknowledged, with writes still in flight.
    const deadline = Date.now() + 30_000;
    while (acked.length < 20 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(acked.length).toBeGreaterThanOrEqual(20);
    await first.kill();
    stop = true;
    await Promise.all(writers);

    const second = await startOpsight({ dataDir, args: ['--no-demo'] });
    running.push(second);
    const counts = await countPerSecond(second.url, nowMs - 3_600_000, nowMs);
    for (const b of acked) {
      for (let s = 0; s < 4; s++) {
        for (let i = 0; i < 50; i++) {
          const ts = nowMs - 3_600_000 + (b * 50 + i) * 1_000;
          const bucket = ts - (ts % 1_000);
          expect(counts.get(`src-${s}@${bucket}`), `batch ${b} source ${s} second ${i}`).toBe(1);
        }
      }
    }
    // No bucket anywhere holds more than one sample: nothing was duplicated by WAL replay.
    for (const [key, c] of counts) expect(c, key).toBe(1);
  });

  it('shuts down gracefully on SIGTERM and keeps the data', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await startOpsight({ dataDir, args: ['--no-demo'] });
    const nowMs = Date.now();
    const res = await fetch(`${first.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: batch(0, nowMs),
    });
    expect(res.ok).toBe(true);
    expect(await first.stop()).toBe(0);

    const second = await startOpsight({ dataDir, args: ['--no-demo'] });
    running.push(second);
    const counts = await countPerSecond(second.url, nowMs - 3_600_000, nowMs);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(200);
  });
});
