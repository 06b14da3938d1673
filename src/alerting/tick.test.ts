import { describe, expect, it } from 'vitest';
import { defaultSlos, evaluateSlo } from '../analytics/index.ts';
import type { SliBucket, SloDefinition } from '../contract/index.ts';
import { parseAlertingConfig } from './config.ts';
import type { RuleInput } from './engine.ts';
import { type AlertingRuntimeState, alertingTick, emptyAlertingRuntimeState } from './tick.ts';

const S = 1000;
const T0 = Date.UTC(2026, 0, 1);

describe('alertingTick with the default config', () => {
  const config = parseAlertingConfig({ route: { group_wait: '30s' } }, T0);

  /** The world: api is down from 60 s on (latency also high); web is fine. */
  function inputs(t: number): Record<string, RuleInput> {
    const down = t >= 60;
    return {
      ServiceDown: {
        kind: 'absence',
        series: [
          { labels: { service: 'api' }, lastSeenMs: down ? T0 + 60 * S : T0 + t * S },
          { labels: { service: 'web' }, lastSeenMs: T0 + t * S },
        ],
      },
      HighLatency: {
        kind: 'threshold',
        series: [
          { labels: { service: 'api' }, value: 2500 },
          { labels: { service: 'web' }, value: 80 },
        ],
      },
      Anomaly: { kind: 'anomaly', series: [] },
      SLOBurnPage: { kind: 'slo_burn', slos: [] },
      SLOBurnTicket: { kind: 'slo_burn', slos: [] },
    };
  }

  it('pages once for a down service and mutes its latency alert', () => {
    let state: AlertingRuntimeState = emptyAlertingRuntimeState();
    const sent: string[] = [];
    const history: string[] = [];
    let last: ReturnType<typeof alertingTick> | undefined;
    for (let t = 0; t <= 600; t += 15) {
      last = alertingTick(state, config, inputs(t), T0 + t * S);
      state = last.state;
      for (const tr of last.transitions)
        history.push(`${t}:${tr.ruleName}/${tr.labels.service} ${tr.from}→${tr.to}`);
      for (const n of last.notifications) {
        sent.push(
          `${(n.atMs - T0) / S}:${n.reason} ${n.firing.map((a) => `${a.ruleName}/${a.labels.service}`).join(',')}`,
        );
      }
    }
    expect(history).toEqual([
      '0:HighLatency/api inactive→pending',
      '180:ServiceDown/api inactive→firing',
      '300:HighLatency/api pending→firing',
    ]);
    // HighLatency/api fires at 300 s but ServiceDown/api inhibits it: only the page goes out.
    expect(sent).toEqual(['210:initial ServiceDown/api']);
    const muted = last?.alerts.find((a) => a.alert.ruleName === 'HighLatency');
    expect(muted?.muted).toBe(true);
    expect(muted?.mute.inhibitedBy).toHaveLength(1);
  });

  it('pages on an SLO burn fed from evaluateSlo', () => {
    const availability = defaultSlos()[0] as SloDefinition;
    const now = T0 + 10 * 86_400_000;
    // 1000 requests a minute for a day; 3 % failing over the last hour (burn 30).
    const buckets: SliBucket[] = [];
    for (let m = 1440; m >= 1; m--) {
      buckets.push({ startMs: now - m * 60_000, total: 1000, good: m <= 60 ? 970 : 1000 });
    }
    const evaluation = evaluateSlo(availability, 'api', buckets, now);
    const r = alertingTick(
      emptyAlertingRuntimeState(),
      config,
      {
        SLOBurnPage: { kind: 'slo_burn', slos: [evaluation] },
        SLOBurnTicket: { kind: 'slo_burn', slos: [evaluation] },
      },
      now,
    );
    // Both pairs burn (the 3 d/6 h ticket too), but the page mutes the ticket.
    expect(r.alerts.map((a) => [a.alert.ruleName, a.alert.state, a.muted])).toEqual([
      ['SLOBurnPage', 'firing', false],
      ['SLOBurnTicket', 'firing', true],
    ]);
    const firing = r.alerts.filter((a) => !a.muted).map((a) => a.alert);
    expect(firing[0]?.severity).toBe('critical');
    expect(firing[0]?.annotations.summary).toBe(
      'api is burning its availability error budget 30× too fast',
    );
  });
});
