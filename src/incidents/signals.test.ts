import { describe, expect, it } from 'vitest';
import type { Alert, Anomaly, FaultKind } from '../contract/index.ts';
import {
  type AlertLike,
  kindOfAlert,
  MIN_SIGNAL_RATE_PER_S,
  signalFromAlert,
  signalFromAnomaly,
} from './signals.ts';

function anomaly(over: Partial<Anomaly> = {}): Anomaly {
  return {
    metric: 'latency_ms',
    labels: { service: 'payment', endpoint: '/payment' },
    timestampMs: 1_000,
    value: 900,
    score: 0.95,
    expected: 100,
    lower: 50,
    upper: 150,
    deviation: 800,
    detector: 'ewma',
    reason: 'latency_ms 900 is far above the expected 100',
    ...over,
  };
}

function alert(over: Partial<Alert> & { silenced?: boolean } = {}): AlertLike {
  return {
    id: 'a1b2',
    ruleName: 'HighLatency',
    labels: { alertname: 'HighLatency', service: 'checkout', severity: 'warning' },
    annotations: { summary: 'p95 latency of checkout is 1500 ms' },
    state: 'firing',
    severity: 'warning',
    activeAtMs: 1_000,
    firedAtMs: 61_000,
    lastActiveAtMs: 121_000,
    value: 1500,
    ...over,
  };
}

describe('signalFromAnomaly', () => {
  it.each<{ metric: string; detector?: string; kind: FaultKind | undefined; unit?: string }>([
    { metric: 'latency_ms', kind: 'latency', unit: 'ms' },
    { metric: 'latency_p95_ms', kind: 'latency', unit: 'ms' },
    { metric: 'errors_per_second', kind: 'errors', unit: 'per_s' },
    { metric: 'requests_per_second', kind: 'traffic', unit: 'per_s' },
    { metric: 'cpu_usage_percent', kind: 'saturation', unit: 'value' },
    { metric: 'requests_per_second', detector: 'silence', kind: 'absence', unit: 'value' },
    { metric: 'temperature_c', detector: 'silence', kind: 'absence' },
    { metric: 'http_request_duration_seconds', kind: 'latency', unit: 'value' },
    { metric: 'memory_used_bytes', kind: 'saturation' },
    { metric: 'upstream_timeouts_total', kind: 'timeout' },
    { metric: 'order_value_eur', kind: undefined },
  ])('$metric ($detector) → $kind', ({ metric, detector, kind, unit }) => {
    const s = signalFromAnomaly(anomaly({ metric, ...(detector ? { detector } : {}) }));
    expect(s?.kind).toBe(kind);
    if (unit !== undefined) expect(s?.unit).toBe(unit);
  });

  it('carries service, endpoint, times, observed/expected and a stable id', () => {
    const s = signalFromAnomaly(anomaly());
    expect(s).toEqual({
      id: 'anomaly:latency_ms{endpoint="/payment",service="payment"}:latency',
      source: 'anomaly',
      service: 'payment',
      endpoint: '/payment',
      kind: 'latency',
      atMs: 1_000,
      lastAtMs: 1_000,
      observed: 900,
      baseline: 100,
      unit: 'ms',
      metric: 'latency_ms',
      description: 'latency_ms 900 is far above the expected 100',
    });
    expect(signalFromAnomaly(anomaly({ timestampMs: 9_000, value: 700 }))?.id).toBe(s?.id);
  });

  it('takes the service from source_id when there is no service label', () => {
    const s = signalFromAnomaly(
      anomaly({ labels: { source_id: 'vm-7' }, metric: 'cpu_usage_percent' }),
    );
    expect(s).toMatchObject({ service: 'vm-7', kind: 'saturation' });
    expect(s).not.toHaveProperty('endpoint');
  });

  it('gives nothing without a service, or for good news', () => {
    expect(signalFromAnomaly(anomaly({ labels: { region: 'eu' } }))).toBeUndefined();
    expect(signalFromAnomaly(anomaly({ value: 20, expected: 100 }))).toBeUndefined();
    expect(
      signalFromAnomaly(anomaly({ metric: 'errors_per_second', value: 0, expected: 2 })),
    ).toBeUndefined();
    // Traffic counts both ways.
    expect(
      signalFromAnomaly(anomaly({ metric: 'requests_per_second', value: 1, expected: 50 }))?.kind,
    ).toBe('traffic');
  });
});

