import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeEventsNdjson, defaultIngestLimits } from '../ingest/index.ts';
import { createCloudSimulator } from '../simulate/index.ts';
import { run } from './main.ts';
import { csvRow, parseDurationMs, type SimulateDeps, simulateCommand } from './simulate.ts';

const START = '2026-01-01T00:00:00Z';
const START_MS = Date.parse(START);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-simulate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `opsight <args>` in-process the way main.ts's `run` does (same commander settings and
 * error handling), with only the simulate command and fake time and output, so these tests do
 * not depend on the rest of the CLI. One test below goes through the real `run`.
 */
async function opsight(...args: string[]): Promise<Outcome> {
  const deps = fakeDeps({ realFetch: true });
  let out = '';
  const program = new Command('opsight')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (t) => {
        out += t;
      },
      writeErr: (t) => void deps.stderr.write(t),
    });
  program.addCommand(
    simulateCommand({
      ...deps,
      stdout: {
        write: (t: string) => {
          out += t;
          return true;
        },
      },
    }),
  );
  try {
    await program.parseAsync(['node', 'opsight', ...args]);
    return { code: 0, out, err: deps.errText() };
  } catch (err) {
    if (err instanceof CommanderError) return { code: err.exitCode, out, err: deps.errText() };
    deps.stderr.write(`opsight: ${err instanceof Error ? err.message : String(err)}\n`);
    return { code: 1, out, err: deps.errText() };
  }
}

