/**
 * @module The demo shop: real instrumented HTTP services (OpenTelemetry SDK, OTLP export to
 * opsight), seeded user traffic and chaos. Only the composition root (app/) starts it.
 */
export { type ChaosEffect, MAX_CHAOS_DELAY_MS, ShopChaos } from './chaos.ts';
export { SHOP_ROUTES, SHOP_SERVICES, type ShopRoute, type ShopServiceName } from './routes.ts';
export {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_SHOP_RATE_PER_S,
  type RunningShop,
  type ShopOptions,
  type ShopStats,
  startShop,
} from './shop.ts';
export {
  createTrafficPlan,
  type PlannedRequest,
  TRAFFIC_MIX,
  type TrafficKind,
  type TrafficPlan,
} from './traffic.ts';
