import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SloEvaluation } from '../contract/index.ts';
import {
  type AlertingState,
  alertFingerprint,
  emptyAlertingState,
  evaluateRules,
  fnv1a64,
  listAlerts,
  type RuleInput,
} from './engine.ts';
import { type AlertRule, type CompiledRule, compileRules, type ThresholdRule } from './rules.ts';

const S = 1000;

function thresholdRule(patch: Partial<ThresholdRule> = {}): ThresholdRule {
  return {
    kind: 'threshold',
    name: 'HighLatency',
    severity: 'warning',
    forMs: 30 * S,
    keepFiringForMs: 0,
    query: {
      metric: 'latency_ms',
      matchers: [],
      aggregation: 'p95',
      windowMs: 60 * S,
      groupBy: ['service'],
    },
    op: '>',
    value: 300,
    labels: { team: 'core', level: '{{ $value | round 0 }}' },
    annotations: { summary: '{{ $labels.service }} p95 {{ $value }} ms > {{ $threshold }}' },
    ...patch,
  };
}

/** Runs (time in s, value or null = series absent) through one rule; returns "t:from→to". */
function run(rule: AlertRule, steps: readonly (readonly [number, number | null])[]): string[] {
  const rules = compileRules([rule]);
  let state: AlertingState = emptyAlertingState();
  const out: string[] = [];
  for (const [t, v] of steps) {
    const input: RuleInput = {
      kind: 'threshold',
      series: v === null ? [] : [{ labels: { service: 'api' }, value: v }],
    };
    const r = evaluateRules(state, rules, { [rule.name]: input }, t * S);
    state = r.state;
    for (const tr of r.transitions) out.push(`${t}:${tr.from}→${tr.to}`);
  }
  return out;
}

