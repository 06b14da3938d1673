/**
 * @module
 * The series index file `series.idx`: every series id with its metric and labels, rewritten
 * (temp file, fsync, rename, fsync dir) at each persist. Layout: docs/formats/segments.md.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type Labels, OpsError } from '../../contract/index.ts';
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';
import { fsyncDir } from './wal.ts';

const MAGIC = 0x4f505349; // "OPSI"
const VERSION = 1;
export const SERIES_INDEX_FILE = 'series.idx';

export interface IndexedSeries {
  readonly id: number;
  readonly metric: string;
  readonly labels: Labels;
}

/** Writes `path` crash-safely: temp file, fsync, rename over, fsync the directory. */
export function writeFileAtomic(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

export function encodeSeriesIndex(series: Iterable<IndexedSeries>): Uint8Array {
  const w = new ByteWriter(1 << 16);
  w.u32(MAGIC);
  w.u8(VERSION);
  const list = [...series];
  w.uvarint(list.length);
  for (const s of list) {
    w.uvarint(s.id);
    w.string(s.metric);
    const names = Object.keys(s.labels);
    w.uvarint(names.length);
    for (const n of names) {
      w.string(n);
      w.string(s.labels[n] as string);
    }
  }
  w.u32(crc32(w.view()));
  return w.finish();
}

export function readSeriesIndex(dataDir: string): IndexedSeries[] {
  const path = join(dataDir, SERIES_INDEX_FILE);
  if (!existsSync(path)) return [];
  const buf = readFileSync(path);
  const fail = (reason: string): never => {
    throw new OpsError('STORE_CORRUPTION', `${SERIES_INDEX_FILE}: ${reason}`, {
      items: [{ field: SERIES_INDEX_FILE, reason }],
    });
  };
  if (buf.length < 9) fail('file too short');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32LE(buf.length - 4)) fail('CRC32 mismatch');
  try {
    const r = new ByteReader(body);
    if (r.u32() !== MAGIC) fail('bad magic');
    const version = r.u8();
    if (version !== VERSION) fail(`unknown version ${version}`);
    const n = r.uvarint();
    const out: IndexedSeries[] = [];
    for (let i = 0; i < n; i++) {
      const id = r.uvarint();
      const metric = r.string();
      const nl = r.uvarint();
      const labels: Record<string, string> = {};
      for (let k = 0; k < nl; k++) {
        const name = r.string();
        labels[name] = r.string();
      }
      out.push({ id, metric, labels });
    }
    return out;
  } catch (err) {
    if (err instanceof DecodeError) return fail(err.message);
    throw err;
  }
}
