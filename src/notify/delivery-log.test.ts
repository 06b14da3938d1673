import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeliveryAttempt, InMemoryDeliveryLog, JsonlDeliveryLog } from './delivery-log.ts';

function attempt(i: number, over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    channel: i % 2 === 0 ? 'even' : 'odd',
    channelKind: 'webhook',
    notificationId: `n${i}`,
    notificationKind: 'firing',
    dedupKey: `k${i}`,
    attempt: 1,
    at: new Date(i * 1000).toISOString(),
    outcome: 'delivered',
    status: 200,
    durationMs: 1.5,
    final: true,
    ...over,
  };
}

describe('InMemoryDeliveryLog', () => {
  it('keeps the newest `capacity` entries and filters by channel and notification', async () => {
    const log = new InMemoryDeliveryLog({ capacity: 3 });
    for (let i = 0; i < 5; i++) await log.record(attempt(i));
    expect((await log.list()).map((a) => a.notificationId)).toEqual(['n2', 'n3', 'n4']);
    expect((await log.list({ channel: 'even' })).map((a) => a.notificationId)).toEqual([
      'n2',
      'n4',
    ]);
    expect((await log.list({ notificationId: 'n3' })).map((a) => a.notificationId)).toEqual(['n3']);
    expect((await log.list({ limit: 1 })).map((a) => a.notificationId)).toEqual(['n4']);
  });
});

describe('JsonlDeliveryLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsight-dlog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON object per line, in record order, even when records race', async () => {
    const log = new JsonlDeliveryLog({ dir: join(dir, 'notify'), maxFileBytes: 1 << 20 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.record(attempt(i))));
    const lines = (await readFile(log.path, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as DeliveryAttempt).notificationId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `n${i}`),
    );
    // A new instance on the same dir reads what the first wrote.
    const again = new JsonlDeliveryLog({ dir: join(dir, 'notify'), maxFileBytes: 1 << 20 });
    expect(await again.list({ channel: 'odd', limit: 2 })).toEqual([attempt(47), attempt(49)]);
  });

  it('skips a torn last line from a crash mid-append', async () => {
    const log = new JsonlDeliveryLog({ dir, maxFileBytes: 1 << 20 });
    await log.record(attempt(1));
    await appendFile(log.path, '{"channel":"even","chan');
    const reopened = new JsonlDeliveryLog({ dir, maxFileBytes: 1 << 20 });
    expect(await reopened.list()).toEqual([attempt(1)]);
  });

  it('rotates to deliveries.jsonl.1 past maxFileBytes and still lists both files', async () => {
    const one = `${JSON.stringify(attempt(0))}\n`.length;
    const log = new JsonlDeliveryLog({ dir, maxFileBytes: one * 3 });
    for (let i = 0; i < 5; i++) await log.record(attempt(i));
    const rotated = (await readFile(`${log.path}.1`, 'utf8')).trim().split('\n');
    expect(rotated).toHaveLength(3);
    expect((await log.list()).map((a) => a.notificationId)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });
});
