/**
 * What every browser test file starts with: one headless Chromium and the pages' servers, started
 * before the file's tests (in parallel with any other preparation the file passes) and closed after
 * them. The servers are examples/browser/server.ts: `isolated` with the cross-origin isolation
 * headers, `plain` without them.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../examples/browser/server.js';
import { launchChromium } from '../../examples/browser/chromium.js';

export interface BrowserHarness {
  readonly browser: Browser;
  /** The server with the isolation headers (when asked for). */
  readonly isolated: RunningServer;
  /** The server without them (when asked for). */
  readonly plain: RunningServer;
}

/**
 * Registers the file's beforeAll and afterAll hooks and returns the harness, whose fields are set
 * once the beforeAll hook has run (read them in tests or in later hooks). `prepare` runs beside the
 * launch (a bundle to build, say).
 */
export function useBrowser(servers: { isolated?: boolean; plain?: boolean }, prepare?: () => Promise<unknown>): BrowserHarness {
  const started: { browser?: Browser; isolated?: RunningServer; plain?: RunningServer } = {};
  beforeAll(async () => {
    const [browser, isolated, plain] = await Promise.all([
      launchChromium(),
      servers.isolated ? startServer() : undefined,
      servers.plain ? startServer({ isolated: false }) : undefined,
      prepare?.(),
    ]);
    Object.assign(started, { browser, isolated, plain });
  });
  afterAll(async () => {
    await Promise.all([started.browser?.close(), started.isolated?.close(), started.plain?.close()]);
  });
  const field = <K extends keyof BrowserHarness>(key: K): BrowserHarness[K] => {
    const value = started[key];
    if (value === undefined) throw new Error(`useBrowser: ${key} is not started (asked for it? read it after beforeAll)`);
    return value as BrowserHarness[K];
  };
  return {
    get browser() { return field('browser'); },
    get isolated() { return field('isolated'); },
    get plain() { return field('plain'); },
  };
}
