/**
 * Browser tests of the AIOps pages against the real platform (`opsight start`): an incident made
 * deterministically from hand-built OTLP JSON spans (a healthy frontend → checkout → payment
 * chain, then payment failing, in event time ending now), its list row and detail page with root
 * cause and candidates, acknowledge then resolve through the UI; a trace waterfall of spans
 * posted here; the service map with coloured nodes; and the chaos buttons of the demo shop.
 * Every wait polls with a deadline; no fixed sleeps. Screenshots go to tests/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, colouredPixels, openWatchedPage, waitFor } from './support/browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
const DEADLINE_MS = 30_000;
/** Incident detection runs on 10 s event-time windows once the watermark passes them. */
const INCIDENT_DEADLINE_MS = 60_000;

/** Names of our own, so the demo's services cannot be mistaken for ours. */
const TAG = `e2e${process.pid}`;
const FRONTEND = `frontend-${TAG}`;
const CHECKOUT = `checkout-${TAG}`;
const PAYMENT = `payment-${TAG}`;

const skipReason = browserSkipReason();
if (skipReason) {
  console.warn(`\n*** SKIPPING AIOps browser tests: ${skipReason} ***\n`);
}

// ------------------------------------------------------------------------------------------
// OTLP JSON, built by hand (opentelemetry-proto's JSON mapping: hex ids, nanosecond strings).

type OtlpValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code: number; message?: string };
  events?: {
    timeUnixNano: string;
    name: string;
    attributes: { key: string; value: OtlpValue }[];
  }[];
}

const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_ERROR = 2;

function nanos(ms: number): string {
  return `${BigInt(Math.round(ms * 1_000)) * 1_000n}`;
}

function str(key: string, v: string): { key: string; value: OtlpValue } {
  return { key, value: { stringValue: v } };
}

function int(key: string, v: number): { key: string; value: OtlpValue } {
  return { key, value: { intValue: String(v) } };
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0').slice(-digits);
}

interface SpanSpec {
  readonly service: string;
  readonly span: OtlpSpan;
}

function span(
  service: string,
  o: {
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    kind: number;
    startMs: number;
    durationMs: number;
    route: string;
    httpStatus: number;
    error?: string;
  },
): SpanSpec {
  const s: OtlpSpan = {
    traceId: o.traceId,
    spanId: o.spanId,
    ...(o.parentSpanId ? { parentSpanId: o.parentSpanId } : {}),
    name: o.name,
    kind: o.kind,
    startTimeUnixNano: nanos(o.startMs),
    endTimeUnixNano: nanos(o.startMs + o.durationMs),
    attributes: [
      str('http.request.method', o.name.split(' ')[0] ?? 'GET'),
      o.kind === KIND_SERVER ? str('http.route', o.route) : str('url.path', o.route),
      int('http.response.status_code', o.httpStatus),
    ],
  };
  if (o.error !== undefined) {
    s.status = { code: STATUS_ERROR, message: o.error };
    s.events = [
      {
        timeUnixNano: nanos(o.startMs + o.durationMs - 1),
        name: 'exception',
        attributes: [
          str('exception.type', 'PaymentDeclinedError'),
          str('exception.message', o.error),
          str(
            'exception.stacktrace',
            `PaymentDeclinedError: ${o.error}\n    at charge (payment.ts:42:11)\n    at handle (payment.ts:88:5)`,
          ),
        ],
      },
    ];
  }
  return { service, span: s };
}

/**
 * One request through the chain: frontend server → frontend client → checkout server →
 * checkout client → payment server. `fail` makes payment answer 500 with an exception, and the
 * callers fail with it.
 */