describe('tiny rates are no signal on their own', () => {
  const errors = (value: number, expected = 0.0017) =>
    anomaly({ metric: 'errors_per_second', labels: { service: 'orders' }, value, expected });

  it('one error in 100 s (0.01/s) on a quiet service is no signal; 5/s is', () => {
    expect(MIN_SIGNAL_RATE_PER_S).toBe(0.05);
    expect(signalFromAnomaly(errors(0.01))).toBeUndefined();
    expect(signalFromAnomaly(errors(0.049))).toBeUndefined();
    expect(signalFromAnomaly(errors(0.05))?.kind).toBe('errors');
    expect(signalFromAnomaly(errors(5, 0))).toMatchObject({ kind: 'errors', observed: 5 });
  });

  it('with the request rate known, errors under 1 % of requests are no signal', () => {
    // 0.5 errors/s is above the absolute floor but 0.25 % of 200 requests/s.
    expect(signalFromAnomaly(errors(0.5), { requestsPerSecond: 200 })).toBeUndefined();
    expect(signalFromAnomaly(errors(0.5))?.kind).toBe('errors');
    // 3 errors/s of 200 requests/s is 1.5 %: a signal.
    expect(signalFromAnomaly(errors(3), { requestsPerSecond: 200 })?.kind).toBe('errors');
    // A low-traffic service: 0.03 errors/s of 0.1 requests/s is 30 % — the ratio decides.
    expect(signalFromAnomaly(errors(0.03), { requestsPerSecond: 0.1 })?.kind).toBe('errors');
    // Unknown or zero requests fall back to the absolute floor.
    expect(signalFromAnomaly(errors(0.03), { requestsPerSecond: 0 })).toBeUndefined();
  });

  it('traffic between tiny rates is no signal, a drop from a real rate is', () => {
    const traffic = (value: number, expected: number) =>
      anomaly({ metric: 'requests_per_second', labels: { service: 'orders' }, value, expected });
    expect(signalFromAnomaly(traffic(0.04, 0.01))).toBeUndefined();
    expect(signalFromAnomaly(traffic(0, 20))?.kind).toBe('traffic');
  });

  it('other kinds and units are not affected', () => {
    expect(signalFromAnomaly(anomaly({ value: 0.02, expected: 0.001 }))?.kind).toBe('latency');
    const count = anomaly({ metric: 'errors_total', labels: { service: 'orders' }, value: 0.02 });
    expect(signalFromAnomaly({ ...count, expected: 0 })?.kind).toBe('errors');
  });
});

describe('signalFromAlert', () => {
  it('maps a firing alert', () => {
    expect(signalFromAlert(alert())).toEqual({
      id: 'alert:a1b2',
      source: 'alert',
      service: 'checkout',
      kind: 'latency',
      atMs: 61_000,
      lastAtMs: 121_000,
      observed: 1500,
      baseline: 0,
      unit: 'ms',
      metric: 'HighLatency',
      alertSeverity: 'warning',
      description: 'p95 latency of checkout is 1500 ms',
    });
  });

  it.each([
    { state: 'pending' as const },
    { state: 'resolved' as const },
    { silenced: true },
    { labels: { alertname: 'HighLatency' } },
  ])('gives nothing for %o', (over) => {
    expect(signalFromAlert(alert(over))).toBeUndefined();
  });

  it('keeps inhibited alerts (they belong to the bigger fault) and takes the endpoint label', () => {
    const a = {
      ...alert({ labels: { service: 'payment', endpoint: '/pay', alertname: 'X' } }),
      inhibited: true,
    };
    expect(signalFromAlert(a)).toMatchObject({ service: 'payment', endpoint: '/pay' });
  });

  it.each<{ labels: Record<string, string>; ruleName: string; kind: FaultKind }>([
    { ruleName: 'ServiceDown', labels: { alertname: 'ServiceDown' }, kind: 'absence' },
    { ruleName: 'SLOBurnPage', labels: { slo: 'availability' }, kind: 'errors' },
    { ruleName: 'SLOBurnTicket', labels: { slo: 'latency' }, kind: 'latency' },
    { ruleName: 'Anomaly', labels: { metric: 'errors_per_second' }, kind: 'errors' },
    { ruleName: 'Anomaly', labels: { metric: 'cpu_usage_percent' }, kind: 'saturation' },
    { ruleName: 'Anomaly', labels: { metric: 'requests_per_second' }, kind: 'traffic' },
    { ruleName: 'GatewayTimeouts', labels: {}, kind: 'timeout' },
    { ruleName: 'HighErrorRate', labels: {}, kind: 'errors' },
    { ruleName: 'DiskFull', labels: {}, kind: 'saturation' },
    { ruleName: 'Something', labels: {}, kind: 'errors' },
  ])('kind of $ruleName $labels → $kind', ({ ruleName, labels, kind }) => {
    expect(kindOfAlert({ ruleName, labels })).toBe(kind);
  });

  it('uses the activeAtMs of an alert without firedAtMs and the severity as alertSeverity', () => {
    const { firedAtMs: _, ...rest } = alert({ severity: 'info' });
    expect(signalFromAlert(rest)).toMatchObject({ atMs: 1_000, alertSeverity: 'info' });
  });
});
