/** A server with an alerting runtime on a VirtualClock, temp store and state dir, for inject tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { type SampleBatch, VirtualClock } from '../contract/index.ts';
import { AlertingRuntime, type AlertingSections, createInProcessBus } from '../pipeline/index.ts';
import {
  defaultEmbeddedStoreOptions,
  openEmbeddedStateStore,
  openEmbeddedStore,
  type StateStore,
  type Store,
} from '../store/index.ts';
import { createServer } from './server.ts';

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

export interface AlertingRig {
  app: FastifyInstance;
  rt: AlertingRuntime;
  state: StateStore;
  readonly store: Store;
  readonly clock: VirtualClock;
  readonly dir: string;
  /** Samples every 15 s up to untilMs for `services` (requests, errors, latency, cpu). */
  feed(untilMs: number, errorsPerSecond?: number): Promise<void>;
  /** Closes server, runtime and state store and opens them again on the same files. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function openAlertingRig(
  sections: AlertingSections = {},
  services: readonly string[] = ['api', 'web'],
): Promise<AlertingRig> {
  const dir = await mkdtemp(join(tmpdir(), 'opsight-alerting-routes-'));
  const clock = new VirtualClock(T0);
  const store = await openEmbeddedStore({
    ...defaultEmbeddedStoreOptions(),
    dataDir: join(dir, 'store'),
    clock,
    maintenanceIntervalMs: 0,
    retentionMs: 365 * 86_400_000,
  });
  const bus = createInProcessBus({ clock });
  let fedUntil = T0 - 60 * 60_000;
  const open = async () => {
    const state = await openEmbeddedStateStore(dir);
    const rt = await AlertingRuntime.open({ store, state, clock }, sections, undefined, {
      intervalMs: 0,
    });
    const app = await createServer(
      { store, clock, bus, logger: pino({ level: 'silent' }), alerting: rt },
      {},
    );
    return { state, rt, app };
  };
  const first = await open();
  const rig: AlertingRig = {
    ...first,
    store,
    clock,
    dir,
    async feed(untilMs, errorsPerSecond = 0.01) {
      const batch: SampleBatch[] = [];
      for (let t = fedUntil + 15_000; t <= untilMs; t += 15_000) {
        for (const service of services) {
          const labels = { service };
          batch.push([
            { metric: 'requests_per_second', labels, timestampsMs: [t], values: [100] },
            { metric: 'errors_per_second', labels, timestampsMs: [t], values: [errorsPerSecond] },
            { metric: 'latency_ms', labels, timestampsMs: [t], values: [120] },
            { metric: 'cpu_usage_percent', labels, timestampsMs: [t], values: [40] },
          ]);
        }
        fedUntil = t;
      }
      await store.append(batch.flat());
      clock.set(Math.max(clock.nowMs(), untilMs));
    },
    async restart() {
      await rig.app.close();
      await rig.rt.close();
      await rig.state.close();
      const again = await open();
      rig.app = again.app;
      rig.rt = again.rt;
      rig.state = again.state;
    },
    async close() {
      await rig.app.close();
      await rig.rt.close();
      await rig.state.close();
      await store.close();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
