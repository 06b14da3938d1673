/**
 * Issue #3 items 5–6 end to end: the real CLI with an opsight.yaml holding an alert rule and a
 * webhook channel; bad data posted to the ingest API makes a notification arrive at a receiver
 * this test starts. And a bad key in an alerting section stops startup, naming its path.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

const SECRET = 'integration-secret-0123';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly body: {
    notification: { status: string; title: string; labels: Record<string, string> };
  };
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(): Promise<{ url: string; next: (ms: number) => Promise<Received> }> {
  const queue: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      res.writeHead(200).end();
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
      const w = waiting.shift();
      if (w !== undefined) w(r);
      else queue.push(r);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanups.push(() => new Promise<void>((ok) => server.close(() => ok())));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    next: (ms) => {
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise<Received>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no notification within ${ms} ms`)), ms);
        waiting.push((r) => {
          clearTimeout(timer);
          ok(r);
        });
      });
    },
  };
}

describe('alerting through the CLI', { timeout: 60_000 }, () => {
  it('notifies a webhook after bad data is posted', async () => {
    const hook = await receiver();
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'opsight.yaml');
    writeFileSync(
      config,
      [
        'server:',
        '  alertingInterval: 250ms',
        'rules:',
        '  - name: CheckoutErrors',
        '    kind: threshold',
        '    query: { metric: errors_per_second, by: [service], window: 1m }',
        '    op: ">"',
        '    value: 5',
        '    severity: critical',
        '    annotations: { summary: "{{ $labels.service }} fails {{ $value }} requests/s" }',
        'route: { group_wait: 0s }',
        'notifications:',
        '  channels:',
        `    - { type: webhook, name: ops-hook, url: "${hook.url}", secret: ${SECRET} }`,
        '',
      ].join('\n'),
    );
    const p: OpsightProcess = await startOpsight({
      dataDir: join(dir, 'data'),
      args: ['--no-demo', '--config', config],
    });
    cleanups.push(() => p.kill());

    const now = Date.now();
    const lines = [
      `requests_per_second,service=checkout value=100 ${now}`,
      `errors_per_second,service=checkout value=40 ${now}`,
    ].join('\n');
    const write = await fetch(`${p.url}/write?precision=ms`, { method: 'POST', body: lines });
    expect(write.status, p.output()).toBe(204);

    const got = await hook.next(20_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${p.output()}`);
    });
    expect(got.body.notification).toMatchObject({
      status: 'firing',
      title: 'checkout fails 40 requests/s',
      labels: { alertname: 'CheckoutErrors', service: 'checkout' },
    });
    // Signed: HMAC-SHA256 over "<timestamp>.<body>" (docs/notifications.md).
    const ts = String(got.headers['x-opsight-timestamp']);
    const mac = createHmac('sha256', SECRET).update(`${ts}.${got.raw}`).digest('hex');
    expect(String(got.headers['x-opsight-signature'])).toContain(mac);

    const alerts = (await (await fetch(`${p.url}/api/v1/alerts`)).json()) as {
      alerts: { ruleName: string; state: string }[];
    };
    expect(alerts.alerts.find((a) => a.ruleName === 'CheckoutErrors')?.state).toBe('firing');
    // The attempt is recorded once the dispatcher settles; wait for it with a deadline.
    const deadline = Date.now() + 10_000;
    let outcomes: string[] = [];
    while (Date.now() < deadline) {
      const d = (await (await fetch(`${p.url}/api/v1/notifications/deliveries`)).json()) as {
        deliveries: { channel: string; outcome: string }[];
      };
      outcomes = d.deliveries.map((x) => `${x.channel}:${x.outcome}`);
      if (outcomes.length > 0) break;
    }
    expect(outcomes).toContain('ops-hook:delivered');
  });

  it('refuses to start with a bad key in an alerting section, naming its path', () => {
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'opsight.yaml');
    writeFileSync(
      config,
      'rules:\n  - { name: X, kind: threshold, query: { metric: m }, op: ">", value: 1, fro: 5m }\n',
    );
    const r = spawnSync(
      process.execPath,
      [
        'bin/opsight',
        'start',
        '--port',
        '0',
        '--no-demo',
        '--data-dir',
        join(dir, 'd'),
        '--config',
        config,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/rules\[0\]\.fro/);
  });
});
