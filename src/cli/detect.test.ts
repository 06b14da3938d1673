import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, normal } from '../contract/index.ts';
import { detectCommand, detectCsv } from './detect.ts';
import { run } from './main.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsight-detect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A 1-minute series with noise, a spike and a level shift, in the dataset's quoted style. */
function seriesCsv(rows: number): string {
  const rng = createRng(5);
  const lines = ['TimeStamp,Value,Label,host'];
  for (let i = 0; i < rows; i++) {
    const ts = new Date(Date.UTC(2018, 5, 13) + i * 60_000).toISOString().replace('.000Z', 'Z');
    const v = 100 + 2 * normal(rng) + (i === 300 ? 80 : 0) + (i >= 450 ? 40 : 0);
    lines.push(`"${ts}",${i % 97 === 13 ? '' : v.toFixed(3)},0,web-1`);
  }
  return `${lines.join('\n')}\n`;
}

async function runCli(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const program = new Command('opsight')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: (t) => (err += t) })
    .addCommand(
      detectCommand()
        .exitOverride()
        .configureOutput({ writeOut: () => undefined, writeErr: (t) => (err += t) }),
    );
  try {
    await program.parseAsync(['node', 'opsight', ...args]);
    return { code: 0, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, err };
    return { code: 1, err: err + (e instanceof Error ? e.message : String(e)) };
  }
}

describe('opsight detect', () => {
  it('writes every row in order, byte for byte, with the five columns appended (exact format)', async () => {
    const input = file(
      'tiny.csv',
      'TimeStamp,Value,Label\n2018-07-03 14:00:00,5,0\n"2018-07-03T15:00:00Z",,1\n2018-07-03 16:00:00,7,0\n',
    );
    const out = join(dir, 'tiny.out.csv');
    const s = await detectCsv(input, out, 'ensemble');
    expect(s).toEqual({ rows: 3, anomalies: 0, skipped: 1 });
    // Row 1: the first sample is its own expectation. Row 2 (empty value) is skipped and keeps
    // the band. Row 3: EWMA mean 5, sd at its floor 1 % of 5 = 0.05, band 5 ± 4·0.05.
    expect(readFileSync(out, 'utf8')).toBe(
      'TimeStamp,Value,Label,anomaly_score,is_anomaly,expected,lower,upper\n' +
        '2018-07-03 14:00:00,5,0,0,0,5,5,5\n' +
        '"2018-07-03T15:00:00Z",,1,0,0,5,5,5\n' +
        '2018-07-03 16:00:00,7,0,0,0,5,4.8,5.2\n',
    );
  });

  it('is strictly streaming: scoring a prefix gives the same rows as the prefix of the full run', async () => {
    const text = seriesCsv(600);
    const lines = text.trimEnd().split('\n');
    const full = file('full.csv', text);
    const prefix = file('prefix.csv', `${lines.slice(0, 401).join('\n')}\n`);
    for (const detector of ['cusum', 'seasonal', 'ensemble']) {
      await detectCsv(full, join(dir, 'full.out.csv'), detector);
      await detectCsv(prefix, join(dir, 'prefix.out.csv'), detector);
      const a = readFileSync(join(dir, 'full.out.csv'), 'utf8').split('\n');
      const b = readFileSync(join(dir, 'prefix.out.csv'), 'utf8').trimEnd().split('\n');
      expect(b).toHaveLength(401);
      expect(a.slice(0, 401)).toEqual(b);
    }
    const out = readFileSync(join(dir, 'full.out.csv'), 'utf8').trimEnd().split('\n');
    expect(out).toHaveLength(601);
    expect(out[301]?.split(',')[5]).toBe('1'); // the spike (row 300) is flagged in is_anomaly
  });

  it('keeps extra columns and handles CRLF', async () => {
    const input = file('crlf.csv', 'host,timestamp,value\r\nweb,2018-07-03 14:00:00,1\r\n');
    const out = join(dir, 'crlf.out.csv');
    await detectCsv(input, out, 'ewma');
    expect(readFileSync(out, 'utf8')).toBe(
      'host,timestamp,value,anomaly_score,is_anomaly,expected,lower,upper\nweb,2018-07-03 14:00:00,1,0,0,1,1,1\n',
    );
  });

  it.each([
    {
      name: 'no value column',
      text: 'TimeStamp,Val\n2018-07-03 14:00:00,1\n',
      want: /no value column \(found: "TimeStamp","Val"\)/,
    },
    {
      name: 'no timestamp column',
      text: 'when,value\n',
      want: /no timestamp column \(found: "when","value"\)/,
    },
    { name: 'empty file', text: '', want: /the file is empty/ },
  ])('header errors: $name', async ({ name, text, want }) => {
    const input = file(`${name.replace(/ /g, '-')}.csv`, text);
    await expect(detectCsv(input, join(dir, 'x.out.csv'), 'ensemble')).rejects.toThrow(want);
  });

  it('input is a directory; output directory missing', async () => {
    await expect(detectCsv(dir, join(dir, 'x.csv'), 'ensemble')).rejects.toThrow(
      /cannot read ".*": not a file/,
    );
    const input = file('fine.csv', 'timestamp,value\n2018-07-03 14:00:00,1\n');
    await expect(detectCsv(input, join(dir, 'no', 'such', 'dir.csv'), 'ensemble')).rejects.toThrow(
      /cannot write ".*dir\.csv": ENOENT/,
    );
  });

  it('missing input file', async () => {
    await expect(detectCsv(join(dir, 'nope.csv'), join(dir, 'x.csv'), 'ensemble')).rejects.toThrow(
      /cannot read ".*nope\.csv": no such file/,
    );
  });

  it('command line: --detector is checked, --help exits 0', async () => {
    const input = file('ok.csv', 'timestamp,value\n2018-07-03 14:00:00,1\n');
    expect((await runCli('detect', '--quiet', input, join(dir, 'ok.out.csv'))).code).toBe(0);
    const bad = await runCli('detect', '--detector', 'magic', input, join(dir, 'ok.out.csv'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/unknown detector "magic"; known: ensemble, ewma/);
    expect((await runCli('detect', '--help')).code).toBe(0);
    expect((await runCli('detect', input)).code).not.toBe(0);
  });

  it('is registered in the opsight CLI (detect and eval have --help)', async () => {
    const write = process.stdout.write;
    let out = '';
    process.stdout.write = ((t: string) => {
      out += t;
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await run(['node', 'opsight', 'detect', '--help'])).toBe(0);
      expect(await run(['node', 'opsight', 'eval', '--help'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toMatch(/Usage: opsight detect \[options\] <in> <out>/);
    expect(out).toMatch(/Usage: opsight eval \[options\]/);
  });
});
