/**
 * @module
 * The "core" opsight server for the benchmark: the HTTP server (src/server) over the embedded
 * store (src/store) and the in-process bus, without the detection and alerting runtimes that
 * `opsight start` adds. It isolates what the peers do (take samples in, keep them, answer
 * queries) from opsight's per-series anomaly detection, which stores three baseline series
 * (expected, lower, upper) for every series it watches.
 *
 * usage: node dist/bench/opsight-server.js <port> <data-dir>
 * Answers /readyz once listening; SIGTERM closes the server, then flushes and closes the store.
 */
import { pino } from 'pino';
import { defaultIngestLimits } from '../src/ingest/index.ts';
import { createInProcessBus } from '../src/pipeline/index.ts';
import { createServer } from '../src/server/index.ts';
import { defaultEmbeddedStoreOptions, openEmbeddedStore } from '../src/store/index.ts';

async function main(): Promise<void> {
  const [portArg, dataDir] = process.argv.slice(2);
  const port = Number(portArg);
  if (!Number.isInteger(port) || dataDir === undefined) {
    throw new Error('usage: opsight-server.js <port> <data-dir>');
  }
  const logger = pino({ level: 'info' });
  const clock = { nowMs: (): number => Date.now() };
  const store = await openEmbeddedStore({ ...defaultEmbeddedStoreOptions(), dataDir, clock });
  const bus = createInProcessBus({ clock });
  let ready = false;
  const { nowMs: _stampedPerRequest, ...ingestLimits } = defaultIngestLimits();
  const app = await createServer(
    { store, clock, logger, bus },
    { ingestLimits, ready: () => ready },
  );
  await app.listen({ host: '127.0.0.1', port });
  ready = true;
  const stop = (): void => {
    ready = false;
    void (async () => {
      await app.close();
      await store.close();
      logger.info('stopped');
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `opsight-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(2);
});
