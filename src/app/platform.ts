/**
 * @module
 * The composition root: config → store → pipeline → server → demo. Nothing else constructs
 * engines or reads the environment.
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALERTING_SECTIONS, parseAlertingConfig } from '../alerting/index.ts';
import { defaultRedBaselineOptions } from '../analytics/index.ts';
import type { Clock } from '../contract/index.ts';
import { OpsError } from '../contract/index.ts';
import {
  analyzeRootCause,
  INCIDENTS_SECTION,
  IncidentEngine,
  parseIncidentsConfig,
} from '../incidents/index.ts';
import { defaultIngestLimits } from '../ingest/index.ts';
import { parseNotificationsConfig } from '../notify/index.ts';
import {
  AlertingRuntime,
  createInProcessBus,
  FleetRuntime,
  IncidentRuntime,
  PipelineHealthRuntime,
  ReviewRuntime,
  startDetectionThread,
  startMqttFleet,
  TraceAnalytics,
  TraceIngest,
} from '../pipeline/index.ts';
import { createServer } from '../server/index.ts';
import { type RunningShop, ShopChaos, startShop } from '../shop/index.ts';
import {
  openEmbeddedStateStore,
  openEmbeddedStore,
  openEmbeddedTraceStore,
} from '../store/index.ts';
import {
  type Config,
  type ConfigSources,
  durationMs,
  isLoopback,
  loadConfig,
  readFileSections,
} from './config.ts';
import { startDemo } from './demo.ts';
import { type RunningDemoFleet, startDemoFleet } from './demo-fleet.ts';
import { type RunningDemoPipeline, startDemoPipeline } from './demo-pipeline.ts';
import { createLogger, type Logger } from './logger.ts';
import { systemClock } from './system-clock.ts';

export interface RunningPlatform {
  readonly url: string;
  readonly config: Config;
  readonly logger: Logger;
  /** Stops the demo, drains HTTP, flushes and closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function startPlatform(
  sources: ConfigSources,
  clock: Clock = systemClock,
): Promise<RunningPlatform> {
  const config = loadConfig(sources);
  const logger = createLogger(config.logLevel);
  if (!isLoopback(config.host) && config.apiKeys.length === 0) {
    throw new OpsError(
      'CONFIG_INVALID',
      `refusing to listen on ${config.host} without an API key: set OPSIGHT_API_KEY or --api-key-file, or bind 127.0.0.1`,
      { items: [{ field: 'host', reason: 'non-loopback address requires apiKeys' }] },
    );
  }

  // opsight.yaml's alerting sections and channels: a bad key stops startup, naming its path.
  const sections = readFileSections(sources, [
    ...ALERTING_SECTIONS,
    'notifications',
    INCIDENTS_SECTION,
  ]);
  parseAlertingConfig(sections, clock.nowMs());
  const notifications = parseNotificationsConfig(sections.notifications);
  const incidentOptions = parseIncidentsConfig(sections[INCIDENTS_SECTION]);

  const store = await openEmbeddedStore({
    dataDir: config.dataDir,
    retentionMs: durationMs(config.retention),
    clock,
    logger: logger.child({ component: 'store' }),
  });
  // Spans (POST /v1/traces) in <dataDir>/traces, kept as long as samples.
  const traceStore = await openEmbeddedTraceStore({
    dataDir: config.dataDir,
    retentionMs: durationMs(config.retention),
    clock,
    logger: logger.child({ component: 'traces' }),
  });
  const traces = new TraceIngest(traceStore, logger.child({ component: 'traces' }));
  const busLogger = logger.child({ component: 'bus' });
  const bus = createInProcessBus({
    clock,
    onSubscriberError: (err) => busLogger.error({ err }, 'bus subscriber failed'),
  });
  // RED metrics and the service map from every acknowledged span, in event time; the RED
  // samples of closed buckets go to the store and the bus like any metric (docs/red-metrics.md).
  const traceAnalytics = new TraceAnalytics(
    { store, bus, clock, logger: logger.child({ component: 'trace-analytics' }) },
    {
      maxSeriesPerMetric: config.maxSeriesPerMetric,
      // The baseline stops learning from latency at the ratio the incident detector fires at,
      // so a configured `incidents.detector.latency_ratio` moves both (docs/incidents.md).
      red: {
        baseline: {
          ...defaultRedBaselineOptions(),
          latencyFactor: incidentOptions.detector.latencyRatio,
        },
      },
    },
  );
  const stopSpanFeed = traces.onSpans((spans) => {
    // add() never rejects: append failures are logged inside.
    void traceAnalytics.add(spans);
  });
  // Every ingested series gets the default detector ensemble, scored in a worker thread (off
  // with server.detect: false or --no-detect); state lives in <dataDir>/detect.
  const detection = config.detect
    ? await startDetectionThread(
        { store, bus, clock, logger: logger.child({ component: 'detect' }) },
        {
          stateDir: join(config.dataDir, 'detect'),
          maxSeries: config.detectMaxSeries,
          bandStepMs: durationMs(config.detectBandStep),
          maxQueuedSamples: config.detectMaxQueuedSamples,
        },
      )
    : undefined;
  // SLOs, alert rules, silences, notifications, health scores; state in <dataDir>/state.
  const state = await openEmbeddedStateStore(config.dataDir);
  const alerting = await AlertingRuntime.open(
    {
      store,
      state,
      clock,
      logger: logger.child({ component: 'alerting' }),
      ...(detection === undefined ? {} : { anomalies: detection }),
    },
    sections,
    notifications,
    { intervalMs: durationMs(config.alertingInterval) },
  );
  // Incidents: anomalies, firing alerts and the engine's own endpoint checks correlated in event
  // time (one step per closed trace bucket), with root cause, lifecycle and notifications through
  // the alerting channels; kept in <dataDir>/state (docs/incidents-runtime.md).
  const incidents = await IncidentRuntime.open({
    state,
    clock,
    logger: logger.child({ component: 'incidents' }),
    engine: new IncidentEngine(incidentOptions, (input) => analyzeRootCause(input)),
    traceAnalytics,
    ...(detection === undefined ? {} : { detection }),
    alerting,
    notifier: alerting,
  });
  // Staged data pipelines, judged from their telemetry on the bus (docs/pipeline.md).
  const pipelines = new PipelineHealthRuntime({}, logger.child({ component: 'pipelines' })).attach(
    bus,
  );
  // Human review: a seeded 0.5-2 % sample of pipeline events, fleet readings and anomalies,
  // kept in <dataDir>/state (docs/review.md).
  const review = await ReviewRuntime.open(
    { state, clock, logger: logger.child({ component: 'review' }) },
    { seed: config.reviewSeed, rate: config.reviewRate },
  );
  const stopAnomalyReview = detection?.onAnomaly((a) => {
    void review.offerAnomaly(a);
  });
  // The demo pipeline starts after the server listens; its control is looked up when called.
  let demoPipeline: RunningDemoPipeline | undefined;
  const pipelineDemo =
    config.demo && config.demoPipeline
      ? {
          names: () => demoPipeline?.names() ?? [],
          inject: (name: string, kind: 'spike' | 'degradation', cycles: number) => {
            if (demoPipeline === undefined) {
              throw new OpsError('NOT_READY', 'the demo pipeline is still starting');
            }
            return demoPipeline.inject(name, kind, cycles);
          },
        }
      : undefined;
  // The fleet: POST /telemetry, MQTT and the demo emulator all feed one runtime (validation,
  // storage, risk); data-quality events in <dataDir>/state (docs/fleet.md).
  const fleet = await new FleetRuntime(
    { store, bus, clock, logger: logger.child({ component: 'fleet' }), state },
    { maxSeriesPerMetric: config.maxSeriesPerMetric },
  ).open();
  // Live fleet readings (not backfill or late resends) are offered to human review.
  const stopFleetReview = fleet.onReading((r, issues) => {
    if (r.timestampMs < clock.nowMs() - 60_000) return;
    void review.offer({
      stream: 'fleet',
      itemId: `${r.vehicleId}@${r.timestampMs}`,
      subject: r.vehicleId,
      atMs: r.timestampMs,
      reason:
        issues.length > 0
          ? `audit sample; ${issues.length} data-quality issue(s): ${issues.map((i) => `${i.field} ${i.rule}`).join(', ')}`
          : 'audit sample of fleet readings',
      data: { vehicle_id: r.vehicleId, ...r.values, invalid_fields: r.invalidFields },
    });
  });
  const fleetMqtt =
    config.mqtt === undefined
      ? undefined
      : startMqttFleet(
          { fleet, logger: logger.child({ component: 'mqtt-fleet' }) },
          { url: config.mqtt },
        );
  // The demo fleet starts after the server listens; its control is looked up when called.
  let demoFleet: RunningDemoFleet | undefined;
  const fleetDemo =
    config.demo && config.demoFleetVehicles > 0
      ? {
          inject: (a: Parameters<RunningDemoFleet['inject']>[0]) => {
            if (demoFleet === undefined) {
              throw new OpsError('NOT_READY', 'the demo fleet is still starting');
            }
            return demoFleet.inject(a);
          },
          vehicleIds: () => demoFleet?.vehicleIds() ?? [],
          anomalies: () => demoFleet?.anomalies() ?? [],
          profiles: () => demoFleet?.profiles() ?? [],
        }
      : undefined;
  let ready = false;
  const webRoot = config.webRoot ?? defaultWebRoot();
  const { nowMs: _stampedPerRequest, ...ingestLimits } = defaultIngestLimits();
  // The demo shop's chaos control exists before the shop: the server's /simulate/* routes take
  // it now, the shop starts once the server listens (it exports its traces to this server).
  const chaos = config.demo && config.demoShop ? new ShopChaos(clock) : undefined;
  const app = await createServer(
    {
      store,
      clock,
      logger: logger.child({ component: 'server' }),
      bus,
      ...(detection === undefined ? {} : { detection }),
      alerting,
      ...(chaos === undefined ? {} : { chaos }),
      traces,
      traceAnalytics,
      incidents,
      pipelines,
      ...(pipelineDemo === undefined ? {} : { pipelineDemo }),
      review,
      fleet,
      ...(fleetDemo === undefined ? {} : { fleetDemo }),
      ...(fleetMqtt === undefined ? {} : { fleetMqtt }),
    },
    {
      maxBodyBytes: config.maxBodyBytes,
      maxSeriesPerMetric: config.maxSeriesPerMetric,
      apiKeys: config.apiKeys,
      ingestLimits: { ...ingestLimits, retentionMs: durationMs(config.retention) },
      ...(webRoot === undefined ? {} : { webRoot }),
      ready: () => ready,
    },
  );
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  const demo = config.demo
    ? await startDemo({
        store,
        bus,
        clock,
        logger: logger.child({ component: 'demo' }),
        seed: config.demoSeed,
        services: config.demoServices,
        intervalMs: durationMs(config.demoInterval),
        backfillMs: durationMs(config.demoBackfill),
        maxSeriesPerMetric: config.maxSeriesPerMetric,
      })
    : undefined;
  const shop =
    chaos === undefined ? undefined : await startDemoShop(config, url, chaos, clock, logger);
  demoPipeline =
    pipelineDemo === undefined
      ? undefined
      : await startDemoPipeline({
          store,
          bus,
          clock,
          logger: logger.child({ component: 'demo-pipeline' }),
          seed: config.demoSeed,
          name: 'signals',
          maxSeriesPerMetric: config.maxSeriesPerMetric,
          review,
        });
  demoFleet =
    fleetDemo === undefined
      ? undefined
      : await startDemoFleet({
          fleet,
          clock,
          logger: logger.child({ component: 'demo-fleet' }),
          seed: config.demoSeed,
          vehicles: config.demoFleetVehicles,
          backfillMs: 10 * 60_000,
        });
  alerting.start();
  traceAnalytics.start();
  incidents.start();
  ready = true;
  logger.info({ url, dataDir: config.dataDir, demo: config.demo }, 'opsight listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    config,
    logger,
    close() {
      closing ??= (async () => {
        ready = false;
        // The shop first: its exporters flush their last spans into the still-open server.
        await shop?.stop();
        await demo?.stop();
        await demoPipeline?.stop();
        await demoFleet?.stop();
        await fleetMqtt?.close();
        await app.close();
        stopFleetReview();
        await fleet.idle();
        stopAnomalyReview?.();
        pipelines.close();
        stopSpanFeed();
        await traceAnalytics.close();
        // Its last steps are stored and their notifications sent while alerting is open.
        await incidents.close();
        await alerting.close();
        await detection?.close();
        await review.close();
        await state.close();
        await traceStore.close();
        await store.close();
        logger.info('opsight stopped');
      })();
      return closing;
    },
  };
}

/**
 * Starts the demo shop exporting OTLP to this server (its own URL; loopback when bound to a
 * wildcard address), with the first API key when keys are set. A shop that fails to start is
 * logged and left out: the server runs on without it.
 */
async function startDemoShop(
  config: Config,
  url: string,
  chaos: ShopChaos,
  clock: Clock,
  logger: Logger,
): Promise<RunningShop | undefined> {
  const self = url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
  const key = config.apiKeys[0];
  try {
    return await startShop({
      otlpUrl: `${self}/v1/traces`,
      ...(key === undefined ? {} : { otlpHeaders: { 'x-api-key': key } }),
      chaos,
      clock,
      logger: logger.child({ component: 'shop' }),
      seed: config.demoSeed,
      ratePerS: config.demoShopRate,
    });
  } catch (err) {
    logger.error({ err }, 'demo shop did not start; running without it');
    return undefined;
  }
}

/** web/dist next to the package root (dist/src/app/ → ../../../web/dist). */
function defaultWebRoot(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '..', '..', '..', 'web', 'dist'),
    join(here, '..', '..', 'web', 'dist'),
  ]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}
