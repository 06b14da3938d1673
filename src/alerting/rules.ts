/**
 * @module
 * Alert rule definitions (what config and the API produce) and their compiled form (templates
 * parsed once). Four kinds: threshold (a query compared with a value), anomaly (a detector score
 * at or above a minimum), absence (no data for a duration) and slo_burn (an SLO's burn-rate
 * alert). docs/alerting.md has the reference.
 */
import type { Aggregation, AlertSeverity, Labels, Matcher } from '../contract/index.ts';
import { compileTemplate, type Template } from './template.ts';

export type Comparator = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const COMPARATORS: readonly Comparator[] = ['>', '>=', '<', '<=', '==', '!='];

/** What the runtime queries for a threshold or absence rule. */
export interface RuleQuery {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  /** How samples in `windowMs` fold into one value per series/group (threshold rules). */
  readonly aggregation: Aggregation;
  readonly windowMs: number;
  /** undefined: one alert per series; [] one for all; else one per distinct value set. */
  readonly groupBy?: readonly string[];
}

interface RuleCommon {
  /** The alert name (`alertname` label). */
  readonly name: string;
  readonly severity: AlertSeverity;
  /** The condition must hold this long before the alert fires (pending meanwhile). */
  readonly forMs: number;
  /** A firing alert stays firing this long after its condition stops holding. */
  readonly keepFiringForMs: number;
  /** Extra labels; values are templates. */
  readonly labels: Labels;
  /** Annotations (summary, description, runbook_url, …); values are templates. */
  readonly annotations: Labels;
}

export interface ThresholdRule extends RuleCommon {
  readonly kind: 'threshold';
  readonly query: RuleQuery;
  readonly op: Comparator;
  readonly value: number;
}

export interface AnomalyRule extends RuleCommon {
  readonly kind: 'anomaly';
  /** Only anomalies of this metric (undefined: any). */
  readonly metric?: string;
  readonly matchers: readonly Matcher[];
  /** Fires while a series's detector score is ≥ this (0..1). */
  readonly minScore: number;
  /** Only this detector's scores (undefined: any). */
  readonly detector?: string;
}

export interface AbsenceRule extends RuleCommon {
  readonly kind: 'absence';
  readonly query: RuleQuery;
  /** Active when a series/group has had no sample for at least this long. */
  readonly absentForMs: number;
}

export interface SloBurnRule extends RuleCommon {
  readonly kind: 'slo_burn';
  /** SLO name, or `*` for every SLO. */
  readonly slo: string;
  /** Which of the policy's alerts this rule follows. */
  readonly burn: 'page' | 'ticket';
}

export type AlertRule = ThresholdRule | AnomalyRule | AbsenceRule | SloBurnRule;
export type RuleKind = AlertRule['kind'];
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'anomaly', 'absence', 'slo_burn'];

/** A rule with its templates compiled. Build with compileRule; evaluate takes these. */
export interface CompiledRule {
  readonly rule: AlertRule;
  readonly labelTemplates: readonly (readonly [string, Template])[];
  readonly annotationTemplates: readonly (readonly [string, Template])[];
}

/** Extra template variables each kind provides, beside $labels and $value. */
export const TEMPLATE_VARS: Readonly<Record<RuleKind, readonly string[]>> = {
  threshold: ['threshold'],
  anomaly: ['expected', 'observed', 'detector', 'metric'],
  absence: ['last_seen_seconds'],
  slo_burn: ['objective', 'budget_remaining', 'short_burn'],
};

/** Where a template failed to compile: `labels.team` or `annotations.summary` and why. */
export interface TemplateIssue {
  readonly field: string;
  readonly reason: string;
}

/** Compiles a rule's templates; issues name the failing field. */
export function compileRule(
  rule: AlertRule,
): { ok: true; compiled: CompiledRule } | { ok: false; issues: TemplateIssue[] } {
  const issues: TemplateIssue[] = [];
  const vars = TEMPLATE_VARS[rule.kind];
  const compileAll = (field: 'labels' | 'annotations', map: Labels) => {
    const out: (readonly [string, Template])[] = [];
    for (const [k, text] of Object.entries(map)) {
      const r = compileTemplate(text, vars);
      if (r.ok) out.push([k, r.template]);
      else issues.push({ field: `${field}.${k}`, reason: r.reason });
    }
    return out;
  };
  const labelTemplates = compileAll('labels', rule.labels);
  const annotationTemplates = compileAll('annotations', rule.annotations);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, compiled: { rule, labelTemplates, annotationTemplates } };
}

/** compileRule for rules already validated (e.g. by the config parser); throws on a bad one. */
export function compileRules(rules: readonly AlertRule[]): CompiledRule[] {
  return rules.map((r) => {
    const c = compileRule(r);
    if (!c.ok) {
      throw new RangeError(
        `rule ${r.name}: ${c.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`,
      );
    }
    return c.compiled;
  });
}

export function compare(a: number, op: Comparator, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}
