/**
 * The demo shop in the real CLI: `opsight start` runs it, its spans arrive over OTLP at the
 * server's own /v1/traces, and a delay set through POST /simulate/delay shows in the stored
 * payment spans (GET /api/v1/traces). `--no-shop` leaves the chaos routes answering 503.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';
import { waitFor } from '../support/otlp-receiver.ts';

interface StoredSpan {
  readonly service: string;
  readonly kind: string;
  readonly durationMs: number;
  readonly startMs: number;
}

const running: OpsightProcess[] = [];
afterAll(async () => {
  for (const p of running) {
    await p.kill();
    rmSync(p.dataDir, { recursive: true, force: true });
  }
});

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

/** Payment server spans of traces through payment that started at or after `fromMs`. */
async function paymentSpans(base: string, fromMs: number): Promise<StoredSpan[]> {
  const search = await json(`${base}/api/v1/traces?service=payment&from=${fromMs}&limit=50`);
  expect(search.status).toBe(200);
  const out: StoredSpan[] = [];
  for (const t of (search.body as { traces: { traceId: string }[] }).traces) {
    const detail = await json(`${base}/api/v1/traces/${t.traceId}`);
    if (detail.status !== 200) continue;
    for (const s of (detail.body as { spans: StoredSpan[] }).spans) {
      if (s.service === 'payment' && s.kind === 'server' && s.startMs >= fromMs) out.push(s);
    }
  }
  return out;
}

describe('demo shop in opsight start', () => {
  it('exports to the server, and a chaos delay slows the stored payment spans', async () => {
    const p = await startOpsight({ args: ['--shop-rate', '25', '--demo-services', '1'] });
    running.push(p);
    const base = p.url;
    const status = await json(`${base}/simulate/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ active: false, faults: [] });
    expect((status.body as { endpoints: string[] }).endpoints).toContain('/payment');

    const startedMs = Date.now() - 60_000;
    const healthy = await waitFor(
      'payment spans in the trace store',
      async () => {
        const spans = await paymentSpans(base, startedMs);
        return spans.length >= 3 ? spans : undefined;
      },
      30_000,
    );
    expect(Math.max(...healthy.map((s) => s.durationMs))).toBeLessThan(1_000);

    const delay = await json(`${base}/simulate/delay?endpoint=/payment&duration=1200`, {
      method: 'POST',
    });
    expect(delay.status).toBe(200);
    const setMs = Date.now();
    const slow = await waitFor(
      'delayed payment spans',
      async () => {
        const spans = (await paymentSpans(base, setMs)).filter((s) => s.durationMs >= 1_200);
        return spans.length >= 2 ? spans : undefined;
      },
      30_000,
    );
    expect(slow.every((s) => s.durationMs >= 1_200)).toBe(true);

    const bad = await json(`${base}/simulate/delay?endpoint=/payment&duration=-3`, {
      method: 'POST',
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors[0]?.field).toBe('duration');

    expect((await json(`${base}/simulate/clear`, { method: 'POST' })).body).toEqual({
      ok: true,
      cleared: 1,
    });
    expect((await json(`${base}/simulate/status`)).body).toMatchObject({ active: false });
    expect(await p.stop()).toBe(0);
    expect(p.output()).toMatch(/"msg":"demo shop stopped"/);
    expect(p.output()).not.toMatch(/could not export spans/);
  });

  it('--no-shop runs the demo without the shop: chaos answers 503', async () => {
    const p = await startOpsight({ args: ['--no-shop', '--demo-services', '1'] });
    running.push(p);
    const res = await json(`${p.url}/simulate/status`);
    expect(res.status).toBe(503);
    expect((res.body as { code: string }).code).toBe('CHAOS_UNAVAILABLE');
    expect(p.output()).not.toMatch(/demo shop started/);
    expect(await p.stop()).toBe(0);
  });

  it('bound to 0.0.0.0 with an API key, the shop exports over loopback with the key', async () => {
    const dir = tempDataDir();
    const keyFile = join(dir, 'keys');
    const key = 'shop-cli-test-key-0123456789';
    writeFileSync(keyFile, `${key}\n`);
    const p = await startOpsight({
      dataDir: join(dir, 'data'),
      args: [
        '--host',
        '0.0.0.0',
        '--api-key-file',
        keyFile,
        '--shop-rate',
        '25',
        '--demo-services',
        '1',
      ],
    });
    running.push(p);
    const base = p.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${base}/simulate/status`)).status).toBe(401);
    const headers = { 'x-api-key': key };
    expect((await fetch(`${base}/simulate/status`, { headers })).status).toBe(200);
    const fromMs = Date.now() - 60_000;
    await waitFor(
      'shop traces in the store',
      async () => {
        const res = await fetch(`${base}/api/v1/traces?service=checkout&from=${fromMs}`, {
          headers,
        });
        const body = (await res.json()) as { traces?: unknown[] };
        return (body.traces?.length ?? 0) > 0 ? true : undefined;
      },
      30_000,
    );
    expect(await p.stop()).toBe(0);
    expect(p.output()).not.toMatch(/could not export spans/);
  });
});
