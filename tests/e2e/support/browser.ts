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
