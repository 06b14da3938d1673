/**
 * Incidents end to end through the real CLI (`opsight start --no-demo`): OTLP JSON spans built
 * by hand (frontend → checkout → payment, twelve endpoints each on checkout and payment) are
 * posted to /v1/traces, healthy for five minutes of event time, then payment slow and failing on
 * every endpoint. One incident must open (however many endpoint signals, anomalies and alerts
 * the fault raises), with payment as the root cause, visible on /api/v1/incidents and
 * /aiops/incidents; a webhook from opsight.yaml gets `opened` and `resolved`; acknowledge and
 * resolve land in the timeline; the incident survives SIGTERM and SIGKILL restarts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/index.ts';
import { type OpsightProcess, startOpsight, tempDataDir } from '../support/opsight-process.ts';
import { type Receiver, startHttpReceiver, webhookValidator } from './notify-receivers.ts';

const SECRET = 'incident-hook-secret';
const ENDPOINTS = 12;
const PER_SECOND = 6;
const HEALTHY_MS = 5 * 60_000;
const FAULT_MS = 3 * 60_000;

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function ns(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  status: { code: number; message?: string };
}

/**
 * OTLP JSON for traces started in [fromMs, toMs): frontend GET /checkout → checkout
 * POST /checkout-k → payment POST /pay-k, k round robin over ENDPOINTS. From `faultFromMs` on,
 * payment takes 600 ms more and every third call fails (500), which checkout and frontend
 * pass on (502).
 */
