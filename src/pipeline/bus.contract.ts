/**
 * @module
 * The conformance suite every bus engine runs (in-process now, NATS later): delivery to every
 * subscriber in publish order, unsubscribe, and isolation of failing subscribers.
 */
import { describe, expect, it } from 'vitest';
import type { SampleBatch } from '../contract/index.ts';
import type { Bus, BusMessage } from './bus.ts';

export interface BusHarness {
  readonly bus: Bus;
  /** Errors the engine reported for failing subscribers, in order. */
  readonly reported: unknown[];
}

function batch(metric: string, value: number): SampleBatch {
  return [{ metric, labels: { service: 'api' }, timestampsMs: [1_000], values: [value] }];
}

export function describeBusContract(name: string, open: () => Promise<BusHarness>): void {
  describe(`${name} satisfies Bus`, () => {
    it('delivers every batch to every subscriber in publish order', async () => {
      const { bus } = await open();
      const a: number[] = [];
      const b: number[] = [];
      bus.subscribe((m) => {
        a.push(m.batch[0]?.values[0] ?? Number.NaN);
      });
      bus.subscribe(async (m) => {
        b.push(m.batch[0]?.values[0] ?? Number.NaN);
      });
      for (let i = 0; i < 5; i++) await bus.publish(batch('x', i));
      expect(a).toEqual([0, 1, 2, 3, 4]);
      expect(b).toEqual([0, 1, 2, 3, 4]);
      await bus.close();
    });

    it('stops delivering after unsubscribe, and a second unsubscribe is harmless', async () => {
      const { bus } = await open();
      const got: BusMessage[] = [];
      const off = bus.subscribe((m) => {
        got.push(m);
      });
      await bus.publish(batch('x', 1));
      off();
      off();
      await bus.publish(batch('x', 2));
      expect(got).toHaveLength(1);
      await bus.close();
    });

    it('isolates throwing and rejecting subscribers', async () => {
      const { bus, reported } = await open();
      const got: number[] = [];
      bus.subscribe(() => {
        throw new Error('sync boom');
      });
      bus.subscribe(async () => {
        throw new Error('async boom');
      });
      bus.subscribe((m) => {
        got.push(m.batch[0]?.values[0] ?? Number.NaN);
      });
      await expect(bus.publish(batch('x', 7))).resolves.toBeUndefined();
      expect(got).toEqual([7]);
      expect(reported.map((e) => (e as Error).message).sort()).toEqual(['async boom', 'sync boom']);
      await bus.close();
    });

    it('delivers nothing after close', async () => {
      const { bus } = await open();
      const got: BusMessage[] = [];
      bus.subscribe((m) => {
        got.push(m);
      });
      await bus.close();
      await bus.publish(batch('x', 1));
      expect(got).toHaveLength(0);
    });
  });
}
