/** Alerting routes by inject: rules, silences, alerts, history, deliveries, and the live stream. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AlertingRig, openAlertingRig, T0 } from './routes-alerting.test-support.ts';

let rig: AlertingRig;
beforeEach(async () => {
  rig = await openAlertingRig();
});
afterEach(async () => {
  await rig.close();
});

const errorRule = {
  name: 'ApiErrors',
  kind: 'threshold',
  query: { metric: 'errors_per_second', by: ['service'], window: '1m' },
  op: '>',
  value: 5,
  annotations: { summary: '{{ $labels.service }}: {{ $value }} errors/s' },
};

async function req(method: string, url: string, payload?: unknown) {
  const r = await rig.app.inject({
    method: method as 'GET',
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: r.statusCode, type: r.headers['content-type'], body: r.body ? r.json() : null };
}

describe('alerting routes', () => {
  it.each([
    [{ ...errorRule, for: '5 minutes' }, 'for'],
    [{ ...errorRule, kind: 'magic' }, 'kind'],
    [{ ...errorRule, op: '=>' }, 'op'],
    [{ ...errorRule, annotations: { summary: '{{ $nope }}' } }, 'annotations.summary'],
    [{ ...errorRule, surprise: 1 }, 'surprise'],
  ])('POST /api/v1/rules refuses %j naming %s (422 problem+json)', async (body, field) => {
    const r = await req('POST', '/api/v1/rules', body);
    expect(r.status).toBe(422);
    expect(r.type).toMatch(/application\/problem\+json/);
    expect(r.body.code).toBe('ALERTING_INVALID_DEFINITION');
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('creates, reads, replaces and deletes a rule; defaults cannot be deleted', async () => {
    expect((await req('POST', '/api/v1/rules', errorRule)).status).toBe(201);
    expect((await req('POST', '/api/v1/rules', errorRule)).body.code).toBe('ALERTING_CONFLICT');
    const one = await req('GET', '/api/v1/rules/ApiErrors');
    expect(one.body.rule).toMatchObject({ name: 'ApiErrors', kind: 'threshold', source: 'api' });
    const put = await req('PUT', '/api/v1/rules/ApiErrors', { ...errorRule, value: 7 });
    expect(put.body.rule.rule.value).toBe(7);
    const renamed = await req('PUT', '/api/v1/rules/ApiErrors', { ...errorRule, name: 'Other' });
    expect(renamed.status).toBe(422);
    expect(renamed.body.errors[0].field).toBe('name');
    const all = await req('GET', '/api/v1/rules');
    const sources = Object.fromEntries(
      all.body.rules.map((r: { name: string; source: string }) => [r.name, r.source]),
    );
    expect(sources).toMatchObject({ ApiErrors: 'api', ServiceDown: 'default' });
    expect((await req('DELETE', '/api/v1/rules/ServiceDown')).status).toBe(409);
    expect((await req('DELETE', '/api/v1/rules/ApiErrors')).status).toBe(204);
    expect((await req('GET', '/api/v1/rules/ApiErrors')).status).toBe(404);
    expect((await req('DELETE', '/api/v1/rules/Nope')).status).toBe(404);
  });

  it('lists a firing alert with mute flags, its history, and silences it', async () => {
    await req('POST', '/api/v1/rules', errorRule);
    await rig.feed(T0);
    await rig.rt.evaluate();
    expect((await req('GET', '/api/v1/alerts')).body.alerts).toEqual([]);
    await rig.feed(T0 + 60_000, 20);
    await rig.rt.evaluate();
    const alerts = (await req('GET', '/api/v1/alerts')).body.alerts;
    const api = alerts.find((a: { labels: { service: string } }) => a.labels.service === 'api');
    expect(api).toMatchObject({
      ruleName: 'ApiErrors',
      state: 'firing',
      severity: 'warning',
      silenced: false,
      inhibited: false,
    });
    expect(api.annotations.summary).toBe('api: 20 errors/s');

    const silence = await req('POST', '/api/v1/silences', {
      matchers: ['service="api"'],
      duration: '1h',
      created_by: 'ana',
      comment: 'known',
    });
    expect(silence.status).toBe(201);
    const id = silence.body.silence.id;
    const muted = (await req('GET', '/api/v1/alerts')).body.alerts.find(
      (a: { labels: { service: string } }) => a.labels.service === 'api',
    );
    expect(muted).toMatchObject({ silenced: true, silencedBy: [id] });
    expect((await req('GET', '/api/v1/silences')).body.silences[0]).toMatchObject({
      id,
      status: 'active',
      source: 'api',
    });
    const expired = await req('DELETE', `/api/v1/silences/${id}`);
    expect(expired.body.silence.status).toBe('expired');
    expect((await req('DELETE', '/api/v1/silences/nope')).status).toBe(404);

    const history = await req('GET', `/api/v1/alerts/history?from=${T0}&to=now`);
    const mine = history.body.transitions.filter(
      (t: { ruleName: string }) => t.ruleName === 'ApiErrors',
    );
    expect(mine.map((t: { from: string; to: string }) => `${t.from}->${t.to}`)).toEqual([
      'inactive->firing',
      'inactive->firing',
    ]);
    const bad = await req('GET', '/api/v1/alerts/history?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('from');
  });

  it('refuses a silence that would mute everything, naming the field', async () => {
    const r = await req('POST', '/api/v1/silences', {
      matchers: ['service=~".*"'],
      duration: '1h',
      created_by: 'x',
      comment: 'all',
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toMatch(/^matchers/);
  });

  it('lists notification deliveries (none without channels)', async () => {
    const r = await req('GET', '/api/v1/notifications/deliveries?from=now-1h');
    expect(r.status).toBe(200);
    expect(r.body.deliveries).toEqual([]);
  });

  it('keeps rules and silences created through the API across a restart', async () => {
    await req('POST', '/api/v1/rules', errorRule);
    const s = await req('POST', '/api/v1/silences', {
      matchers: { service: 'web' },
      duration: '2h',
      created_by: 'ana',
      comment: 'c',
    });
    await rig.restart();
    expect((await req('GET', '/api/v1/rules/ApiErrors')).body.rule.source).toBe('api');
    expect(
      (await req('GET', '/api/v1/silences')).body.silences.map((x: { id: string }) => x.id),
    ).toEqual([s.body.silence.id]);
  });

  it('streams active alerts on /api/v1/live/alerts after each evaluation', async () => {
    await req('POST', '/api/v1/rules', errorRule);
    await rig.app.listen({ host: '127.0.0.1', port: 0 });
    const address = rig.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const ctrl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/live/alerts`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const nextEvent = async (): Promise<{ alerts: { ruleName: string }[] }> => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const m = /event: alerts\ndata: (.*)\n\n/.exec(text);
        if (m !== null) {
          text = text.slice((m.index ?? 0) + m[0].length);
          return JSON.parse(m[1] as string);
        }
        if (Date.now() > deadline) throw new Error('no alerts event in time');
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    expect((await nextEvent()).alerts).toEqual([]);
    await rig.feed(T0 + 60_000, 20);
    await rig.rt.evaluate();
    const pushed = await nextEvent();
    expect(pushed.alerts.map((a) => a.ruleName)).toContain('ApiErrors');
    ctrl.abort();
  });
});
