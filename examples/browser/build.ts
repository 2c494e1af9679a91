/**
 * The browser page's build step (`npm run demo:browser` runs it after `tsc -b`): bundles the
 * training worker, examples/browser/src/worker.ts with the @nn packages it imports, into one ES
 * module, build/browser/page/worker.js, and beside it the thread pool's worker script
 * (`@nn/autograd/web-worker`), build/browser/page/thread-worker.js, whose URL the training worker
 * passes to `setNumThreads` (src/threads.ts). The page's own script needs no bundle: tsc compiles it to
 * build/examples/browser/page/ and the import map of index.html finds the packages' dist/.
 *
 *   node build/examples/browser/build.js
 */
import { normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './bundle.js';

/** Where the bundle goes, from the root; examples/browser/server.ts serves build/browser/. */
export const WORKER_BUNDLE = 'build/browser/page/worker.js';

/** Writes the two worker bundles; resolves to the training worker's size in bytes. */
export async function buildPage(): Promise<number> {
  const metafile = await bundleForBrowser([
    { in: 'examples/browser/src/worker.ts', out: 'worker' },
    { in: '@nn/autograd/web-worker', out: 'thread-worker' },
  ], 'build/browser/page');
  return metafile.outputs[WORKER_BUNDLE]?.bytes ?? 0;
}

// Run as a script.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const bytes = await buildPage();
  console.log(`wrote ${WORKER_BUNDLE} (${(bytes / 1024).toFixed(0)} KiB)`);
}
