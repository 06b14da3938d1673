/**
 * @module
 * What every installation gets with no configuration: rules for a service that stops
 * reporting, SLO burn pages and tickets, high p95 latency and strong anomalies; and the
 * inhibition that keeps a down service from also paging about its latency.
 */
import type { InhibitRule } from '../contract/index.ts';
import { SERVICE_LABEL, WELL_KNOWN_METRICS } from '../contract/index.ts';
import type { AlertRule } from './rules.ts';

export const SERVICE_DOWN_RULE = 'ServiceDown';

export function defaultRules(): AlertRule[] {
  return [
    {
      kind: 'absence',
      name: SERVICE_DOWN_RULE,
      severity: 'critical',
      forMs: 0,
      keepFiringForMs: 0,
      query: {
        metric: WELL_KNOWN_METRICS.requestRate,
        matchers: [],
        aggregation: 'count',
        windowMs: 5 * 60_000,
        groupBy: [SERVICE_LABEL],
      },
      absentForMs: 2 * 60_000,
      labels: {},
      annotations: {
        summary: '{{ $labels.service }} stopped reporting',
        description:
          'No requests_per_second sample from {{ $labels.service }} for {{ $last_seen_seconds | duration | default "as long as opsight remembers" }}.',
      },
    },
    {
      kind: 'slo_burn',
      name: 'SLOBurnPage',
      severity: 'critical',
      forMs: 0,
      keepFiringForMs: 5 * 60_000,
      slo: '*',
      burn: 'page',
      labels: {},
      annotations: {
        summary:
          '{{ $labels.service }} is burning its {{ $labels.slo }} error budget {{ $value | round 1 }}× too fast',
        description:
          'Objective {{ $objective | percent 3 }}; budget left {{ $budget_remaining | percent 1 }}.',
      },
    },
    {
      kind: 'slo_burn',
      name: 'SLOBurnTicket',
      severity: 'warning',
      forMs: 0,
      keepFiringForMs: 30 * 60_000,
      slo: '*',
      burn: 'ticket',
      labels: {},
      annotations: {
        summary:
          '{{ $labels.service }} spends its {{ $labels.slo }} error budget faster than it earns it ({{ $value | round 2 }}×)',
      },
    },
    {
      kind: 'threshold',
      name: 'HighLatency',
      severity: 'warning',
      forMs: 5 * 60_000,
      keepFiringForMs: 0,
      query: {
        metric: WELL_KNOWN_METRICS.latency,
        matchers: [],
        aggregation: 'p95',
        windowMs: 5 * 60_000,
        groupBy: [SERVICE_LABEL],
      },
      op: '>=',
      value: 1000,
      labels: {},
      annotations: {
        summary:
          'p95 latency of {{ $labels.service }} is {{ $value | round 0 }} ms (≥ {{ $threshold }} ms)',
      },
    },
    {
      kind: 'anomaly',
      name: 'Anomaly',
      severity: 'warning',
      forMs: 2 * 60_000,
      keepFiringForMs: 0,
      matchers: [],
      minScore: 0.9,
      labels: {},
      annotations: {
        summary: '{{ $metric }} of {{ $labels.service | default "a source" }} departs from normal',
        description:
          'Observed {{ $observed | round 2 }}, expected {{ $expected | round 2 }} ({{ $detector }}, score {{ $value | round 2 }}).',
      },
    },
  ];
}

/**
 * A firing ServiceDown (or any rule named like `*Absent*`) for service X mutes X's latency
 * alerts: threshold rules with `Latency` in their name and burn alerts of the `latency` SLO.
 * A burn page of an SLO mutes the burn ticket of the same SLO and service (the page says it).
 */
export function defaultInhibitRules(): InhibitRule[] {
  const source = [
    { name: 'alertname', op: '=~', value: `${SERVICE_DOWN_RULE}|.*Absent.*` },
  ] as const;
  return [
    {
      sourceMatchers: source,
      targetMatchers: [{ name: 'alertname', op: '=~', value: '.*[Ll]atency.*' }],
      equal: [SERVICE_LABEL],
    },
    {
      sourceMatchers: source,
      targetMatchers: [{ name: 'slo', op: '=~', value: '.*[Ll]atency.*' }],
      equal: [SERVICE_LABEL],
    },
    {
      sourceMatchers: [{ name: 'alertname', op: '=', value: 'SLOBurnPage' }],
      targetMatchers: [{ name: 'alertname', op: '=', value: 'SLOBurnTicket' }],
      equal: [SERVICE_LABEL, 'slo'],
    },
  ];
}
