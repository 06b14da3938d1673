/** Issue #2 item 8: the CLI answers --help, rejects bad arguments clearly, and guards the bind address. */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';

function cli(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['bin/opsight', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const running: OpsightProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('opsight CLI', () => {
  it.each([
    [['--help']],
    [['start', '--help']],
    [['simulate', '--help']],
    [['simulate', 'cloud', '--help']],
  ])('%j prints usage and exits 0', (args) => {
    const r = cli(args);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Usage: opsight/);
  });

  it.each([
    { args: ['frobnicate'], want: /unknown command/ },
    { args: ['start', '--port', 'eighty'], want: /--port must be an integer/ },
    { args: ['start', '--log-level', 'loud'], want: /Allowed choices are/ },
    { args: ['start', '--retention', 'forever', '--no-demo'], want: /retention/ },
    { args: ['start', '--bogus'], want: /unknown option/ },
  ])('rejects $args with a clear message and a non-zero exit', ({ args, want }) => {
    const dir = tempDataDir();
    dirs.push(dir);
    const extra =
      args[0] === 'start'
        ? ['--data-dir', dir, ...(args.includes('--port') ? [] : ['--port', '0'])]
        : [];
    const r = cli([...args, ...extra]);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toMatch(want);
  });

  it('stops on an unknown top-level section of opsight.yaml, naming it', () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const file = join(dir, 'opsight.yaml');
    writeFileSync(file, 'server:\n  port: 0\nrule:\n  - name: typo\n');
    const r = cli(['start', '--config', file, '--data-dir', join(dir, 'data'), '--no-demo']);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/unknown section "rule"/);
  });

  it('refuses a non-loopback host without an API key', () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const r = cli(['start', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--no-demo']);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key/);
  });

  it('binds a non-loopback host when an API key file is given, and then requires the key', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const keyFile = join(dir, 'keys');
    writeFileSync(keyFile, '# admin key\nk3y-k3y-k3y-k3y-k3y-0001\n');
    const p = await startOpsight({
      dataDir: join(dir, 'data'),
      args: ['--host', '0.0.0.0', '--api-key-file', keyFile, '--no-demo'],
    });
    running.push(p);
    const url = p.url.replace('0.0.0.0', '127.0.0.1');
    const denied = await fetch(`${url}/api/v1/series`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const allowed = await fetch(`${url}/api/v1/series`, {
      headers: { authorization: 'Bearer k3y-k3y-k3y-k3y-k3y-0001' },
    });
    expect(allowed.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('refuses a data directory another opsight process holds, and takes over a stale lock', async () => {
    const p = await startOpsight({ args: ['--no-demo'] });
    running.push(p);
    dirs.push(p.dataDir);
    const r = cli(['start', '--port', '0', '--data-dir', p.dataDir, '--no-demo']);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/is in use by another opsight process \(pid \d+\)/);
    await p.kill(); // leaves a stale LOCK behind
    const again = await startOpsight({ dataDir: p.dataDir, args: ['--no-demo'] });
    running.push(again);
    expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
  });

  it('serves /healthz, /readyz and the dashboard, and logs structured JSON', async () => {
    const p = await startOpsight({ args: ['--no-demo'] });
    running.push(p);
    dirs.push(p.dataDir);
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
    const page = await fetch(`${p.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
    const firstLine = p
      .output()
      .split('\n')
      .find((l) => l.startsWith('{'));
    expect(JSON.parse(firstLine ?? 'null')).toMatchObject({
      level: expect.any(Number),
      msg: expect.any(String),
    });
  });
});
