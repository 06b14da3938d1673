import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulateDeps } from './simulate.ts';
import { defaultStartMs, fleetCommand, telemetryUrl } from './simulate-fleet.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-simulate-fleet-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 0, 1, 12);

async function opsight(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: SimulateDeps = {
    fetch: (input, init) => fetch(input, init),
    sleep: async () => {},
    nowMs: () => NOW,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  };
  const simulate = new Command('simulate').exitOverride();
  simulate.addCommand(
    fleetCommand(deps)
      .exitOverride()
      .configureOutput({
        writeOut: (t) => {
          out += t;
        },
        writeErr: (t) => {
          err += t;
        },
      }),
  );
  try {
    await simulate.parseAsync(['node', 'simulate', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('opsight simulate fleet', () => {
  it('writes the same bytes for the same seed, vehicles and start, and others for another seed', async () => {
    const run = (f: string, seed: string) =>
      opsight(
        'fleet',
        '--seed',
        seed,
        '--vehicles',
        '8',
        '--start',
        '2026-01-01T00:00:00Z',
        '--duration',
        '5m',
        '--out',
        join(dir, f),
      );
    expect((await run('a.ndjson', '7')).code).toBe(0);
    expect((await run('b.ndjson', '7')).code).toBe(0);
    expect((await run('c.ndjson', '8')).code).toBe(0);
    expect(sha256(join(dir, 'a.ndjson'))).toBe(sha256(join(dir, 'b.ndjson')));
    expect(sha256(join(dir, 'a.ndjson'))).not.toBe(sha256(join(dir, 'c.ndjson')));
    const lines = readFileSync(join(dir, 'a.ndjson'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8 * 300);
    const first = JSON.parse(lines[0] as string);
    expect(first.ts).toBe('2026-01-01T00:00:00.000Z');
    expect(Object.keys(first)).toEqual([
      'ts',
      'vehicle_id',
      'coolant_temp_f',
      'intake_air_temp_f',
      'engine_rpm',
      'speed_mph',
      'vibration_score',
      'engine_hours',
    ]);
    const last = JSON.parse(lines[lines.length - 1] as string);
    expect(last.ts).toBe('2026-01-01T00:04:59.000Z');
  });

  it('takes a profile file and names a bad one', async () => {
    const good = await opsight(
      'fleet',
      '--profile',
      join(import.meta.dirname, '..', '..', 'examples', 'fleet-profile.json'),
      '--vehicles',
      '6',
      '--duration',
      '2s',
      '--out',
      join(dir, 'p.ndjson'),
    );
    expect(good.code).toBe(0);
    const ids = readFileSync(join(dir, 'p.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).vehicle_id);
    expect(ids.slice(0, 6)).toEqual([
      'truck-01',
      'truck-02',
      'van-03',
      'van-04',
      'tractor-05',
      'pickup-06',
    ]);
    const badFile = join(dir, 'bad-profile.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(badFile, JSON.stringify({ vehicles: [{ vehicle_id: 'x', baselines: {} }] }));
    const bad = await opsight('fleet', '--profile', badFile, '--out', join(dir, 'x.ndjson'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('vehicles[0].baselines.coolant_temp_f');
  });

  it('rejects missing or double destinations', async () => {
    expect((await opsight('fleet')).code).not.toBe(0);
    const both = await opsight('fleet', '--out', join(dir, 'y.ndjson'), '--target', 'http://x');
    expect(both.code).not.toBe(0);
  });

  it('posts JSON arrays to POST /telemetry, never ahead of the server clock', async () => {
    const bodies: unknown[][] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => {
        text += d.toString('utf8');
      });
      req.on('end', () => {
        expect(req.url).toBe('/telemetry');
        expect(req.headers['content-type']).toBe('application/json');
        const readings = JSON.parse(text) as unknown[];
        bodies.push(readings);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            received: readings.length,
            accepted: readings.length,
            partial: 0,
            rejected: 0,
            samples: readings.length * 6,
            issue_count: 0,
            issues: [],
          }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await opsight(
        'fleet',
        '--vehicles',
        '3',
        '--duration',
        '2m',
        '--speed',
        'max',
        '--batch-size',
        '90',
        '--target',
        `http://127.0.0.1:${port}`,
      );
      expect(res.code, res.err).toBe(0);
      expect(res.err).toContain('accepted 360');
      expect(bodies).toHaveLength(4);
      const all = bodies.flat() as { ts: string }[];
      expect(all).toHaveLength(360);
      // With --speed max the run ends at the clock's "now".
      expect(Date.parse((all[all.length - 1] as { ts: string }).ts)).toBeLessThanOrEqual(NOW);
    } finally {
      server.close();
    }
  });

  it('anchors default starts so readings are never in the future', () => {
    expect(defaultStartMs(NOW + 400, 600_000, undefined)).toBe(NOW);
    expect(defaultStartMs(NOW, 600_000, 1)).toBe(NOW);
    expect(defaultStartMs(NOW, 600_000, Number.POSITIVE_INFINITY)).toBe(NOW - 600_000);
    expect(defaultStartMs(NOW, 600_000, 2)).toBe(NOW - 300_000);
    expect(telemetryUrl('http://h:1/')).toBe('http://h:1/telemetry');
    expect(telemetryUrl('http://h:1/telemetry')).toBe('http://h:1/telemetry');
  });
});