describe('alert state machine', () => {
  it.each<[string, Partial<ThresholdRule>, [number, number | null][], string[]]>([
    [
      'never holds',
      {},
      [
        [0, 100],
        [15, 200],
        [30, 300],
      ],
      [],
    ],
    [
      'holds past `for`: pending, then firing, then resolved',
      {},
      [
        [0, 400],
        [15, 400],
        [30, 400],
        [45, 400],
        [60, 100],
      ],
      ['0:inactive→pending', '30:pending→firing', '60:firing→resolved'],
    ],
    [
      'for 0 fires at once',
      { forMs: 0 },
      [
        [0, 400],
        [15, 100],
      ],
      ['0:inactive→firing', '15:firing→resolved'],
    ],
    [
      'flapping inside `for` never fires',
      {},
      [
        [0, 400],
        [15, 100],
        [30, 400],
        [45, 100],
        [60, 400],
        [75, 100],
      ],
      [
        '0:inactive→pending',
        '15:pending→inactive',
        '30:inactive→pending',
        '45:pending→inactive',
        '60:inactive→pending',
        '75:pending→inactive',
      ],
    ],
    [
      'keep_firing_for rides out a short dip',
      { forMs: 0, keepFiringForMs: 60 * S },
      [
        [0, 400],
        [15, 100],
        [30, 400],
        [45, 100],
        [90, 100],
        [105, 100],
      ],
      ['0:inactive→firing', '90:firing→resolved'],
    ],
    [
      'a vanished series counts as not holding',
      { forMs: 0 },
      [
        [0, 400],
        [15, null],
      ],
      ['0:inactive→firing', '15:firing→resolved'],
    ],
    [
      'firing again after resolving starts a new pending',
      {},
      [
        [0, 400],
        [30, 400],
        [45, 100],
        [60, 400],
        [90, 400],
      ],
      [
        '0:inactive→pending',
        '30:pending→firing',
        '45:firing→resolved',
        '60:inactive→pending',
        '90:pending→firing',
      ],
    ],
    ['NaN is no data', { forMs: 0 }, [[0, Number.NaN]], []],
  ])('%s', (_name, patch, steps, expected) => {
    expect(run(thresholdRule(patch), steps)).toEqual(expected);
  });

  it('renders labels and annotations and keeps a stable id', () => {
    const rules = compileRules([thresholdRule({ forMs: 0 })]);
    const input: RuleInput = {
      kind: 'threshold',
      series: [{ labels: { service: 'api' }, value: 412.3 }],
    };
    const r1 = evaluateRules(emptyAlertingState(), rules, { HighLatency: input }, 0);
    const [a] = listAlerts(r1.state);
    expect(a).toMatchObject({
      id: alertFingerprint('HighLatency', { service: 'api' }),
      state: 'firing',
      labels: {
        alertname: 'HighLatency',
        service: 'api',
        severity: 'warning',
        team: 'core',
        level: '412',
      },
      annotations: { summary: 'api p95 412.3 ms > 300' },
      activeAtMs: 0,
      firedAtMs: 0,
      value: 412.3,
    });
    const input2: RuleInput = {
      kind: 'threshold',
      series: [{ labels: { service: 'api' }, value: 500 }],
    };
    const r2 = evaluateRules(r1.state, rules, { HighLatency: input2 }, 15 * S);
    expect(r2.transitions).toEqual([]);
    expect(listAlerts(r2.state)[0]).toMatchObject({
      id: a?.id,
      value: 500,
      activeAtMs: 0,
      lastActiveAtMs: 15 * S,
    });
    expect(alertFingerprint('HighLatency', { b: '2', a: '1' })).toBe(
      alertFingerprint('HighLatency', { a: '1', b: '2' }),
    );
    expect(alertFingerprint('HighLatency', { a: '1' })).not.toBe(
      alertFingerprint('Other', { a: '1' }),
    );
    expect(a?.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps one alert per label set', () => {
    const rules = compileRules([thresholdRule({ forMs: 0 })]);
    const input: RuleInput = {
      kind: 'threshold',
      series: [
        { labels: { service: 'api' }, value: 400 },
        { labels: { service: 'web' }, value: 500 },
        { labels: { service: 'db' }, value: 100 },
      ],
    };
    const r = evaluateRules(emptyAlertingState(), rules, { HighLatency: input }, 0);
    expect(
      listAlerts(r.state)
        .map((a) => a.labels.service)
        .sort(),
    ).toEqual(['api', 'web']);
  });

  it('keeps resolved alerts for the retention, then drops them', () => {
    const rules = compileRules([thresholdRule({ forMs: 0 })]);
    const hot: RuleInput = {
      kind: 'threshold',
      series: [{ labels: { service: 'api' }, value: 400 }],
    };
    const cold: RuleInput = {
      kind: 'threshold',
      series: [{ labels: { service: 'api' }, value: 1 }],
    };
    let s = evaluateRules(emptyAlertingState(), rules, { HighLatency: hot }, 0).state;
    s = evaluateRules(s, rules, { HighLatency: cold }, 60 * S).state;
    expect(listAlerts(s)[0]?.state).toBe('resolved');
    s = evaluateRules(s, rules, { HighLatency: cold }, 60 * S + 14 * 60 * S).state;
    expect(listAlerts(s)).toHaveLength(1);
    s = evaluateRules(s, rules, { HighLatency: cold }, 60 * S + 15 * 60 * S).state;
    expect(listAlerts(s)).toHaveLength(0);
  });

  it('leaves a rule alone when it has no input, and resolves alerts of removed rules', () => {
    const rules = compileRules([thresholdRule({ forMs: 0 })]);
    const hot: RuleInput = {
      kind: 'threshold',
      series: [{ labels: { service: 'api' }, value: 400 }],
    };
    const s = evaluateRules(emptyAlertingState(), rules, { HighLatency: hot }, 0).state;
    const skipped = evaluateRules(s, rules, {}, 15 * S);
    expect(skipped.transitions).toEqual([]);
    expect(skipped.state).toEqual(s);
    const removed = evaluateRules(s, [], {}, 15 * S);
    expect(removed.transitions.map((t) => `${t.from}→${t.to}`)).toEqual(['firing→resolved']);
  });

  it('rejects an input of the wrong kind', () => {
    const rules = compileRules([thresholdRule()]);
    expect(() =>
      evaluateRules(
        emptyAlertingState(),
        rules,
        { HighLatency: { kind: 'slo_burn', slos: [] } },
        0,
      ),
    ).toThrow(/given a slo_burn input/);
  });

  it('never fires before `for` has passed in pending (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.boolean()), { maxLength: 40 }),
        (forS, steps) => {
          const rule = thresholdRule({ forMs: forS * S });
          const rules: CompiledRule[] = compileRules([rule]);
          let state = emptyAlertingState();
          let t = 0;
          for (const [dt, hot] of steps) {
            t += dt;
            const input: RuleInput = {
              kind: 'threshold',
              series: [{ labels: { service: 'api' }, value: hot ? 400 : 1 }],
            };
            const prev = state.alerts[alertFingerprint('HighLatency', { service: 'api' })];
            const r = evaluateRules(state, rules, { HighLatency: input }, t * S);
            for (const tr of r.transitions) {
              expect(tr.to === 'firing' ? tr.from : 'pending').toBe('pending');
              if (tr.to === 'firing') {
                expect(prev?.state).toBe('pending');
                expect(t * S - (prev?.activeAtMs ?? 0)).toBeGreaterThanOrEqual(forS * S);
              }
            }
            state = r.state;
          }
        },
      ),
    );
  });
});

