/**
 * @module
 * Alerting, pure: rules → alerts (a state machine per rule × label set), silences and
 * inhibition (muting), grouping with Alertmanager's timers (notification groups), and the
 * config parser for the `slos:`, `rules:`, `silences:`, `inhibit_rules:` and `route:` sections.
 * No I/O and no clock: the runtime passes inputs and `nowMs`, and persists the returned state
 * and transitions. The tick the runtime runs is in docs/alerting.md ("Runtime loop").
 */
export {
  ALERTING_SECTIONS,
  type AlertingConfig,
  type Disabled,
  parseAlertingConfig,
  parseInhibitRuleBody,
  parseMatcher,
  parseRuleBody,
  parseSilenceBody,
  parseSloBody,
  slosFor,
  validateAlertingConfig,
} from './config.ts';
export { defaultInhibitRules, defaultRules, SERVICE_DOWN_RULE } from './defaults.ts';
export { DURATION_HINT, formatDurationMs, parseDurationMs } from './duration.ts';
export {
  type AbsenceInput,
  type AlertingState,
  type AnomalyInput,
  alertFingerprint,
  defaultEngineOptions,
  type EngineOptions,
  type EvaluationResult,
  emptyAlertingState,
  evaluateRules,
  judgeRule,
  listAlerts,
  type RuleInput,
  type SloBurnInput,
  type ThresholdInput,
} from './engine.ts';
export {
  defaultRouteOptions,
  emptyGroupingState,
  type GroupingState,
  type GroupState,
  groupLabelsOf,
  groupNotifications,
  nextDueMs,
  type RouteOptions,
} from './grouping.ts';
export {
  type AbsenceRule,
  type AlertRule,
  type AnomalyRule,
  COMPARATORS,
  type Comparator,
  type CompiledRule,
  compileRule,
  compileRules,
  RULE_KINDS,
  type RuleKind,
  type RuleQuery,
  type SloBurnRule,
  TEMPLATE_VARS,
  type ThresholdRule,
} from './rules.ts';
export {
  ALERTING_SCHEMAS,
  AlertingConfigSchema,
  AlertSchema,
  type InhibitRuleConfig,
  InhibitRuleConfigSchema,
  RouteConfigSchema,
  type RuleConfig,
  RuleConfigSchema,
  type SilenceConfig,
  SilenceConfigSchema,
  SilenceSchema,
  type SloConfig,
  SloConfigSchema,
  SloEvaluationSchema,
} from './schemas.ts';
export {
  type AlertWithMute,
  applyMutes,
  expireSilence,
  type MuteReason,
  notifiable,
  pruneSilences,
  silenceStatus,
} from './silences.ts';
export {
  type CompileResult,
  compileTemplate,
  humanize,
  type Template,
  type TemplateContext,
} from './template.ts';
export {
  type AlertingRuntimeState,
  type AlertingTickResult,
  alertingTick,
  emptyAlertingRuntimeState,
} from './tick.ts';
