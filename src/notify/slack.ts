/**
 * @module
 * Slack-compatible incoming webhook: a `text` fallback plus one attachment whose colour shows
 * the severity and whose Block Kit blocks carry title, summary, fields, labels and a link.
 * Mattermost, Rocket.Chat and Discord's `/slack` endpoint accept the same payload.
 *
 * Block Kit limits respected here: header text ≤ 150 chars, section text ≤ 3000, ≤ 10 fields of
 * ≤ 2000 chars, button URL ≤ 3000. Slack answers 200 `ok`, or 4xx with a reason such as
 * `invalid_blocks`.
 */
import { type FetchFn, postJson } from './http-post.ts';
import type { Notification, NotificationSeverity } from './notification.ts';
import { truncate } from './notification.ts';
import type { DeliveryResult, Notifier, SendOptions } from './notifier.ts';

export const SLACK_HEADER_MAX_CHARS = 150;
export const SLACK_SECTION_MAX_CHARS = 3000;
export const SLACK_FIELD_MAX_CHARS = 2000;

/** Attachment bar colour per severity; `resolved` is always green. */
export const SLACK_COLORS: Readonly<Record<NotificationSeverity | 'resolved', string>> = {
  critical: '#d1242f',
  high: '#e8590c',
  medium: '#d4a72c',
  low: '#2f81f7',
  info: '#8b949e',
  resolved: '#2da44e',
};

export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | {
      readonly type: 'actions';
      readonly elements: readonly {
        readonly type: 'button';
        readonly text: SlackText;
        readonly url: string;
      }[];
    };

export interface SlackPayload {
  readonly text: string;
  readonly attachments: readonly {
    readonly color: string;
    readonly fallback: string;
    readonly blocks: readonly SlackBlock[];
  }[];
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(n: Notification): SlackPayload {
  const headline = `[${n.kind.toUpperCase()} · ${n.severity}] ${n.title}`;
  const fields: SlackText[] = [
    { type: 'mrkdwn', text: `*Severity*\n${n.severity}` },
    { type: 'mrkdwn', text: `*Status*\n${escapeMrkdwn(truncate(n.status, 200))}` },
    { type: 'mrkdwn', text: `*Started*\n${n.startsAt}` },
  ];
  if (n.endsAt !== undefined) fields.push({ type: 'mrkdwn', text: `*Ended*\n${n.endsAt}` });
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      // Slack rejects blank text; a whitespace-only title is valid for us.
      text: {
        type: 'plain_text',
        text: truncate(n.title.trim() || '(untitled)', SLACK_HEADER_MAX_CHARS),
      },
    },
  ];
  // Slack rejects a section whose text is empty.
  if (n.summary.trim() !== '') {
    const text = truncate(escapeMrkdwn(n.summary), SLACK_SECTION_MAX_CHARS);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  blocks.push({ type: 'section', fields });
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v)}\``)
    .join(' ');
  const context: SlackText[] = [
    { type: 'mrkdwn', text: truncate(`opsight ${n.kind} · id ${escapeMrkdwn(n.id)}`, 300) },
  ];
  if (labels !== '')
    context.push({ type: 'mrkdwn', text: truncate(labels, SLACK_SECTION_MAX_CHARS) });
  blocks.push({ type: 'context', elements: context });
  if (n.url !== undefined && n.url.length <= 3000) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open in opsight' }, url: n.url },
      ],
    });
  }
  const color = n.kind === 'resolved' ? SLACK_COLORS.resolved : SLACK_COLORS[n.severity];
  // `text` is what phones show in the push notification; keep it short.
  const text = escapeMrkdwn(truncate(headline, SLACK_SECTION_MAX_CHARS));
  return { text, attachments: [{ color, fallback: text, blocks }] };
}

export interface SlackNotifierOptions {
  readonly name: string;
  /** The incoming-webhook URL (it is a secret: never logged). */
  readonly url: string;
  readonly fetch?: FetchFn;
}

export class SlackNotifier implements Notifier {
  readonly kind = 'slack' as const;
  readonly name: string;
  readonly #options: SlackNotifierOptions;

  constructor(options: SlackNotifierOptions) {
    this.name = options.name;
    this.#options = options;
  }

  send(notification: Notification, options: SendOptions = {}): Promise<DeliveryResult> {
    return postJson({
      url: this.#options.url,
      body: JSON.stringify(slackPayload(notification)),
      headers: { 'user-agent': 'opsight-notify/1' },
      signal: options.signal,
      fetch: this.#options.fetch,
    });
  }

  async close(): Promise<void> {
    // Nothing held between sends.
  }
}
