/**
 * Browser tests of the dashboard against the real platform (`opsight start` with the demo), in
 * Debian's chromium driven by playwright-core. Every wait polls the page with a deadline; there
 * are no fixed sleeps. Screenshots go to tests/artifacts/ (gitignored); with
 * UPDATE_SCREENSHOT=1 the overview is also saved as docs/screenshot.png for the README.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  colouredPixels,
  openWatchedPage,
  type WatchedPage,
  waitFor,
} from './support/browser.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
/** The demo's simulated cloud services (the demo shop, which has its own, is off here). */
const SERVICES = ['billing', 'gateway', 'notifications', 'orders', 'search'];
/** Long enough for a few demo ticks (5 s) and live pushes (≤ 2 s), short enough to fail fast. */
const LIVE_DEADLINE_MS = 30_000;

const skipReason = browserSkipReason();
if (skipReason) {
  console.warn(`\n*** SKIPPING dashboard browser tests: ${skipReason} ***\n`);
}

describe.skipIf(skipReason !== undefined)('dashboard in a real browser', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let watched: WatchedPage;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Without the demo shop: these tests check the simulated services' pages and charts.
    platform = await startTestPlatform({ extraArgs: ['--no-shop'] });
    watched = await openWatchedPage();
    ({ browser, page } = watched);
  });

  afterEach(() => {
    const seen = watched.takeProblems();
    expect(seen, 'no console errors, page errors or failed requests').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('loads the overview with a light and KPI tiles per service', async () => {
    await page.goto(`${platform.url}/`);
    for (const id of SERVICES) {
      const card = page.locator(`[data-service="${id}"]`);
      await card.waitFor({ timeout: LIVE_DEADLINE_MS });
      const light = await card.locator('[data-light]').getAttribute('data-light');
      expect(['green', 'orange', 'red', 'grey']).toContain(light);
      // The light says it in words too, not only in colour.
      expect(await card.locator('.light-text').innerText()).toMatch(
        /Healthy|Degraded|Failing|No data/,
      );
      expect(await card.locator('[data-kpi]').count()).toBe(4);
    }
    await expectConnection(page, 'live');
  });

  it('draws the three live charts', async () => {
    for (const chart of ['requests', 'latency', 'error-ratio']) {
      await waitFor(
        () => colouredPixels(page, chart),
        (n) => n > 200,
        `chart ${chart} to draw coloured lines`,
      );
      // One line per service with data in the window (a demo incident may silence one).
      const names = await legendNames(page, chart);
      expect(names.length).toBeGreaterThanOrEqual(SERVICES.length - 1);
      for (const n of names) expect(SERVICES).toContain(n);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      const file = join(ROOT, 'docs', 'screenshot.png');
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeLessThan(300 * 1024);
    }
  });

  it('updates a chart and the overview live, without reloading', async () => {
    const marker = await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
      return true;
    });
    expect(marker).toBe(true);
    const plot = page.locator('[data-chart="requests"] .chart-plot');
    const lastBefore = Number(await plot.getAttribute('data-last-ms'));
    const legendBefore = await page.locator('[data-chart="requests"] .chart-legend').innerText();
    await waitFor(
      async () => Number(await plot.getAttribute('data-last-ms')),
      (last) => last > lastBefore,
      'the last point of the request-rate chart to move forward',
    );
    await waitFor(
      () => page.locator('[data-chart="requests"] .chart-legend').innerText(),
      (text) => text !== legendBefore,
      'the legend values to change',
    );
    // Still the same document: the update came by push.
    expect(
      await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload),
    ).toBe(true);
  });

  it('changes the charts window with the range picker', async () => {
    const plot = page.locator('[data-chart="latency"] .chart-plot');
    await page.click('[data-range="1h"]');
    expect(new URL(page.url()).searchParams.get('range')).toBe('1h');
    await waitFor(
      () => windowMs(plot),
      (w) => Math.abs(w - 3_600_000) < 5_000,
      'a 1 h window',
    );
    await expect
      .poll(() => page.locator('[data-chart="latency"] .chart-meta').innerText())
      .toContain('step 10s');
    await waitFor(
      () => colouredPixels(page, 'latency'),
      (n) => n > 200,
      'the 1 h chart to draw',
    );

    // A custom fixed range: the last 30 minutes, typed into the from/to inputs.
    await page.click('[data-range="custom"]');
    const now = Date.now();
    await page.fill('input[name="from"]', localInput(now - 30 * 60_000));
    await page.fill('input[name="to"]', localInput(now));
    await page.click('.range-custom button[type="submit"]');
    await waitFor(
      () => windowMs(plot),
      (w) => Math.abs(w - 30 * 60_000) < 60_000,
      'a 30 min fixed window',
    );
    const params = new URL(page.url()).searchParams;
    expect(params.get('from')).not.toBeNull();
    expect(params.get('to')).not.toBeNull();
    await waitFor(
      () => colouredPixels(page, 'latency'),
      (n) => n > 200,
      'the fixed-range chart',
    );
    await page.click('[data-range="15m"]');
    await waitFor(
      () => windowMs(plot),
      (w) => Math.abs(w - 900_000) < 5_000,
      'back to 15 min',
    );
  });

  it('opens a service with its KPIs and four charts', async () => {
    // A service that is reporting now (a demo incident may have silenced another, which turns
    // it grey or red). With health scores (docs/alerting.md) a spent error budget makes a
    // reporting service orange, so orange counts too.
    const row = page
      .locator(
        '[data-service]:has([data-light="green"]), [data-service]:has([data-light="orange"])',
      )
      .first();
    const id = (await row.getAttribute('data-service')) as string;
    await row.locator('.service-name').click();
    await page.waitForURL(new RegExp(`/services/${id}`));
    await page.locator('.kpi-row [data-kpi]').first().waitFor({ timeout: LIVE_DEADLINE_MS });
    expect(await page.locator('.kpi-row [data-kpi]').count()).toBeGreaterThanOrEqual(4);
    for (const chart of ['requests', 'latency', 'errors', 'cpu']) {
      await waitFor(
        () => colouredPixels(page, chart),
        (n) => n > 100,
        `service chart ${chart}`,
      );
    }
    // A longer range adds the KPIs over that window.
    await page.click('[data-range="1h"]');
    await page
      .locator('[data-range-kpis="1h"] [data-kpi]')
      .first()
      .waitFor({ timeout: LIVE_DEADLINE_MS });
    expect(await page.locator('[data-range-kpis="1h"] [data-kpi]').count()).toBeGreaterThanOrEqual(
      4,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'service.png'), fullPage: true });
  });

  it('charts a chosen metric on the explore page and keeps it in the URL', async () => {
    await page.goto(`${platform.url}/explore`);
    const metric = page.locator('select[name="metric"]');
    await waitFor(
      () => metric.locator('option').count(),
      (n) => n > SERVICES.length - 1,
      'metric names to load',
    );
    await metric.selectOption('latency_ms');
    await page.selectOption('select[name="agg"]', 'p99');
    await page.selectOption('select[name="group_by"]', 'service');
    await waitFor(
      () => colouredPixels(page, 'explore'),
      (n) => n > 200,
      'the explore chart',
    );
    const plot = page.locator('[data-chart="explore"] .chart-plot');
    const names = await legendNames(page, 'explore');
    expect(names.length).toBeGreaterThanOrEqual(SERVICES.length - 1);
    for (const n of names) expect(SERVICES).toContain(n);
    const chosen = names[0] as string;
    let url = new URL(page.url());
    expect(url.searchParams.get('metric')).toBe('latency_ms');
    expect(url.searchParams.get('agg')).toBe('p99');
    expect(url.searchParams.get('group_by')).toBe('service');

    // A label filter narrows it to one service.
    await page.click('button:has-text("Add filter")');
    await page.fill('[data-matcher="0"] input[aria-label="Label name"]', 'service');
    await page.fill('[data-matcher="0"] input[aria-label="Label value"]', chosen);
    await page.press('[data-matcher="0"] input[aria-label="Label value"]', 'Enter');
    await waitFor(
      async () => Number(await plot.getAttribute('data-series')),
      (n) => n === 1,
      `one series after filtering on service="${chosen}"`,
    );
    expect(await legendNames(page, 'explore')).toEqual([chosen]);
    expect(new URL(page.url()).searchParams.getAll('match')).toEqual([`service="${chosen}"`]);
    await page.click('[data-matcher="0"] button[aria-label="Remove filter"]');
    await waitFor(
      async () => Number(await plot.getAttribute('data-series')),
      (n) => n === names.length,
      'all series again after removing the filter',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'explore.png'), fullPage: true });

    // The URL is the whole state: opening it fresh shows the same chart.
    url = new URL(page.url());
    await page.goto(url.toString());
    await waitFor(
      () => page.locator('select[name="metric"]').inputValue(),
      (v) => v === 'latency_ms',
      'the metric picker to show latency_ms',
    );
    expect(await page.locator('select[name="agg"]').inputValue()).toBe('p99');
    await waitFor(
      () => colouredPixels(page, 'explore'),
      (n) => n > 200,
      'the shared chart',
    );
  });

  it('switches to the light theme', async () => {
    await page.goto(`${platform.url}/`);
    await page.locator('[data-service]').first().waitFor({ timeout: LIVE_DEADLINE_MS });
    await page.click('.theme-button'); // auto -> dark
    await page.click('.theme-button'); // dark -> light
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await waitFor(
      () => colouredPixels(page, 'requests'),
      (n) => n > 200,
      'light-theme chart',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'overview-light.png'), fullPage: true });
    await page.click('.theme-button'); // back to auto
  });

  it.skipIf(process.env.OPSIGHT_E2E_URL !== undefined)(
    'says reconnecting when the server goes away',
    async () => {
      await expectConnection(page, 'live');
      // Refused reconnects are what this test provokes, not problems of the page.
      watched.expectProblems(
        (p) => p.includes('ERR_CONNECTION_REFUSED') || p.includes('Failed to load resource'),
      );
      await platform.stop();
      await expectConnection(page, 'reconnecting');
    },
  );
});

/** The legend's series names of a chart, in legend order. */
async function legendNames(page: Page, chart: string): Promise<string[]> {
  return page
    .locator(`[data-chart="${chart}"] [data-series-name]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-series-name') ?? ''));
}

async function expectConnection(page: Page, state: string): Promise<void> {
  await waitFor(
    async () => (await page.locator('[data-connection]').getAttribute('data-connection')) ?? '',
    (s) => s === state,
    `connection ${state}`,
  );
}

async function windowMs(plot: ReturnType<Page['locator']>): Promise<number> {
  const from = Number(await plot.getAttribute('data-from-ms'));
  const to = Number(await plot.getAttribute('data-to-ms'));
  return to - from;
}

function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
