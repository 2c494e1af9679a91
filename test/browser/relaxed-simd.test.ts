/**
 * In Chromium, which has relaxed SIMD, the matmul kernels detect and use the fused multiply-add
 * variant, and its products stay within the fused-rounding bound of the plain kernels'
 * (test/browser/pages/relaxed-simd-check.js; the same check runs in Node with the engine flag).
 */
import { expect, test } from 'vitest';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { useBrowser } from './harness.js';
import { expectRelaxedWithinBound, type Comparison } from './relaxed-simd-expect.js';

const harness = useBrowser({ isolated: true });

test('Chromium runs the relaxed-SIMD matmul kernels, within the fused-rounding bound of the plain ones', async () => {
  const { page, errors } = await openPage(harness.browser, `${harness.isolated.url}test/browser/pages/relaxed-simd.html`);
  expectRelaxedWithinBound((await waitForResult(page)) as Comparison);
  expect(errors).toEqual([]);
});
