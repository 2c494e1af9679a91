/**
 * Bundles the comparison page's script (compare.ts, with @nn, TensorFlow.js and jax-js) with
 * esbuild into build/browser/bench/compare.js, where compare.html imports it. Run by run.ts and by
 * test/browser/bench.test.ts before they open the page.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs compiled from build/bench/browser/, or as source (the test). */
const root = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));

/** Writes build/browser/bench/compare.js (and its source map). */
export async function bundleComparePage(): Promise<void> {
  await build({
    entryPoints: [`${root}bench/browser/compare.ts`],
    outdir: `${root}build/browser/bench`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
}
