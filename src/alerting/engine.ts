/**
 * @module
 * The alert state machine: `evaluateRules(state, rules, inputs, nowMs) → {state, transitions}`.
 *
 * One alert per rule × label set (the series or group the input names). Per alert:
 *
 * ```
 * inactive ──holds, for>0──▶ pending ──held for `for`──▶ firing ──stops holding (and
 *    │                          │                          ▲     keep_firing_for elapsed)──▶ resolved
 *    └──holds, for=0────────────┼──────────────────────────┘                                   │
 *                               └──stops holding──▶ inactive      holds again: new pending ◀───┘
 * ```
 *
 * A resolved alert stays in the state for `resolvedRetentionMs` (so notifications can say it
 * resolved), then is dropped. Rules with no entry in `inputs` keep their alerts as they are
 * (nothing was queried); alerts of rules no longer configured resolve (firing) or vanish
 * (pending). The state is a plain JSON-serializable value the runtime may persist.
 */
import type {
  Alert,
  AlertTransition,
  AlertTransitionState,
  Labels,
  SloEvaluation,
} from '../contract/index.ts';
import { compileMatchers, seriesKey, sortLabels } from '../contract/index.ts';
import { type CompiledRule, compare } from './rules.ts';
import type { TemplateContext } from './template.ts';

/** Query result for a threshold rule: one value per series/group at evaluation time. */
export interface ThresholdInput {
  readonly kind: 'threshold';
  readonly series: readonly { readonly labels: Labels; readonly value: number }[];
}

/**
 * Detector output for anomaly rules: the latest score of every scored series — a detect/
 * DetectorOutput plus the series and the observed value. `isAnomaly: false` (a detector still
 * warming up) keeps the series inactive whatever its score.
 */
export interface AnomalyInput {
  readonly kind: 'anomaly';
  readonly series: readonly {
    readonly metric: string;
    readonly labels: Labels;
    readonly score: number;
    readonly isAnomaly?: boolean;
    readonly detector?: string;
    readonly expected?: number;
    readonly observed?: number;
  }[];
}

/**
 * For absence rules: every series/group the rule knows about (seen at least once, e.g. every
 * service ever seen) with its newest sample time; null when it has none in the store's reach.
 */
export interface AbsenceInput {
  readonly kind: 'absence';
  readonly series: readonly { readonly labels: Labels; readonly lastSeenMs: number | null }[];
}

export interface SloBurnInput {
  readonly kind: 'slo_burn';
  readonly slos: readonly SloEvaluation[];
}

export type RuleInput = ThresholdInput | AnomalyInput | AbsenceInput | SloBurnInput;

export interface AlertingState {
  /** Alerts by id. */
  readonly alerts: Readonly<Record<string, Alert>>;
}

export function emptyAlertingState(): AlertingState {
  return { alerts: {} };
}

export interface EngineOptions {
  /** How long a resolved alert stays in the state. Default 15 minutes (as Prometheus). */
  readonly resolvedRetentionMs: number;
}

export function defaultEngineOptions(): EngineOptions {
  return { resolvedRetentionMs: 15 * 60_000 };
}

export interface EvaluationResult {
  readonly state: AlertingState;
  /** State changes in this evaluation, in rule then label order: persist them as history. */
  readonly transitions: readonly AlertTransition[];
}

/** One series/group where a rule's condition was judged. */
interface Judged {
  readonly labels: Labels;
  readonly active: boolean;
  readonly value: number;
  readonly vars: Readonly<Record<string, string | number>>;
}

/**
 * Stable id of an alert: 16 hex digits of FNV-1a (64 bit) over the rule name and the sorted
 * series labels. Templated rule labels do not enter it, so a label rendering $value does not
 * make a new alert each evaluation.
 */
export function alertFingerprint(ruleName: string, labels: Labels): string {
  return fnv1a64(`${ruleName}\u0000${seriesKey('', labels)}`);
}

/**
 * FNV-1a 64 over the UTF-16 code units of `text`, in four 16-bit limbs (no BigInt: 10× faster).
 * The prime 2^40 + 0x1b3 multiplies as `h × 0x1b3 + (h << 40)`.
 */
export function fnv1a64(text: string): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i);
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    let t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (x: number) => x.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}

