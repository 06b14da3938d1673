/**
 * @module
 * A byte-budgeted LRU cache of persisted chunk and rollup-page bytes, keyed by their ref. It
 * stands in for the OS page cache that mmap gives Prometheus: repeated dashboard queries read
 * their pages from memory instead of one positioned read per page.
 */

export class BlockCache<V = Uint8Array> {
  readonly #maxBytes: number;
  readonly #map = new Map<object, V>();
  readonly #sizeOf: (v: V) => number;
  #bytes = 0;

  constructor(maxBytes: number, sizeOf: (v: V) => number = (v) => (v as Uint8Array).length) {
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: object, load: () => V): V {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const value = load();
    const size = this.#sizeOf(value);
    if (size > this.#maxBytes) return value;
    this.#map.set(key, value);
    this.#bytes += size;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= this.#sizeOf(v);
    }
    return value;
  }

  delete(key: object): void {
    const v = this.#map.get(key);
    if (v === undefined) return;
    this.#map.delete(key);
    this.#bytes -= this.#sizeOf(v);
  }
}
