/**
 * @module
 * Request `Content-Encoding` (RFC 9110 §8.4) for ingest bodies. gzip is undone here, off the
 * event loop and bounded by the ingest limit on decompressed bytes (a few KiB of gzip can claim
 * gigabytes). Remote write's `snappy` is left to its decoder, which knows the block format.
 */
import { gunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { OpsError } from '../contract/index.ts';

/** Returns the body with its content coding removed, or throws a problem-ready OpsError. */
export async function decodeContentEncoding(
  request: FastifyRequest,
  body: Uint8Array,
  maxDecompressedBytes: number,
  passThrough: readonly string[] = [],
): Promise<Uint8Array> {
  const header = request.headers['content-encoding'];
  const coding = (typeof header === 'string' ? header : '').trim().toLowerCase();
  if (coding === '' || coding === 'identity' || passThrough.includes(coding)) return body;
  if (coding === 'gzip' || coding === 'x-gzip') return gunzipBounded(body, maxDecompressedBytes);
  const supported = ['gzip', ...passThrough].join(', ');
  throw new OpsError(
    'UNSUPPORTED_MEDIA_TYPE',
    `content-encoding ${coding} is not supported here; send ${supported} or no encoding`,
    { items: [{ field: 'content-encoding', reason: `${coding} is not one of ${supported}` }] },
  );
}

function gunzipBounded(body: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (err, out) => {
      if (err === null) {
        resolve(out);
        return;
      }
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(
          new OpsError(
            'INGEST_BODY_TOO_LARGE',
            `the gzip body decompresses to more than ${maxBytes} bytes`,
            { cause: err },
          ),
        );
        return;
      }
      reject(
        new OpsError('INGEST_DECODE_FAILED', `the body is not valid gzip: ${err.message}`, {
          cause: err,
        }),
      );
    });
  });
}

/** Media type of the request without parameters, lower-cased; '' when absent. */
export function mediaType(request: FastifyRequest): string {
  const ct = request.headers['content-type'];
  if (typeof ct !== 'string') return '';
  return (ct.split(';')[0] ?? '').trim().toLowerCase();
}

/** A raw body read as a buffer; no body at all is an empty request. */
export function bytesOf(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : new Uint8Array(0);
}
