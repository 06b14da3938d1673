/**
 * Browser tests of the pipeline, fleet, vehicle, raw-readings and review pages (issue 5) against
 * the real platform (`opsight start` with the demo: the simulated pipeline, the fleet emulator
 * and the review queue sampling 2 % so items arrive within seconds), in Debian's chromium driven
 * by playwright-core. Every wait polls with a deadline; there are no fixed sleeps. Screenshots go
 * to tests/artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
/** Long enough for a few pushes (≤ 1 s apart) and demo ticks, short enough to fail fast. */
const LIVE_DEADLINE_MS = 30_000;
const STAGES = ['ingest', 'validate', 'enrich', 'store'];
const BANDS = ['low', 'medium', 'high', 'critical'];
const BAND_RANK: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };

const skipReason = browserSkipReason();
if (skipReason) {
  console.warn(`\n*** SKIPPING operations browser tests: ${skipReason} ***\n`);
}

describe.skipIf(skipReason !== undefined)(
  'pipeline, fleet and review pages in a real browser',
  () => {
    let platform: TestPlatform;
    let browser: Browser;
    let page: Page;
    let watched: WatchedPage;
    let configDir: string;

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      // The highest review rate the queue allows (2 %): the demo pipeline's ~40 events a second
      // then put an item in the queue about every 1-2 s.
      configDir = mkdtempSync(join(tmpdir(), 'opsight-e2e-ops-'));
      const config = join(configDir, 'opsight.yaml');
      writeFileSync(config, 'server:\n  reviewRate: 0.02\n');
      platform = await startTestPlatform({ extraArgs: ['--config', config] });
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
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    });

    it('pipeline: the four stages with lights and queues, both SLOs, signals and live charts', async () => {
      await page.goto(`${platform.url}/pipeline`);
      await page.locator('[data-stage]').nth(3).waitFor({ timeout: LIVE_DEADLINE_MS });
      const stages = await page
        .locator('[data-stage]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
      expect(stages).toEqual(STAGES);
      for (const s of STAGES) {
        const light = await page
          .locator(`[data-stage="${s}"] [data-light]`)
          .getAttribute('data-light');
        expect(['green', 'orange', 'red']).toContain(light);
        const queue = page.locator(`[data-queue="${s}"]`);
        expect(Number(await queue.getAttribute('data-capacity'))).toBeGreaterThan(0);
        const depth = await queue.getAttribute('data-depth');
        expect(depth).not.toBeNull(); // Number(null) would pass the check below
        expect(Number(depth)).toBeGreaterThanOrEqual(0);
      }
      // The overall light and its reason.
      expect(['green', 'orange', 'red']).toContain(
        await page.locator('h1 [data-light]').getAttribute('data-light'),
      );
      expect((await page.locator('[data-pipeline-reason]').innerText()).length).toBeGreaterThan(10);
      for (const slo of ['latency', 'throughput']) {
        const card = page.locator(`[data-slo="${slo}"]`);
        expect(['pass', 'fail']).toContain(await card.getAttribute('data-pass'));
        expect(await card.innerText()).toMatch(/Burn[\s\S]*short[\s\S]*long/);
      }
      for (const signal of ['sales_activity', 'field_interaction', 'market_signal']) {
        expect(
          Number(await page.locator(`[data-signal="${signal}"]`).getAttribute('data-count')),
        ).toBeGreaterThan(0);
      }
      for (const chart of ['pipeline-queue', 'pipeline-throughput', 'pipeline-latency']) {
        await waitFor(
          () => colouredPixels(page, chart),
          (n) => n > 200,
          `chart ${chart} to draw coloured lines`,
        );
      }
      // One line per stage on the queue chart.
      await waitFor(
        () => page.locator('[data-chart="pipeline-queue"] .chart-plot').getAttribute('data-series'),
        (n) => n === '4',
        'four queue lines',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'pipeline.png'), fullPage: true });
    });

    it('pipeline: the spike control calls the simulate API', async () => {
      const request = page.waitForRequest(
        (r) => r.method() === 'POST' && /\/api\/v1\/pipelines\/[^/]+\/simulate$/.test(r.url()),
      );
      const response = page.waitForResponse((r) => /\/simulate$/.test(r.url()));
      await page.fill('input[name="pipeline-duration"]', '30');
      await page.click('[data-pipeline-action="spike"]');
      expect((await request).postDataJSON()).toEqual({ kind: 'spike', durationS: 30 });
      expect((await response).status()).toBe(202);
      await page.locator('[data-demo-note]').waitFor({ timeout: LIVE_DEADLINE_MS });
      expect(await page.locator('[data-demo-note]').innerText()).toMatch(/spike started for 30/i);
    });

    it('fleet: every vehicle with its band; sorting and filtering kept in the URL', async () => {
      await page.goto(`${platform.url}/fleet`);
      const rows = page.locator('tr[data-vehicle]');
      await waitFor(
        () => rows.count(),
        (n) => n >= 10,
        'the emulated vehicles to be listed',
      );
      for (const band of await rows.evaluateAll((els) =>
        els.map((e) => e.getAttribute('data-row-band')),
      )) {
        expect(BANDS).toContain(band);
      }
      // Default: most at risk first.
      const scores = async (): Promise<number[]> =>
        rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-score'))));
      const bandsNow = async (): Promise<string[]> =>
        rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-row-band') ?? ''));
      const ranks = (await bandsNow()).map((b) => BAND_RANK[b] as number);
      expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
      expect((await scores()).length).toBeGreaterThan(0);

      const ids = async (): Promise<string[]> =>
        rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-vehicle') ?? ''));
      await page.click('[data-sort="id"]');
      expect(new URL(page.url()).searchParams.get('sort')).toBe('id');
      const asc = await ids();
      expect(asc).toEqual([...asc].sort());
      await page.click('[data-sort="id"]');
      expect(new URL(page.url()).searchParams.get('dir')).toBe('desc');
      const desc = await ids();
      expect(desc).toEqual([...asc].sort().reverse());

      await page.fill('input[name="fleet-search"]', 'van');
      expect(new URL(page.url()).searchParams.get('q')).toBe('van');
      const vans = await ids();
      expect(vans.length).toBeGreaterThan(0);
      for (const id of vans) expect(id).toContain('van');
      await page.fill('input[name="fleet-search"]', '');

      const present = new Set(await bandsNow());
      const band = BANDS.find((b) => present.has(b)) as string;
      await page.click(`[data-band-filter="${band}"]`);
      expect(new URL(page.url()).searchParams.get('band')).toBe(band);
      const filtered = await bandsNow();
      expect(filtered.length).toBeGreaterThan(0);
      for (const b of filtered) expect(b).toBe(band);
      // Reloading keeps the view (state in the URL).
      await page.reload();
      await waitFor(
        () => rows.count(),
        (n) => n > 0,
        'the filtered rows after a reload',
      );
      for (const b of await bandsNow()) expect(b).toBe(band);

      // The impact panel with its assumptions.
      await page.goto(`${platform.url}/fleet`);
      await page.locator('[data-impact]').waitFor({ timeout: LIVE_DEADLINE_MS });
      expect(await page.locator('[data-assumptions]').innerText()).toMatch(/per hour/);
      await page.screenshot({ path: join(ARTIFACTS, 'fleet.png'), fullPage: true });
    });

    it('fleet: the overheat control takes the unit past 230 °F and raises its risk', async () => {
      const demo = (await (await fetch(`${platform.url}/api/v1/fleet/demo`)).json()) as {
        vehicleIds: string[];
      };
      // The vehicle least at risk: its rise is the clearest.
      const rows = page.locator('tr[data-vehicle]');
      await waitFor(
        () => rows.count(),
        (n) => n >= 10,
        'the vehicles',
      );
      const listed = await rows.evaluateAll((els) =>
        els.map((e) => e.getAttribute('data-vehicle')),
      );
      const id = [...listed].reverse().find((v) => v !== null && demo.vehicleIds.includes(v));
      expect(id).toBeDefined();
      const row = page.locator(`tr[data-vehicle="${id}"]`);
      const scoreBefore = Number(await row.getAttribute('data-score'));
      const bandBefore = (await row.getAttribute('data-row-band')) as string;

      await page.selectOption('select[name="demo-vehicle"]', id as string);
      await page.fill('input[name="demo-duration"]', '120');
      const response = page.waitForResponse((r) => r.url().endsWith('/simulate_anomaly'));
      await page.click('[data-fleet-action="coolant_overheat"]');
      expect((await response).status()).toBe(202);

      await waitFor(
        async () => Number(await row.locator('[data-coolant]').getAttribute('data-coolant')),
        (c) => c > 230,
        `${id}'s coolant to pass 230 °F in the fleet table`,
      );
      const after = await waitFor(
        async () => ({
          score: Number(await row.getAttribute('data-score')),
          band: (await row.getAttribute('data-row-band')) as string,
        }),
        (a) => a.score >= scoreBefore + 20,
        `${id}'s risk score to rise from ${scoreBefore}`,
      );
      expect(BAND_RANK[after.band]).toBeGreaterThanOrEqual(BAND_RANK[bandBefore] as number);
      expect(after.band === bandBefore && bandBefore !== 'critical').toBe(false);

      // The unit view: every signal charted, coolant above 230 in its legend, factors listed.
      await page.goto(`${platform.url}/fleet/${encodeURIComponent(id as string)}`);
      const fields = [
        'coolant_temp_f',
        'intake_air_temp_f',
        'engine_rpm',
        'speed_mph',
        'vibration_score',
        'engine_hours',
      ];
      for (const f of fields) {
        await waitFor(
          () => colouredPixels(page, `signal-${f}`),
          (n) => n > 100,
          `the ${f} chart to draw`,
        );
      }
      await waitFor(
        async () => {
          const text = await page
            .locator('[data-chart="signal-coolant_temp_f"] .chart-legend')
            .innerText();
          return Number(/coolant_temp_f\s+([\d.]+)/.exec(text)?.[1] ?? 'NaN');
        },
        (c) => c > 230,
        'the coolant chart to show the overheat',
      );
      await page.locator('[data-factor="overheating now"]').waitFor({ timeout: LIVE_DEADLINE_MS });
      // The learned band and anomaly marks are requested for every chart.
      expect(
        await page
          .locator('[data-chart="signal-coolant_temp_f"] .chart-plot')
          .getAttribute('data-band-points'),
      ).not.toBeNull();
      await page.screenshot({ path: join(ARTIFACTS, 'fleet-unit.png'), fullPage: true });
    });

    it('raw readings: rejected fields are highlighted as they arrive, filterable by vehicle', async () => {
      await page.goto(`${platform.url}/fleet/debug`);
      await waitFor(
        async () => Number(await page.locator('[data-debug-rows]').getAttribute('data-debug-rows')),
        (n) => n > 0,
        'raw readings',
      );
      const res = await fetch(`${platform.url}/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ts: new Date().toISOString(),
          vehicle_id: 'e2e-bad-01',
          coolant_temp_f: 999,
          intake_air_temp_f: 80,
          engine_rpm: 900,
          speed_mph: 0,
          vibration_score: 1,
          engine_hours: 10,
        }),
      });
      expect(res.status).toBe(200);
      // No reload: the next fleet push refetches the readings.
      await page
        .locator('tr[data-reading="e2e-bad-01"] [data-invalid="coolant_temp_f"]')
        .waitFor({ timeout: LIVE_DEADLINE_MS });
      await page.selectOption('select[name="debug-vehicle"]', 'e2e-bad-01');
      await waitFor(
        () =>
          page
            .locator('tr[data-reading]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-reading'))),
        (list) => list.length > 0 && list.every((v) => v === 'e2e-bad-01'),
        'only e2e-bad-01 readings',
      );
      expect(new URL(page.url()).searchParams.get('vehicle')).toBe('e2e-bad-01');
      await page.screenshot({ path: join(ARTIFACTS, 'fleet-debug.png'), fullPage: true });
    });

    it('review: sampled items appear live; claim and reject with a reason update the stats', async () => {
      await page.goto(`${platform.url}/review`);
      const pending = page.locator('[data-review-item][data-status="pending"]');
      await pending.first().waitFor({ timeout: LIVE_DEADLINE_MS });
      const stat = async (key: string): Promise<string> =>
        (await page.locator(`[data-review-stat="${key}"]`).getAttribute('data-value')) ?? '';
      const reviewedBefore = Number(await stat('reviewed'));

      const id = (await pending.first().getAttribute('data-review-item')) as string;
      const item = page.locator(`[data-review-item="${id}"]`);
      expect((await item.locator('[data-review-reason]').innerText()).length).toBeGreaterThan(5);
      await item.locator('[data-review-action="claim"]').click();
      await waitFor(
        () => item.getAttribute('data-status'),
        (s) => s === 'claimed',
        'the claim',
      );
      await item.locator('[data-review-action="reject"]').click();
      // A rejection needs a reason: the button stays disabled until one is typed.
      expect(await item.locator('[data-review-action="reject-confirm"]').isDisabled()).toBe(true);
      await item.locator('input[name="reject-reason"]').fill('sensor glitch, not real traffic');
      await item.locator('[data-review-action="reject-confirm"]').click();
      await waitFor(
        () => item.getAttribute('data-status'),
        (s) => s === 'rejected',
        'the rejection',
      );
      expect(await item.locator('[data-verdict]').innerText()).toContain('sensor glitch');
      await waitFor(
        () => stat('reviewed'),
        (v) => Number(v) >= reviewedBefore + 1,
        'the reviewed count to go up',
      );
      expect(await stat('rejection-rate')).not.toBe('0%');
      expect(await stat('time-to-review')).not.toBe('–');

      // Filters live in the URL and narrow the list.
      await page.click('[data-status-filter="rejected"]');
      expect(new URL(page.url()).searchParams.get('status')).toBe('rejected');
      await waitFor(
        () =>
          page
            .locator('[data-review-item]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
        (list) => list.length > 0 && list.every((s) => s === 'rejected'),
        'only rejected items',
      );
      await page.click('[data-stream-filter="pipeline"]');
      expect(new URL(page.url()).searchParams.get('stream')).toBe('pipeline');
      await page.click('[data-status-filter="rejected"]');
      await page.screenshot({ path: join(ARTIFACTS, 'review.png'), fullPage: false });
    });

    it('overview: a strip with the pipeline light and the fleet by band', async () => {
      await page.goto(`${platform.url}/`);
      const strip = page.locator('[data-strip-pipeline]');
      await strip.first().waitFor({ timeout: LIVE_DEADLINE_MS });
      expect(['green', 'orange', 'red']).toContain(
        await strip.first().locator('[data-light]').getAttribute('data-light'),
      );
      const fleet = page.locator('[data-strip-fleet]');
      await fleet.waitFor({ timeout: LIVE_DEADLINE_MS });
      expect(Number(await fleet.getAttribute('data-strip-fleet'))).toBeGreaterThanOrEqual(10);
      await page.click('nav.nav a[href^="/pipeline"]');
      expect(new URL(page.url()).pathname).toBe('/pipeline');
      await page.click('nav.nav a[href="/review"]');
      expect(new URL(page.url()).pathname).toBe('/review');
    });
  },
);
