/**
 * @module
 * Debian's chromium driven by playwright-core, launched the one way this project's browser tests
 * use (flags from DEVELOPERS.md; no --user-data-dir, which Playwright rejects), with a page that
 * records console errors, page errors and failed requests so each test can assert there were none.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { missingBuild } from './platform.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser tests cannot run here, or undefined. Printed loudly by the caller. */
export function browserSkipReason(): string | undefined {
  return !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get install chromium)`
    : missingBuild();
}

export interface WatchedPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Problems seen since the last call (console errors, page errors, failed requests). */
  takeProblems(): string[];
  /** From now on, problems matching `expected` are what a test provokes, not failures. */
  expectProblems(expected: (problem: string) => boolean): void;
}

export async function openWatchedPage(): Promise<WatchedPage> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    colorScheme: 'dark',
  });
  const page = await context.newPage();
  let problems: string[] = [];
  const expected: ((problem: string) => boolean)[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // Streams cut by navigation are aborted on purpose; anything else is a problem.
    const failure = req.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${req.url()} ${failure}`);
  });
  return {
    browser,
    page,
    takeProblems() {
      const seen = problems.filter((p) => !expected.some((e) => e(p)));
      problems = [];
      return seen;
    },
    expectProblems(e) {
      expected.push(e);
    },
  };
}

/** Polls `read` until `ok` holds or the deadline passes; fails naming what it waited for. */
export async function waitFor<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  deadlineMs = 30_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last value ${String(last)}`);
    await new Promise((r) => setTimeout(r, 200)); // polling interval, not a sleep-for-effect
  }
}

/**
 * Pixels of the chart's canvas drawn in a saturated colour: series lines are; the axes, grid and
 * background are grey, so a chart with no lines counts (close to) zero.
 */
export async function colouredPixels(page: Page, chart: string): Promise<number> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`${sel} canvas`);
    if (!canvas || canvas.width === 0) return 0;
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i] as number;
      const g = data[i + 1] as number;
      const b = data[i + 2] as number;
      const a = data[i + 3] as number;
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  }, `[data-chart="${chart}"]`);
}
