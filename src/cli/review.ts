/**
 * @module
 * `opsight review export --target URL --out DIR`: turns people's verdicts on anomalies into
 * labelled series that `opsight eval --data DIR` scores detectors against. For every series with
 * a reviewed anomaly it writes `DIR/<series>.csv` (timestamp, value, label): the series' values
 * around its verdicts, label 1 where a reviewer confirmed an anomaly and 0 elsewhere (a rejected
 * anomaly is a point that should not have fired).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';

export interface ReviewDeps {
  readonly fetch: typeof fetch;
  readonly stdout: { write(text: string): unknown };
}

interface ExportedSeries {
  readonly name: string;
  readonly verdicts: number;
  readonly rows: readonly [number, number, number][];
}

/** A file name from a series name: letters, digits, `.`, `_` and `-` kept, the rest `_`. */
export function fileNameOf(series: string): string {
  const safe = series.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
  return `${safe.slice(0, 180) || 'series'}.csv`;
}

export function reviewCommand(
  deps: ReviewDeps = { fetch: (i, init) => fetch(i, init), stdout: process.stdout },
): Command {
  const review = new Command('review').description('Work with the human review queue');
  review
    .command('export')
    .description(
      'Write reviewed anomalies as labelled CSVs (timestamp,value,label) for `opsight eval --data DIR`',
    )
    .requiredOption('--target <url>', 'the opsight server, e.g. http://127.0.0.1:8080')
    .requiredOption('--out <dir>', 'directory to write one CSV per reviewed series into')
    .option('--window <d>', 'context kept around the verdicts on each side', '2h')
    .option('--api-key <key>', 'sent as Authorization: Bearer <key>')
    .action(async function (
      this: Command,
      flags: { target: string; out: string; window: string; apiKey?: string },
    ) {
      let url: URL;
      try {
        url = new URL('/api/v1/review/export', flags.target);
      } catch {
        this.error(`error: --target "${flags.target}" is not a URL, e.g. http://127.0.0.1:8080`);
      }
      url.searchParams.set('window', flags.window);
      const headers: Record<string, string> =
        flags.apiKey === undefined ? {} : { authorization: `Bearer ${flags.apiKey}` };
      const res = await deps.fetch(url, { headers });
      const text = await res.text();
      if (!res.ok)
        this.error(`error: ${url.toString()} answered ${res.status}: ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { series: ExportedSeries[] };
      await mkdir(flags.out, { recursive: true });
      let rows = 0;
      for (const s of body.series) {
        const lines = ['timestamp,value,label'];
        for (const [t, v, label] of s.rows)
          lines.push(`${new Date(t).toISOString()},${v},${label}`);
        rows += s.rows.length;
        await writeFile(join(flags.out, fileNameOf(s.name)), `${lines.join('\n')}\n`);
      }
      deps.stdout.write(
        `review export: ${body.series.length} series, ${rows} rows, ${body.series.reduce((n, s) => n + s.verdicts, 0)} verdicts -> ${flags.out}\n` +
          (body.series.length === 0
            ? 'no anomaly has a verdict yet: review some at /review first\n'
            : ''),
      );
    });
  return review;
}
