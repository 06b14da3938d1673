/**
 * @module
 * Shared shapes of alerting: alerts and their transitions, silences, notification groups, and
 * SLO definitions and evaluations. The pure domain (analytics/, alerting/) computes them; the
 * runtime persists them; notify/ and the dashboard read them. Times are epoch milliseconds.
 */
import type { Labels, Matcher } from './series.ts';

/** How loud an alert is. `critical` pages and turns a health light red. */
export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The life of one alert (one rule × one label set): pending → firing → resolved. */
export type AlertState = 'pending' | 'firing' | 'resolved';

export interface Alert {
  /** Stable fingerprint of rule name + labels: the same series always gets the same id. */
  readonly id: string;
  readonly ruleName: string;
  /** Series/group labels + the rule's rendered labels + `alertname` and `severity`. */
  readonly labels: Labels;
  /** Rendered annotations (summary, description, runbook, ...). */
  readonly annotations: Labels;
  readonly state: AlertState;
  readonly severity: AlertSeverity;
  /** When the condition first held (start of pending). */
  readonly activeAtMs: number;
  readonly firedAtMs?: number;
  readonly resolvedAtMs?: number;
  /** When the condition last held (drives keep_firing_for). */
  readonly lastActiveAtMs: number;
  /** The value the condition was judged on at the last evaluation it held. */
  readonly value?: number;
}

/** `inactive` is the state before pending and after a pending alert that stopped holding. */
export type AlertTransitionState = AlertState | 'inactive';

/** One state change: a history record the runtime persists, and the trigger for notifications. */
export interface AlertTransition {
  readonly atMs: number;
  readonly alertId: string;
  readonly ruleName: string;
  readonly labels: Labels;
  readonly from: AlertTransitionState;
  readonly to: AlertTransitionState;
  readonly severity: AlertSeverity;
  readonly value?: number;
}

/** A silence mutes every alert its matchers all match, between startsAtMs and endsAtMs. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

export type SilenceStatus = 'pending' | 'active' | 'expired';

/** A firing alert matching `source` mutes alerts matching `target` that agree on `equal` labels. */
export interface InhibitRule {
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
}

/** One message to send: the alerts of one group, as Alertmanager groups them. */
export interface NotificationGroup {
  /** Stable key of the group (its group-by label values). */
  readonly groupKey: string;
  /** The group-by labels and their values. */
  readonly groupLabels: Labels;
  readonly atMs: number;
  /** `firing` when any alert in it fires, else `resolved`. */
  readonly status: 'firing' | 'resolved';
  readonly firing: readonly Alert[];
  /** Alerts resolved since the previous notification of this group. */
  readonly resolved: readonly Alert[];
  /** Why it is sent now: first of the group, changed content, or repeat of unchanged content. */
  readonly reason: 'initial' | 'update' | 'repeat';
}

// ---------------------------------------------------------------------------------------------
// SLOs

/** Good/total events, e.g. good = requests − errors (metrics are per-second rates). */
export interface RatioSli {
  readonly kind: 'ratio';
  /** Metric counting all events (per-second rate gauge or count per interval). */
  readonly totalMetric: string;
  /** Metric counting bad events; good = total − bad. Exactly one of bad/good is set. */
  readonly badMetric?: string;
  /** Metric counting good events. */
  readonly goodMetric?: string;
  /** `rate`: values are per second (count = rate × seconds); `count`: values are counts. */
  readonly unit: 'rate' | 'count';
}

/** An interval is good when `aggregation(metric)` over it satisfies `op value`. */
export interface ThresholdSli {
  readonly kind: 'threshold';
  readonly metric: string;
  /** One of contract AGGREGATIONS, e.g. `p95`, `avg`, `sum`. */
  readonly aggregation: string;
  readonly op: '<=' | '<' | '>=' | '>';
  readonly value: number;
  /** Length of one judged interval (e.g. 1 minute, or one simulation cycle). */
  readonly intervalMs: number;
}

export type Sli = RatioSli | ThresholdSli;

/** Rolling window of wall time (28 d, 30 d), or N cycles of a given length (simulations). */
export type SloWindow =
  | { readonly kind: 'rolling'; readonly durationMs: number }
  | { readonly kind: 'cycles'; readonly cycles: number; readonly cycleMs: number };

export interface SloDefinition {
  readonly name: string;
  /** The service it applies to; undefined = every service seen (a template). */
  readonly service?: string;
  readonly sli: Sli;
  /** Target good fraction in (0, 1), e.g. 0.999. */
  readonly objective: number;
  readonly window: SloWindow;
  /** A burn alert needs at least this many events in its long window. */
  readonly minEvents: number;
  readonly labels: Labels;
  readonly description?: string;
}

/** Counts of one bucket [startMs, startMs + bucket length). */
export interface SliBucket {
  readonly startMs: number;
  readonly good: number;
  readonly total: number;
}

export interface ErrorBudget {
  /** (1 − objective) × total. */
  readonly allowedBad: number;
  readonly bad: number;
  /** 1 − bad / allowedBad; 1 when nothing was spent, negative when overspent. */
  readonly remainingFraction: number;
}

export interface BurnWindowResult {
  readonly windowMs: number;
  readonly good: number;
  readonly total: number;
  /** Observed error ratio / (1 − objective); 0 with no events. */
  readonly burnRate: number;
}

export interface BurnAlertResult {
  /** `page` (critical) or `ticket` (warning). */
  readonly severity: 'page' | 'ticket';
  readonly threshold: number;
  readonly long: BurnWindowResult;
  readonly short: BurnWindowResult;
  /** Both windows above threshold and the long window has enough events. */
  readonly firing: boolean;
  /** True when the rates were high enough but the minimum-events guard held it back. */
  readonly guarded: boolean;
}

export interface SloEvaluation {
  readonly name: string;
  readonly service: string;
  readonly objective: number;
  readonly windowMs: number;
  readonly atMs: number;
  readonly good: number;
  readonly total: number;
  /** good / total over the window; null with no events. */
  readonly sli: number | null;
  /** sli ≥ objective (true with no events: nothing was broken). */
  readonly met: boolean;
  readonly budget: ErrorBudget;
  readonly burnAlerts: readonly BurnAlertResult[];
  readonly labels: Labels;
}
