/**
 * Debian's Chromium, driven headless through playwright-core, for the browser tests and benchmarks.
 * The browser is `CHROMIUM_PATH`, or /usr/bin/chromium (apt package `chromium`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Launches headless Chromium, or throws saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}

/** A page that records console errors and uncaught exceptions, for the test to assert there were none. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  await page.goto(url);
  return { page, errors };
}

/**
 * Waits until the page sets `window.result` (the convention of the test pages), and returns it.
 * The predicate is a string: a function would be compiled by Vitest's transform, whose helpers do
 * not exist in the page.
 */
export async function waitForResult(page: Page, timeoutMs = 60_000): Promise<unknown> {
  const handle = await page.waitForFunction('window.result', undefined, { timeout: timeoutMs });
  return handle.jsonValue();
}
