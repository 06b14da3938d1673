import { describe, expect, it } from 'vitest';
import { FLEET_MQTT_TOPIC, parseFleetMessage, vehicleOfTopic } from './mqtt-fleet.ts';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('MQTT fleet messages', () => {
  it('takes the vehicle id from the + segment of the topic', () => {
    expect(vehicleOfTopic('fleet/truck-01/telemetry', FLEET_MQTT_TOPIC)).toBe('truck-01');
    expect(vehicleOfTopic('fleet/truck-01/status', FLEET_MQTT_TOPIC)).toBeUndefined();
    expect(vehicleOfTopic('fleet//telemetry', FLEET_MQTT_TOPIC)).toBeUndefined();
    expect(vehicleOfTopic('fleet/a/b/telemetry', FLEET_MQTT_TOPIC)).toBeUndefined();
    expect(vehicleOfTopic('lab7/fleet/v-9/telemetry', 'lab7/fleet/+/telemetry')).toBe('v-9');
  });

  it('fills a missing vehicle_id from the topic and drops readings naming another vehicle', () => {
    const one = parseFleetMessage(bytes('{"ts":"2026-01-01T00:00:00Z","speed_mph":3}'), 'v-1', 1e6);
    expect(one).toEqual({
      readings: [{ ts: '2026-01-01T00:00:00Z', speed_mph: 3, vehicle_id: 'v-1' }],
      mismatched: 0,
    });
    const many = parseFleetMessage(
      bytes('[{"vehicle_id":"v-1","a":1},{"vehicle_id":"v-2","a":2},7]'),
      'v-1',
      1e6,
    );
    expect(many.readings).toEqual([{ vehicle_id: 'v-1', a: 1 }, 7]);
    expect(many.mismatched).toBe(1);
  });

  it('calls non-JSON, scalar and oversized payloads malformed', () => {
    expect(parseFleetMessage(bytes('{oops'), 'v', 1e6).malformed).toMatch(/^not JSON/);
    expect(parseFleetMessage(bytes('42'), 'v', 1e6).malformed).toMatch(/got number/);
    expect(parseFleetMessage(bytes('null'), 'v', 1e6).malformed).toMatch(/got null/);
    expect(parseFleetMessage(bytes('{"a":1}'), 'v', 3).malformed).toMatch(/exceeds 3/);
  });
});
