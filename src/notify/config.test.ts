import { describe, expect, it } from 'vitest';
import { isOpsError, VirtualClock } from '../contract/index.ts';
import { createChannels, parseNotificationsConfig } from './config.ts';
import { defaultDispatcherOptions } from './dispatcher.ts';

const KEY = 'R0123456789abcdef0123456789ABCDE';
const good = {
  attemptTimeoutMs: 5_000,
  retry: { maxAttempts: 3 },
  channels: [
    { name: 'hook', type: 'webhook', url: 'https://hooks.example/x', secret: 's'.repeat(32) },
    { name: 'slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
    { name: 'pd', type: 'pagerduty', routingKey: KEY, minSeverity: 'high' },
    {
      name: 'mail',
      type: 'email',
      smtp: { host: 'smtp.example', port: 465, user: 'u', password: 'p' },
      from: 'opsight@example.test',
      to: ['oncall@example.test'],
      kinds: ['firing', 'resolved'],
    },
  ],
};

function fieldsOf(raw: unknown): string[] {
  try {
    parseNotificationsConfig(raw);
  } catch (err) {
    if (isOpsError(err) && err.code === 'CONFIG_INVALID') return err.items.map((i) => i.field);
    throw err;
  }
  return [];
}

describe('parseNotificationsConfig', () => {
  it('no section means no channels and default dispatcher options', () => {
    expect(parseNotificationsConfig(undefined)).toEqual({
      dispatcher: defaultDispatcherOptions(),
      channels: [],
    });
  });

  it('accepts a full section and fills defaults', () => {
    const c = parseNotificationsConfig(good);
    expect(c.dispatcher.attemptTimeoutMs).toBe(5_000);
    expect(c.dispatcher.retry).toEqual({ ...defaultDispatcherOptions().retry, maxAttempts: 3 });
    const channels = createChannels(c, { clock: new VirtualClock(0) });
    expect(channels.map((ch) => [ch.notifier.name, ch.notifier.kind, ch.minSeverity])).toEqual([
      ['hook', 'webhook', 'info'],
      ['slack', 'slack', 'info'],
      ['pd', 'pagerduty', 'high'],
      ['mail', 'email', 'info'],
    ]);
    expect(channels[3]?.kinds).toEqual(['firing', 'resolved']);
  });

  const withChannel = (ch: Record<string, unknown>) => ({ channels: [ch] });
  it.each([
    { name: 'not a mapping', raw: [1], want: ['notifications'] },
    { name: 'unknown top-level key', raw: { chanels: [] }, want: ['notifications.chanels'] },
    {
      name: 'bad retry value',
      raw: { retry: { maxAttempts: 0 } },
      want: ['notifications.retry.maxAttempts'],
    },
    {
      name: 'jitter above 1',
      raw: { retry: { jitterRatio: 2 } },
      want: ['notifications.retry.jitterRatio'],
    },
    {
      name: 'unknown channel type',
      raw: withChannel({ name: 'x', type: 'sms' }),
      want: ['notifications.channels.0.type'],
    },
    {
      name: 'webhook without secret',
      raw: withChannel({ name: 'x', type: 'webhook', url: 'https://a.example/' }),
      want: ['notifications.channels.0.secret'],
    },
    {
      name: 'short webhook secret',
      raw: withChannel({ name: 'x', type: 'webhook', url: 'https://a.example/', secret: 'short' }),
      want: ['notifications.channels.0.secret'],
    },
    {
      name: 'non-http URL',
      raw: withChannel({ name: 'x', type: 'slack', url: 'ftp://a.example/' }),
      want: ['notifications.channels.0.url'],
    },
    {
      name: 'misspelt key in a channel',
      raw: withChannel({ name: 'x', type: 'slack', url: 'https://a.example/', colour: 'red' }),
      want: ['notifications.channels.0.colour'],
    },
    {
      name: 'bad routing key',
      raw: withChannel({ name: 'x', type: 'pagerduty', routingKey: 'abc' }),
      want: ['notifications.channels.0.routingKey'],
    },
    {
      name: 'bad severity',
      raw: withChannel({ name: 'x', type: 'slack', url: 'https://a/', minSeverity: 'warning' }),
      want: ['notifications.channels.0.minSeverity'],
    },
    {
      name: 'email without recipients and a bad port',
      raw: withChannel({
        name: 'm',
        type: 'email',
        smtp: { host: 'h', port: 70_000 },
        from: 'a@b',
        to: [],
      }),
      want: ['notifications.channels.0.smtp.port', 'notifications.channels.0.to'],
    },
    {
      name: 'duplicate names (second one named)',
      raw: {
        channels: [
          { name: 'dup', type: 'slack', url: 'https://a/' },
          { name: 'dup', type: 'slack', url: 'https://b/' },
        ],
      },
      want: ['notifications.channels.1.name'],
    },
    {
      name: 'every bad channel reported at once',
      raw: { channels: [{ type: 'slack', url: 'https://a/' }, 'nope'] },
      want: ['notifications.channels.0.name', 'notifications.channels.1'],
    },
  ])('$name → names $want', ({ raw, want }) => {
    expect(fieldsOf(raw)).toEqual(want);
  });

  it('the error message names the first bad key', () => {
    expect(() => parseNotificationsConfig(withChannel({ name: 'x', type: 'slack' }))).toThrow(
      /notifications\.channels\.0\.url: required/,
    );
  });
});
