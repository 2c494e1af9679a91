import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    testTimeout: 120_000,
    // The JSON report is what .ci/run reads to print its closing 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'build/test-results.json' }]],
  },
});
