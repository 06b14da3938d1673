/**
 * Browser tests of the dashboard's intelligence pages against the real platform (`opsight start`
 * with the demo): anomaly marks over the learned band, the SLO page, silences on the alerts page
 * and health scores on the overview. Every wait polls with a deadline; no fixed sleeps.
 * Screenshots go to tests/artifacts/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, colouredPixels, openWatchedPage, waitFor } from './support/browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
/** The demo's simulated cloud services (the demo shop, which has its own, is off here). */
const SERVICES = ['billing', 'gateway', 'notifications', 'orders', 'search'];
const DEADLINE_MS = 30_000;
/** A service of its own, so the demo's data cannot disturb the anomaly test. */
const SPIKE_SERVICE = `e2e-spike-${process.pid}`;

const skipReason = browserSkipReason();
if (skipReason) {
  console.warn(`\n*** SKIPPING intelligence browser tests: ${skipReason} ***\n`);
}

describe.skipIf(skipReason !== undefined)('intelligence pages in a real browser', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let takeProblems: () => string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Without the demo shop: these tests check the simulated services' pages and charts.
    platform = await startTestPlatform({ extraArgs: ['--no-shop'] });
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

  it('draws the learned band, then a live anomaly mark with its explanation', async () => {
    // 2 hours of a steady series (20 s apart, a little deterministic wobble) ending 2 min ago:
    // the detectors warm up in the first hour, and the last hour holds 12 band points (the band
    // is stored once per 5 minutes of event time, detectBandStep).
    const nowMs = Date.now();
    const steady = Array.from({ length: 360 }, (_, i) => ({
      timestamp: new Date(nowMs - 120_000 - (360 - i) * 20_000).toISOString(),
      source_id: `${SPIKE_SERVICE}-1`,
      metric_name: 'latency_ms',
      metric_value: 100 + (((i * 37) % 7) - 3),
      tags: { service: SPIKE_SERVICE },
    }));
    await postEvents(platform.url, steady);

    const q = new URLSearchParams({ metric: 'latency_ms', agg: 'max', range: '1h' });
    q.append('match', `service="${SPIKE_SERVICE}"`);
    await page.goto(`${platform.url}/explore?${q.toString()}`);
    const plot = page.locator('[data-chart="explore"] .chart-plot');
    await waitFor(
      async () => Number(await plot.getAttribute('data-band-points')),
      (n) => n >= 10,
      'the baseline band to be drawn',
    );
    expect(Number(await plot.getAttribute('data-anomalies'))).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'anomaly-band.png') });

    // The spike: ten times the normal, a minute ago (clear of the chart's right edge). It must
    // arrive without a reload.
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });
    const spikeMs = nowMs - 60_000;
    await postEvents(platform.url, [
      {
        timestamp: new Date(spikeMs).toISOString(),
        source_id: `${SPIKE_SERVICE}-1`,
        metric_name: 'latency_ms',
        metric_value: 1000,
        tags: { service: SPIKE_SERVICE },
      },
    ]);
    await waitFor(
      async () => Number(await plot.getAttribute('data-anomalies')),
      (n) => n >= 1,
      'an anomaly mark after the spike',
    );
    // The line reaches the spike too (the mark sits on it).
    await waitFor(
      async () => Number(await plot.getAttribute('data-last-ms')),
      (ms) => ms >= spikeMs - 10_000,
      'the chart line to reach the spike',
    );
    expect(
      await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload),
    ).toBe(true);
    // The mark is painted in the score's colour (red-orange for a severe one) at its position.
    const positions = await waitFor(
      async () => (await plot.getAttribute('data-mark-positions')) ?? '',
      (s) => s !== '',
      'mark positions',
    );
    const [mx, my] = (positions.split(' ')[0] as string).split(',').map(Number) as [number, number];
    const box = await plot.boundingBox();
    if (!box) throw new Error('no chart box');
    expect(await markPixelIsHot(page, mx, my)).toBe(true);

    // Hovering explains it: observed, expected with the band, deviation, detector, reason.
    await page.mouse.move(box.x + mx, box.y + my);
    const tip = page.locator('[data-chart="explore"] .anomaly-tip');
    await tip.waitFor({ timeout: DEADLINE_MS });
    const text = await tip.innerText();
    expect(text).toContain('Observed');
    expect(text).toMatch(/1(\.00)? s|1,?000/);
    expect(text).toContain('Expected');
    expect(text).toContain('Deviation');
    expect(text).toMatch(/Detector\s+(ewma|mad|seasonal|cusum|traffic)/);
    expect(text).toMatch(/expected/i);
    await page.screenshot({ path: join(ARTIFACTS, 'anomaly-explore.png'), fullPage: true });

    // A click pins it; the close button lets it go.
    await page.mouse.click(box.x + mx, box.y + my);
    await page.locator('.anomaly-tip.is-pinned').waitFor({ timeout: DEADLINE_MS });
    await page.click('.anomaly-tip button[aria-label="Close"]');
    await waitFor(
      () => page.locator('.anomaly-tip').count(),
      (n) => n === 0,
      'the explanation to close',
    );

    // The service page marks the same anomaly on its latency chart.
    await page.goto(`${platform.url}/services/${SPIKE_SERVICE}?range=1h`);
    const latency = page.locator('[data-chart="latency"] .chart-plot');
    await waitFor(
      async () => Number(await latency.getAttribute('data-anomalies')),
      (n) => n >= 1,
      'the anomaly on the service latency chart',
    );
    expect(Number(await latency.getAttribute('data-band-points'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'anomaly-service.png'), fullPage: true });
  });

  it('lists the default SLOs of the demo services with budget and burn', async () => {
    await page.goto(`${platform.url}/slos`);
    for (const service of SERVICES) {
      for (const name of ['availability', 'latency']) {
        const card = page.locator(`[data-slo="${name}@${service}"]`);
        await card.waitFor({ timeout: DEADLINE_MS });
        expect(['true', 'false']).toContain(await card.getAttribute('data-passing'));
        const budget = Number(await card.locator('[data-budget]').getAttribute('data-budget'));
        expect(Number.isFinite(budget)).toBe(true);
        expect(budget).toBeLessThanOrEqual(1);
        // Three policies: page 14.4× (1h/5m), page 6× (6h/30m), ticket 1× (3d/6h).
        const rows = await card
          .locator('[data-burn]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-burn')));
        expect(rows).toEqual(['page-14.4', 'page-6', 'ticket-1']);
        expect(await card.locator('.burn-table').innerText()).toMatch(/1h: [\d.]+/);
      }
    }
    // Burn-rate lines and the threshold lines are drawn.
    const chart = 'burn-availability-orders';
    await waitFor(
      () => colouredPixels(page, chart),
      (n) => n > 150,
      'the burn-rate chart',
    );
    const names = await page
      .locator(`[data-chart="${chart}"] [data-series-name]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-series-name')));
    expect(names.length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(ARTIFACTS, 'slos.png'), fullPage: true });
  });

  it('silences an alert from its row and expires the silence', async () => {
    // An alert of our own: any latency of the test service, at the next evaluation (15 s).
    const rule = `E2EAlways${process.pid}`;
    const created = await fetch(`${platform.url}/api/v1/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: rule,
        kind: 'threshold',
        query: { metric: 'latency_ms', matchers: [`service="${SPIKE_SERVICE}"`], by: ['service'] },
        op: '>',
        value: 0,
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    await postEvents(platform.url, [
      {
        timestamp: new Date().toISOString(),
        source_id: `${SPIKE_SERVICE}-1`,
        metric_name: 'latency_ms',
        metric_value: 101,
        tags: { service: SPIKE_SERVICE },
      },
    ]);

    await page.goto(`${platform.url}/alerts`);
    const alertRow = page.locator(`[data-table="active-alerts"] tr[data-alert="${rule}"]`);
    await alertRow.waitFor({ timeout: 45_000 });
    expect(await alertRow.locator('[data-muted]').getAttribute('data-muted')).toBe('no');

    // "Silence…" opens the form with the alert's labels as matchers.
    await alertRow.locator('button:has-text("Silence")').click();
    const matchers = await page.locator('textarea[name="matchers"]').inputValue();
    expect(matchers.split('\n')).toEqual([`alertname="${rule}"`, `service="${SPIKE_SERVICE}"`]);
    const comment = `e2e maintenance ${process.pid}`;
    await page.selectOption('select[name="duration"]', String(3_600_000));
    await page.fill('input[name="created_by"]', 'e2e');
    await page.fill('input[name="comment"]', comment);
    await page.click('button:has-text("Create silence")');
    const row = page.locator(`[data-table="silences"] tr:has-text("${comment}")`);
    await row.waitFor({ timeout: DEADLINE_MS });
    expect(await row.getAttribute('data-status')).toBe('active');
    expect(await row.innerText()).toContain(`service="${SPIKE_SERVICE}"`);
    const id = (await row.getAttribute('data-silence')) as string;
    const made = await silenceFromApi(platform.url, id);
    expect(made?.status).toBe('active');
    expect(made?.createdBy).toBe('e2e');
    expect((made?.endsAtMs ?? 0) - (made?.startsAtMs ?? 0)).toBe(3_600_000);

    // The next evaluation pushes the alert as silenced.
    await waitFor(
      async () => (await alertRow.locator('[data-muted]').getAttribute('data-muted')) ?? '',
      (m) => m === 'silenced',
      'the alert to show as silenced',
      45_000,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'alerts.png'), fullPage: true });

    await row.locator('button:has-text("Expire")').click();
    await waitFor(
      () => page.locator(`[data-table="silences"] [data-silence="${id}"]`).count(),
      (n) => n === 0,
      'the silence to leave the active list',
    );
    expect((await silenceFromApi(platform.url, id))?.status).toBe('expired');
    await fetch(`${platform.url}/api/v1/rules/${rule}`, { method: 'DELETE' });
  });

  it('shows the health score next to each light on the overview', async () => {
    await page.goto(`${platform.url}/`);
    for (const id of SERVICES) {
      const score = page.locator(`[data-service="${id}"] [data-health-score]`);
      await score.waitFor({ timeout: DEADLINE_MS });
      const n = Number(await score.getAttribute('data-health-score'));
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThanOrEqual(100);
    }
    // The light follows the score's thresholds (green ≥ 80, orange ≥ 50, else red), unless a
    // critical alert turned it red.
    const cards = await page.locator('[data-service]').evaluateAll((els) =>
      els.map((e) => ({
        light: e.querySelector('[data-light]')?.getAttribute('data-light'),
        score: Number(e.querySelector('[data-health-score]')?.getAttribute('data-health-score')),
      })),
    );
    for (const c of cards) {
      if (Number.isNaN(c.score)) continue;
      if (c.score >= 80) expect(['green', 'red']).toContain(c.light);
      else if (c.score >= 50) expect(['orange', 'red']).toContain(c.light);
      else expect(c.light).toBe('red');
    }
    await page.screenshot({ path: join(ARTIFACTS, 'overview-health.png'), fullPage: true });
  });
});

