import { defineConfig } from 'vitest/config';

// Every test runs once with the default backend ('auto': each kernel call picks JavaScript or
// WebAssembly by size). The tensor-level suites (autograd, layers, optim) run again with each backend
// forced, so both kernel sets pass the whole gradient suite on every size.
const kernelSuites = ['packages/autograd/test/**/*.test.ts', 'packages/layers/test/**/*.test.ts', 'packages/optim/test/**/*.test.ts', 'packages/linalg/test/**/*.test.ts'];
// The forced-backend passes run 40 cases per property instead of 100 (FC_DEFAULT_RUNS, read by
// test/setup/fast-check.ts), to keep CI under its time limit; the default pass keeps 100, and the
// browser suite (npm run test:browser) gradchecks every op again on each backend.
// Suites that call kernels directly or set the backend themselves gain nothing from a forced backend.
const backendIndependent = ['packages/*/test/kernels-*.test.ts', 'packages/autograd/test/backend.test.ts', 'packages/autograd/test/threads.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/isolation.ts'],
    // A worker evaluates the packages' modules once for all its files, not once per file (more than
    // half of the suite's time went there); test/setup/isolation.ts resets the global settings before
    // each file instead.
    isolate: false,
    testTimeout: 120_000,
    // The JSON report is what .ci/run reads to print its closing 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'build/test-results.json' }]],
    projects: [
      // test/browser/ is `npm run test:browser` (vitest.browser.config.ts): it needs Chromium.
      { extends: true, test: { name: 'auto', include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/browser/**'] } },
      { extends: true, test: { name: 'js', include: kernelSuites, exclude: backendIndependent, env: { NN_BACKEND: 'js', FC_DEFAULT_RUNS: '40' } } },
      { extends: true, test: { name: 'wasm', include: kernelSuites, exclude: backendIndependent, env: { NN_BACKEND: 'wasm', FC_DEFAULT_RUNS: '40' } } },
    ],
  },
});
