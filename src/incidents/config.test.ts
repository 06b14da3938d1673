import { describe, expect, it } from 'vitest';
import { OpsError } from '../contract/index.ts';
import { parseIncidentsConfig } from './config.ts';
import { defaultIncidentOptions } from './engine.ts';

function problems(section: unknown): { field: string; reason: string }[] {
  try {
    parseIncidentsConfig(section);
  } catch (err) {
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).code).toBe('CONFIG_INVALID');
    return (err as OpsError).items.map(({ field, reason }) => ({ field, reason }));
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('parseIncidentsConfig', () => {
  it('gives the defaults for an absent section', () => {
    expect(parseIncidentsConfig(undefined)).toEqual(defaultIncidentOptions());
    expect(parseIncidentsConfig(null)).toEqual(defaultIncidentOptions());
    expect(parseIncidentsConfig({})).toEqual(defaultIncidentOptions());
  });

  it('reads every key', () => {
    const o = parseIncidentsConfig({
      correlation_window: '10m',
      recovery: '5m',
      reopen_within: '1h',
      max_signals: 50,
      rca_interval: '30s',
      rca_lookback: '2m',
      root_cause_live: '45s',
      max_incidents_kept: 10,
      max_timeline_entries: 100,
      severity_rules: [
        { severity: 'critical', when: { kinds: ['absence'], error_rate_above: 0.1 } },
        { severity: 'low', when: { only_alert_severities: ['info', 'warning'] } },
        { severity: 'high', when: { latency_ratio_above: 3 } },
        { severity: 'medium' },
      ],
      endpoints: {
        latency_ratio: 3,
        min_requests: 20,
        absence_after: '1m',
        latency_min_delta: '100ms',
      },
    });
    expect(o).toEqual({
      ...defaultIncidentOptions(),
      correlationWindowMs: 600_000,
      recoveryMs: 300_000,
      reopenWithinMs: 3_600_000,
      maxSignalsKept: 50,
      rcaIntervalMs: 30_000,
      rcaLookbackMs: 120_000,
      rootCauseLiveMs: 45_000,
      maxIncidentsKept: 10,
      maxTimelineEntries: 100,
      severityRules: [
        { severity: 'critical', when: { kinds: ['absence'], errorRateAbove: 0.1 } },
        { severity: 'low', when: { onlyAlertSeverities: ['info', 'warning'] } },
        { severity: 'high', when: { latencyRatioAbove: 3 } },
        { severity: 'medium', when: {} },
      ],
      detector: {
        ...defaultIncidentOptions().detector,
        latencyRatio: 3,
        minRequests: 20,
        absenceAfterMs: 60_000,
        latencyMinDeltaMs: 100,
      },
    });
  });

  it.each([
    { section: 'yes', field: 'incidents', reason: /must be a map/ },
    { section: { recovery: 'soon' }, field: 'incidents.recovery', reason: /is not a duration/ },
    { section: { recovery: 120 }, field: 'incidents.recovery', reason: /is not a duration/ },
    { section: { recovery: '0' }, field: 'incidents.recovery', reason: /longer than 0/ },
    {
      section: { correlaton_window: '5m' },
      field: 'incidents.correlaton_window',
      reason: /unknown key/,
    },
    { section: { max_signals: 2.5 }, field: 'incidents.max_signals', reason: /whole number/ },
    { section: { max_signals: 0 }, field: 'incidents.max_signals', reason: /between 1 and/ },
    { section: { severity_rules: {} }, field: 'incidents.severity_rules', reason: /list of rules/ },
    {
      section: { severity_rules: [{ when: {} }] },
      field: 'incidents.severity_rules[0].severity',
      reason: /required/,
    },
    {
      section: { severity_rules: [{ severity: 'urgent' }] },
      field: 'incidents.severity_rules[0].severity',
      reason: /not one of low, medium, high, critical/,
    },
    {
      section: { severity_rules: [{ severity: 'high', when: { error_rate_above: 20 } }] },
      field: 'incidents.severity_rules[0].when.error_rate_above',
      reason: /between 0 and 1/,
    },
    {
      section: { severity_rules: [{ severity: 'high', when: { kinds: ['latency', 'slow'] } }] },
      field: 'incidents.severity_rules[0].when.kinds[1]',
      reason: /"slow" is not one of/,
    },
    {
      section: { severity_rules: [{ severity: 'high', when: { errors_above: 1 } }] },
      field: 'incidents.severity_rules[0].when.errors_above',
      reason: /unknown key/,
    },
    {
      section: { severity_rules: [{ severity: 'high', when: 'always' }] },
      field: 'incidents.severity_rules[0].when',
      reason: /map of conditions/,
    },
    {
      section: { endpoints: { latency_ratio: 1 } },
      field: 'incidents.endpoints.latency_ratio',
      reason: /greater than 1/,
    },
    {
      section: { endpoints: { absence_after: 30 } },
      field: 'incidents.endpoints.absence_after',
      reason: /is not a duration/,
    },
    {
      section: { endpoints: { hold: 0.5 } },
      field: 'incidents.endpoints.hold',
      reason: /unknown key/,
    },
  ])('names $field', ({ section, field, reason }) => {
    const items = problems(section);
    expect(items).toHaveLength(1);
    expect(items[0]?.field).toBe(field);
    expect(items[0]?.reason).toMatch(reason);
  });

  it('reports every problem at once', () => {
    const items = problems({
      recovery: 'x',
      severity_rules: [{ severity: 'high' }, { severity: 'nope', when: { kinds: 'errors' } }],
    });
    expect(items.map((i) => i.field)).toEqual([
      'incidents.recovery',
      'incidents.severity_rules[1].severity',
      'incidents.severity_rules[1].when.kinds',
    ]);
  });
});
