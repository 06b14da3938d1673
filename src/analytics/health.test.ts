import { describe, expect, it } from 'vitest';
import type { Kpi, KpiStatus } from '../contract/index.ts';
import { defaultHealthOptions, type HealthInput, judgeHealth, usualCadenceMs } from './health.ts';

function kpi(name: Kpi['name'], status: KpiStatus, value: number | null = 1): Kpi {
  return { name, label: name, value, unit: '%', target: 1, comparator: '<=', status };
}

const NOW = 1_000_000;
const base: HealthInput = {
  nowMs: NOW,
  kpis: [kpi('uptime', 'ok'), kpi('error_rate', 'ok'), kpi('latency_p95', 'ok')],
  lastSeenMs: NOW - 5_000,
  everSeen: true,
  cadenceMs: 10_000,
  cpuPercent: 40,
};

describe('judgeHealth', () => {
  it.each([
    { name: 'healthy', over: {}, light: 'green' },
    { name: 'never seen', over: { everSeen: false, lastSeenMs: null }, light: 'grey' },
    { name: 'nothing in the window', over: { lastSeenMs: null }, light: 'red' },
    { name: 'silent 2 cadences exactly', over: { lastSeenMs: NOW - 20_000 }, light: 'green' },
    { name: 'silent past 2 cadences', over: { lastSeenMs: NOW - 20_001 }, light: 'red' },
    {
      name: 'unknown cadence falls back to 60 s',
      over: { cadenceMs: null, lastSeenMs: NOW - 100_000 },
      light: 'green',
    },
    {
      name: 'tiny cadence is floored by minSilenceMs',
      over: { cadenceMs: 100, lastSeenMs: NOW - 4_000 },
      light: 'green',
    },
    { name: 'error rate breach', over: { kpis: [kpi('error_rate', 'breach')] }, light: 'red' },
    { name: 'uptime breach', over: { kpis: [kpi('uptime', 'breach')] }, light: 'red' },
    { name: 'p95 breach', over: { kpis: [kpi('latency_p95', 'breach')] }, light: 'red' },
    { name: 'p99 breach only', over: { kpis: [kpi('latency_p99', 'breach')] }, light: 'orange' },
    { name: 'error rate warn', over: { kpis: [kpi('error_rate', 'warn')] }, light: 'orange' },
    { name: 'throughput breach', over: { kpis: [kpi('throughput', 'breach')] }, light: 'orange' },
    { name: 'unknown KPIs', over: { kpis: [kpi('uptime', 'unknown', null)] }, light: 'green' },
    { name: 'CPU 90 %', over: { cpuPercent: 90 }, light: 'orange' },
  ] as const)('$name → $light', ({ over, light }) => {
    const v = judgeHealth({ ...base, ...over });
    expect(v.light).toBe(light);
    if (light === 'green') expect(v.reasons).toEqual([]);
    else expect(v.reasons.length).toBeGreaterThan(0);
  });

  it('lists every reason, the red ones first', () => {
    const v = judgeHealth({
      ...base,
      lastSeenMs: NOW - 60_000,
      kpis: [kpi('error_rate', 'breach', 7), kpi('latency_p50', 'warn', 300)],
    });
    expect(v.light).toBe('red');
    expect(v.reasons).toHaveLength(3);
    expect(v.reasons[0]).toMatch(/no data for 60 s/);
    expect(v.reasons[1]).toMatch(/error_rate 7\.00% breaches/);
    expect(v.reasons[2]).toMatch(/latency_p50/);
  });

  it('respects options', () => {
    const v = judgeHealth(
      { ...base, cpuPercent: 80 },
      { ...defaultHealthOptions(), cpuWarnPercent: 75 },
    );
    expect(v.light).toBe('orange');
  });
});

describe('usualCadenceMs', () => {
  it.each([
    { name: 'no series', series: [], want: null },
    { name: 'single point', series: [[[0, 1]]], want: null },
    {
      name: 'regular',
      series: [
        [
          [0, 1],
          [10_000, 1],
          [20_000, 1],
        ],
      ],
      want: 10_000,
    },
    {
      name: 'one gap does not move the median',
      series: [
        [
          [0, 1],
          [10_000, 1],
          [20_000, 1],
          [90_000, 1],
        ],
      ],
      want: 10_000,
    },
    {
      name: 'duplicates ignored, unsorted ok',
      series: [
        [
          [20, 1],
          [0, 1],
          [0, 2],
          [10, 1],
        ],
      ],
      want: 10,
    },
    {
      name: 'median across series',
      series: [
        [
          [0, 1],
          [5, 1],
        ],
        [
          [0, 1],
          [10, 1],
        ],
        [
          [0, 1],
          [60, 1],
        ],
      ],
      want: 10,
    },
  ] as const)('$name', ({ series, want }) => {
    expect(usualCadenceMs(series as unknown as [number, number][][])).toBe(want);
  });
});
