import { describe, expect, it } from 'vitest';
import { createRng, type Span } from '../contract/index.ts';
import { analyzeRootCause } from './rca.ts';
import { type CallSpec, serviceMap, signal, statsFromSpans, traceSpans } from './rca-testkit.ts';

const T0 = 1_800_000_000_000;
const WINDOW_MS = 120_000;
const MAP = serviceMap([
  ['frontend', 'checkout'],
  ['checkout', 'payment'],
]);
const BASELINES = {
  'frontend /': { latencyMs: 130, errorRate: 0.001 },
  'checkout /checkout': { latencyMs: 120, errorRate: 0.001 },
  'payment /payment': { latencyMs: 80, errorRate: 0.001 },
};

function tree(payment: Partial<CallSpec>): CallSpec {
  return {
    service: 'frontend',
    endpoint: '/',
    selfMs: 10,
    calls: [
      {
        service: 'checkout',
        endpoint: '/checkout',
        selfMs: 30,
        calls: [{ service: 'payment', endpoint: '/payment', selfMs: 80, ...payment }],
      },
    ],
  };
}

/** 80 traces, one a second; from trace 20 on payment is faulty as `faulty(i, usualSelfMs)` says. */
function run(faulty: (usualSelfMs: number) => Partial<CallSpec>) {
  const rng = createRng(11);
  const spans: Span[] = [];
  for (let i = 0; i < 80; i++) {
    // Payment's own time varies log-normally around 80 ms (sigma 0.3), as real self times do.
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const usual = Math.round(80 * Math.exp(0.3 * z));
    spans.push(...traceSpans(i, T0 + i * 1_000, tree(i < 20 ? { selfMs: usual } : faulty(usual))));
  }
  return spans;
}

function analyze(spans: Span[], kind: 'latency' | 'errors') {
  return analyzeRootCause({
    fromMs: T0,
    toMs: T0 + WINDOW_MS,
    signals: [
      signal('frontend', '/', kind, T0 + 20_000, kind === 'latency' ? 600 : 0.7, 0.001),
      signal('checkout', '/checkout', kind, T0 + 20_000, kind === 'latency' ? 600 : 0.7, 0.001),
    ],
    spans,
    map: MAP,
    stats: statsFromSpans(spans, T0, T0 + WINDOW_MS, BASELINES),
  });
}

describe('root cause kind: the cause where the spans tell it', () => {
  it('a fixed added delay is latency', () => {
    const r = analyze(
      run((usual) => ({ selfMs: usual + 300 })),
      'latency',
    );
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'latency' });
  });

  it('self times multiplied (queueing) are saturation', () => {
    const r = analyze(
      run((usual) => ({ selfMs: usual * 4 })),
      'latency',
    );
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'saturation' });
  });

  it('calls refused at connect with no callee span are absence', () => {
    const spans = run(() => ({ timeoutAfterMs: 2 })).map((s) =>
      s.kind === 'client' && s.endpoint === '/payment' && s.status === 'error'
        ? { ...s, httpStatus: 502, errorMessage: 'connect ECONNREFUSED payment:8080' }
        : s,
    );
    const r = analyze(spans, 'errors');
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'absence' });
  });

  it('a callee that never answers is still a timeout', () => {
    const r = analyze(
      run(() => ({ timeoutAfterMs: 3_000 })),
      'errors',
    );
    expect(r.rootCause).toMatchObject({ service: 'payment', kind: 'timeout' });
  });

  it('answers shedding load (503, overloaded) are saturation; other failures errors', () => {
    const shed = run(() => ({ error: 'payment is overloaded: request shed' })).map((s) =>
      s.service === 'payment' && s.kind === 'server' && s.status === 'error'
        ? { ...s, httpStatus: 503 }
        : s,
    );
    expect(analyze(shed, 'errors').rootCause).toMatchObject({
      service: 'payment',
      kind: 'saturation',
    });
    const failing = run(() => ({ error: 'card declined by issuer' }));
    expect(analyze(failing, 'errors').rootCause).toMatchObject({
      service: 'payment',
      kind: 'errors',
    });
  });
});
