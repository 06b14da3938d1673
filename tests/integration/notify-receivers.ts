/**
 * Real local receivers for the notifier tests: node:http servers that check what a webhook,
 * Slack or PagerDuty endpoint would check, and an SMTP server (smtp-server) that receives real
 * SMTP from nodemailer. All listen on 127.0.0.1 with an OS-chosen port.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** accept; fail transiently (HTTP 500 / SMTP 451); reject for good (HTTP 400 / SMTP 550); hang. */
export type ReceiverBehaviour = 'accept' | 'fail' | 'reject' | 'hang';

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** performance.now() when the body was complete. */
  readonly atMs: number;
  /** The status the receiver answered (undefined while hanging). */
  status?: number;
}

export interface Receiver {
  readonly url: string;
  /** Sets the behaviour from now on; `plan` sets one behaviour per upcoming request, then `after`. */
  behave(b: ReceiverBehaviour): void;
  plan(bs: readonly ReceiverBehaviour[], after: ReceiverBehaviour): void;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Bodies/messages the receiver accepted. */
  accepted(): string[];
  /** Problems found in what was sent (bad shape, bad signature); tests expect none. */
  readonly problems: string[];
  close(): Promise<void>;
}

interface BehaviourQueue {
  behave(b: ReceiverBehaviour): void;
  plan(bs: readonly ReceiverBehaviour[], after: ReceiverBehaviour): void;
  next(): ReceiverBehaviour;
}

function behaviourQueue(): BehaviourQueue {
  let queue: ReceiverBehaviour[] = [];
  let current: ReceiverBehaviour = 'accept';
  return {
    behave(b) {
      queue = [];
      current = b;
    },
    plan(bs, after) {
      queue = [...bs];
      current = after;
    },
    next() {
      return queue.shift() ?? current;
    },
  };
}

export type Validate = (req: { headers: IncomingHttpHeaders; body: string }) => string[];

export interface HttpReceiverOptions {
  readonly validate: Validate;
  /** Status and body of an accepted request. */
  readonly okStatus: number;
  readonly okBody: (body: string) => string;
  readonly failStatus?: number;
  /** Sent with `fail` answers, e.g. '0' to test Retry-After handling. */
  readonly retryAfter?: string;
}

