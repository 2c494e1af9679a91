/**
 * The autograd gradient suite inside Chromium, on both kernel sets: every primitive op of the
 * registry and every composite op, gradchecked to first order in float64 by a seeded fast-check
 * property (test/browser/gradient-suite.ts, bundled here with esbuild, run by pages/gradients.html).
 * One test per op per backend, so the count shows them; a failing one prints fast-check's report,
 * with the seed and path that replay it (open the page with ?seed=<seed>&runs=<n>).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { compositeOpNames, listPrimitiveOps } from '../../packages/autograd/src/ops/registry.js';
import { bundleForBrowser } from '../../examples/browser/bundle.js';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { SUITE_BACKENDS, type SuiteResult } from './gradient-suite.js';
import { useBrowser } from './harness.js';

/** The seed and cases per op the page runs (the Node suite's default seed; 10 runs keep the page well under a minute). */
const SEED = Number(process.env.FC_SEED ?? 20261122);
const RUNS = Number(process.env.FC_BROWSER_RUNS ?? 10);

// Bundled from the TypeScript sources, so the page runs exactly the code the Node suite tests.
const harness = useBrowser({ isolated: true }, () => bundleForBrowser([{ in: 'test/browser/gradient-suite.ts', out: 'gradient-suite' }], 'build/browser/gradients'));
let result: SuiteResult & { isolated: boolean };
let errors: string[];

beforeAll(async () => {
  const opened = await openPage(harness.browser, `${harness.isolated.url}test/browser/pages/gradients.html?seed=${SEED}&runs=${RUNS}`);
  errors = opened.errors;
  const raw = (await waitForResult(opened.page, 150_000)) as (SuiteResult & { isolated: boolean }) | { error: string };
  if ('error' in raw) throw new Error(`the gradient suite page threw: ${raw.error}`);
  result = raw;
}, 200_000);

describe('the gradient suite in Chromium', () => {
  test('the page ran every primitive op of the registry and every composite op', () => {
    expect(result.primitiveOps).toEqual(listPrimitiveOps().map(({ name }) => name));
    expect(result.compositeOps).toEqual([...compositeOpNames]);
    expect(result.outcomes).toHaveLength(SUITE_BACKENDS.length * (result.primitiveOps.length + result.compositeOps.length));
  });

  test("each backend's kernels really ran: the float32 product tells the JavaScript kernel from the WebAssembly one", () => {
    // [1e8, 1, -1e8] . [1, 1, 1]: 1 when summed in float64 (the JS kernel), 0 in float32 (the Wasm kernel).
    expect(result.probes).toEqual([
      { backend: 'js', setting: 'js', float32Dot: 1 },
      { backend: 'wasm', setting: 'wasm', float32Dot: 0 },
    ]);
  });

  test('the page was cross-origin isolated, and logged no console error', () => {
    expect(result.isolated).toBe(true);
    expect(errors).toEqual([]);
  });

  test('the whole suite took less than 60 s', () => {
    expect(result.ms).toBeLessThan(60_000);
  });
});

for (const backend of SUITE_BACKENDS) {
  describe(`gradients in Chromium, ${backend} kernels`, () => {
    const names = [...listPrimitiveOps().map(({ name }) => name), ...compositeOpNames];
    for (const op of names) {
      test(`${op}: first-order gradients match finite differences`, () => {
        const outcome = result.outcomes.find((o) => o.op === op && o.backend === backend);
        expect(outcome, `no outcome for ${op} on ${backend}`).toBeDefined();
        // The report itself on failure: fast-check's seed, path, counterexample and the gradcheck error.
        expect(outcome!.failure ?? 'passed').toBe('passed');
      });
    }
  });
}
