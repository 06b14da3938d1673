/**
 * @module
 * Stateless seeded randomness for simulators. Every random number a simulator draws is a pure
 * function of (seed, stream, coordinates such as a service index and a timestamp), so any slice
 * of simulated time can be generated on demand, in any order and in any chunking, with the same
 * result and O(1) memory. The draws themselves come from the contract's `createRng`.
 */
import { createRng, type Rng } from '../contract/index.ts';

const TWO_POW_32 = 4_294_967_296;

/**
 * Folds one value into a 32-bit hash (a murmur3-style finalizer over `h ^ v`). Any finite number
 * is accepted: it is split into its low and high 32-bit words first, so negative and large
 * integers (epoch milliseconds, day numbers) hash without collisions between them.
 */
export function mixSeed(h: number, v: number): number {
  const low = v >>> 0;
  const high = Math.floor(v / TWO_POW_32) >>> 0;
  return fold(fold(h, low), high);
}

function fold(h: number, v: number): number {
  let x = Math.imul((h ^ v) >>> 0, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae3d);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit seed for the coordinates `parts`, derived from the user's `seed`. */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  let h = mixSeed(0x6f707369, seed); // 'opsi'
  for (const p of parts) h = mixSeed(h, p);
  return h;
}

/** A generator seeded for the coordinates `parts`. */
export function rngAt(seed: number, ...parts: readonly number[]): Rng {
  return createRng(deriveSeed(seed, ...parts));
}

/** One uniform draw in [-1, 1) for the coordinates `parts`. */
export function signedUniformAt(seed: number, ...parts: readonly number[]): number {
  return rngAt(seed, ...parts).next() * 2 - 1;
}

/** Hermite smoothstep: 0 below `edge0`, 1 above `edge1`, C1-continuous in between. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/**
 * Value noise in [-1, 1]: a uniform random value at every knot `floor(tMs / knotMs)`, blended
 * between neighbouring knots with smoothstep. Knots sit on absolute epoch time, so the curve
 * does not depend on where a run starts or how it is chunked.
 *
 * Example: knotMs = 6 h; at 03:00 the value is halfway (in smoothstep terms) between the knots of
 * 00:00 and 06:00.
 */
export function valueNoise(seed: number, stream: number, tMs: number, knotMs: number): number {
  const x = tMs / knotMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = signedUniformAt(seed, stream, i);
  const b = signedUniformAt(seed, stream, i + 1);
  const s = f * f * (3 - 2 * f);
  return a + (b - a) * s;
}
