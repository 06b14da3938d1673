/**
 * @module
 * Email over SMTP with nodemailer: a plain-text part and a simple HTML part, subject
 * `[<severity>] <KIND>: <title>`. One SMTP connection per message (no pool): alert mail is rare,
 * and a fresh connection cannot be left half-broken by an earlier timeout.
 *
 * SMTP reply codes (RFC 5321 §4.2.1): 4yz is transient (retried), 5yz permanent (not retried).
 */
import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { Notification } from './notification.ts';
import { truncate } from './notification.ts';
import {
  type DeliveryResult,
  describeError,
  failed,
  type Notifier,
  type SendOptions,
  whenAborted,
} from './notifier.ts';

export const EMAIL_SUBJECT_TITLE_MAX_CHARS = 200;

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used when offered. */
  readonly secure: boolean;
  /** Fail unless the server offers STARTTLS. */
  readonly requireTls: boolean;
  /** Verify the server certificate (turn off only for a private relay with its own CA). */
  readonly tlsRejectUnauthorized: boolean;
  readonly user?: string;
  readonly password?: string;
  /** Connection, greeting and socket-idle timeout. */
  readonly timeoutMs: number;
}

export interface EmailNotifierOptions {
  readonly name: string;
  readonly smtp: SmtpOptions;
  readonly from: string;
  readonly to: readonly string[];
}

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function emailSubject(n: Notification): string {
  const title = truncate(n.title.replace(/[\r\n]+/g, ' '), EMAIL_SUBJECT_TITLE_MAX_CHARS);
  return `[${n.severity}] ${n.kind.toUpperCase()}: ${title}`;
}

function details(n: Notification): [string, string][] {
  const rows: [string, string][] = [
    ['Severity', n.severity],
    ['Status', n.status],
    ['Started', n.startsAt],
  ];
  if (n.endsAt !== undefined) rows.push(['Ended', n.endsAt]);
  const labels = Object.entries(n.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) rows.push(['Labels', labels.join(', ')]);
  for (const [k, v] of Object.entries(n.annotations)) rows.push([k, v]);
  rows.push(['Id', n.id]);
  return rows;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function emailMessage(n: Notification): EmailMessage {
  const rows = details(n);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const text = [
    `${n.kind.toUpperCase()} · ${n.severity}`,
    n.title,
    '',
    ...(n.summary === '' ? [] : [n.summary, '']),
    ...rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`),
    ...(n.url === undefined ? [] : ['', `Open in opsight: ${n.url}`]),
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p style="color:#57606a">${escapeHtml(n.kind.toUpperCase())} · ${escapeHtml(n.severity)}</p>`,
    `<h2>${escapeHtml(n.title)}</h2>`,
    n.summary === '' ? '' : `<p>${escapeHtml(n.summary).replace(/\n/g, '<br>')}</p>`,
    '<table cellpadding="4">',
    ...rows.map(
      ([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
    ),
    '</table>',
    n.url === undefined ? '' : `<p><a href="${escapeHtml(n.url)}">Open in opsight</a></p>`,
    '</body></html>',
  ].join('\n');
  // Every event of one alert references the same id, so mail clients thread them together.
  const thread = `<${createHash('sha256').update(n.dedupKey).digest('hex').slice(0, 32)}@opsight.invalid>`;
  return {
    subject: emailSubject(n),
    text,
    html,
    headers: { 'X-Opsight-Dedup-Key': n.dedupKey, References: thread },
  };
}

interface SmtpError {
  readonly responseCode?: number;
  readonly code?: string;
}

export class EmailNotifier implements Notifier {
  readonly kind = 'email' as const;
  readonly name: string;
  readonly #options: EmailNotifierOptions;
  readonly #transport: Transporter;

  constructor(options: EmailNotifierOptions) {
    this.name = options.name;
    this.#options = options;
    const { smtp } = options;
    this.#transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized },
      connectionTimeout: smtp.timeoutMs,
      greetingTimeout: smtp.timeoutMs,
      socketTimeout: smtp.timeoutMs,
      ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    });
  }

  async send(notification: Notification, options: SendOptions = {}): Promise<DeliveryResult> {
    const message = emailMessage(notification);
    const sending = this.#transport
      .sendMail({
        from: this.#options.from,
        to: [...this.#options.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.headers,
      })
      .then(
        (): DeliveryResult => ({ ok: true, status: 250, attempts: 1, retryable: false }),
        (err: unknown): DeliveryResult => {
          const { responseCode, code } = err as SmtpError;
          const error = describeError(err, options.signal);
          if (typeof responseCode === 'number') {
            return failed(error, responseCode >= 400 && responseCode < 500, {
              status: responseCode,
            });
          }
          // Authentication failures need a config change; network trouble may pass.
          return failed(error, code !== 'EAUTH');
        },
      );
    // nodemailer takes no AbortSignal: stop waiting on abort; its own socket timeout
    // (smtp.timeoutMs) then ends the abandoned connection.
    const aborted = whenAborted(options.signal).then(() =>
      failed(describeError(undefined, options.signal), true),
    );
    return Promise.race([sending, aborted]);
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