function chainTrace(n: number, startMs: number, fail: boolean): SpanSpec[] {
  const traceId = `${hex(0xe2e, 4)}${hex(process.pid, 8)}${hex(n, 20)}`;
  const id = (k: number): string => hex(n * 8 + k, 16);
  const code = fail ? 500 : 200;
  const err = fail ? 'card processor declined the charge' : undefined;
  const payMs = 20 + (n % 5);
  return [
    span(FRONTEND, {
      traceId,
      spanId: id(1),
      name: 'GET /checkout',
      kind: KIND_SERVER,
      startMs,
      durationMs: payMs + 30,
      route: '/checkout',
      httpStatus: code,
      ...(err ? { error: 'checkout failed' } : {}),
    }),
    span(FRONTEND, {
      traceId,
      spanId: id(2),
      parentSpanId: id(1),
      name: 'POST /checkout',
      kind: KIND_CLIENT,
      startMs: startMs + 3,
      durationMs: payMs + 24,
      route: '/checkout',
      httpStatus: code,
    }),
    span(CHECKOUT, {
      traceId,
      spanId: id(3),
      parentSpanId: id(2),
      name: 'POST /checkout',
      kind: KIND_SERVER,
      startMs: startMs + 5,
      durationMs: payMs + 20,
      route: '/checkout',
      httpStatus: code,
      ...(err ? { error: 'payment failed' } : {}),
    }),
    span(CHECKOUT, {
      traceId,
      spanId: id(4),
      parentSpanId: id(3),
      name: 'POST /payment',
      kind: KIND_CLIENT,
      startMs: startMs + 10,
      durationMs: payMs + 4,
      route: '/payment',
      httpStatus: code,
    }),
    span(PAYMENT, {
      traceId,
      spanId: id(5),
      parentSpanId: id(4),
      name: 'POST /payment',
      kind: KIND_SERVER,
      startMs: startMs + 12,
      durationMs: payMs,
      route: '/payment',
      httpStatus: code,
      ...(err ? { error: err } : {}),
    }),
  ];
}

function otlpBody(specs: readonly SpanSpec[]): unknown {
  const byService = new Map<string, OtlpSpan[]>();
  for (const s of specs) byService.set(s.service, [...(byService.get(s.service) ?? []), s.span]);
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: [str('service.name', service)] },
      scopeSpans: [{ scope: { name: 'opsight-e2e' }, spans }],
    })),
  };
}

