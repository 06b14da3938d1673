/**
 * @module
 * The write-ahead log: every `append` becomes one record, written and fdatasync'ed before the
 * append resolves. Appends that arrive while a sync is in flight share the next one (group
 * commit). Byte layout: docs/formats/wal.md.
 *
 * Segments are files `wal/<8-digit number>.wal`. A checkpoint rotates to a new segment; once the
 * data of older segments is persisted in segment files they are deleted.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { OpsError } from '../../contract/index.ts';
import { ByteReader, ByteWriter, DecodeError } from './bytes.ts';

export const WAL_HEADER_BYTES = 9;

if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  throw new Error('the embedded store needs a little-endian host');
}
export const RECORD_BATCH = 1;

/** A series defined by a record (the first time it is seen). */
export interface WalSeriesDef {
  readonly id: number;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One series' samples in a record. */
export interface WalEntry {
  readonly seriesId: number;
  readonly timestampsMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface WalBatch {
  readonly defs: readonly WalSeriesDef[];
  readonly entries: readonly WalEntry[];
}

/** Encodes a BATCH record, header included (length, CRC32, type). */
export function encodeBatchRecord(batch: WalBatch): Uint8Array {
  let samples = 0;
  for (const e of batch.entries) samples += e.values.length;
  const w = new ByteWriter(64 + batch.defs.length * 64 + batch.entries.length * 8 + samples * 16);
  w.u32(0);
  w.u32(0);
  w.u8(RECORD_BATCH);
  w.uvarint(batch.defs.length);
  for (const d of batch.defs) {
    w.uvarint(d.id);
    w.string(d.metric);
    const names = Object.keys(d.labels);
    w.uvarint(names.length);
    for (const n of names) {
      w.string(n);
      w.string(d.labels[n] as string);
    }
  }
  w.uvarint(batch.entries.length);
  for (const e of batch.entries) {
    w.uvarint(e.seriesId);
    w.uvarint(e.values.length);
  }
  // Numbers go through a Float64Array and are copied as bytes (little-endian hosts only; every
  // platform Node supports is little-endian, checked at load).
  const nums = new Float64Array(samples * 2);
  let o = 0;
  for (const e of batch.entries) {
    const ts = e.timestampsMs;
    const vs = e.values;
    for (let i = 0; i < ts.length; i++) nums[o++] = ts[i] as number;
    for (let i = 0; i < vs.length; i++) nums[o++] = vs[i] as number;
  }
  w.bytes(new Uint8Array(nums.buffer));
  const out = w.view();
  w.setU32(0, out.length - WAL_HEADER_BYTES);
  w.setU32(4, crc32(out.subarray(8)));
  return out;
}

interface DecodedEntry {
  seriesId: number;
  timestampsMs: Float64Array;
  values: Float64Array;
}

export function decodeBatchPayload(payload: Uint8Array): {
  defs: WalSeriesDef[];
  entries: DecodedEntry[];
} {
  const r = new ByteReader(payload);
  const nDefs = r.uvarint();
  const defs: WalSeriesDef[] = [];
  for (let i = 0; i < nDefs; i++) {
    const id = r.uvarint();
    const metric = r.string();
    const nLabels = r.uvarint();
    const labels: Record<string, string> = {};
    for (let j = 0; j < nLabels; j++) {
      const name = r.string();
      labels[name] = r.string();
    }
    defs.push({ id, metric, labels });
  }
  const nEntries = r.uvarint();
  const heads: Array<[number, number]> = [];
  for (let i = 0; i < nEntries; i++) heads.push([r.uvarint(), r.uvarint()]);
  let total = 0;
  for (const [, n] of heads) total += 2 * n;
  const raw = r.bytes(total * 8);
  // Copy into an aligned buffer, then view it as float64 (little-endian, as written).
  const nums = new Float64Array(total);
  new Uint8Array(nums.buffer).set(raw);
  const entries: DecodedEntry[] = [];
  let o = 0;
  for (const [seriesId, n] of heads) {
    entries.push({
      seriesId,
      timestampsMs: nums.subarray(o, o + n),
      values: nums.subarray(o + n, o + 2 * n),
    });
    o += 2 * n;
  }
  if (r.pos !== r.end) throw new DecodeError(`${r.end - r.pos} trailing bytes`);
  return { defs, entries };
}

export function walDir(dataDir: string): string {
  return join(dataDir, 'wal');
}

function segmentName(n: number): string {
  return `${String(n).padStart(8, '0')}.wal`;
}

/** Segment numbers present, ascending. */
export function listWalSegments(dir: string): number[] {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir)
    .filter((f) => /^\d{8}\.wal$/.test(f))
    .map((f) => Number(f.slice(0, 8)))
    .sort((a, b) => a - b);
}

export interface ReplayOptions {
  readonly onRecord: (type: number, payload: Uint8Array, segment: string, offset: number) => void;
  readonly onTornTail: (segment: string, offset: number, reason: string) => void;
}

/**
 * Replays every record of every segment in order. A torn record at the end of the last segment
 * (an interrupted write) is truncated away; any other bad record throws STORE_CORRUPTION with the
 * segment and offset.
 */
export function replayWal(dir: string, options: ReplayOptions): void {
  const segments = listWalSegments(dir);
  for (let s = 0; s < segments.length; s++) {
    const name = segmentName(segments[s] as number);
    const path = join(dir, name);
    const buf = readFileSync(path);
    const last = s === segments.length - 1;
    let off = 0;
    while (off < buf.length) {
      const problem = checkRecord(buf, off);
      if (problem !== null) {
        if (last && problem.torn) {
          options.onTornTail(name, off, problem.reason);
          const fd = openSync(path, 'r+');
          try {
            ftruncateSync(fd, off);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          break;
        }
        throw new OpsError(
          'STORE_CORRUPTION',
          `wal segment ${name} offset ${off}: ${problem.reason}`,
          { items: [{ field: `wal/${name}`, reason: `offset ${off}: ${problem.reason}` }] },
        );
      }
      const len = buf.readUInt32LE(off);
      const type = buf[off + 8] as number;
      const payload = buf.subarray(off + WAL_HEADER_BYTES, off + WAL_HEADER_BYTES + len);
      try {
        options.onRecord(type, payload, name, off);
      } catch (err) {
        if (err instanceof DecodeError) {
          throw new OpsError(
            'STORE_CORRUPTION',
            `wal segment ${name} offset ${off}: ${err.message}`,
            {
              cause: err,
              items: [{ field: `wal/${name}`, reason: `offset ${off}: ${err.message}` }],
            },
          );
        }
        throw err;
      }
      off += WAL_HEADER_BYTES + len;
    }
  }
}

function checkRecord(buf: Uint8Array, off: number): { torn: boolean; reason: string } | null {
  const left = buf.length - off;
  if (left < WAL_HEADER_BYTES) return { torn: true, reason: `incomplete header (${left} bytes)` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = view.getUint32(off, true);
  const end = off + WAL_HEADER_BYTES + len;
  if (end > buf.length) return { torn: true, reason: `record of ${len} bytes runs past the end` };
  const want = view.getUint32(off + 4, true);
  const got = crc32(buf.subarray(off + 8, end));
  if (want !== got) {
    return {
      torn: end === buf.length,
      reason: `CRC32 mismatch (stored ${want.toString(16)}, computed ${got.toString(16)})`,
    };
  }
  const type = buf[off + 8];
  if (type !== RECORD_BATCH) return { torn: false, reason: `unknown record type ${type}` };
  return null;
}

interface Pending {
  readonly fd: number;
  readonly record: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

function writevAsync(fd: number, bufs: Uint8Array[]): Promise<number> {
  return new Promise((resolve, reject) => {
    writev(fd, bufs, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (err) => (err ? reject(err) : resolve()));
  });
}

/** Appends records with group commit; rotates segments on checkpoint. */
export class WalWriter {
  readonly #dir: string;
  #segment: number;
  #fd: number;
  #bytes: number;
  #pending: Pending[] = [];
  #draining: Promise<void> | null = null;
  #failed: unknown = null;
  /** Number of fdatasync calls so far (group commit makes it smaller than the appends). */
  syncs = 0;
  /** fds of rotated-away segments still owed writes; closed once drained. */
  #retired = new Set<number>();

  constructor(dir: string) {
    this.#dir = dir;
    const segments = listWalSegments(dir);
    this.#segment = segments.length > 0 ? (segments[segments.length - 1] as number) : 1;
    const path = join(dir, segmentName(this.#segment));
    this.#fd = openSync(path, 'a');
    this.#bytes = statSync(path).size;
    fsyncDir(dir);
  }

  get segment(): number {
    return this.#segment;
  }

  /** Bytes in the current segment (written or queued). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a record; resolves once it is on disk (write + fdatasync). */
  append(record: Uint8Array): Promise<void> {
    if (this.#failed !== null) {
      return Promise.reject(
        new OpsError('STORE_IO', 'the write-ahead log failed earlier', { cause: this.#failed }),
      );
    }
    this.#bytes += record.length;
    return new Promise((resolve, reject) => {
      this.#pending.push({ fd: this.#fd, record, resolve, reject });
      if (this.#draining === null) this.#draining = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const first = this.#pending[0] as Pending;
      let n = 1;
      while (n < this.#pending.length && (this.#pending[n] as Pending).fd === first.fd) n++;
      const group = this.#pending.splice(0, n);
      try {
        // writev takes at most IOV_MAX (1024) buffers per call on Linux.
        for (let i = 0; i < group.length; i += 1024) {
          const bufs = group.slice(i, i + 1024).map((p) => p.record);
          let total = 0;
          for (const b of bufs) total += b.length;
          const written = await writevAsync(first.fd, bufs);
          if (written !== total) throw new Error(`short WAL write: ${written} of ${total} bytes`);
        }
        await fdatasyncAsync(first.fd);
        this.syncs++;
        for (const p of group) p.resolve();
      } catch (err) {
        this.#failed = err;
        const e = new OpsError('STORE_IO', `write-ahead log write failed: ${String(err)}`, {
          cause: err,
        });
        for (const p of group) p.reject(e);
        for (const p of this.#pending.splice(0)) p.reject(e);
      }
      if (this.#retired.has(first.fd) && !this.#pending.some((p) => p.fd === first.fd)) {
        this.#retired.delete(first.fd);
        closeSync(first.fd);
      }
    }
    this.#draining = null;
  }

  /**
   * Starts a new segment: records queued from now on go there. Returns the number of the new
   * segment; every older segment may be deleted once its data is persisted.
   */
  rotate(): number {
    const old = this.#fd;
    this.#segment += 1;
    this.#fd = openSync(join(this.#dir, segmentName(this.#segment)), 'a');
    this.#bytes = 0;
    fsyncDir(this.#dir);
    if (this.#pending.some((p) => p.fd === old)) this.#retired.add(old);
    else closeSync(old);
    return this.#segment;
  }

  /** Deletes segments numbered below `segment`. */
  deleteBefore(segment: number): void {
    for (const n of listWalSegments(this.#dir)) {
      if (n < segment) unlinkSync(join(this.#dir, segmentName(n)));
    }
    fsyncDir(this.#dir);
  }

  /** Waits for queued records. */
  async idle(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  async close(): Promise<void> {
    await this.idle();
    closeSync(this.#fd);
  }
}

/** fsyncs a directory so created, renamed or deleted entries survive a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
