import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isOpsError, type OpsError } from '../contract/index.ts';
import {
  parseAlertingConfig,
  parseMatcher,
  parseRuleBody,
  parseSilenceBody,
  parseSloBody,
  slosFor,
  validateAlertingConfig,
} from './config.ts';
import { parseDurationMs } from './duration.ts';
import { AlertingConfigSchema } from './schemas.ts';

const NOW = Date.UTC(2026, 0, 1);

/** The example of docs/alerting.md and docs/slos.md, in parsed-YAML form. */
const example = {
  slos: [
    {
      name: 'availability',
      service: 'checkout',
      objective: 99.95,
      window: '28d',
      sli: { ratio: { total: 'requests_per_second', bad: 'errors_per_second' } },
    },
    {
      name: 'e2e-latency',
      objective: '99%',
      window: { cycles: 100, cycle: '10s' },
      sli: {
        threshold: {
          metric: 'pipeline_latency_cycles',
          aggregation: 'max',
          op: '<=',
          value: 10,
          interval: '10s',
        },
      },
      min_events: 20,
    },
    { name: 'latency', service: 'batch', enabled: false },
  ],
  rules: [
    {
      name: 'HighErrorRate',
      kind: 'threshold',
      query: {
        metric: 'errors_per_second',
        matchers: ['service=~"api|web"'],
        aggregation: 'avg',
        window: '5m',
        by: ['service'],
      },
      op: '>',
      value: 5,
      for: '5m',
      keep_firing_for: '2m',
      severity: 'critical',
      labels: { team: 'core' },
      annotations: { summary: '{{ $labels.service }}: {{ $value | round 1 }} errors/s' },
    },
    { name: 'LatencyAnomaly', kind: 'anomaly', metric: 'latency_ms', min_score: 0.9, for: '2m' },
    {
      name: 'PipelineSilent',
      kind: 'absence',
      query: { metric: 'events_total', by: ['source_id'] },
      absent_for: '10m',
    },
    { name: 'BudgetTicket', kind: 'slo_burn', slo: 'availability', alert: 'ticket' },
    { name: 'Anomaly', enabled: false },
  ],
  silences: [
    {
      matchers: { service: 'checkout' },
      starts_at: '2026-01-01T00:00:00Z',
      ends_at: '2026-01-01T02:00:00Z',
      created_by: 'ana',
      comment: 'planned migration',
    },
  ],
  inhibit_rules: [
    {
      source_matchers: ['alertname="ClusterDown"'],
      target_matchers: ['severity="warning"'],
      equal: ['cluster'],
    },
  ],
  route: {
    group_by: ['alertname'],
    group_wait: '10s',
    group_interval: '1m',
    repeat_interval: '2h',
  },
};

function problems(root: unknown): string[] {
  const r = validateAlertingConfig(root, NOW);
  return r.ok ? [] : r.items.map((i) => `${i.field}: ${i.reason}`);
}

