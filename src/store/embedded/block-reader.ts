/**
 * @module
 * Opening segment files: verify the trailer and footer (CRC32), and hand back the chunk and
 * rollup refs per series. Chunk and page bytes are read lazily, one positioned read each.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { OpsError } from '../../contract/index.ts';
import { SEGMENT_MAGIC, SEGMENT_TRAILER_BYTES, SEGMENT_VERSION } from './block-writer.ts';
import { ByteReader, DecodeError } from './bytes.ts';
import type { ChunkRef, RollupRef, SegmentHandle } from './chunk-ref.ts';

export interface LoadedSegment {
  readonly handle: SegmentHandle;
  readonly generation: number;
  readonly series: Array<{ seriesId: number; chunks: ChunkRef[]; pages: RollupRef[] }>;
}

const SEGMENT_RE = /^seg-(\d{8})\.ops$/;

/** Segment file names in the directory, oldest generation first; removes stale temp files. */
export function listSegments(dir: string): string[] {
  const names = readdirSync(dir);
  for (const n of names) if (n.endsWith('.tmp')) unlinkSync(join(dir, n));
  return names.filter((n) => SEGMENT_RE.test(n)).sort();
}

function corrupt(name: string, offset: number, reason: string): OpsError {
  return new OpsError('STORE_CORRUPTION', `segment ${name} offset ${offset}: ${reason}`, {
    items: [{ field: name, reason: `offset ${offset}: ${reason}` }],
  });
}

export function readBytesAt(handle: SegmentHandle, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(handle.fd, out, got, length - got, offset + got);
    if (n === 0) throw corrupt(handle.name, offset, `short read (${got} of ${length} bytes)`);
    got += n;
  }
  return out;
}

export function loadSegment(dir: string, name: string): LoadedSegment {
  const m = SEGMENT_RE.exec(name);
  if (m === null) throw new RangeError(`not a segment name: ${name}`);
  const fd = openSync(join(dir, name), 'r');
  try {
    const size = fstatSync(fd).size;
    const tmp: SegmentHandle = { name, fd, partitionMs: 0, maxTs: 0, bytes: size, live: 0 };
    if (size < 5 + SEGMENT_TRAILER_BYTES) throw corrupt(name, 0, 'file too short');
    const head = new ByteReader(readBytesAt(tmp, 0, 5));
    if (head.u32() !== SEGMENT_MAGIC) throw corrupt(name, 0, 'bad magic');
    const version = head.u8();
    if (version !== SEGMENT_VERSION) throw corrupt(name, 4, `unknown version ${version}`);
    const trailerAt = size - SEGMENT_TRAILER_BYTES;
    const tr = new ByteReader(readBytesAt(tmp, trailerAt, SEGMENT_TRAILER_BYTES));
    const footerLen = tr.u32();
    const footerCrc = tr.u32();
    if (tr.u32() !== SEGMENT_MAGIC) throw corrupt(name, trailerAt + 8, 'bad trailer magic');
    const footerAt = trailerAt - footerLen;
    if (footerAt < 5) throw corrupt(name, trailerAt, `footer length ${footerLen} too large`);
    const footer = readBytesAt(tmp, footerAt, footerLen);
    if (crc32(footer) !== footerCrc) throw corrupt(name, footerAt, 'footer CRC32 mismatch');
    try {
      const r = new ByteReader(footer);
      const partitionMs = r.varint();
      const maxTs = r.varint();
      const handle: SegmentHandle = { name, fd, partitionMs, maxTs, bytes: size, live: 0 };
      const nSeries = r.uvarint();
      const series: LoadedSegment['series'] = [];
      for (let k = 0; k < nSeries; k++) {
        const seriesId = r.uvarint();
        const nChunks = r.uvarint();
        const chunks: ChunkRef[] = [];
        let prevEnd = 0;
        for (let i = 0; i < nChunks; i++) {
          const minTs = partitionMs + r.varint();
          const maxTsC = minTs + r.uvarint();
          const count = r.uvarint();
          const seq = r.uvarint();
          const offset = prevEnd + r.varint();
          const length = r.uvarint();
          if (offset < 5 || offset + length > footerAt)
            throw new DecodeError(`chunk range ${offset}+${length} out of bounds`);
          prevEnd = offset + length;
          chunks.push({
            seq,
            minTs,
            maxTs: maxTsC,
            count,
            bytes: null,
            segment: handle,
            offset,
            length,
          });
        }
        const nPages = r.uvarint();
        const pages: RollupRef[] = [];
        for (let i = 0; i < nPages; i++) {
          const minMinuteMs = partitionMs + r.varint() * 60_000;
          const maxMinuteMs = minMinuteMs + r.uvarint() * 60_000;
          const seq = r.uvarint();
          const offset = prevEnd + r.varint();
          const length = r.uvarint();
          if (offset < 5 || offset + length > footerAt)
            throw new DecodeError(`page range ${offset}+${length} out of bounds`);
          prevEnd = offset + length;
          pages.push({
            seq,
            minMinuteMs,
            maxMinuteMs,
            bytes: null,
            segment: handle,
            offset,
            length,
          });
        }
        handle.live += chunks.length + pages.length;
        series.push({ seriesId, chunks, pages });
      }
      if (r.pos !== r.end) throw new DecodeError('trailing footer bytes');
      return { handle, generation: Number(m[1]), series };
    } catch (err) {
      if (err instanceof DecodeError) throw corrupt(name, footerAt, `footer: ${err.message}`);
      throw err;
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
