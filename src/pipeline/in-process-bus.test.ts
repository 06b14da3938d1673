import { expect, it } from 'vitest';
import { VirtualClock } from '../contract/index.ts';
import { describeBusContract } from './bus.contract.ts';
import { createInProcessBus } from './in-process-bus.ts';

describeBusContract('InProcessBus', async () => {
  const reported: unknown[] = [];
  return { bus: createInProcessBus({ onSubscriberError: (e) => reported.push(e) }), reported };
});

it('stamps messages with the injected clock and counts subscribers', async () => {
  const clock = new VirtualClock(5_000);
  const bus = createInProcessBus({ clock });
  const stamps: number[] = [];
  const off = bus.subscribe((m) => {
    stamps.push(m.publishedAtMs);
  });
  expect(bus.subscriberCount).toBe(1);
  await bus.publish([]);
  clock.advance(10);
  await bus.publish([]);
  expect(stamps).toEqual([5_000, 5_010]);
  off();
  expect(bus.subscriberCount).toBe(0);
});

it('survives an error reporter that throws', async () => {
  const bus = createInProcessBus({
    onSubscriberError: () => {
      throw new Error('reporter broke');
    },
  });
  bus.subscribe(() => {
    throw new Error('boom');
  });
  await expect(bus.publish([])).resolves.toBeUndefined();
});
