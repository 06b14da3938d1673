/**
 * @module
 * Notifications: alert and incident events delivered to people through webhook (HMAC-signed),
 * Slack-compatible, PagerDuty Events v2 and SMTP email channels, with retries, per-attempt
 * timeouts and a log of every attempt. docs/notifications.md describes channels and formats.
 */
export {
  type ChannelConfig,
  type ChannelDeps,
  createChannels,
  createNotifier,
  type EmailChannelConfig,
  type NotificationsConfig,
  type PagerDutyChannelConfig,
  parseNotificationsConfig,
  type SlackChannelConfig,
  type WebhookChannelConfig,
} from './config.ts';
export {
  DELIVERY_LOG_FILE,
  type DeliveryAttempt,
  type DeliveryLog,
  type DeliveryOutcome,
  type DeliveryQuery,
  defaultInMemoryDeliveryLogOptions,
  defaultJsonlDeliveryLogOptions,
  InMemoryDeliveryLog,
  type InMemoryDeliveryLogOptions,
  JsonlDeliveryLog,
  type JsonlDeliveryLogOptions,
} from './delivery-log.ts';
export {
  type Channel,
  type ChannelReport,
  channel,
  Dispatcher,
  type DispatcherOptions,
  type DispatcherPorts,
  type DispatchReport,
  defaultDispatcherOptions,
  type NotifyLogger,
} from './dispatcher.ts';
export {
  EmailNotifier,
  type EmailNotifierOptions,
  emailMessage,
  emailSubject,
  type SmtpOptions,
} from './email.ts';
export {
  ALERT_SEVERITY_MAP,
  type FromAlertsOptions,
  groupDedupKey,
  notificationFromGroup,
} from './from-alerts.ts';
export type { FetchFn } from './http-post.ts';
export {
  checkNotification,
  NOTIFICATION_KINDS,
  NOTIFICATION_SEVERITIES,
  type Notification,
  type NotificationKind,
  NotificationSchema,
  type NotificationSeverity,
  severityRank,
} from './notification.ts';
export {
  CHANNEL_KINDS,
  type ChannelKind,
  type DeliveryResult,
  type Notifier,
  type SendOptions,
} from './notifier.ts';
export {
  PAGERDUTY_ACTIONS,
  PAGERDUTY_EVENTS_URL,
  PAGERDUTY_SEVERITIES,
  type PagerDutyEvent,
  PagerDutyNotifier,
  type PagerDutyNotifierOptions,
  pagerDutyEvent,
} from './pagerduty.ts';
export { backoffDelayMs, defaultRetryPolicy, type RetryPolicy, type Sleep } from './retry.ts';
export {
  SLACK_COLORS,
  SlackNotifier,
  type SlackNotifierOptions,
  type SlackPayload,
  slackPayload,
} from './slack.ts';
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  type VerifyWebhookInput,
  type VerifyWebhookResult,
  verifyWebhookSignature,
  type WebhookBody,
  WebhookNotifier,
  type WebhookNotifierOptions,
} from './webhook.ts';
