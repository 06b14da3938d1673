/** @module The HTTP server: ingest, query, KPI and live routes, OpenAPI, health, dashboard. */

export {
  defaultServerOptions,
  type FleetDemoControl,
  type ServerDeps,
  type ServerIngestLimits,
  type ServerOptions,
} from './options.ts';
export { parseDurationMs, parseSelector, parseTimeMs } from './params.ts';
export { createServer } from './server.ts';
