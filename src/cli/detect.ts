/**
 * @module
 * `opsight detect [--detector NAME] IN.csv OUT.csv`: scores a CSV series row by row and writes
 * every input row, in order and byte for byte, with `anomaly_score,is_anomaly,expected,lower,
 * upper` appended. Strictly streaming: lines are read with node:readline and each row is
 * scored only from it and the rows before it; memory stays constant whatever the file size.
 */
import { once } from 'node:events';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createDetector,
  DEFAULT_DETECTOR,
  DETECTOR_NAMES,
  findColumns,
  formatScore,
  formatValue,
  isDetectorName,
  OUTPUT_COLUMNS,
  parseTimestampMs,
  parseValue,
  splitCsvLine,
} from '../detect/index.ts';

export interface DetectSummary {
  readonly rows: number;
  readonly anomalies: number;
  readonly skipped: number;
}

/** Checks that `path` is a readable file; throws a plain message otherwise. */
export async function assertReadable(path: string): Promise<void> {
  let isFile: boolean;
  try {
    await access(path, constants.R_OK);
    isFile = (await stat(path)).isFile();
  } catch {
    throw new Error(`cannot read "${path}": no such file`);
  }
  if (!isFile) throw new Error(`cannot read "${path}": not a file`);
}

/** Streams `inPath` through a fresh `detector` into `outPath`. */
export async function detectCsv(
  inPath: string,
  outPath: string,
  detector: string,
): Promise<DetectSummary> {
  await assertReadable(inPath);
  const d = createDetector(detector);
  const input = createReadStream(inPath, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const out = createWriteStream(outPath, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => {
    out.once('error', reject);
    input.once('error', reject);
  });
  failed.catch(() => undefined);
  let tsCol = -1;
  let valueCol = -1;
  let header = true;
  let rows = 0;
  let anomalies = 0;
  let skipped = 0;
  let buffer = '';
  try {
    for await (const line of lines) {
      if (header) {
        if (line.trim() === '') continue;
        const cols = findColumns(line);
        if ('error' in cols) throw new Error(`${inPath}: ${cols.error}`);
        tsCol = cols.timestamp;
        valueCol = cols.value;
        buffer += `${line},${OUTPUT_COLUMNS.join(',')}\n`;
        header = false;
        continue;
      }
      if (line.trim() === '') continue;
      const fields = splitCsvLine(line);
      const ts = parseTimestampMs(fields[tsCol] ?? '');
      const value = parseValue(fields[valueCol] ?? '');
      if (!Number.isFinite(ts) || !Number.isFinite(value)) skipped++;
      const r = d.update(ts, value);
      rows++;
      if (r.isAnomaly) anomalies++;
      buffer += `${line},${formatScore(r.score)},${r.isAnomaly ? 1 : 0},${formatValue(r.expected)},${formatValue(r.lower)},${formatValue(r.upper)}\n`;
      if (buffer.length >= 64 * 1024) {
        const ok = out.write(buffer);
        buffer = '';
        if (!ok) await Promise.race([once(out, 'drain'), failed]);
      }
    }
    if (header)
      throw new Error(`${inPath}: the file is empty (want a header with timestamp,value)`);
    out.end(buffer);
    await Promise.race([once(out, 'finish'), failed]);
  } catch (err) {
    out.destroy();
    input.destroy();
    if (err instanceof Error && (err as { path?: unknown }).path === outPath) {
      throw new Error(`cannot write "${outPath}": ${err.message}`, { cause: err });
    }
    throw err;
  }
  return { rows, anomalies, skipped };
}

export function parseDetectorName(text: string): string {
  if (!isDetectorName(text)) {
    throw new InvalidArgumentError(
      `unknown detector "${text}"; known: ${DETECTOR_NAMES.join(', ')}`,
    );
  }
  return text;
}

export function detectCommand(): Command {
  return (
    new Command('detect')
      // addCommand does not pass the program's exitOverride down; main.ts maps CommanderError.
      .exitOverride()
      .description(
        'Score a CSV series (columns timestamp,value; others kept) row by row, streaming, and write it back with anomaly_score,is_anomaly,expected,lower,upper appended.',
      )
      .argument('<in>', 'input CSV (header with timestamp and value, case-insensitive)')
      .argument('<out>', 'output CSV')
      .addOption(
        new Option('--detector <name>', `detector: ${DETECTOR_NAMES.join(', ')}`)
          .default(DEFAULT_DETECTOR)
          .argParser(parseDetectorName),
      )
      .option('--quiet', 'print no summary')
      .action(
        async (inPath: string, outPath: string, flags: { detector: string; quiet?: boolean }) => {
          const s = await detectCsv(inPath, outPath, flags.detector);
          if (flags.quiet !== true) {
            process.stderr.write(
              `${flags.detector}: ${s.rows} rows, ${s.anomalies} anomalies, ${s.skipped} rows without a timestamp or value → ${outPath}\n`,
            );
          }
        },
      )
  );
}