/** Judges a rule against its input: which series/groups hold, with what value. */
export function judgeRule(rule: CompiledRule['rule'], input: RuleInput, nowMs: number): Judged[] {
  if (input.kind !== rule.kind) {
    throw new TypeError(`rule ${rule.name} (${rule.kind}) was given a ${input.kind} input`);
  }
  switch (input.kind) {
    case 'threshold': {
      if (rule.kind !== 'threshold') return [];
      return input.series
        .filter((s) => Number.isFinite(s.value))
        .map((s) => ({
          labels: s.labels,
          value: s.value,
          active: compare(s.value, rule.op, rule.value),
          vars: { threshold: rule.value },
        }));
    }
    case 'anomaly': {
      if (rule.kind !== 'anomaly') return [];
      const match = compileMatchers(rule.matchers);
      return input.series
        .filter(
          (s) =>
            (rule.metric === undefined || s.metric === rule.metric) &&
            (rule.detector === undefined || s.detector === rule.detector) &&
            match(s.metric, s.labels) &&
            Number.isFinite(s.score),
        )
        .map((s) => ({
          labels: { ...s.labels, metric: s.metric },
          value: s.score,
          active: s.score >= rule.minScore && s.isAnomaly !== false,
          vars: {
            metric: s.metric,
            ...(s.detector === undefined ? {} : { detector: s.detector }),
            ...(s.expected === undefined ? {} : { expected: s.expected }),
            ...(s.observed === undefined ? {} : { observed: s.observed }),
          },
        }));
    }
    case 'absence': {
      if (rule.kind !== 'absence') return [];
      return input.series.map((s) => {
        const silentMs = s.lastSeenMs === null ? Number.POSITIVE_INFINITY : nowMs - s.lastSeenMs;
        const secs = s.lastSeenMs === null ? -1 : Math.round(silentMs / 1000);
        return {
          labels: s.labels,
          value: secs,
          active: silentMs >= rule.absentForMs,
          vars: { last_seen_seconds: secs < 0 ? '' : secs },
        };
      });
    }
    case 'slo_burn': {
      if (rule.kind !== 'slo_burn') return [];
      return input.slos
        .filter((e) => rule.slo === '*' || e.name === rule.slo)
        .map((e) => {
          const mine = e.burnAlerts.filter((b) => b.severity === rule.burn);
          const firing = mine.filter((b) => b.firing);
          const pick = (firing.length > 0 ? firing : mine).reduce<
            (typeof mine)[number] | undefined
          >(
            (best, b) => (best === undefined || b.long.burnRate > best.long.burnRate ? b : best),
            undefined,
          );
          return {
            labels: e.labels,
            value: pick?.long.burnRate ?? 0,
            active: firing.length > 0,
            vars: {
              objective: e.objective,
              budget_remaining: e.budget.remainingFraction,
              short_burn: pick?.short.burnRate ?? 0,
            },
          };
        });
    }
  }
}

function render(
  compiled: CompiledRule,
  j: Judged,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const ctx: TemplateContext = { labels: j.labels, value: j.value, vars: j.vars };
  const labels: Record<string, string> = { ...j.labels };
  for (const [k, t] of compiled.labelTemplates) labels[k] = t.render(ctx);
  labels.alertname = compiled.rule.name;
  labels.severity = compiled.rule.severity;
  const annotations: Record<string, string> = {};
  for (const [k, t] of compiled.annotationTemplates) {
    annotations[k] = t.render({ ...ctx, labels });
  }
  return { labels: sortLabels(labels) as Record<string, string>, annotations };
}

function transition(
  a: Alert,
  from: AlertTransitionState,
  to: AlertTransitionState,
  atMs: number,
): AlertTransition {
  return {
    atMs,
    alertId: a.id,
    ruleName: a.ruleName,
    labels: a.labels,
    from,
    to,
    severity: a.severity,
    ...(a.value === undefined ? {} : { value: a.value }),
  };
}

/**
 * Evaluates every rule at `nowMs`. Pure: the same state, rules, inputs and time give the same
 * result. Call it on each evaluation tick (e.g. every 15 s) with fresh inputs.
 */
