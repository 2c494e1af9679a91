/**
 * The harness itself: the server serves the built packages, Chromium loads them unbundled, and the
 * isolation headers make the page cross-origin isolated (or not, without them).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../examples/browser/server.js';
import { launchChromium, openPage, waitForResult } from '../../examples/browser/chromium.js';

let browser: Browser;
let isolated: RunningServer;
let plain: RunningServer;
beforeAll(async () => {
  [browser, isolated, plain] = await Promise.all([launchChromium(), startServer(), startServer({ isolated: false })]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), isolated?.close(), plain?.close()]);
});

describe('the browser harness', () => {
  for (const [name, server, expectIsolated] of [['isolated', () => isolated, true], ['not isolated', () => plain, false]] as const) {
    test(`a page (${name}) runs a backward pass from the built package`, async () => {
      const { page, errors } = await openPage(browser, `${server().url}test/browser/pages/smoke.html`);
      const result = await waitForResult(page);
      expect(result).toEqual({ grad: [30, 40], isolated: expectIsolated });
      expect(errors).toEqual([]);
    });
  }

  test('the server refuses paths outside what pages need', async () => {
    const response = await fetch(`${isolated.url}package.json`);
    expect(response.status).toBe(404);
    const escape = await fetch(`${isolated.url}packages/../package.json`);
    expect(escape.status).toBe(404);
  });
});
