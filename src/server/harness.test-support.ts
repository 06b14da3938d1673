/**
 * @module
 * Test harness for the server: the real embedded store on a temp dir, a virtual clock, the
 * in-process bus and a silent logger. Used only by *.test.ts files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { VirtualClock } from '../contract/index.ts';
import { createInProcessBus, type InProcessBus } from '../pipeline/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore, type Store } from '../store/index.ts';
import type { ServerDeps, ServerOptions } from './options.ts';
import { createServer } from './server.ts';

/** 2026-01-01T12:00:00Z: the virtual "now" of every server test. */
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: VirtualClock;
  readonly bus: InProcessBus;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Optional deps built from the harness's store, clock and bus (e.g. a TraceAnalytics). */
export type ExtraDeps = (base: {
  readonly store: Store;
  readonly clock: VirtualClock;
  readonly bus: InProcessBus;
}) => Partial<ServerDeps>;

export async function openHarness(
  options: Partial<ServerOptions> = {},
  extraDeps?: ExtraDeps,
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'opsight-server-'));
  const clock = new VirtualClock(T0);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir,
    clock,
    maintenanceIntervalMs: 0,
  });
  const bus = createInProcessBus({ clock });
  const app = await createServer(
    {
      store,
      clock,
      bus,
      logger: pino({ level: 'silent' }),
      ...(extraDeps === undefined ? {} : extraDeps({ store, clock, bus })),
    },
    options,
  );
  return {
    app,
    store,
    clock,
    bus,
    dataDir,
    async close() {
      await app.close();
      await store.close();
      await bus.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface EventInput {
  readonly source_id?: string;
  readonly metric_name: string;
  readonly metric_value: number;
  readonly timestampMs: number;
  readonly tags?: Record<string, string>;
}

export function event(e: EventInput): Record<string, unknown> {
  return {
    timestamp: new Date(e.timestampMs).toISOString(),
    source_id: e.source_id ?? 'api-1',
    metric_name: e.metric_name,
    metric_value: e.metric_value,
    ...(e.tags === undefined ? {} : { tags: e.tags }),
  };
}

/** POSTs events as a JSON array and asserts a 200. */
export async function postEvents(
  app: FastifyInstance,
  events: readonly Record<string, unknown>[],
): Promise<{ accepted: number; samples: number }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(events),
  });
  if (res.statusCode !== 200) throw new Error(`POST /api/v1/events: ${res.statusCode} ${res.body}`);
  return res.json();
}