async function postEvents(url: string, events: readonly unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function silenceFromApi(
  url: string,
  id: string,
): Promise<
  { status: string; createdBy: string; startsAtMs: number; endsAtMs: number } | undefined
> {
  const res = await fetch(`${url}/api/v1/silences`);
  const body = (await res.json()) as {
    silences: {
      id: string;
      status: string;
      createdBy: string;
      startsAtMs: number;
      endsAtMs: number;
    }[];
  };
  return body.silences.find((s) => s.id === id);
}

/** Whether the canvas pixel at a mark (CSS px in the chart box) is a warm, saturated colour. */
async function markPixelIsHot(page: Page, x: number, y: number): Promise<boolean> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-chart="explore"] canvas');
      const box = canvas?.parentElement?.closest('.chart-plot');
      if (!canvas || !box) return false;
      const cr = canvas.getBoundingClientRect();
      const br = box.getBoundingClientRect();
      const scale = canvas.width / cr.width;
      const cx = Math.round((px - (cr.left - br.left)) * scale);
      const cy = Math.round((py - (cr.top - br.top)) * scale);
      const d = canvas.getContext('2d')?.getImageData(cx, cy, 1, 1).data;
      if (!d) return false;
      const [r, g, b] = [d[0] as number, d[1] as number, d[2] as number];
      return r > 180 && r > g + 40 && r > b + 60;
    },
    [x, y] as const,
  );
}
