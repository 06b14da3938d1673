/**
 * @module
 * Detector state on disk: `<dir>/state-NNNN.json`, each a JSON document holding up to
 * `seriesPerFile` series. Every file is written to a temp name, fsynced, renamed over the old
 * one and the directory fsynced, so a crash leaves either the old or the new file, never half
 * of one. Loading never throws for bad content: an unreadable file or entry is dropped and
 * reported, and that series simply starts learning again.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Labels } from '../contract/index.ts';
import type { DetectorState } from '../detect/index.ts';

export const SNAPSHOT_VERSION = 1;
const FILE_RE = /^state-(\d{4,})\.json$/;

/** What one tracked series persists besides its detector state. */
export interface SeriesSnapshot {
  readonly metric: string;
  readonly labels: Labels;
  /** Event time of the last sample scored. */
  readonly lastTs: number;
  readonly lastValue: number;
  /** Band-step bucket (floor(ts / bandStepMs)) of the last band point written. */
  readonly lastBandBucket: number;
  /** Whether this silence episode was already reported. */
  readonly silenced: boolean;
  readonly state: DetectorState;
}

interface SnapshotFile {
  readonly version: number;
  readonly savedAtMs: number;
  readonly series: readonly unknown[];
}

export interface LoadResult {
  readonly series: SeriesSnapshot[];
  /** Human-readable reasons for what was dropped (files or entries). */
  readonly dropped: string[];
}

function fileName(i: number): string {
  return `state-${String(i).padStart(4, '0')}.json`;
}

async function writeAtomic(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
}

async function syncDir(dir: string): Promise<void> {
  // Makes the renames durable. Some platforms cannot open a directory for sync; that is not
  // worth failing a snapshot over.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Writes `count` series in files of `seriesPerFile`, asking `entries(from, to)` for each file's
 * slice only when that file is written (so serialising a large state does not block the event
 * loop in one piece), then removes files a larger earlier snapshot left.
 */
export async function saveSnapshot(
  dir: string,
  count: number,
  entries: (from: number, to: number) => readonly SeriesSnapshot[],
  savedAtMs: number,
  seriesPerFile: number,
): Promise<{ files: number; bytes: number }> {
  await mkdir(dir, { recursive: true });
  let files = 0;
  let bytes = 0;
  for (let i = 0; i === 0 || i * seriesPerFile < count; i++) {
    const doc: SnapshotFile = {
      version: SNAPSHOT_VERSION,
      savedAtMs,
      series: entries(i * seriesPerFile, Math.min(count, (i + 1) * seriesPerFile)),
    };
    const text = JSON.stringify(doc);
    await writeAtomic(dir, fileName(i), text);
    files++;
    bytes += text.length;
  }
  for (const name of await readdir(dir)) {
    const m = FILE_RE.exec(name);
    if (m !== null && Number(m[1]) >= files) await rm(join(dir, name), { force: true });
    if (name.endsWith('.json.tmp')) await rm(join(dir, name), { force: true });
  }
  await syncDir(dir);
  return { files, bytes };
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isLabels(x: unknown): x is Labels {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  return Object.values(x).every((v) => typeof v === 'string');
}

/** Checks the envelope of one entry; the detector state itself is checked by restoring it. */
function asSeriesSnapshot(x: unknown): SeriesSnapshot | string {
  if (typeof x !== 'object' || x === null) return 'not an object';
  const e = x as Record<string, unknown>;
  if (typeof e.metric !== 'string' || e.metric === '') return 'metric missing';
  if (!isLabels(e.labels)) return 'labels invalid';
  if (!isFiniteNumber(e.lastTs) || !isFiniteNumber(e.lastValue)) return 'lastTs/lastValue invalid';
  if (typeof e.lastBandBucket !== 'number' || typeof e.silenced !== 'boolean') {
    return 'lastBandBucket/silenced invalid';
  }
  if (typeof e.state !== 'object' || e.state === null) return 'state missing';
  return e as unknown as SeriesSnapshot;
}

/** Reads every state file in `dir` (missing dir: nothing). Never throws for bad content. */
export async function loadSnapshot(dir: string): Promise<LoadResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { series: [], dropped: [] };
  }
  const series: SeriesSnapshot[] = [];
  const dropped: string[] = [];
  for (const name of names.filter((n) => FILE_RE.test(n)).sort()) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch (err) {
      dropped.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    const d = doc as Partial<SnapshotFile> | null;
    if (d === null || d.version !== SNAPSHOT_VERSION || !Array.isArray(d.series)) {
      dropped.push(`${name}: not a version ${SNAPSHOT_VERSION} state file`);
      continue;
    }
    d.series.forEach((entry, i) => {
      const s = asSeriesSnapshot(entry);
      if (typeof s === 'string') dropped.push(`${name} #${i}: ${s}`);
      else series.push(s);
    });
  }
  return { series, dropped };
}
