/**
 * Bundles the comparison page's script (compare.ts, with @nn, TensorFlow.js and jax-js), the
 * worker that runs @nn off the page's thread (nn-worker.ts) and its thread pool's worker script
 * with esbuild into build/browser/bench/,
 * where compare.html imports them. Run by run.ts and by
 * test/browser/bench.test.ts before they open the page.
 */
import { bundleForBrowser } from '../../examples/browser/bundle.js';

/**
 * Writes build/browser/bench/compare.js, nn-worker.js and nn-thread-worker.js (the thread pool's
 * worker script, `@nn/autograd/web-worker`, whose URL nn-worker.js passes to `setNumThreads`), and
 * their source maps.
 */
export async function bundleComparePage(): Promise<void> {
  await bundleForBrowser([
    { in: 'bench/browser/compare.ts', out: 'compare' },
    { in: 'bench/browser/nn-worker.ts', out: 'nn-worker' },
    { in: '@nn/autograd/web-worker', out: 'nn-thread-worker' },
  ], 'build/browser/bench');
}
