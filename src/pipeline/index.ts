/** @module The pipeline: the telemetry bus (in-process now, NATS JetStream when scaled out). */
export type { Bus, BusMessage, BusSubscriber } from './bus.ts';
export {
  createInProcessBus,
  defaultInProcessBusOptions,
  InProcessBus,
  type InProcessBusOptions,
} from './in-process-bus.ts';