describe('fingerprints', () => {
  /** The textbook FNV-1a 64 with BigInt, over UTF-16 code units. */
  function reference(text: string): string {
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) {
      h ^= BigInt(text.charCodeAt(i));
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    return h.toString(16).padStart(16, '0');
  }

  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('fnv1a64(%j) = %s (published test vectors)', (text, hash) => {
    expect(fnv1a64(text)).toBe(hash);
  });

  it('agrees with a BigInt implementation (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(fnv1a64(text)).toBe(reference(text));
      }),
    );
  });
});

describe('rule kinds', () => {
  it('anomaly: filters by metric, detector and matchers, fires on score ≥ min', () => {
    const rules = compileRules([
      {
        kind: 'anomaly',
        name: 'Anomaly',
        severity: 'warning',
        forMs: 0,
        keepFiringForMs: 0,
        metric: 'latency_ms',
        matchers: [{ name: 'service', op: '!=', value: 'batch' }],
        minScore: 0.8,
        labels: {},
        annotations: {
          summary: '{{ $metric }} {{ $observed }} vs {{ $expected }} ({{ $detector }})',
        },
      },
    ]);
    const r = evaluateRules(
      emptyAlertingState(),
      rules,
      {
        Anomaly: {
          kind: 'anomaly',
          series: [
            {
              metric: 'latency_ms',
              labels: { service: 'api' },
              score: 0.93,
              detector: 'ewma',
              observed: 900,
              expected: 120,
            },
            { metric: 'latency_ms', labels: { service: 'web' }, score: 0.5 },
            { metric: 'latency_ms', labels: { service: 'warming' }, score: 0.95, isAnomaly: false },
            { metric: 'latency_ms', labels: { service: 'batch' }, score: 0.99 },
            { metric: 'cpu_usage_percent', labels: { service: 'api' }, score: 0.99 },
          ],
        },
      },
      0,
    );
    const alerts = listAlerts(r.state);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.labels).toMatchObject({ service: 'api', metric: 'latency_ms' });
    expect(alerts[0]?.annotations.summary).toBe('latency_ms 900 vs 120 (ewma)');
  });

  it('absence: fires when silent for absent_for, or never seen', () => {
    const rules = compileRules([
      {
        kind: 'absence',
        name: 'ServiceDown',
        severity: 'critical',
        forMs: 0,
        keepFiringForMs: 0,
        query: {
          metric: 'requests_per_second',
          matchers: [],
          aggregation: 'count',
          windowMs: 60 * S,
          groupBy: ['service'],
        },
        absentForMs: 120 * S,
        labels: {},
        annotations: {
          summary:
            '{{ $labels.service }} silent {{ $last_seen_seconds | duration | default "forever" }}',
        },
      },
    ]);
    const now = 1000 * S;
    const r = evaluateRules(
      emptyAlertingState(),
      rules,
      {
        ServiceDown: {
          kind: 'absence',
          series: [
            { labels: { service: 'api' }, lastSeenMs: now - 10 * S },
            { labels: { service: 'web' }, lastSeenMs: now - 180 * S },
            { labels: { service: 'db' }, lastSeenMs: null },
          ],
        },
      },
      now,
    );
    const summaries = listAlerts(r.state)
      .map((a) => a.annotations.summary)
      .sort();
    expect(summaries).toEqual(['db silent forever', 'web silent 3m']);
  });

  it('slo_burn: follows the page or ticket alert of matching SLOs', () => {
    const evaluation = (name: string, firing: boolean): SloEvaluation => ({
      name,
      service: 'api',
      objective: 0.999,
      windowMs: 30 * 86_400_000,
      atMs: 0,
      good: 0,
      total: 0,
      sli: null,
      met: true,
      budget: { allowedBad: 10, bad: 2, remainingFraction: 0.8 },
      labels: { slo: name, service: 'api' },
      burnAlerts: [
        {
          severity: 'page',
          threshold: 14.4,
          firing,
          guarded: false,
          long: { windowMs: 3_600_000, good: 0, total: 0, burnRate: 20 },
          short: { windowMs: 300_000, good: 0, total: 0, burnRate: 30 },
        },
      ],
    });
    const rules = compileRules([
      {
        kind: 'slo_burn',
        name: 'SLOBurnPage',
        severity: 'critical',
        forMs: 0,
        keepFiringForMs: 0,
        slo: 'availability',
        burn: 'page',
        labels: {},
        annotations: {
          summary: '{{ $labels.slo }} {{ $value }}× left {{ $budget_remaining | percent 0 }}',
        },
      },
    ]);
    const r = evaluateRules(
      emptyAlertingState(),
      rules,
      {
        SLOBurnPage: {
          kind: 'slo_burn',
          slos: [
            evaluation('availability', true),
            evaluation('latency', true),
            evaluation('availability-x', false),
          ],
        },
      },
      0,
    );
    expect(listAlerts(r.state).map((a) => a.annotations.summary)).toEqual([
      'availability 20× left 80%',
    ]);
  });
});
