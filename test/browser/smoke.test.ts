/**
 * The harness itself: the server serves the built packages, Chromium loads them unbundled, and the
 * isolation headers make the page cross-origin isolated (or not, without them).
 */
import { describe, expect, test } from 'vitest';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { useBrowser } from './harness.js';

const harness = useBrowser({ isolated: true, plain: true });

describe('the browser harness', () => {
  for (const [name, server, expectIsolated] of [['isolated', () => harness.isolated, true], ['not isolated', () => harness.plain, false]] as const) {
    test(`a page (${name}) runs a backward pass from the built package`, async () => {
      const { page, errors } = await openPage(harness.browser, `${server().url}test/browser/pages/smoke.html`);
      const result = await waitForResult(page);
      expect(result).toEqual({ grad: [30, 40], isolated: expectIsolated });
      expect(errors).toEqual([]);
    });
  }

  test('the server refuses paths outside what pages need', async () => {
    const response = await fetch(`${harness.isolated.url}package.json`);
    expect(response.status).toBe(404);
    const escape = await fetch(`${harness.isolated.url}packages/../package.json`);
    expect(escape.status).toBe(404);
  });
});