async function postSpans(url: string, specs: readonly SpanSpec[]): Promise<void> {
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(otlpBody(specs)),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

interface IncidentJson {
  id: string;
  status: string;
  rootCause?: { service: string };
  candidates: { service: string }[];
  affectedServices: string[];
  timeline: { action: string; by: string; note?: string }[];
}

async function ourIncident(url: string): Promise<IncidentJson | undefined> {
  const res = await fetch(`${url}/api/v1/incidents?limit=200`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { incidents: IncidentJson[] };
  return body.incidents.find(
    (i) => i.rootCause?.service === PAYMENT && i.candidates.length > 0 && i.status === 'active',
  );
}

/**
 * Without the demo (`--no-demo`): our spans alone move event time. With the demo shop running,
 * its live spans would push the watermark to now and our backfilled minutes would arrive late.
 */
describe.skipIf(skipReason !== undefined)('AIOps pages in a real browser', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let takeProblems: () => string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    platform = await startTestPlatform({ extraArgs: ['--no-demo'] });
    const watched = await openWatchedPage();
    ({ browser, page, takeProblems } = watched);
    // No shop here: the map's chaos panel asks /simulate/status and is told 503 (shown as "demo
    // shop not running"); the browser logs that answer as a failed resource.
    watched.expectProblems((p) => p.includes('status of 503'));
  });

  afterEach(() => {
    const seen = takeProblems();
    expect(seen, 'no console errors, page errors or failed requests').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('opens an incident for a failing payment and walks it from the list to resolved', async () => {
    // Event time ending now: 5 min of a healthy chain (the detector learns its baseline in the
    // first minute), then 2 min with payment failing 7 requests in 10. One request a second,
    // posted in time order in 30 s batches (a span older than the watermark would be late).
    const endMs = Date.now() - 2_000;
    const healthy = 300;
    const failing = 120;
    const total = healthy + failing;
    for (let first = 0; first < total; first += 30) {
      const batch: SpanSpec[] = [];
      for (let n = first; n < Math.min(total, first + 30); n++) {
        const fail = n >= healthy && n % 10 < 7;
        batch.push(...chainTrace(n, endMs - (total - n) * 1_000, fail));
      }
      await postSpans(platform.url, batch);
    }
    const incident = await waitFor(
      () => ourIncident(platform.url),
      (i) => i !== undefined,
      `an incident with ${PAYMENT} as root cause`,
      INCIDENT_DEADLINE_MS,
    );
    if (!incident) throw new Error('unreachable');

    // The overview's strip counts it and links the worst open incidents.
    await page.goto(platform.url);
    const strip = page.locator('[data-active-incidents]');
    await waitFor(
      async () =>
        Number((await strip.getAttribute('data-active-incidents', { timeout: DEADLINE_MS })) ?? 0),
      (count) => count >= 1,
      'the active incidents strip on the overview',
    );
    expect(await strip.locator('a[data-incident]').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'overview-incidents.png'), fullPage: true });

    // The list: a live row with severity, root cause and affected services.
    await page.goto(`${platform.url}/incidents`);
    const row = page.locator(`[data-incident="${incident.id}"]`);
    await row.waitFor({ timeout: DEADLINE_MS });
    expect(await row.getAttribute('data-status')).toBe('active');
    expect(await row.locator('[data-root-cause]').getAttribute('data-root-cause')).toBe(PAYMENT);
    expect(await row.locator('.sev').count()).toBe(1);
    expect(await row.innerText()).toContain(CHECKOUT);
    // Filters live in the URL and apply.
    await page.click('[data-filter="status-resolved"]');
    await waitFor(
      () => row.count(),
      (n) => n === 0,
      'the active incident to be filtered out',
    );
    expect(page.url()).toContain('status=resolved');
    await page.click('[data-filter="status-resolved"]');
    await row.waitFor({ timeout: DEADLINE_MS });
    await page.screenshot({ path: join(ARTIFACTS, 'incidents.png'), fullPage: true });

    // The detail: root cause box, ranked candidates with evidence.
    await row.locator('a.incident-title').click();
    await page.waitForURL(`**/incidents/${incident.id}`);
    const rc = page.locator('section.root-cause');
    await rc.waitFor({ timeout: DEADLINE_MS });
    expect(await rc.getAttribute('data-root-cause')).toBe(PAYMENT);
    expect(await rc.innerText()).toMatch(/\d+% confidence/);
    const first = page.locator('.candidate').first();
    expect(await first.getAttribute('data-candidate')).toBe(PAYMENT);
    expect(await first.locator('[data-method]').count()).toBeGreaterThan(0);
    const path = await first.locator('[data-path]').getAttribute('data-path');
    expect(path?.split('>').at(-1)).toBe(PAYMENT);
    expect(await page.locator('[data-impact]').innerText()).toContain(PAYMENT);
    expect(await page.locator('[data-timeline] [data-action="opened"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'incident.png'), fullPage: true });

    // Acknowledge, then resolve, through the UI; the timeline shows both with who and the note.
    await page.fill('input[name="by"]', 'e2e-oncall');
    await page.fill('input[name="note"]', 'looking at the card processor');
    await page.click('[data-action="acknowledge"]');
    await page.locator('[data-status="acknowledged"]').first().waitFor({ timeout: DEADLINE_MS });
    const ack = page.locator('[data-timeline] [data-action="acknowledged"]');
    await ack.waitFor({ timeout: DEADLINE_MS });
    expect(await ack.innerText()).toContain('e2e-oncall');
    expect(await ack.innerText()).toContain('looking at the card processor');
    await page.fill('input[name="note"]', 'processor failover done');
    await page.click('[data-action="resolve"]');
    const res = page.locator('[data-timeline] [data-action="resolved"]');
    await res.waitFor({ timeout: DEADLINE_MS });
    expect(await res.innerText()).toContain('processor failover done');
    expect(await page.locator('.incident-badges [data-status]').getAttribute('data-status')).toBe(
      'resolved',
    );
    expect(await page.locator('[data-action="resolve"]').isDisabled()).toBe(true);
    // The server agrees.
    const stored = (await (
      await fetch(`${platform.url}/api/v1/incidents/${incident.id}`)
    ).json()) as { incident: IncidentJson };
    expect(stored.incident.status).toBe('resolved');
    expect(stored.incident.timeline.map((t) => t.action)).toEqual(
      expect.arrayContaining(['acknowledged', 'resolved']),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'incident-resolved.png'), fullPage: true });

    // A sample trace of the incident opens as a waterfall.
    const sample = page.locator('[data-sample-traces] a').first();
    if ((await sample.count()) > 0) {
      await sample.click();
      await page.locator('[data-waterfall]').waitFor({ timeout: DEADLINE_MS });
    }
  });

  it('draws the waterfall of a posted trace and opens a failed span with its stack trace', async () => {
    const n = 900_001;
    const startMs = Date.now() - 1_500;
    const specs = chainTrace(n, startMs, true);
    const traceId = specs[0]?.span.traceId as string;
    await postSpans(platform.url, specs);

    // Found by the search page, then opened.
    await page.goto(`${platform.url}/traces?service=${FRONTEND}&status=error&range=15m`);
    const row = page.locator(`[data-trace="${traceId}"]`);
    await waitFor(
      async () => {
        if ((await row.count()) > 0) return true;
        await page.click('form[aria-label="Trace search"] button[type="submit"]');
        return false;
      },
      (found) => found,
      'the posted trace in the search results',
    );
    await row.locator('a').first().click();
    await page.waitForURL(`**/traces/${traceId}`);

    const wf = page.locator('[data-waterfall]');
    await wf.waitFor({ timeout: DEADLINE_MS });
    expect(await wf.getAttribute('data-spans')).toBe('5');
    const rows = await page.locator('.wf-span').evaluateAll((els) =>
      els.map((e) => ({
        service: e.getAttribute('data-service'),
        depth: Number(e.getAttribute('data-depth')),
        failed: e.getAttribute('data-failed'),
      })),
    );
    // Nested by parent: each span one level under the one before.
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.map((r) => r.service)).toEqual([FRONTEND, FRONTEND, CHECKOUT, CHECKOUT, PAYMENT]);
    expect(rows.filter((r) => r.failed === 'true').length).toBeGreaterThanOrEqual(3);
    // Bars are placed on the time axis: the payment span starts later and is shorter.
    const bars = await page.locator('.wf-bar').evaluateAll((els) =>
      els.map((e) => ({
        left: Number(e.getAttribute('data-left')),
        width: Number(e.getAttribute('data-width')),
        colour: getComputedStyle(e).backgroundColor,
      })),
    );
    expect(bars[0]?.left).toBe(0);
    expect(bars[0]?.width).toBeCloseTo(100, 0);
    expect(bars[4]?.left).toBeGreaterThan(bars[2]?.left as number);
    expect(bars[4]?.width).toBeLessThan(bars[0]?.width as number);
    // One colour per service.
    expect(bars[0]?.colour).toBe(bars[1]?.colour);
    expect(bars[0]?.colour).not.toBe(bars[2]?.colour);
    expect(bars[2]?.colour).not.toBe(bars[4]?.colour);

    // The payment span: attributes and the exception with its stack trace.
    await page.locator(`.wf-span[data-service="${PAYMENT}"]`).click();
    const detail = page.locator('[data-span-detail]');
    await detail.waitFor({ timeout: DEADLINE_MS });
    expect(await detail.locator('[data-exception]').getAttribute('data-exception')).toBe(
      'PaymentDeclinedError',
    );
    expect(await detail.locator('.stack').innerText()).toContain('at charge (payment.ts:42:11)');
    expect(await detail.locator('[data-attr="http.route"]').innerText()).toContain('/payment');
    await page.screenshot({ path: join(ARTIFACTS, 'trace.png'), fullPage: true });
  });

  it('draws the service map with nodes coloured by health and labelled edges', async () => {
    await page.goto(`${platform.url}/map`);
    const node = (s: string) => page.locator(`[data-node="${s}"]`);
    await node(PAYMENT).waitFor({ timeout: DEADLINE_MS });
    for (const s of [FRONTEND, CHECKOUT, PAYMENT]) {
      const health = await node(s).getAttribute('data-health');
      expect(['green', 'orange', 'red', 'grey']).toContain(health);
      // The box is filled with the colour of its health.
      const fill = await node(s).locator('rect').getAttribute('fill');
      expect(fill).toMatch(/^#[0-9a-f]{6}$/);
    }
    const edge = page.locator(`[data-edge="${CHECKOUT}->${PAYMENT}"]`);
    await edge.waitFor({ timeout: DEADLINE_MS });
    expect(await edge.locator('text').textContent()).toMatch(/\/s · [\d.]+% err/);
    expect(await page.locator(`[data-edge="${FRONTEND}->${CHECKOUT}"]`).count()).toBe(1);
    // Callers are drawn left of the services they call.
    const x = async (s: string): Promise<number> => (await node(s).boundingBox())?.x ?? Number.NaN;
    expect(await x(FRONTEND)).toBeLessThan(await x(CHECKOUT));
    expect(await x(CHECKOUT)).toBeLessThan(await x(PAYMENT));

    // The drawing really is coloured: rasterise the SVG into a canvas and count its pixels.
    await page.evaluate(async () => {
      const svg = document.querySelector('svg[data-map]') as SVGSVGElement;
      const text = new XMLSerializer().serializeToString(svg);
      const img = new Image();
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
      await img.decode();
      const holder = document.createElement('div');
      holder.setAttribute('data-chart', 'map-raster');
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      canvas.getContext('2d')?.drawImage(img, 0, 0);
      holder.appendChild(canvas);
      holder.style.display = 'none';
      document.body.appendChild(holder);
    });
    expect(await colouredPixels(page, 'map-raster')).toBeGreaterThan(3 * 100 * 40);
    // A click on a service opens its page.
    await page.screenshot({ path: join(ARTIFACTS, 'map.png'), fullPage: true });
    await node(CHECKOUT).click();
    await page.waitForURL(`**/services/${CHECKOUT}`);
  });
});

