/**
 * @module
 * The notify dispatcher's `DeliveryLog` port on a state-store log: every delivery attempt is
 * appended durably (fdatasync) to `notification-deliveries`, readable by time range for
 * `GET /api/v1/notifications/deliveries`. Replaces notify's JSONL file when the runtime runs.
 */
import type { DeliveryAttempt, DeliveryLog, DeliveryQuery } from '../notify/index.ts';
import type { AppendLog, LogRange } from '../store/index.ts';

export const DELIVERY_LOG_NAME = 'notification-deliveries';

export class StateDeliveryLog implements DeliveryLog {
  readonly #log: AppendLog<DeliveryAttempt>;

  constructor(log: AppendLog<DeliveryAttempt>) {
    this.#log = log;
  }

  async record(attempt: DeliveryAttempt): Promise<void> {
    const atMs = Date.parse(attempt.at);
    await this.#log.append([{ atMs: Number.isFinite(atMs) ? atMs : 0, record: attempt }]);
  }

  async list(query: DeliveryQuery & LogRange = {}): Promise<DeliveryAttempt[]> {
    const range: LogRange = {
      ...(query.fromMs === undefined ? {} : { fromMs: query.fromMs }),
      ...(query.toMs === undefined ? {} : { toMs: query.toMs }),
    };
    const hits = (await this.#log.read(range))
      .map((e) => e.record)
      .filter(
        (a) =>
          (query.notificationId === undefined || a.notificationId === query.notificationId) &&
          (query.channel === undefined || a.channel === query.channel),
      );
    const limit = query.limit ?? 1000;
    return hits.slice(Math.max(0, hits.length - limit));
  }
}
