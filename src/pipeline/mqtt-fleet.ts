/**
 * @module
 * Fleet readings over MQTT (docs/fleet.md#mqtt): subscribes to `fleet/+/telemetry` (QoS 1) on a
 * broker and feeds every message to `FleetRuntime.ingest`, the same path as POST /telemetry.
 *
 * - A message is one reading (a JSON object) or an array of them. The topic's middle segment is
 *   the vehicle id: a reading without `vehicle_id` takes it from the topic; a reading whose
 *   `vehicle_id` disagrees with the topic is **not** ingested (which of the two is wrong cannot be
 *   told, and guessing would mix two vehicles' histories) and is counted as `mismatched`.
 * - A payload that is not JSON, not an object or array, or too large is counted as `malformed`
 *   and logged (at most one warning per `logEveryMs`); the adapter never throws on input.
 * - QoS 1 messages are acknowledged (PUBACK) only after ingest returned, i.e. after the store
 *   made the readings durable; one message is handled at a time (mqtt.js `handleMessage`).
 * - Reconnects with exponential backoff (`reconnectMinMs` doubling to `reconnectMaxMs`), and
 *   `close()` ends the session cleanly (waits for the message in hand).
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { FleetIngestResult } from './fleet-runtime.ts';

export const FLEET_MQTT_TOPIC = 'fleet/+/telemetry';

export interface MqttFleetLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MqttFleetDeps {
  readonly fleet: { ingest(body: unknown): Promise<FleetIngestResult> };
  readonly logger: MqttFleetLogger;
}

export interface MqttFleetOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 (credentials may be in it: mqtt://user:pw@host). */
  readonly url: string;
  /** Subscription filter; the segment matched by `+` is the vehicle id. */
  readonly topic: string;
  readonly clientId: string;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly connectTimeoutMs: number;
  /** Larger payloads are malformed (a reading is ~200 bytes). */
  readonly maxPayloadBytes: number;
  readonly logEveryMs: number;
}

export function defaultMqttFleetOptions(url: string): MqttFleetOptions {
  return {
    url,
    topic: FLEET_MQTT_TOPIC,
    clientId: `opsight-fleet-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`,
    reconnectMinMs: 500,
    reconnectMaxMs: 30_000,
    connectTimeoutMs: 10_000,
    maxPayloadBytes: 1024 * 1024,
    logEveryMs: 10_000,
  };
}

export interface MqttFleetStats {
  readonly connected: boolean;
  /** Messages received on the topic. */
  readonly messages: number;
  /** Readings handed to the fleet runtime (each then validated like POST /telemetry). */
  readonly readings: number;
  /** Readings stored (fully or partly valid). */
  readonly stored: number;
  /** Payloads that were not JSON, not an object or array, or too large. */
  readonly malformed: number;
  /** Readings whose vehicle_id disagreed with the topic (not ingested). */
  readonly mismatched: number;
  /** Messages the runtime failed to take (e.g. the store was closing). */
  readonly failed: number;
  readonly reconnects: number;
  readonly lastError?: string;
}

/** What one message turned into: the body to ingest, and what was refused. */
export interface ParsedFleetMessage {
  readonly readings: unknown[];
  readonly mismatched: number;
  readonly malformed?: string;
}

/** The vehicle id of a topic matching `filter` (the `+` segment), or undefined. */
export function vehicleOfTopic(topic: string, filter: string): string | undefined {
  const t = topic.split('/');
  const f = filter.split('/');
  if (t.length !== f.length) return undefined;
  let id: string | undefined;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '+') id ??= t[i];
    else if (f[i] !== t[i]) return undefined;
  }
  return id === '' ? undefined : id;
}

/**
 * Parses one payload for vehicle `topicId`: readings without an id get the topic's, readings
 * naming another vehicle are dropped and counted. Pure, so the rules are unit-tested.
 */
export function parseFleetMessage(
  payload: Uint8Array,
  topicId: string,
  maxPayloadBytes: number,
): ParsedFleetMessage {
  if (payload.byteLength > maxPayloadBytes) {
    return {
      readings: [],
      mismatched: 0,
      malformed: `payload of ${payload.byteLength} bytes exceeds ${maxPayloadBytes}`,
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
    );
  } catch (err) {
    return { readings: [], mismatched: 0, malformed: `not JSON: ${(err as Error).message}` };
  }
  if (typeof body !== 'object' || body === null) {
    return {
      readings: [],
      mismatched: 0,
      malformed: `expected a reading (object) or an array, got ${body === null ? 'null' : typeof body}`,
    };
  }
  const list: unknown[] = Array.isArray(body) ? body : [body];
  const readings: unknown[] = [];
  let mismatched = 0;
  for (const r of list) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      readings.push(r); // the validation layer records it as not_an_object
      continue;
    }
    const id = (r as Record<string, unknown>).vehicle_id;
    if (id === undefined || id === null) readings.push({ ...r, vehicle_id: topicId });
    else if (id !== topicId) mismatched++;
    else readings.push(r);
  }
  return { readings, mismatched };
}