describe('parseAlertingConfig', () => {
  it('reads the documented example', () => {
    const c = parseAlertingConfig(example, NOW);
    expect(c.slos.map((s) => [s.name, s.service, s.objective, s.window, s.minEvents])).toEqual([
      ['availability', 'checkout', 0.9995, { kind: 'rolling', durationMs: 28 * 86_400_000 }, 100],
      ['e2e-latency', undefined, 0.99, { kind: 'cycles', cycles: 100, cycleMs: 10_000 }, 20],
    ]);
    expect(c.disabledSlos).toEqual([{ disabled: true, name: 'latency', service: 'batch' }]);
    const names = c.rules.map((r) => r.rule.name);
    expect(names).toEqual([
      'ServiceDown',
      'SLOBurnPage',
      'SLOBurnTicket',
      'HighLatency',
      'HighErrorRate',
      'LatencyAnomaly',
      'PipelineSilent',
      'BudgetTicket',
    ]);
    const high = c.rules.find((r) => r.rule.name === 'HighErrorRate')?.rule;
    expect(high).toMatchObject({
      kind: 'threshold',
      forMs: 300_000,
      keepFiringForMs: 120_000,
      severity: 'critical',
      query: {
        metric: 'errors_per_second',
        matchers: [{ name: 'service', op: '=~', value: 'api|web' }],
        groupBy: ['service'],
      },
    });
    expect(c.rules.find((r) => r.rule.name === 'BudgetTicket')?.rule).toMatchObject({
      burn: 'ticket',
      severity: 'warning',
    });
    expect(c.silences[0]).toMatchObject({
      matchers: [{ name: 'service', op: '=', value: 'checkout' }],
      startsAtMs: NOW,
      endsAtMs: NOW + 2 * 3_600_000,
      createdBy: 'ana',
    });
    expect(c.silences[0]?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(c.inhibitRules).toHaveLength(4);
    expect(c.route).toEqual({
      groupBy: ['alertname'],
      groupWaitMs: 10_000,
      groupIntervalMs: 60_000,
      repeatIntervalMs: 7_200_000,
    });
    expect(slosFor('batch', c).map((s) => s.name)).toEqual(['availability', 'e2e-latency']);
    expect(slosFor('checkout', c).map((s) => [s.name, s.objective])).toEqual([
      ['availability', 0.9995],
      ['latency', 0.99],
      ['e2e-latency', 0.99],
    ]);
  });

  it('gives the defaults for an empty or missing config', () => {
    const c = parseAlertingConfig(undefined, NOW);
    expect(c.rules.map((r) => r.rule.name)).toEqual([
      'ServiceDown',
      'SLOBurnPage',
      'SLOBurnTicket',
      'HighLatency',
      'Anomaly',
    ]);
    expect(c.inhibitRules).toHaveLength(3);
    expect(parseAlertingConfig({ port: 8080 }, NOW).slos).toEqual([]);
  });

  it('agrees with the TypeBox schema on the example', () => {
    expect(
      [...Value.Errors(AlertingConfigSchema, example)].map((e) => `${e.path} ${e.message}`),
    ).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    [
      'a duration in words',
      {
        rules: [
          {},
          {},
          {
            name: 'R',
            kind: 'threshold',
            query: { metric: 'm' },
            op: '>',
            value: 1,
            for: '5 minutes',
          },
        ].map((r, i) => (i < 2 ? { name: `R${i}`, kind: 'anomaly' } : r)),
      },
      ['rules[2].for: "5 minutes" is not a duration like 5m, 1h30m or 90s'],
    ],
    [
      'an unknown kind',
      { rules: [{ name: 'R', kind: 'magic' }] },
      ['rules[0].kind: "magic" is not one of threshold, anomaly, absence, slo_burn'],
    ],
    [
      'missing fields of a threshold rule',
      { rules: [{ name: 'R', kind: 'threshold' }] },
      [
        'rules[0].query: is required: {metric, matchers?, aggregation?, window?, by?}',
        'rules[0].op: is required',
        'rules[0].value: is required',
      ],
    ],
    [
      'a typo in a key',
      { rules: [{ name: 'R', kind: 'anomaly', min_scor: 0.5 }] },
      [
        'rules[0].min_scor: unknown key; expected one of name, kind, severity, for, keep_firing_for, labels, annotations, enabled, metric, matchers, min_score, detector',
      ],
    ],
    [
      'a bad template',
      { rules: [{ name: 'R', kind: 'anomaly', annotations: { summary: '{{ $labels.service' } }] },
      ['rules[0].annotations.summary: unclosed "{{" at character 0'],
    ],
    [
      'a bad matcher and regex',
      { rules: [{ name: 'R', kind: 'anomaly', matchers: ['service', 'zone=~"("'] }] },
      [
        'rules[0].matchers[0]: "service" is not a matcher like service="api" or service=~"api|web"',
        'rules[0].matchers[1]: "(" is not a valid regular expression',
      ],
    ],
    [
      'a duplicate rule name and a bad name',
      {
        rules: [
          { name: 'R', kind: 'anomaly' },
          { name: 'R', kind: 'anomaly' },
          { name: '9x', kind: 'anomaly' },
        ],
      },
      [
        'rules[1].name: repeats rule "R"',
        'rules[2].name: "9x" is not a rule name (letters, digits and _, not starting with a digit)',
      ],
    ],
    [
      'a min_score out of range',
      { rules: [{ name: 'R', kind: 'anomaly', min_score: 3 }] },
      ['rules[0].min_score: must be between 0 and 1, got 3'],
    ],
    [
      'an objective of 1.5 percent is fine but 100 is not',
      { slos: [{ name: 'a', objective: 100, sli: { ratio: { total: 'r', bad: 'e' } } }] },
      ['slos[0].objective: 100 is not a percentage strictly between 0 and 100, such as 99.9'],
    ],
    [
      'an SLI with both kinds and a ratio with neither bad nor good',
      {
        slos: [
          { name: 'a', objective: 99, sli: { ratio: { total: 'r', bad: 'e' }, threshold: {} } },
          { name: 'b', objective: 99, sli: { ratio: { total: 'r' } } },
        ],
      },
      [
        'slos[0].sli: needs exactly one of ratio or threshold',
        'slos[1].sli.ratio: needs exactly one of bad or good',
      ],
    ],
    [
      'a bad window',
      {
        slos: [
          { name: 'a', objective: 99, window: '30 days', sli: { ratio: { total: 'r', bad: 'e' } } },
          {
            name: 'b',
            objective: 99,
            window: { cycles: 0, cycle: '10s' },
            sli: { ratio: { total: 'r', bad: 'e' } },
          },
        ],
      },
      [
        'slos[0].window: "30 days" is not a duration like 5m, 1h30m or 90s (e.g. 30d) nor {cycles, cycle}',
        'slos[1].window.cycles: must be between 1 and ∞, got 0',
      ],
    ],
    [
      'a silence that would mute everything, and ends before it starts',
      {
        silences: [
          { matchers: ['service=~".*"'], duration: '1h', created_by: 'a', comment: 'c' },
          {
            matchers: { service: 'x' },
            starts_at: '2026-01-01T02:00:00Z',
            ends_at: '2026-01-01T01:00:00Z',
            created_by: 'a',
            comment: 'c',
          },
          { matchers: { service: 'x' }, ends_at: 'tomorrow', comment: 'c' },
        ],
      },
      [
        'silences[0].matchers: every matcher matches the empty label: the silence would mute everything',
        'silences[1].ends_at: must be after starts_at',
        'silences[2].ends_at: "tomorrow" is not a time: use RFC 3339 with a zone (2026-01-01T00:00:00Z) or epoch ms',
        'silences[2].created_by: is required',
      ],
    ],
    [
      'an inhibition rule without target',
      { inhibit_rules: [{ source_matchers: ['a="b"'], equal: 'service' }] },
      [
        'inhibit_rules[0].target_matchers: is required',
        'inhibit_rules[0].equal: must be a list, got "service"',
      ],
    ],
    [
      'sections of the wrong type',
      { rules: { name: 'R' }, slos: 'none', route: { group_wait: 'soon' } },
      [
        'slos: must be a list, got "none"',
        'rules: must be a list, got a map',
        'route.group_wait: "soon" is not a duration like 5m, 1h30m or 90s',
      ],
    ],
  ])('names the path of %s', (_name, root, expected) => {
    expect(problems(root)).toEqual(expected);
  });

  it('throws CONFIG_INVALID with every item', () => {
    let err: unknown;
    try {
      parseAlertingConfig(
        {
          rules: [
            {
              name: 'R',
              kind: 'threshold',
              query: { metric: 'm' },
              op: '>',
              value: 1,
              for: '5 minutes',
            },
          ],
        },
        NOW,
      );
    } catch (e) {
      err = e;
    }
    expect(isOpsError(err)).toBe(true);
    const e = err as OpsError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(
      'opsight.yaml alerting sections are invalid: rules[0].for: "5 minutes" is not a duration like 5m, 1h30m or 90s',
    );
    expect(e.items).toEqual([
      { field: 'rules[0].for', reason: '"5 minutes" is not a duration like 5m, 1h30m or 90s' },
    ]);
  });
});

describe('API bodies', () => {
  function fail(fn: () => unknown): OpsError {
    try {
      fn();
    } catch (e) {
      if (isOpsError(e)) return e;
      throw e;
    }
    throw new Error('expected an OpsError');
  }

  it('parses a rule body and reports body-relative paths', () => {
    expect(parseRuleBody({ name: 'R', kind: 'slo_burn' })).toMatchObject({
      slo: '*',
      burn: 'page',
      severity: 'critical',
    });
    const e = fail(() =>
      parseRuleBody({ name: 'R', kind: 'absence', query: { metric: 'm' }, absent_for: '0' }),
    );
    expect(e.code).toBe('ALERTING_INVALID_DEFINITION');
    expect(e.status).toBe(422);
    expect(e.items).toEqual([{ field: 'absent_for', reason: 'must be longer than 0, got "0"' }]);
    expect(fail(() => parseRuleBody([1])).items).toEqual([
      { field: '(body)', reason: 'must be a map, got a list' },
    ]);
    expect(fail(() => parseRuleBody({ name: 'R', enabled: false })).items[0]?.field).toBe(
      'enabled',
    );
  });

  it('parses an SLO body', () => {
    expect(
      parseSloBody({
        name: 'lat',
        objective: 99.5,
        sli: { threshold: { metric: 'latency_ms', aggregation: 'p95', op: '<=', value: 300 } },
      }),
    ).toMatchObject({
      objective: 0.995,
      minEvents: 30,
      sli: { kind: 'threshold', intervalMs: 60_000 },
    });
    expect(fail(() => parseSloBody({ name: 'x', sli: {} })).items.map((i) => i.field)).toEqual([
      'objective',
      'sli',
    ]);
  });

  it('parses a silence body with a duration from now', () => {
    const s = parseSilenceBody(
      { matchers: ['service="api"'], duration: '2h', created_by: 'bo', comment: 'deploy' },
      NOW,
    );
    expect(s).toMatchObject({
      startsAtMs: NOW,
      endsAtMs: NOW + 7_200_000,
      createdBy: 'bo',
      comment: 'deploy',
    });
    expect(
      fail(() =>
        parseSilenceBody({ matchers: [], created_by: 'a', comment: 'c', duration: '1h' }, NOW),
      ).items,
    ).toEqual([{ field: 'matchers', reason: 'needs at least one matcher' }]);
    expect(
      fail(() => parseSilenceBody({ matchers: ['a="b"'], created_by: 'a', comment: 'c' }, NOW))
        .items,
    ).toEqual([{ field: '(body)', reason: 'needs exactly one of ends_at or duration' }]);
  });
});

describe('small parsers', () => {
  it.each([
    ['service="api"', { name: 'service', op: '=', value: 'api' }],
    ['service = api', { name: 'service', op: '=', value: 'api' }],
    ['service!="a \\"b\\""', { name: 'service', op: '!=', value: 'a "b"' }],
    ['k8s.pod=~"web-.*"', { name: 'k8s.pod', op: '=~', value: 'web-.*' }],
    ['zone!~"eu|us"', { name: 'zone', op: '!~', value: 'eu|us' }],
  ])('matcher %s', (text, m) => {
    expect(parseMatcher(text)).toEqual(m);
  });

  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    ['250ms', 250],
    ['5 minutes', null],
    ['5', null],
    ['-5m', null],
    ['', null],
  ])('duration %j → %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('the examples in the docs', () => {
  /** Every ```yaml block of a docs page, parsed. */
  function yamlBlocks(page: string): unknown[] {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', page), 'utf8');
    return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1] as string));
  }

  it.each(['alerting.md', 'slos.md'])('%s examples are valid config', (page) => {
    const blocks = yamlBlocks(page);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      expect(problems(b)).toEqual([]);
      expect(
        [...Value.Errors(AlertingConfigSchema, b)].map((e) => `${e.path} ${e.message}`),
      ).toEqual([]);
    }
  });
});