export function evaluateRules(
  state: AlertingState,
  rules: readonly CompiledRule[],
  inputs: Readonly<Record<string, RuleInput>>,
  nowMs: number,
  options: EngineOptions = defaultEngineOptions(),
): EvaluationResult {
  const next: Record<string, Alert> = {};
  const transitions: AlertTransition[] = [];
  const ruleNames = new Set(rules.map((r) => r.rule.name));
  const byRule = new Map<string, Alert[]>();
  for (const a of Object.values(state.alerts)) {
    const list = byRule.get(a.ruleName);
    if (list === undefined) byRule.set(a.ruleName, [a]);
    else list.push(a);
  }

  for (const compiled of rules) {
    const rule = compiled.rule;
    const previous = byRule.get(rule.name) ?? [];
    const input = inputs[rule.name];
    if (input === undefined) {
      for (const a of previous) next[a.id] = a;
      continue;
    }
    const seen = new Set<string>();
    for (const j of judgeRule(rule, input, nowMs)) {
      const id = alertFingerprint(rule.name, j.labels);
      if (seen.has(id)) continue;
      seen.add(id);
      const old = state.alerts[id];
      const live = old !== undefined && old.state !== 'resolved' ? old : undefined;
      if (j.active) {
        const { labels, annotations } = render(compiled, j);
        if (live === undefined) {
          const firing = rule.forMs <= 0;
          const a: Alert = {
            id,
            ruleName: rule.name,
            labels,
            annotations,
            state: firing ? 'firing' : 'pending',
            severity: rule.severity,
            activeAtMs: nowMs,
            lastActiveAtMs: nowMs,
            value: j.value,
            ...(firing ? { firedAtMs: nowMs } : {}),
          };
          next[id] = a;
          transitions.push(transition(a, 'inactive', a.state, nowMs));
        } else if (live.state === 'pending' && nowMs - live.activeAtMs >= rule.forMs) {
          const a: Alert = {
            ...live,
            labels,
            annotations,
            state: 'firing',
            firedAtMs: nowMs,
            lastActiveAtMs: nowMs,
            value: j.value,
          };
          next[id] = a;
          transitions.push(transition(a, 'pending', 'firing', nowMs));
        } else {
          next[id] = { ...live, labels, annotations, lastActiveAtMs: nowMs, value: j.value };
        }
      } else if (live !== undefined) {
        stopHolding(live, rule.keepFiringForMs, nowMs, next, transitions);
      } else if (old !== undefined) {
        keepResolved(old, nowMs, options, next);
      }
    }
    // Series that vanished from the input count as not holding.
    for (const a of previous) {
      if (seen.has(a.id)) continue;
      if (a.state === 'resolved') keepResolved(a, nowMs, options, next);
      else stopHolding(a, rule.keepFiringForMs, nowMs, next, transitions);
    }
  }

  // Alerts of rules that are gone.
  for (const [name, list] of byRule) {
    if (ruleNames.has(name)) continue;
    for (const a of list) {
      if (a.state === 'resolved') keepResolved(a, nowMs, options, next);
      else stopHolding(a, 0, nowMs, next, transitions);
    }
  }
  return { state: { alerts: next }, transitions };
}

function stopHolding(
  a: Alert,
  keepFiringForMs: number,
  nowMs: number,
  next: Record<string, Alert>,
  transitions: AlertTransition[],
): void {
  if (a.state === 'pending') {
    transitions.push(transition(a, 'pending', 'inactive', nowMs));
    return;
  }
  if (keepFiringForMs > 0 && nowMs - a.lastActiveAtMs < keepFiringForMs) {
    next[a.id] = a;
    return;
  }
  const r: Alert = { ...a, state: 'resolved', resolvedAtMs: nowMs };
  next[a.id] = r;
  transitions.push(transition(r, 'firing', 'resolved', nowMs));
}

function keepResolved(
  a: Alert,
  nowMs: number,
  options: EngineOptions,
  next: Record<string, Alert>,
): void {
  if (nowMs - (a.resolvedAtMs ?? nowMs) < options.resolvedRetentionMs) next[a.id] = a;
}

/** Alerts of a state, firing first, then pending, then resolved; newest first within each. */
export function listAlerts(state: AlertingState): Alert[] {
  const rank = { firing: 0, pending: 1, resolved: 2 } as const;
  return Object.values(state.alerts).sort(
    (a, b) =>
      rank[a.state] - rank[b.state] || b.activeAtMs - a.activeAtMs || (a.id < b.id ? -1 : 1),
  );
}
