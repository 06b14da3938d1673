/**
 * @module
 * Opening the embedded engine: recovery (persisted segments, then the WAL) happens before the
 * promise resolves, so a returned store already holds every acknowledged sample.
 */
import type { Store } from '../store.ts';
import { EmbeddedStore } from './embedded-store.ts';
import { defaultEmbeddedStoreOptions, type EmbeddedStoreOptions } from './options.ts';

/**
 * @example
 * const store = await openEmbeddedStore({ ...defaultEmbeddedStoreOptions(), dataDir: './data' });
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  const store = new EmbeddedStore({ ...defaultEmbeddedStoreOptions(), ...options });
  store.open();
  return store;
}
