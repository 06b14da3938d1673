/** Email: nodemailer speaking real SMTP to an smtp-server receiver on 127.0.0.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { EmailNotifier, type SmtpOptions } from '../../src/notify/index.ts';
import {
  describeNotifierContract,
  sampleNotification,
} from '../../src/notify/notifier.contract.ts';
import {
  deadUrl,
  mailHeader,
  mailPart,
  type ReceivedMail,
  type SmtpReceiver,
  startSmtpReceiver,
} from './notify-receivers.ts';

function smtp(host: string, port: number): SmtpOptions {
  return {
    host,
    port,
    secure: false,
    requireTls: false,
    tlsRejectUnauthorized: true,
    timeoutMs: 5_000,
  };
}

const mailer = (host: string, port: number, to = ['oncall@example.test']) =>
  new EmailNotifier({ name: 'mail', smtp: smtp(host, port), from: 'opsight@example.test', to });

/** What a mail client needs: a subject, a text and an HTML part, sender and recipient. */
function mailProblems(mail: ReceivedMail): string[] {
  const out: string[] = [];
  if (
    !/^\[(critical|high|medium|low|info)\] [A-Z]+: /.test(mailHeader(mail.raw, 'subject') ?? '')
  ) {
    out.push('subject');
  }
  if (mailPart(mail.raw, 'text/plain') === undefined) out.push('text part');
  if (mailPart(mail.raw, 'text/html') === undefined) out.push('html part');
  if (mail.from !== 'opsight@example.test' || mail.to.length === 0) out.push('envelope');
  return out;
}

describeNotifierContract('EmailNotifier', async () => {
  const r = await startSmtpReceiver();
  return {
    notifier: mailer(r.host, r.port),
    behave: (b) => r.behave(b),
    accepted: () => r.accepted(),
    problems: () => r.mails.flatMap(mailProblems),
    unreachable: async () => {
      const port = Number(new URL(await deadUrl()).port);
      return mailer('127.0.0.1', port);
    },
    close: () => r.close(),
  };
});

describe('EmailNotifier message', () => {
  let r: SmtpReceiver | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('sends subject with severity and title, plain text and HTML, to every recipient', async () => {
    r = await startSmtpReceiver();
    const n = sampleNotification({
      title: 'Checkout <p95> latency high',
      summary: 'p95 is 840 ms & climbing',
    });
    const m = mailer(r.host, r.port, ['a@example.test', 'b@example.test']);
    const result = await m.send(n);
    await m.close();
    expect(result).toMatchObject({ ok: true, status: 250, attempts: 1 });
    expect(r.mails).toHaveLength(1);
    const mail = r.mails[0];
    expect(mail?.from).toBe('opsight@example.test');
    expect(mail?.to).toEqual(['a@example.test', 'b@example.test']);
    const raw = mail?.raw ?? '';
    expect(mailHeader(raw, 'subject')).toBe('[critical] FIRING: Checkout <p95> latency high');
    expect(mailHeader(raw, 'x-opsight-dedup-key')).toBe(n.dedupKey);
    const text = mailPart(raw, 'text/plain') ?? '';
    expect(text).toContain('FIRING · critical');
    expect(text).toContain('p95 is 840 ms & climbing');
    expect(text).toContain('service=checkout');
    expect(text).toContain(`Open in opsight: ${n.url}`);
    const html = mailPart(raw, 'text/html') ?? '';
    expect(html).toContain('<h2>Checkout &lt;p95&gt; latency high</h2>');
    expect(html).toContain('p95 is 840 ms &amp; climbing');
    expect(html).not.toContain('<p95>');
  });

  it('threads every event of one alert under the same References id', async () => {
    r = await startSmtpReceiver();
    const m = mailer(r.host, r.port);
    await m.send(sampleNotification({ kind: 'firing' }));
    await m.send(sampleNotification({ kind: 'resolved', status: 'resolved' }));
    await m.send(sampleNotification({ dedupKey: 'other' }));
    await m.close();
    const refs = r.mails.map((x) => mailHeader(x.raw, 'references'));
    expect(refs[0]).toMatch(/^<[0-9a-f]{32}@opsight\.invalid>$/);
    expect(refs[1]).toBe(refs[0]);
    expect(refs[2]).not.toBe(refs[0]);
    expect(mailHeader(r.mails[1]?.raw ?? '', 'subject')).toBe(
      '[critical] RESOLVED: High error rate on checkout',
    );
  });

  it('maps SMTP 451 to a retryable and 550 to a permanent failure with the reply code', async () => {
    r = await startSmtpReceiver();
    const m = mailer(r.host, r.port);
    r.behave('fail');
    expect(await m.send(sampleNotification())).toMatchObject({
      ok: false,
      status: 451,
      retryable: true,
    });
    r.behave('reject');
    expect(await m.send(sampleNotification())).toMatchObject({
      ok: false,
      status: 550,
      retryable: false,
    });
    await m.close();
  });
});
