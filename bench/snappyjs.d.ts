// snappyjs ships no type declarations; these are the two functions the bench uses (block format,
// which is what Prometheus remote write sends).
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array): Uint8Array;
}
