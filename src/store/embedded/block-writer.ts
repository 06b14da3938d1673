/**
 * @module
 * Segment files: the sealed chunks and rollup pages of one day partition written by one persist,
 * followed by a footer that indexes them per series. Written to a temp name, fsynced, renamed,
 * and the directory fsynced, so a crash leaves either the whole file or none.
 * Layout: docs/formats/segments.md.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ByteWriter } from './bytes.ts';
import type { ChunkRef, RollupRef } from './chunk-ref.ts';

export const SEGMENT_MAGIC = 0x4f505342; // "OPSB"
export const SEGMENT_VERSION = 1;
export const SEGMENT_TRAILER_BYTES = 12;

export interface SegmentSeriesEntry {
  readonly seriesId: number;
  readonly chunks: readonly ChunkRef[];
  readonly pages: readonly RollupRef[];
}

export interface WrittenSegment {
  readonly name: string;
  readonly bytes: number;
  readonly maxTs: number;
  /** File offsets, in the order of the entries' chunks then pages. */
  readonly chunkOffsets: number[][];
  readonly pageOffsets: number[][];
}

/** Segment files are numbered by generation; the day partition is in the footer. */
export function segmentName(generation: number): string {
  return `seg-${String(generation).padStart(8, '0')}.ops`;
}

/** Writes one segment file; every ref must still hold its bytes. */
export function writeSegment(
  dir: string,
  name: string,
  partitionMs: number,
  entries: readonly SegmentSeriesEntry[],
): WrittenSegment {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  const chunkOffsets: number[][] = [];
  const pageOffsets: number[][] = [];
  let maxTs = partitionMs;
  try {
    const head = new ByteWriter(8);
    head.u32(SEGMENT_MAGIC);
    head.u8(SEGMENT_VERSION);
    let off = 0;
    const write = (b: Uint8Array): void => {
      let o = 0;
      while (o < b.length) o += writeSync(fd, b, o, b.length - o);
      off += b.length;
    };
    write(head.view());
    // Batch small writes into ~1 MiB buffers.
    let buf = new ByteWriter(1 << 20);
    const put = (b: Uint8Array): number => {
      const at = off + buf.length;
      buf.bytes(b);
      if (buf.length >= 1 << 20) {
        write(buf.view());
        buf = new ByteWriter(1 << 20);
      }
      return at;
    };
    for (const e of entries) {
      chunkOffsets.push(e.chunks.map((c) => put(c.bytes as Uint8Array)));
      pageOffsets.push(e.pages.map((p) => put(p.bytes as Uint8Array)));
      for (const c of e.chunks) if (c.maxTs > maxTs) maxTs = c.maxTs;
      for (const p of e.pages) if (p.maxMinuteMs + 59_999 > maxTs) maxTs = p.maxMinuteMs + 59_999;
    }
    write(buf.view());
    const footer = new ByteWriter(64 + entries.length * 64);
    footer.varint(partitionMs);
    footer.varint(maxTs);
    footer.uvarint(entries.length);
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k] as SegmentSeriesEntry;
      footer.uvarint(e.seriesId);
      footer.uvarint(e.chunks.length);
      let prevEnd = 0;
      for (let i = 0; i < e.chunks.length; i++) {
        const c = e.chunks[i] as ChunkRef;
        const at = (chunkOffsets[k] as number[])[i] as number;
        footer.varint(c.minTs - partitionMs);
        footer.uvarint(c.maxTs - c.minTs);
        footer.uvarint(c.count);
        footer.uvarint(c.seq);
        footer.varint(at - prevEnd);
        footer.uvarint(c.length);
        prevEnd = at + c.length;
      }
      footer.uvarint(e.pages.length);
      for (let i = 0; i < e.pages.length; i++) {
        const p = e.pages[i] as RollupRef;
        const at = (pageOffsets[k] as number[])[i] as number;
        footer.varint((p.minMinuteMs - partitionMs) / 60_000);
        footer.uvarint((p.maxMinuteMs - p.minMinuteMs) / 60_000);
        footer.uvarint(p.seq);
        footer.varint(at - prevEnd);
        footer.uvarint(p.length);
        prevEnd = at + p.length;
      }
    }
    const fbytes = footer.view();
    write(fbytes);
    const trailer = new ByteWriter(SEGMENT_TRAILER_BYTES);
    trailer.u32(fbytes.length);
    trailer.u32(crc32(fbytes));
    trailer.u32(SEGMENT_MAGIC);
    write(trailer.view());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  return { name, bytes: 0, maxTs, chunkOffsets, pageOffsets };
}
