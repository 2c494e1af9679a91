/**
 * Bundles the comparison page's script (compare.ts, with @nn, TensorFlow.js and jax-js) and the
 * worker that runs @nn off the page's thread (nn-worker.ts) with esbuild into build/browser/bench/,
 * where compare.html imports them. Run by run.ts and by
 * test/browser/bench.test.ts before they open the page.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs compiled from build/bench/browser/, or as source (the test). */
const root = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));

/** Writes build/browser/bench/compare.js and nn-worker.js (and their source maps). */
export async function bundleComparePage(): Promise<void> {
  await build({
    entryPoints: [`${root}bench/browser/compare.ts`, `${root}bench/browser/nn-worker.ts`],
    outdir: `${root}build/browser/bench`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
}
