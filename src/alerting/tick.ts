/**
 * @module
 * One evaluation tick of the whole alerting pipeline, for the runtime to call on a timer:
 * rules → alerts (state machine) → mutes (silences, inhibition) → notification groups.
 *
 * ```
 * const r = alertingTick(state, config, inputs, clock.nowMs());
 * persist(r.state); appendHistory(r.transitions); send(r.notifications); publish(r.alerts);
 * ```
 */
import type { AlertTransition, NotificationGroup } from '../contract/index.ts';
import type { AlertingConfig } from './config.ts';
import {
  type AlertingState,
  defaultEngineOptions,
  type EngineOptions,
  emptyAlertingState,
  evaluateRules,
  listAlerts,
  type RuleInput,
} from './engine.ts';
import { emptyGroupingState, type GroupingState, groupNotifications } from './grouping.ts';
import { type AlertWithMute, applyMutes, notifiable } from './silences.ts';

/** Everything alerting remembers between ticks; plain JSON, safe to persist. */
export interface AlertingRuntimeState {
  readonly alerting: AlertingState;
  readonly grouping: GroupingState;
}

export function emptyAlertingRuntimeState(): AlertingRuntimeState {
  return { alerting: emptyAlertingState(), grouping: emptyGroupingState() };
}

export interface AlertingTickResult {
  readonly state: AlertingRuntimeState;
  /** State changes of alerts in this tick: the history records to persist. */
  readonly transitions: readonly AlertTransition[];
  /** Every current alert (firing, pending, recently resolved) with its mute status. */
  readonly alerts: readonly AlertWithMute[];
  /** Messages to hand to the notifiers now. */
  readonly notifications: readonly NotificationGroup[];
}

export function alertingTick(
  state: AlertingRuntimeState,
  config: Pick<AlertingConfig, 'rules' | 'silences' | 'inhibitRules' | 'route'>,
  inputs: Readonly<Record<string, RuleInput>>,
  nowMs: number,
  options: EngineOptions = defaultEngineOptions(),
): AlertingTickResult {
  const evaluated = evaluateRules(state.alerting, config.rules, inputs, nowMs, options);
  const alerts = applyMutes(
    listAlerts(evaluated.state),
    config.silences,
    config.inhibitRules,
    nowMs,
  );
  const grouped = groupNotifications(state.grouping, notifiable(alerts), nowMs, config.route);
  return {
    state: { alerting: evaluated.state, grouping: grouped.state },
    transitions: evaluated.transitions,
    alerts,
    notifications: grouped.notifications,
  };
}