export class MqttFleetAdapter {
  readonly options: MqttFleetOptions;
  readonly #deps: MqttFleetDeps;
  readonly #client: MqttClient;
  #stats = {
    messages: 0,
    readings: 0,
    stored: 0,
    malformed: 0,
    mismatched: 0,
    failed: 0,
    reconnects: 0,
  };
  #lastError: string | undefined;
  #closing = false;
  #backoffMs: number;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #lastWarnMs = 0;
  #suppressed = 0;

  constructor(deps: MqttFleetDeps, options: MqttFleetOptions) {
    this.#deps = deps;
    this.options = options;
    this.#backoffMs = options.reconnectMinMs;
    // Reconnects are ours (reconnectPeriod 0), so they can back off.
    this.#client = mqtt.connect(options.url, {
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs,
      protocolVersion: 4,
    });
    this.#client.handleMessage = (packet, done) => {
      this.#handle(packet).then(
        () => done(),
        () => done(),
      );
    };
    this.#client.on('connect', () => {
      this.#backoffMs = options.reconnectMinMs;
      this.#client.subscribe(options.topic, { qos: 1 }, (err) => {
        if (err) {
          this.#lastError = `subscribe failed: ${err.message}`;
          deps.logger.error({ err, topic: options.topic }, 'mqtt: subscribe failed');
        } else {
          deps.logger.info({ url: redact(options.url), topic: options.topic }, 'mqtt: subscribed');
        }
      });
    });
    this.#client.on('error', (err) => {
      this.#lastError = err.message;
      this.#warn({ err: err.message, url: redact(options.url) }, 'mqtt: connection error');
    });
    this.#client.on('close', () => this.#scheduleReconnect());
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  stats(): MqttFleetStats {
    return {
      connected: this.#client.connected,
      ...this.#stats,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /** Resolves once connected (or rejects after `timeoutMs`); for tests and startup logs. */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.#client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#client.off('connect', onConnect);
        reject(new Error(`not connected to ${redact(this.options.url)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#client.once('connect', onConnect);
    });
  }

  /** Unsubscribes and disconnects; the message in hand is finished first. Idempotent. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    await new Promise<void>((resolve) => {
      this.#client.end(false, {}, () => resolve());
    });
  }

  #scheduleReconnect(): void {
    if (this.#closing || this.#retry !== undefined) return;
    const delayMs = this.#backoffMs;
    this.#backoffMs = Math.min(this.options.reconnectMaxMs, this.#backoffMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#closing) return;
      this.#stats.reconnects++;
      this.#client.reconnect();
    }, delayMs);
    this.#retry.unref?.();
  }

  async #handle(packet: IPublishPacket): Promise<void> {
    this.#stats.messages++;
    const topicId = vehicleOfTopic(packet.topic, this.options.topic);
    if (topicId === undefined) {
      this.#stats.malformed++;
      this.#warn({ topic: packet.topic }, 'mqtt: message on a topic without a vehicle id');
      return;
    }
    const payload =
      typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const parsed = parseFleetMessage(payload, topicId, this.options.maxPayloadBytes);
    if (parsed.malformed !== undefined) {
      this.#stats.malformed++;
      this.#warn({ topic: packet.topic, reason: parsed.malformed }, 'mqtt: malformed payload');
      return;
    }
    if (parsed.mismatched > 0) {
      this.#stats.mismatched += parsed.mismatched;
      this.#warn(
        { topic: packet.topic, readings: parsed.mismatched },
        'mqtt: readings name another vehicle than their topic; not ingested',
      );
    }
    if (parsed.readings.length === 0) return;
    this.#stats.readings += parsed.readings.length;
    try {
      const r = await this.#deps.fleet.ingest(parsed.readings);
      this.#stats.stored += r.accepted + r.partial;
    } catch (err) {
      this.#stats.failed++;
      this.#lastError = err instanceof Error ? err.message : String(err);
      this.#deps.logger.error({ err, topic: packet.topic }, 'mqtt: fleet ingest failed');
    }
  }

  /** Warnings about input, at most one per `logEveryMs` (with how many were held back). */
  #warn(obj: object, msg: string): void {
    const now = Date.now();
    if (now - this.#lastWarnMs < this.options.logEveryMs) {
      this.#suppressed++;
      return;
    }
    this.#deps.logger.warn({ ...obj, suppressedSinceLast: this.#suppressed }, msg);
    this.#lastWarnMs = now;
    this.#suppressed = 0;
  }
}

/** Starts the adapter; it connects in the background and keeps retrying. */
export function startMqttFleet(
  deps: MqttFleetDeps,
  options: Partial<MqttFleetOptions> & { url: string },
): MqttFleetAdapter {
  return new MqttFleetAdapter(deps, { ...defaultMqttFleetOptions(options.url), ...options });
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