export async function startHttpReceiver(options: HttpReceiverOptions): Promise<Receiver> {
  const behaviour = behaviourQueue();
  const requests: ReceivedRequest[] = [];
  const problems: string[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: ReceivedRequest = { headers: req.headers, body, atMs: performance.now() };
      requests.push(record);
      const mode = behaviour.next();
      if (mode === 'hang') {
        hanging.add(res);
        return;
      }
      if (req.method !== 'POST') problems.push(`method ${req.method}`);
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        problems.push(`content-type ${req.headers['content-type']}`);
      }
      const found = options.validate({ headers: req.headers, body });
      problems.push(...found);
      let status: number;
      let text: string;
      if (found.length > 0 || mode === 'reject') {
        status = 400;
        text = found.length > 0 ? `invalid: ${found.join('; ')}` : 'rejected';
      } else if (mode === 'fail') {
        status = options.failStatus ?? 500;
        text = 'try later';
        if (options.retryAfter !== undefined) res.setHeader('retry-after', options.retryAfter);
      } else {
        status = options.okStatus;
        text = options.okBody(body);
      }
      record.status = status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook/secret-path`,
    behave: (b) => behaviour.behave(b),
    plan: (bs, after) => behaviour.plan(bs, after),
    requests,
    accepted: () =>
      requests.filter((r) => r.status !== undefined && r.status < 300).map((r) => r.body),
    problems,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function deadUrl(path = '/'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Webhook receiver: verifies the HMAC exactly as docs/notifications.md tells receivers to.

export function webhookValidator(secret: string, nowMs: () => number): Validate {
  return ({ headers, body }) => {
    const out: string[] = [];
    const ts = headers['x-opsight-timestamp'];
    const sig = headers['x-opsight-signature'];
    if (typeof ts !== 'string' || !/^\d+$/.test(ts)) return ['missing timestamp'];
    if (typeof sig !== 'string' || !sig.startsWith('sha256=')) return ['missing signature'];
    if (Math.abs(nowMs() - Number(ts) * 1000) > 300_000) out.push('stale timestamp');
    const want = Buffer.from(
      createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'),
      'utf8',
    );
    const got = Buffer.from(sig.slice('sha256='.length), 'utf8');
    if (want.length !== got.length || !timingSafeEqual(want, got)) out.push('bad signature');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [...out, 'body is not JSON'];
    }
    const p = parsed as { version?: unknown; notification?: Record<string, unknown> };
    if (p.version !== 1) out.push('version must be 1');
    const n = p.notification;
    if (typeof n !== 'object' || n === null) return [...out, 'no notification'];
    for (const key of ['kind', 'id', 'title', 'severity', 'status', 'startsAt', 'dedupKey']) {
      if (typeof n[key] !== 'string') out.push(`notification.${key} missing`);
    }
    if (headers['x-opsight-event'] !== n.kind) out.push('x-opsight-event differs from kind');
    if (headers['x-opsight-delivery'] !== `${String(n.id)}/${String(n.kind)}`) {
      out.push('x-opsight-delivery wrong');
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Slack receiver: the Block Kit limits Slack enforces with `invalid_blocks`.

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max: number): boolean =>
  isObj(v) &&
  (v.type === 'plain_text' || v.type === 'mrkdwn') &&
  typeof v.text === 'string' &&
  v.text.trim().length > 0 &&
  v.text.length <= max;

export const slackValidator: Validate = ({ body }) => {
  const out: string[] = [];
  let p: unknown;
  try {
    p = JSON.parse(body);
  } catch {
    return ['invalid_payload'];
  }
  if (!isObj(p)) return ['invalid_payload'];
  if (typeof p.text !== 'string' || p.text === '') out.push('text missing');
  const atts = p.attachments;
  if (!Array.isArray(atts) || atts.length !== 1) return [...out, 'one attachment expected'];
  const att: unknown = atts[0];
  if (!isObj(att)) return [...out, 'attachment not an object'];
  if (typeof att.color !== 'string' || !/^#[0-9a-f]{6}$/i.test(att.color)) out.push('bad color');
  if (!Array.isArray(att.blocks) || att.blocks.length === 0 || att.blocks.length > 50) {
    return [...out, 'blocks missing'];
  }
  for (const [i, b] of (att.blocks as unknown[]).entries()) {
    if (!isObj(b)) {
      out.push(`block ${i} not an object`);
      continue;
    }
    switch (b.type) {
      case 'header':
        if (!isText(b.text, 150) || (b.text as Json).type !== 'plain_text') out.push(`header ${i}`);
        break;
      case 'section': {
        const hasText = b.text !== undefined;
        if (hasText && !isText(b.text, 3000)) out.push(`section ${i} text`);
        if (b.fields !== undefined) {
          const f = b.fields;
          if (!Array.isArray(f) || f.length > 10 || !f.every((x) => isText(x, 2000))) {
            out.push(`section ${i} fields`);
          }
        } else if (!hasText) out.push(`section ${i} empty`);
        break;
      }
      case 'context': {
        const e = b.elements;
        if (
          !Array.isArray(e) ||
          e.length === 0 ||
          e.length > 10 ||
          !e.every((x) => isText(x, 3000))
        ) {
          out.push(`context ${i}`);
        }
        break;
      }
      case 'actions': {
        const e = b.elements;
        const ok =
          Array.isArray(e) &&
          e.every(
            (x) =>
              isObj(x) &&
              x.type === 'button' &&
              isText(x.text, 75) &&
              typeof x.url === 'string' &&
              x.url.length <= 3000,
          );
        if (!ok) out.push(`actions ${i}`);
        break;
      }
      default:
        out.push(`block ${i} has unknown type ${String(b.type)}`);
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// PagerDuty Events API v2 receiver: required fields and enum values per the spec.

const PD_TOP_KEYS = new Set([
  'routing_key',
  'event_action',
  'dedup_key',
  'payload',
  'images',
  'links',
  'client',
  'client_url',
]);
const PD_PAYLOAD_KEYS = new Set([
  'summary',
  'source',
  'severity',
  'timestamp',
  'component',
  'group',
  'class',
  'custom_details',
]);
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const pagerDutyValidator: Validate = ({ body }) => {
  const out: string[] = [];
  let e: unknown;
  try {
    e = JSON.parse(body);
  } catch {
    return ['body is not JSON'];
  }
  if (!isObj(e)) return ['event is not an object'];
  for (const k of Object.keys(e)) if (!PD_TOP_KEYS.has(k)) out.push(`unknown field ${k}`);
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) out.push('routing_key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) {
    out.push('event_action');
  }
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) {
    out.push('dedup_key');
  }
  if (e.event_action !== 'trigger') {
    if (typeof e.dedup_key !== 'string' || e.dedup_key === '') out.push('dedup_key required');
    return out;
  }
  const p = e.payload;
  if (!isObj(p)) return [...out, 'payload required for trigger'];
  for (const k of Object.keys(p)) if (!PD_PAYLOAD_KEYS.has(k)) out.push(`unknown payload.${k}`);
  if (typeof p.summary !== 'string' || p.summary === '' || p.summary.length > 1024) {
    out.push('payload.summary');
  }
  if (typeof p.source !== 'string' || p.source === '') out.push('payload.source');
  if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity))) {
    out.push('payload.severity');
  }
  if (p.timestamp !== undefined && !(typeof p.timestamp === 'string' && ISO_RE.test(p.timestamp))) {
    out.push('payload.timestamp');
  }
  for (const k of ['component', 'group', 'class']) {
    if (p[k] !== undefined && typeof p[k] !== 'string') out.push(`payload.${k}`);
  }
  if (p.custom_details !== undefined && !isObj(p.custom_details)) out.push('custom_details');
  if (e.links !== undefined) {
    const ok =
      Array.isArray(e.links) &&
      e.links.every((l) => isObj(l) && typeof l.href === 'string' && typeof l.text === 'string');
    if (!ok) out.push('links');
  }
  return out;
};

export function pagerDutyOkBody(body: string): string {
  const e = JSON.parse(body) as { dedup_key?: string };
  return JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: e.dedup_key });
}

// ---------------------------------------------------------------------------------------------
// SMTP receiver (smtp-server).

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

export interface SmtpReceiver {
  readonly host: string;
  readonly port: number;
  behave(b: ReceiverBehaviour): void;
  plan(bs: readonly ReceiverBehaviour[], after: ReceiverBehaviour): void;
  readonly mails: ReceivedMail[];
  /** Messages as raw text (for the contract suite). */
  accepted(): string[];
  /** RCPT TO commands seen (each attempt sends at least one). */
  readonly attempts: number;
  close(): Promise<void>;
}

function smtpError(message: string, code: number): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const behaviour = behaviourQueue();
  const mails: ReceivedMail[] = [];
  let attempts = 0;
  const modes = new Map<string, ReceiverBehaviour>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 50,
    // Tests need no reverse DNS of 127.0.0.1. (smtp-server still waits 100 ms before its greeting
    // to catch early talkers: that, not opsight, is most of an email delivery here.)
    disableReverseLookup: true,
    onRcptTo(_address, session, callback) {
      attempts += 1;
      // One behaviour per message: decided at its first recipient.
      let mode = modes.get(session.id);
      if (mode === undefined) {
        mode = behaviour.next();
        modes.set(session.id, mode);
      }
      if (mode === 'fail') callback(smtpError('4.3.0 mailbox busy, try later', 451));
      else if (mode === 'reject') callback(smtpError('5.1.1 no such user', 550));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mode = modes.get(session.id);
        modes.delete(session.id);
        // Hang: never answer the end of DATA; the client waits until it gives up.
        if (mode === 'hang') return;
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    behave: (b) => behaviour.behave(b),
    plan: (bs, after) => behaviour.plan(bs, after),
    mails,
    accepted: () => mails.map((m) => m.raw),
    get attempts() {
      return attempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Header value with folding undone and RFC 2047 `=?UTF-8?B|Q?…?=` words decoded. */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (line === undefined) return undefined;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

export function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i] as string;
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The decoded body of the first MIME part with this content type. */
export function mailPart(raw: string, contentType: string): string | undefined {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const parts = boundary === undefined ? [raw] : raw.split(`--${boundary}`);
  for (const part of parts) {
    const [head = '', ...rest] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const type = mailHeader(`${head}\r\n\r\n`, 'content-type');
    if (type === undefined || !type.toLowerCase().startsWith(contentType)) continue;
    const body = rest.join('\r\n\r\n');
    const enc = mailHeader(`${head}\r\n\r\n`, 'content-transfer-encoding')?.toLowerCase();
    if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
    return body;
  }
  return undefined;
}
