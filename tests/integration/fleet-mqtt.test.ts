/**
 * Fleet readings over MQTT end to end: the real CLI (`opsight start --no-demo --mqtt
 * mqtt://127.0.0.1:1883`) against the real Mosquitto on this machine, and a real `mqtt` client
 * publishing to `fleet/<id>/telemetry` (vehicle ids unique per run, so other runs on the shared
 * broker do not interfere). Readings must show in GET /telemetry; malformed payloads and readings
 * naming another vehicle than their topic are counted (GET /api/v1/fleet/quality `mqtt`) and the
 * server stays up. Without a reachable broker the suite skips, loudly (CI=true makes that a
 * failure, see tools/run-tests.mjs).
 */
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttFleet } from '../../src/pipeline/index.ts';
import { type OpsightProcess, startOpsight } from '../support/opsight-process.ts';

const BROKER_HOST = '127.0.0.1';
const BROKER_PORT = 1883;
const BROKER = `mqtt://${BROKER_HOST}:${BROKER_PORT}`;

function reachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (why: string | undefined): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} in ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => done(`${host}:${port}: ${err.message}`));
  });
}

const skipReason = await reachable(BROKER_HOST, BROKER_PORT, 2_000);
if (skipReason !== undefined) {
  console.warn(`\n*** SKIPPING fleet MQTT tests: Mosquitto is not reachable (${skipReason}) ***\n`);
}

/** Unique per run, and a valid vehicle id (letters, digits, _ . : -). */
const RUN = `mq${Date.now().toString(36)}${process.pid}`;

// biome-ignore lint/suspicious/noExplicitAny: test code reads answers by path; expect() checks them.
type Json = any;

async function within<T>(
  ms: number,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipReason !== undefined)('fleet readings over MQTT (real Mosquitto)', () => {
  let op: OpsightProcess;
  let client: MqttClient;

  const get = async (path: string): Promise<Json> => {
    const res = await fetch(`${op.url}${path}`);
    expect(res.status, path).toBe(200);
    return res.json();
  };
  const publish = (topic: string, payload: string): Promise<void> =>
    new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  const mqttStats = async (): Promise<Json> => (await get('/api/v1/fleet/quality')).mqtt;

  beforeAll(async () => {
    op = await startOpsight({ args: ['--no-demo', '--no-detect', '--mqtt', BROKER] });
    await within(10_000, 'opsight subscribed to the broker', async () =>
      (await mqttStats())?.connected === true ? true : undefined,
    );
    client = await mqtt.connectAsync(BROKER, { clientId: `${RUN}-publisher`, clean: true });
  });

  afterAll(async () => {
    await client?.endAsync();
    const code = await op?.stop();
    expect(code).toBe(0);
  });

  it('stores readings published to fleet/<id>/telemetry, one or an array, id from the topic', async () => {
    const now = Date.now();
    const a = `${RUN}-a`;
    const b = `${RUN}-b`;
    const base = {
      coolant_temp_f: 196,
      intake_air_temp_f: 88,
      engine_rpm: 1600,
      speed_mph: 40,
      vibration_score: 1.1,
      engine_hours: 4000,
    };
    await publish(
      `fleet/${a}/telemetry`,
      JSON.stringify({ ts: new Date(now - 2000).toISOString(), vehicle_id: a, ...base }),
    );
    // No vehicle_id in the payload: the topic names the vehicle.
    await publish(
      `fleet/${b}/telemetry`,
      JSON.stringify([
        { ts: new Date(now - 2000).toISOString(), ...base },
        { ts: new Date(now - 1000).toISOString(), ...base, coolant_temp_f: 197 },
      ]),
    );
    const rowsA = await within(10_000, `readings of ${a}`, async () => {
      const r = (await get(`/telemetry?vehicle_id=${a}`)).readings;
      return r.length > 0 ? r : undefined;
    });
    expect(rowsA[0]).toMatchObject({ vehicle_id: a, coolant_temp_f: 196, invalid_fields: [] });
    const rowsB = await within(10_000, `readings of ${b}`, async () => {
      const r = (await get(`/telemetry?vehicle_id=${b}`)).readings;
      return r.length === 2 ? r : undefined;
    });
    expect(rowsB.map((r: { coolant_temp_f: number }) => r.coolant_temp_f)).toEqual([196, 197]);
  });

  it('counts malformed payloads and topic/id mismatches without crashing', async () => {
    const before = await mqttStats();
    const c = `${RUN}-c`;
    await publish(`fleet/${c}/telemetry`, 'this is not json');
    await publish(`fleet/${c}/telemetry`, '42');
    await publish(
      `fleet/${c}/telemetry`,
      JSON.stringify({ ts: new Date().toISOString(), vehicle_id: 'someone-else', speed_mph: 3 }),
    );
    // A reading that breaks the validation rules is a data-quality event, as over HTTP.
    await publish(
      `fleet/${c}/telemetry`,
      JSON.stringify({ ts: new Date().toISOString(), vehicle_id: c, coolant_temp_f: 'hot' }),
    );
    const after = await within(10_000, 'malformed and mismatched counted', async () => {
      const s = await mqttStats();
      return s.malformed >= before.malformed + 2 && s.mismatched >= before.mismatched + 1
        ? s
        : undefined;
    });
    expect(after.connected).toBe(true);
    const quality = await within(10_000, 'the quality issue of the bad reading', async () => {
      const q = await get('/api/v1/fleet/quality');
      return q.counts[c] === undefined ? undefined : q;
    });
    expect(quality.counts[c].coolant_temp_f).toEqual({ wrong_type: 1 });
    expect((await fetch(`${op.url}/healthz`)).status).toBe(200);
  });
});

