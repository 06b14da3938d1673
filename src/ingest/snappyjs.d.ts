/** Types for snappyjs 0.7 (pure-JS snappy, block format), which ships none. */
declare module 'snappyjs' {
  /** Decompresses a snappy block; throws on a corrupt stream or when longer than `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
