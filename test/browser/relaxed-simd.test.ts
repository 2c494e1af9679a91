/**
 * In Chromium, which has relaxed SIMD, the matmul kernels detect and use the fused multiply-add
 * variant, and its products stay within the fused-rounding bound of the plain kernels'
 * (test/browser/pages/relaxed-simd-check.js; the same check runs in Node with the engine flag).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../examples/browser/server.js';
import { launchChromium, openPage, waitForResult } from '../../examples/browser/chromium.js';
import { expectRelaxedWithinBound, type Comparison } from './relaxed-simd-expect.js';

let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startServer()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

test('Chromium runs the relaxed-SIMD matmul kernels, within the fused-rounding bound of the plain ones', async () => {
  const { page, errors } = await openPage(browser, `${server.url}test/browser/pages/relaxed-simd.html`);
  expectRelaxedWithinBound((await waitForResult(page)) as Comparison);
  expect(errors).toEqual([]);
});