describe.skipIf(skipReason !== undefined)('MQTT fleet adapter reconnects (real Mosquitto)', () => {
  it('reconnects with backoff after the connection drops, and closes cleanly', async () => {
    // A TCP proxy in front of the broker, so the test can cut the adapter's connection.
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = tcpConnect({ host: BROKER_HOST, port: BROKER_PORT });
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop);
      upstream.on('error', drop);
      client.on('close', drop);
      upstream.on('close', drop);
    });
    proxy.listen(0, '127.0.0.1');
    await new Promise((r) => proxy.once('listening', r));
    const port = (proxy.address() as AddressInfo).port;
    const got: unknown[] = [];
    const adapter = startMqttFleet(
      {
        fleet: {
          ingest: async (body: unknown) => {
            got.push(...(body as unknown[]));
            return {
              received: 1,
              accepted: 1,
              partial: 0,
              rejected: 0,
              samples: 6,
              issueCount: 0,
              issues: [],
            };
          },
        },
        logger: pino({ level: 'silent' }),
      },
      { url: `mqtt://127.0.0.1:${port}`, topic: `${RUN}/fleet/+/telemetry`, reconnectMinMs: 50 },
    );
    const publisher = await mqtt.connectAsync(BROKER, { clientId: `${RUN}-pub2`, clean: true });
    try {
      await adapter.waitConnected(10_000);
      for (const s of sockets) s.destroy();
      // The backoff starts at 50 ms: wait for the reconnect itself, not for a disconnected moment.
      await within(10_000, 'a reconnect after the drop', async () => {
        const st = adapter.stats();
        return st.reconnects >= 1 && st.connected ? true : undefined;
      });
      expect(adapter.stats().reconnects).toBeGreaterThanOrEqual(1);
      // Subscribed again: a reading published now arrives.
      const id = `${RUN}-r`;
      await within(10_000, 'a reading after the reconnect', async () => {
        await publisher.publishAsync(
          `${RUN}/fleet/${id}/telemetry`,
          JSON.stringify({ speed_mph: 1 }),
          {
            qos: 1,
          },
        );
        return got.some((r) => (r as { vehicle_id?: string }).vehicle_id === id) ? true : undefined;
      });
      await adapter.close();
      expect(adapter.stats().connected).toBe(false);
    } finally {
      await adapter.close();
      await publisher.endAsync();
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });
});