function otlpBody(fromMs: number, toMs: number, faultFromMs: number, seq: { n: number }) {
  const by: Record<string, OtlpSpan[]> = { frontend: [], checkout: [], payment: [] };
  for (let t = fromMs; t < toMs; t += 1000 / PER_SECOND) {
    seq.n += 1;
    const n = seq.n;
    const traceId = hex(n, 32);
    const faulty = t >= faultFromMs;
    const fails = faulty && n % 3 === 0;
    const k = n % ENDPOINTS;
    const payMs = 20 + (n % 7) + (faulty ? 600 : 0);
    const coMs = payMs + 30;
    const feMs = coMs + 10;
    const id = (i: number) => hex(n * 8 + i, 16);
    const span = (
      service: string,
      i: number,
      parent: number | undefined,
      name: string,
      kind: number,
      route: string,
      startMs: number,
      durMs: number,
      code: number,
    ) => {
      const attributes: Attr[] = [
        { key: kind === 2 ? 'http.route' : 'url.path', value: { stringValue: route } },
        { key: 'http.response.status_code', value: { intValue: String(code) } },
      ];
      (by[service] as OtlpSpan[]).push({
        traceId,
        spanId: id(i),
        ...(parent === undefined ? {} : { parentSpanId: id(parent) }),
        name,
        kind,
        startTimeUnixNano: ns(startMs),
        endTimeUnixNano: ns(startMs + durMs),
        attributes,
        status: code >= 500 ? { code: 2, message: 'upstream failed' } : { code: 0 },
      });
    };
    const co = `/checkout-${k}`;
    const pay = `/pay-${k}`;
    span('frontend', 1, undefined, 'GET /checkout', 2, '/checkout', t, feMs, fails ? 502 : 200);
    span('frontend', 2, 1, `POST ${co}`, 3, co, t + 2, coMs + 4, fails ? 502 : 200);
    span('checkout', 3, 2, `POST ${co}`, 2, co, t + 4, coMs, fails ? 502 : 200);
    span('checkout', 4, 3, `POST ${pay}`, 3, pay, t + 6, payMs + 2, fails ? 500 : 200);
    span('payment', 5, 4, `POST ${pay}`, 2, pay, t + 7, payMs, fails ? 500 : 200);
  }
  return {
    resourceSpans: Object.entries(by).map(([service, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'incidents-api-test' }, spans }],
    })),
  };
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (${res.status}): ${text.slice(0, 500)}`);
  }
}

async function waitFor<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined>,
  log: () => string,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until)
      throw new Error(`${what} not within ${deadlineMs} ms\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('incidents through the CLI', { timeout: 180_000 }, () => {
  const dir = tempDataDir('opsight-incidents-');
  const dataDir = join(dir, 'data');
  const config = join(dir, 'opsight.yaml');
  let hook: Receiver;
  let p: OpsightProcess;
  let incidentId = '';

  const start = async (): Promise<OpsightProcess> =>
    startOpsight({ dataDir, args: ['--no-demo', '--config', config] });

  const hookKinds = (): string[] =>
    hook
      .accepted()
      .map((b) => (JSON.parse(b) as { notification: { kind: string } }).notification.kind);

  beforeAll(async () => {
    hook = await startHttpReceiver({
      validate: webhookValidator(SECRET, () => Date.now()),
      okStatus: 200,
      okBody: () => 'ok',
    });
    writeFileSync(
      config,
      [
        'incidents:',
        '  recovery: 10m',
        'notifications:',
        '  channels:',
        `    - { type: webhook, name: incident-hook, url: "${hook.url}", secret: ${SECRET} }`,
        '',
      ].join('\n'),
    );
    p = await start();
  });

  afterAll(async () => {
    await p?.kill();
    await hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens exactly one incident for a payment fault on many endpoints, root cause payment', async () => {
    // Event time ends a little before now, so nothing is "from the future".
    const endMs = Date.now() - 10_000;
    const startMs = endMs - HEALTHY_MS - FAULT_MS;
    const faultFromMs = startMs + HEALTHY_MS;
    const seq = { n: 0 };
    for (let t = startMs; t < endMs; t += 20_000) {
      const res = await fetch(`${p.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(otlpBody(t, Math.min(endMs, t + 20_000), faultFromMs, seq)),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }

    const incident = await waitFor(
      'an incident with a root cause',
      60_000,
      async () => {
        const body = await json<{ incidents: Incident[] }>(
          await fetch(`${p.url}/api/v1/incidents`),
        );
        const i = body.incidents[0];
        return i?.rootCause === undefined ? undefined : i;
      },
      p.output,
    );
    incidentId = incident.id;
    const all = await json<{ incidents: Incident[] }>(await fetch(`${p.url}/api/v1/incidents`));
    expect(all.incidents.map((i) => i.id)).toEqual([incidentId]);
    expect(incident.status).toBe('active');
    expect(incident.rootCause?.service).toBe('payment');
    expect(incident.affectedServices).toEqual(expect.arrayContaining(['checkout', 'payment']));
    expect(incident.signalCount).toBeGreaterThanOrEqual(50);
    expect(incident.timeline[0]).toMatchObject({ action: 'opened', by: 'opsight' });
    expect(incident.firstDetectedMs).toBeGreaterThanOrEqual(faultFromMs - 60_000);

    const filtered = await json<{ incidents: Incident[] }>(
      await fetch(`${p.url}/api/v1/incidents?status=resolved`),
    );
    expect(filtered.incidents).toEqual([]);
    const bad = await fetch(`${p.url}/api/v1/incidents?severity=urgent`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers the AIOps compatibility shape', async () => {
    const list = await json<{
      incident_count: number;
      active_incidents: Record<string, unknown>[];
    }>(await fetch(`${p.url}/aiops/incidents`));
    expect(list.incident_count).toBe(1);
    const c = list.active_incidents[0] as Record<string, unknown>;
    expect(Object.keys(c)).toEqual(
      expect.arrayContaining([
        'id',
        'title',
        'status',
        'severity',
        'first_detected',
        'last_updated',
        'root_cause',
        'candidates',
        'affected_services',
        'affected_endpoints',
        'total_traces',
        'sample_traces',
        'timeline',
      ]),
    );
    expect(c.id).toBe(incidentId);
    expect(c.first_detected).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((c.root_cause as { service: string }).service).toBe('payment');
    const scores = (c.candidates as { score: number }[]).map((x) => x.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const analyzed = await json<{ analyzed_at: string; incident_count: number }>(
      await fetch(`${p.url}/aiops/analyze`, { method: 'POST' }),
    );
    expect(analyzed.incident_count).toBe(1);
    expect(analyzed.analyzed_at).toMatch(/Z$/);
    const missing = await fetch(`${p.url}/aiops/incidents/inc-nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toContain('inc-nope');
  });

  it('notified the webhook that the incident opened, with a link to it', async () => {
    await waitFor(
      'an opened notification',
      20_000,
      async () => (hookKinds().includes('opened') ? true : undefined),
      p.output,
    );
    expect(hook.problems).toEqual([]);
    const opened = hook
      .accepted()
      .map((b) => (JSON.parse(b) as { notification: Record<string, unknown> }).notification)
      .find((n) => n.kind === 'opened');
    expect(opened?.url).toBe(`/incidents/${incidentId}`);
    expect(String(opened?.summary)).toContain('Root cause: payment');
  });

  it('acknowledges, survives SIGKILL, then resolves, notifies and survives SIGTERM', async () => {
    const ack = await fetch(`${p.url}/api/v1/incidents/${incidentId}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'ana', note: 'payment team paged' }),
    });
    expect(ack.status).toBe(200);
    const acked = (await json<{ incident: Incident }>(ack)).incident;
    expect(acked.status).toBe('acknowledged');
    expect(acked.timeline.at(-1)).toMatchObject({
      action: 'acknowledged',
      by: 'ana',
      note: 'payment team paged',
    });

    // kill -9 right after the 200: the acknowledgement was durable before it was answered.
    await p.kill();
    p = await start();
    const afterKill = (
      await json<{ incident: Incident }>(await fetch(`${p.url}/api/v1/incidents/${incidentId}`))
    ).incident;
    expect(afterKill.status).toBe('acknowledged');
    expect(afterKill.timeline.map((e) => e.action)).toContain('acknowledged');

    const res = await fetch(`${p.url}/aiops/incidents/${incidentId}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'ben', note: 'processor failed over' }),
    });
    expect(res.status).toBe(200);
    const resolved = await json<{
      status: string;
      resolved_at: string;
      timeline: { action: string; by: string }[];
    }>(res);
    expect(resolved.status).toBe('resolved');
    expect(resolved.timeline.at(-1)).toMatchObject({ action: 'resolved', by: 'ben' });
    const conflict = await fetch(`${p.url}/api/v1/incidents/${incidentId}/acknowledge`, {
      method: 'POST',
    });
    expect(conflict.status).toBe(409);

    await waitFor(
      'a resolved notification',
      20_000,
      async () => (hookKinds().includes('resolved') ? true : undefined),
      p.output,
    );

    expect(await p.stop()).toBe(0);
    p = await start();
    const afterTerm = (
      await json<{ incident: Incident }>(await fetch(`${p.url}/api/v1/incidents/${incidentId}`))
    ).incident;
    expect(afterTerm.status).toBe('resolved');
    expect(afterTerm.timeline.map((e) => [e.action, e.by])).toEqual(
      expect.arrayContaining([
        ['opened', 'opsight'],
        ['acknowledged', 'ana'],
        ['resolved', 'ben'],
      ]),
    );
  });
});

describe('the incidents: section of opsight.yaml', { timeout: 60_000 }, () => {
  it('stops startup on a bad key, naming its path', async () => {
    const dir = tempDataDir('opsight-incidents-cfg-');
    try {
      const config = join(dir, 'opsight.yaml');
      writeFileSync(config, ['incidents:', '  recovery: soon', ''].join('\n'));
      const err = await startOpsight({
        dataDir: join(dir, 'data'),
        args: ['--no-demo', '--config', config],
      }).then(
        async (p) => {
          await p.kill();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/exited with/);
      expect(err?.message).toContain('incidents.recovery');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
