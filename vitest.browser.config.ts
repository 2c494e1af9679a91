import { defineConfig } from 'vitest/config';

// The browser tests (`npm run test:browser`): each file drives Debian's Chromium through
// playwright-core (examples/browser/chromium.ts) against pages served by examples/browser/server.ts.
// One file at a time: each starts a browser, and the machine may have only 2 cores.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // .ci/run reads this report, beside npm test's, for its closing 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'build/browser-test-results.json' }]],
  },
});
