/**
 * @module
 * Starts the demo shop: every service on its own 127.0.0.1 port with its own tracer provider,
 * the seeded traffic generator in front, all in this process. Stopping it ends the traffic,
 * releases hung requests, closes the servers and flushes every exporter.
 */
import { Agent, request } from 'node:http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { type Clock, createRng } from '../contract/index.ts';
import type { ShopChaos } from './chaos.ts';
import { SHOP_SERVICES, type ShopServiceName } from './routes.ts';
import { ShopService } from './service.ts';
import { FRONTEND_CHECKOUT_TIMEOUT_FACTOR, shopServiceDefinitions } from './services.ts';
import { createServiceTelemetry, type ExportCounts, type ServiceTelemetry } from './telemetry.ts';
import {
  createTrafficPlan,
  type PlannedRequest,
  type RunningTraffic,
  startTraffic,
  type TrafficCounts,
} from './traffic.ts';

export interface ShopOptions {
  /** Where spans go: opsight's `POST /v1/traces` (OTLP/HTTP protobuf). */
  readonly otlpUrl: string;
  /** Headers of every export request (e.g. `x-api-key`). Default none. */
  readonly otlpHeaders?: Readonly<Record<string, string>>;
  readonly chaos: ShopChaos;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly seed: number;
  /** Mean requests per second of the traffic generator; 0 runs no traffic. Default 8. */
  readonly ratePerS?: number;
  /** Timeout of one service-to-service call, ms. Default 2,000 (frontend → checkout: 3 ×). */
  readonly callTimeoutMs?: number;
  /** Batch export period, ms. Default 1,000. */
  readonly exportIntervalMs?: number;
  /** Replaces the OTLP exporters (tests). */
  readonly exporter?: (service: string) => SpanExporter;
}

export interface ShopStats {
  readonly services: Readonly<Record<string, string>>;
  readonly traffic: TrafficCounts;
  readonly export: Readonly<Record<string, ExportCounts>>;
  readonly hungRequests: number;
}

export interface RunningShop {
  /** Base URL of each service, e.g. `{ payment: 'http://127.0.0.1:40123' }`. */
  readonly urls: Readonly<Record<ShopServiceName, string>>;
  stats(): ShopStats;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Stops traffic, servers and exporters (flushing them). Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_SHOP_RATE_PER_S = 8;
export const DEFAULT_CALL_TIMEOUT_MS = 2_000;
/** The traffic generator's own patience with the frontend. */
const USER_TIMEOUT_MS = 4 * FRONTEND_CHECKOUT_TIMEOUT_FACTOR * DEFAULT_CALL_TIMEOUT_MS;
/** At most one export-failure warning per service per this long. */
const EXPORT_WARN_EVERY_MS = 60_000;

export async function startShop(o: ShopOptions): Promise<RunningShop> {
  const callTimeoutMs = o.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const ratePerS = o.ratePerS ?? DEFAULT_SHOP_RATE_PER_S;
  const lastWarnMs = new Map<string, number>();
  const telemetry = new Map<string, ServiceTelemetry>();
  const urls = {} as Record<ShopServiceName, string>;
  const seedOf = (service: string, stream: number): number =>
    (o.seed ^
      Math.imul(SHOP_SERVICES.indexOf(service as ShopServiceName) + 1, 0x2545f491) ^
      stream) >>>
    0;
  const definitions = shopServiceDefinitions((s) => createRng(seedOf(s, 1)), callTimeoutMs);
  const services: ShopService[] = [];
  for (const def of definitions) {
    const t = createServiceTelemetry(def.name, {
      otlpUrl: o.otlpUrl,
      headers: o.otlpHeaders ?? {},
      exportIntervalMs: o.exportIntervalMs ?? 1_000,
      ...(o.exporter === undefined ? {} : { exporter: o.exporter }),
      onExportFailure: (service, err) => {
        const now = o.clock.nowMs();
        if (now - (lastWarnMs.get(service) ?? Number.NEGATIVE_INFINITY) < EXPORT_WARN_EVERY_MS) {
          return;
        }
        lastWarnMs.set(service, now);
        o.logger.warn({ service, err }, 'demo shop could not export spans');
      },
    });
    telemetry.set(def.name, t);
    services.push(
      new ShopService(def, {
        tracer: t.tracer,
        chaos: o.chaos,
        rng: createRng(seedOf(def.name, 2)),
        logger: o.logger,
        urlOf: (service) => {
          const url = urls[service as ShopServiceName];
          if (url === undefined) throw new Error(`unknown shop service ${service}`);
          return url;
        },
        callTimeoutMs,
      }),
    );
  }
  try {
    for (const s of services) urls[s.name as ShopServiceName] = await s.listen();
  } catch (err) {
    await Promise.allSettled(services.map((s) => s.close()));
    await Promise.allSettled([...telemetry.values()].map((t) => t.shutdown()));
    throw err;
  }

  const userAgent = new Agent({ keepAlive: true, maxSockets: 128 });
  const frontend = urls.frontend;
  const traffic: RunningTraffic | undefined =
    ratePerS > 0
      ? startTraffic({
          plan: createTrafficPlan({ seed: o.seed, ratePerS }),
          nowMs: () => o.clock.nowMs(),
          send: (r) => sendAsUser(frontend, r, userAgent),
        })
      : undefined;
  o.logger.info({ urls, ratePerS, otlpUrl: o.otlpUrl }, 'demo shop started');

  const idleTraffic: TrafficCounts = { sent: 0, byClass: {}, skipped: 0 };
  let stopping: Promise<void> | undefined;
  return {
    urls,
    stats: () => ({
      services: { ...urls },
      traffic: traffic?.counts ?? idleTraffic,
      export: Object.fromEntries([...telemetry].map(([k, t]) => [k, { ...t.counts }])),
      hungRequests: o.chaos.hungCount(),
    }),
    async flush() {
      await Promise.all([...telemetry.values()].map((t) => t.flush()));
    },
    stop() {
      stopping ??= (async () => {
        const trafficDone = traffic?.stop();
        o.chaos.releaseAll();
        await Promise.allSettled(services.map((s) => s.close()));
        userAgent.destroy();
        await trafficDone;
        await Promise.allSettled([...telemetry.values()].map((t) => t.shutdown()));
        o.logger.info({ traffic: traffic?.counts }, 'demo shop stopped');
      })();
      return stopping;
    },
  };
}

/** One user request to the frontend; resolves to the HTTP status. */
function sendAsUser(base: string, r: PlannedRequest, agent: Agent): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const req = request(
      new URL(r.path, base),
      {
        method: r.method,
        agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(USER_TIMEOUT_MS),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
