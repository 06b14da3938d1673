import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreContract } from '../store.contract.ts';
import { openEmbeddedStore } from './open.ts';
import { defaultEmbeddedStoreOptions } from './options.ts';

const root = mkdtempSync(join(tmpdir(), 'opsight-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStoreContract('embedded', ({ key, clock }) =>
  openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(root, key),
    clock,
    maintenanceIntervalMs: 0,
  }),
);