/** With the demo (and its shop): the chaos panel drives the shop's real fault injection. */
describe.skipIf(skipReason !== undefined)('chaos controls in a real browser', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let takeProblems: () => string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    platform = await startTestPlatform();
    ({ browser, page, takeProblems } = await openWatchedPage());
  });

  afterEach(() => {
    const seen = takeProblems();
    expect(seen, 'no console errors, page errors or failed requests').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('injects and clears faults in the demo shop from the chaos panel', async () => {
    const status = await fetch(`${platform.url}/simulate/status`);
    await page.goto(`${platform.url}/map`);
    const panel = page.locator('[data-chaos]');
    await panel.waitFor({ timeout: DEADLINE_MS });
    if (status.status === 503) {
      // No shop in this server: the panel says so instead of failing.
      await panel.locator('[data-chaos-unavailable]').waitFor({ timeout: DEADLINE_MS });
      return;
    }
    expect(status.status).toBe(200);
    const { endpoints } = (await status.json()) as { endpoints: string[] };
    const target = endpoints.find((e) => e.includes('/payment')) ?? (endpoints[0] as string);
    await panel.locator('select[name="chaos-endpoint"]').selectOption(target);

    const faults = async (): Promise<{ kind: string; endpoint: string }[]> =>
      (
        (await (await fetch(`${platform.url}/simulate/status`)).json()) as {
          faults: { kind: string; endpoint: string }[];
        }
      ).faults;

    await panel.locator('input[name="chaos-delay"]').fill('700');
    await panel.locator('[data-chaos-action="delay"]').click();
    await panel.locator(`[data-fault="delay ${target}"]`).waitFor({ timeout: DEADLINE_MS });
    await panel.locator('input[name="chaos-rate"]').fill('0.4');
    await panel.locator('[data-chaos-action="error"]').click();
    await panel.locator(`[data-fault="error ${target}"]`).waitFor({ timeout: DEADLINE_MS });
    const set = await faults();
    expect(set).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'delay', endpoint: target, value: 700 }),
        expect.objectContaining({ kind: 'error', endpoint: target, value: 0.4 }),
      ]),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'chaos.png'), fullPage: true });

    await panel.locator('[data-chaos-action="clear"]').click();
    await panel.locator('[data-chaos-faults="0"]').waitFor({ timeout: DEADLINE_MS });
    expect(await faults()).toEqual([]);

    // The shop's own calls reach the map once their first 10 s buckets close; it refreshes by
    // itself (no reload) on the overview's push.
    await waitFor(
      () => page.locator('[data-edge]').count(),
      (n) => n >= 3,
      "the demo shop's calls on the map",
      INCIDENT_DEADLINE_MS,
    );
    const healths = await page
      .locator('[data-node]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-health')));
    expect(healths.some((h) => h === 'green' || h === 'orange' || h === 'red')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'map-shop.png'), fullPage: true });
  });
});
