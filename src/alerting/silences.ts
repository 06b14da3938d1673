/**
 * @module
 * Silences and inhibition: which alerts are muted right now. A muted alert still exists (the
 * dashboard shows it, history records it) but is not notified.
 *
 * - A silence mutes an alert when every matcher matches its labels and startsAt ≤ now < endsAt.
 * - An inhibition rule mutes a *target* alert while some *firing* alert matching the source
 *   matchers has the same values for every `equal` label (a missing label equals the empty
 *   string). An alert never inhibits itself. Sources count even when they are silenced, as in
 *   Alertmanager.
 */
import type {
  Alert,
  InhibitRule,
  Labels,
  Matcher,
  Silence,
  SilenceStatus,
} from '../contract/index.ts';
import { compileMatchers } from '../contract/index.ts';

export function silenceStatus(silence: Silence, nowMs: number): SilenceStatus {
  if (nowMs < silence.startsAtMs) return 'pending';
  return nowMs < silence.endsAtMs ? 'active' : 'expired';
}

/** Ends a silence now (a silence that has not started yet ends at its start). */
export function expireSilence(silence: Silence, nowMs: number): Silence {
  if (silenceStatus(silence, nowMs) === 'expired') return silence;
  return { ...silence, endsAtMs: Math.max(silence.startsAtMs, nowMs) };
}

/** Drops silences that expired more than `keepExpiredMs` ago (history keeps them). */
export function pruneSilences(
  silences: readonly Silence[],
  nowMs: number,
  keepExpiredMs: number,
): Silence[] {
  return silences.filter((s) => nowMs - s.endsAtMs < keepExpiredMs);
}

function matcherPredicate(matchers: readonly Matcher[]): (labels: Labels) => boolean {
  const test = compileMatchers(matchers);
  return (labels) => test(labels.alertname ?? '', labels);
}

/** Why an alert is muted: the ids of active silences and the ids of inhibiting alerts. */
export interface MuteReason {
  readonly silencedBy: readonly string[];
  readonly inhibitedBy: readonly string[];
}

export interface AlertWithMute {
  readonly alert: Alert;
  readonly muted: boolean;
  readonly mute: MuteReason;
}

/**
 * Marks each alert muted or not at `nowMs`. Matchers naming `__name__` see the alert name.
 * Cost: O(alerts × (silences + rules × sources)) — fine for thousands of alerts.
 */
export function applyMutes(
  alerts: readonly Alert[],
  silences: readonly Silence[],
  inhibitRules: readonly InhibitRule[],
  nowMs: number,
): AlertWithMute[] {
  const active = silences
    .filter((s) => silenceStatus(s, nowMs) === 'active')
    .map((s) => ({ id: s.id, test: matcherPredicate(s.matchers) }));
  const rules = inhibitRules.map((r) => {
    const isSource = matcherPredicate(r.sourceMatchers);
    const sources = alerts.filter((a) => a.state === 'firing' && isSource(a.labels));
    return { r, isTarget: matcherPredicate(r.targetMatchers), sources };
  });
  return alerts.map((alert) => {
    const silencedBy = active.filter((s) => s.test(alert.labels)).map((s) => s.id);
    const inhibitedBy: string[] = [];
    for (const { r, isTarget, sources } of rules) {
      if (!isTarget(alert.labels)) continue;
      for (const src of sources) {
        if (src.id === alert.id) continue;
        if (r.equal.every((l) => (src.labels[l] ?? '') === (alert.labels[l] ?? ''))) {
          if (!inhibitedBy.includes(src.id)) inhibitedBy.push(src.id);
        }
      }
    }
    return {
      alert,
      muted: silencedBy.length > 0 || inhibitedBy.length > 0,
      mute: { silencedBy, inhibitedBy },
    };
  });
}

/** The alerts to hand to grouping: firing or resolved, and not muted. */
export function notifiable(alerts: readonly AlertWithMute[]): Alert[] {
  return alerts.filter((a) => !a.muted && a.alert.state !== 'pending').map((a) => a.alert);
}
