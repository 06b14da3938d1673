import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEventsNdjson, defaultIngestLimits } from '../ingest/index.ts';
import type { SimulateDeps } from './simulate.ts';
import { pipelineCommand } from './simulate-pipeline.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-simulate-pipeline-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function opsight(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: SimulateDeps = {
    fetch: (input, init) => fetch(input, init),
    sleep: async () => {},
    nowMs: () => Date.UTC(2026, 0, 1),
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  };
  const simulate = new Command('simulate').exitOverride().configureOutput({
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  const cmd = pipelineCommand(deps)
    .exitOverride()
    .configureOutput({
      writeOut: (t) => {
        out += t;
      },
      writeErr: (t) => {
        err += t;
      },
    });
  simulate.addCommand(cmd);
  try {
    await simulate.parseAsync(['node', 'simulate', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

describe('opsight simulate pipeline', () => {
  it('writes the same bytes for the same seed and start, with labels for forced slowdowns', async () => {
    const args = (f: string) => [
      'pipeline',
      '--seed',
      '7',
      '--start',
      '2026-01-01T00:00:00Z',
      '--duration',
      '10m',
      '--slowdown-at',
      '2m',
      '--out',
      join(dir, f),
      '--labels-out',
      join(dir, `${f}.labels.json`),
    ];
    const a = await opsight(...args('a.ndjson'));
    expect(a.code).toBe(0);
    expect(a.out).toMatch(
      /^simulate pipeline: \d+ events over 600 cycles from 2026-01-01T00:00:00.000Z/,
    );
    await opsight(...args('b.ndjson'));
    const digest = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex');
    expect(digest('a.ndjson')).toBe(digest('b.ndjson'));
    // Every line is a valid data contract v1 event.
    const text = readFileSync(join(dir, 'a.ndjson'), 'utf8');
    const decoded = decodeEventsNdjson(Buffer.from(text), {
      ...defaultIngestLimits(Date.UTC(2026, 0, 1, 0, 10)),
      maxItemsPerBatch: 1e9,
      retentionMs: 1e12,
    });
    expect(decoded.ok).toBe(true);
    const labels = JSON.parse(readFileSync(join(dir, 'a.ndjson.labels.json'), 'utf8'));
    expect(labels.disturbances).toContainEqual({
      kind: 'degradation',
      stage: 'enrich',
      start: '2026-01-01T00:02:00.000Z',
      end: '2026-01-01T00:04:00.000Z',
    });
  });

  it('streams to a server with --target', async () => {
    let lines = 0;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        expect(req.url).toBe('/api/v1/events');
        expect(req.headers['content-type']).toBe('application/x-ndjson');
        lines += body.split('\n').length;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const r = await opsight('pipeline', '--duration', '2m', '--target', `http://127.0.0.1:${port}`);
    server.close();
    expect(r.code).toBe(0);
    expect(lines).toBeGreaterThan(120 * 30);
  });

  it('refuses contradictory or missing destinations', async () => {
    expect((await opsight('pipeline')).err).toMatch(/exactly one of --out/);
    expect((await opsight('pipeline', '--out', join(dir, 'x.csv'))).err).toMatch(
      /name it \*\.ndjson/,
    );
    expect(
      (await opsight('pipeline', '--duration', 'soon', '--out', join(dir, 'x.ndjson'))).err,
    ).toMatch(/not a duration/);
  });
});