describe('opsight simulate cloud --out', () => {
  const common = ['--seed', '7', '--start', START, '--duration', '2h', '--interval', '1m'];
  const sim = (): ReturnType<typeof createCloudSimulator> =>
    createCloudSimulator({
      seed: 7,
      startMs: START_MS,
      durationMs: 2 * 3_600_000,
      intervalMs: 60_000,
      services: 3,
      incidentsPerDay: 48,
      incidentWarmupMs: 0,
    });

  it('writes the NDJSON the simulator generates, and the labels file', async () => {
    const out = join(dir, 'nested', 'cloud.ndjson');
    const labels = join(dir, 'labels.json');
    const r = await opsight(
      'simulate',
      'cloud',
      ...common,
      '--services',
      '3',
      '--incidents-per-day',
      '48',
      '--incident-warmup',
      '0',
      '--out',
      out,
      '--labels-out',
      labels,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const expected = sim().eventsBetween(START_MS, START_MS + 2 * 3_600_000);
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(expected.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const lines = text.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      timestamp: '2026-01-01T00:00:00.000Z',
      source_id: 'frontend',
      metric_name: 'requests_per_second',
      tags: { service: 'frontend', region: 'eu-west-1' },
    });
    expect(new Set(lines.map((l) => JSON.parse(l).source_id))).toEqual(
      new Set(['frontend', 'checkout', 'payment']),
    );

    const doc = JSON.parse(readFileSync(labels, 'utf8'));
    expect(doc).toMatchObject({
      simulator: 'cloud',
      seed: 7,
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T02:00:00.000Z',
      interval_ms: 60_000,
      services: ['frontend', 'checkout', 'payment'],
    });
    expect(doc.incidents.length).toBeGreaterThanOrEqual(2);
    for (const i of doc.incidents) {
      expect(Object.keys(i)).toEqual([
        'id',
        'service',
        'kind',
        'start',
        'end',
        'metrics',
        'magnitude',
        'unit',
      ]);
      expect(Date.parse(i.end)).toBeGreaterThan(Date.parse(i.start));
    }
    expect(r.out).toMatch(/simulate cloud: \d+ events, 3 services, 120 intervals/);
  });

  it('writes CSV with a header and key=value tags, byte-identical on a second run', async () => {
    const out = join(dir, 'cloud.csv');
    const args = ['simulate', 'cloud', ...common, '--services', '3', '--out', out, '--quiet'];
    expect((await opsight(...args)).code).toBe(0);
    const first = readFileSync(out, 'utf8');
    expect((await opsight(...args)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(first);
    const lines = first.trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,source_id,metric_name,metric_value,tags');
    expect(lines[1]).toMatch(
      /^2026-01-01T00:00:00\.000Z,frontend,requests_per_second,[0-9.]+,service=frontend;region=eu-west-1$/,
    );
    const s = createCloudSimulator({
      seed: 7,
      startMs: START_MS,
      durationMs: 7_200_000,
      intervalMs: 60_000,
      services: 3,
    });
    expect(lines.length - 1).toBe(s.eventsBetween(s.startMs, s.endMs).length);
  });

  it('is wired into the real CLI: run(argv) from main.ts', { timeout: 60_000 }, async () => {
    const quiet = (): boolean => true;
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(quiet);
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(quiet);
    try {
      const file = join(dir, 'via-run.ndjson');
      const exitCode = await run([
        'node',
        'opsight',
        'simulate',
        'cloud',
        '--start',
        START,
        '--duration',
        '10m',
        '--out',
        file,
      ]);
      expect(errSpy).not.toHaveBeenCalled();
      expect(exitCode).toBe(0);
      // 60 intervals x 5 services x 4 metrics; no incident starts in the 2 h warm-up.
      expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(1200);
      expect(String(outSpy.mock.calls.at(-1)?.[0])).toMatch(/^simulate cloud: 1200 events/);
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
  });

  it('quotes CSV fields holding commas or quotes (RFC 4180)', () => {
    expect(
      csvRow({
        timestamp: START,
        source_id: 'a,b',
        metric_name: 'm',
        metric_value: 1.5,
        tags: { k: 'say "hi"' },
      }),
    ).toBe(`${START},"a,b",m,1.5,"k=say ""hi"""\n`);
  });

  it('prints a plain progress line every 10 % when stderr is not a terminal', async () => {
    const deps = fakeDeps();
    const out = join(dir, 'long.ndjson');
    await simulateCommand(deps).parseAsync(
      [
        'cloud',
        '--start',
        START,
        '--duration',
        '2000s',
        '--interval',
        '1s',
        '--services',
        '1',
        '--out',
        out,
      ],
      { from: 'user' },
    );
    const lines = deps.errText().trimEnd().split('\n');
    expect(lines.map((l) => /(\d+)%/.exec(l)?.[1])).toEqual([
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
      '100',
    ]);
    expect(lines.at(-1)).toContain('2000/2000 intervals');
  });
});

describe('opsight simulate: arguments', () => {
  const out = (): string => join(dir, 'x.ndjson');
  it.each([
    {
      name: 'unknown duration unit',
      args: () => ['--duration', '5x', '--out', out()],
      msg: /"5x" is not a duration/,
    },
    {
      name: 'duration without unit',
      args: () => ['--duration', '10', '--out', out()],
      msg: /is not a duration/,
    },
    {
      name: 'zero interval',
      args: () => ['--interval', '0s', '--out', out()],
      msg: /not a duration > 0/,
    },
    {
      name: 'bad ISO start',
      args: () => ['--start', '2026-13-01T00:00:00Z', '--out', out()],
      msg: /not an ISO 8601 time/,
    },
    {
      name: 'start without a zone',
      args: () => ['--start', '2026-01-01T00:00:00', '--out', out()],
      msg: /with a zone/,
    },
    {
      name: 'negative services',
      args: () => ['--services', '-3', '--out', out()],
      msg: /--services must be an integer in 1\.\.1000/,
    },
    {
      name: 'zero services',
      args: () => ['--services', '0', '--out', out()],
      msg: /--services must be/,
    },
    {
      name: 'non-integer seed',
      args: () => ['--seed', 'abc', '--out', out()],
      msg: /--seed must be an integer/,
    },
    {
      name: 'too many incidents per day',
      args: () => ['--incidents-per-day', '500', '--out', out()],
      msg: /--incidents-per-day must be within 0\.\.96/,
    },
    {
      name: 'neither --out nor --target',
      args: () => [],
      msg: /give --out <file> or --target <url>/,
    },
    {
      name: 'both --out and --target',
      args: () => ['--out', out(), '--target', 'http://127.0.0.1:1'],
      msg: /either --out or --target/,
    },
    {
      name: 'unknown file format',
      args: () => ['--out', join(dir, 'x.txt')],
      msg: /name it \*\.ndjson or \*\.csv/,
    },
    {
      name: 'bad speed',
      args: () => ['--target', 'http://127.0.0.1:1', '--speed', 'fast'],
      msg: /not a speed/,
    },
    { name: 'bad target', args: () => ['--target', 'not a url'], msg: /is not a URL/ },
  ])('$name exits non-zero with a clear message', async ({ args, msg }) => {
    const r = await opsight('simulate', 'cloud', '--start', START, ...args());
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(msg);
  });

  it('rejects an unknown simulator', async () => {
    const r = await opsight('simulate', 'fleet');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown command 'fleet'/);
  });

  it('rejects an unknown incident kind in --incidents-file', async () => {
    const file = join(dir, 'incidents.json');
    writeFileSync(
      file,
      JSON.stringify([{ service: 'payment', kind: 'meteor', start: START, duration: '5m' }]),
    );
    const r = await opsight(
      'simulate',
      'cloud',
      '--incidents-file',
      file,
      '--out',
      join(dir, 'i.ndjson'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[0\]\.kind: expected one of latency_spike/);
  });

  it('takes an explicit schedule from --incidents-file', async () => {
    const file = join(dir, 'schedule.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          service: 'checkout',
          kind: 'silence',
          start: '2026-01-01T00:10:00Z',
          end: '2026-01-01T00:20:00Z',
        },
      ]),
    );
    const out = join(dir, 'explicit.ndjson');
    const labels = join(dir, 'explicit-labels.json');
    const r = await opsight(
      'simulate',
      'cloud',
      '--start',
      START,
      '--duration',
      '1h',
      '--incidents-file',
      file,
      '--out',
      out,
      '--labels-out',
      labels,
    );
    expect(r.code).toBe(0);
    const silent = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter(
        (e) =>
          e.source_id === 'checkout' &&
          e.timestamp >= '2026-01-01T00:10' &&
          e.timestamp < '2026-01-01T00:20',
      );
    expect(silent).toEqual([]);
    expect(JSON.parse(readFileSync(labels, 'utf8')).incidents).toEqual([
      expect.objectContaining({
        service: 'checkout',
        kind: 'silence',
        start: '2026-01-01T00:10:00.000Z',
        end: '2026-01-01T00:20:00.000Z',
      }),
    ]);
  });

  it.each([
    ['simulate', '--help'],
    ['simulate', 'cloud', '--help'],
  ])('%s %s prints usage and exits 0', async (...args) => {
    const r = await opsight(...args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: opsight simulate/);
  });

  it.each([
    ['10s', 10_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5s', 1500],
  ])('parseDurationMs(%s) = %d', (text, want) => {
    expect(parseDurationMs(text)).toBe(want);
  });
});

describe('opsight simulate cloud --target', () => {
  interface Received {
    contentType: string | undefined;
    authorization: string | undefined;
    url: string | undefined;
    body: string;
  }
  let server: Server;
  let base: string;
  const received: Received[] = [];
  /** What to answer next; 200 once the queue is empty. */
  const replies: { status: number; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        received.push({
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          url: req.url,
          body,
        });
        const reply = replies.shift() ?? { status: 200, body: '{"accepted":true}' };
        res.writeHead(reply.status, { 'content-type': 'application/problem+json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    received.length = 0;
    replies.length = 0;
  });

  it('streams every event as NDJSON batches to POST /api/v1/events at --speed max', async () => {
    const r = await opsight(
      'simulate',
      'cloud',
      '--start',
      START,
      '--duration',
      '30m',
      '--interval',
      '10s',
      '--target',
      base,
      '--speed',
      'max',
      '--batch-size',
      '500',
      '--api-key',
      'k1',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const sim = createCloudSimulator({ startMs: START_MS, durationMs: 1_800_000 });
    const expected = sim.eventsBetween(sim.startMs, sim.endMs).map((e) => JSON.stringify(e));
    expect(received.length).toBeGreaterThanOrEqual(Math.ceil(expected.length / 500));
    for (const r of received) {
      expect(r.url).toBe('/api/v1/events');
      expect(r.contentType).toBe('application/x-ndjson');
      expect(r.authorization).toBe('Bearer k1');
      expect(r.body.split('\n').length).toBeLessThanOrEqual(500);
    }
    expect(received.flatMap((r) => r.body.split('\n'))).toEqual(expected);
    // The server's own decoder takes every batch as it is.
    for (const r of received) {
      const decoded = decodeEventsNdjson(r.body, defaultIngestLimits(START_MS + 3_600_000));
      expect(decoded.ok ? decoded.items : decoded.error.items).toBe(r.body.split('\n').length);
    }
  });

  it('retries a batch with backoff on 5xx and connection errors', async () => {
    replies.push({ status: 503, body: '{"title":"The server is starting or shutting down"}' });
    replies.push({ status: 500, body: 'oops' });
    const deps = fakeDeps({ realFetch: true });
    await simulateCommand(deps).parseAsync(
      ['cloud', '--start', START, '--duration', '10s', '--target', base, '--speed', 'max'],
      { from: 'user' },
    );
    expect(deps.sleeps).toEqual([250, 500]);
    expect(received).toHaveLength(3);
    expect(received[2]!.body).toBe(received[0]!.body);
    expect(deps.errText()).toMatch(/HTTP 503 The server is starting[\s\S]*retrying in 250 ms/);
  });

  it('gives up after --max-retries when the server stays unreachable', async () => {
    const deps = fakeDeps({ realFetch: true });
    await expect(
      simulateCommand(deps).parseAsync(
        [
          'cloud',
          '--start',
          START,
          '--duration',
          '10s',
          '--target',
          'http://127.0.0.1:9',
          '--speed',
          'max',
          '--max-retries',
          '2',
        ],
        { from: 'user' },
      ),
    ).rejects.toThrow(/gave up on http:\/\/127\.0\.0\.1:9\/api\/v1\/events after 3 attempts/);
    expect(deps.sleeps).toEqual([250, 500]);
  });

  it('stops on 4xx and prints the problem detail and items', async () => {
    replies.push({
      status: 400,
      body: JSON.stringify({
        type: '/docs/errors#INGEST_INVALID_BATCH',
        title: 'One or more items in the batch are invalid',
        status: 400,
        detail: '20 of 20 items are invalid',
        items: [{ index: 0, field: 'timestamp', reason: 'older than the 30d retention window' }],
      }),
    });
    const r = await opsight(
      'simulate',
      'cloud',
      '--start',
      START,
      '--duration',
      '1m',
      '--target',
      base,
      '--speed',
      'max',
    );
    expect(r.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(r.err).toContain(
      'the server rejected a batch: HTTP 400 One or more items in the batch are invalid',
    );
    expect(r.err).toContain('20 of 20 items are invalid');
    expect(r.err).toContain('item 0 timestamp: older than the 30d retention window');
  });

  it.each([
    { speed: 'realtime', want: [0, 10_000, 20_000, 30_000, 40_000, 50_000] },
    { speed: '10x', want: [0, 1000, 2000, 3000, 4000, 5000] },
  ])('paces ticks by wall-clock time at --speed $speed', async ({ speed, want }) => {
    const deps = fakeDeps();
    await simulateCommand(deps).parseAsync(
      ['cloud', '--start', START, '--duration', '1m', '--target', base, '--speed', speed],
      { from: 'user' },
    );
    expect(deps.posts.map((p) => p.atMs - deps.t0)).toEqual(want);
    expect(deps.posts.map((p) => p.events)).toEqual(want.map(() => 20));
  });
});

interface FakeDeps extends SimulateDeps {
  readonly t0: number;
  readonly sleeps: number[];
  readonly posts: { atMs: number; events: number }[];
  errText(): string;
}

/** A virtual clock that `sleep` advances, a recording fetch (or the real one), captured output. */
function fakeDeps(opts: { realFetch?: boolean } = {}): FakeDeps {
  const t0 = Date.UTC(2026, 5, 1);
  let now = t0;
  let err = '';
  const sleeps: number[] = [];
  const posts: { atMs: number; events: number }[] = [];
  const recording: typeof fetch = async (_input, init) => {
    posts.push({ atMs: now, events: String(init?.body).split('\n').length });
    return new Response('{}', { status: 200 });
  };
  return {
    t0,
    sleeps,
    posts,
    errText: () => err,
    fetch: opts.realFetch === true ? (input, init) => fetch(input, init) : recording,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    nowMs: () => now,
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
      isTTY: false,
    },
  };
}
