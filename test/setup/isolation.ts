/**
 * The test files share their worker's modules (`isolate: false` in vitest.config.ts: evaluating
 * @nn/autograd's hundred modules again for every file cost more than half of the suite's time). So
 * that a file still starts from what a fresh process gives it, this runs before each file and puts
 * back the library's global settings, in both copies a test can load (the sources, which
 * @nn/autograd's own tests import, and the built package, which the other packages' tests import):
 * the backend (NN_BACKEND, else 'auto'), the default dtype and the global generator's seed.
 *
 * Grad mode and anomaly detection need nothing: they are only ever set for the length of a callback.
 * Settings a test changes on purpose (threads, the parallel threshold, linalg's small-product size)
 * are put back by that test, in its own afterAll or finally.
 */
import * as built from '@nn/autograd';
import * as sources from '../../packages/autograd/src/index.js';

/** The seed the global generator starts from when its module loads (packages/autograd/src/random.ts). */
const INITIAL_SEED = 0x5eed;

const backend = (process.env.NN_BACKEND ?? '') === '' ? 'auto' : (process.env.NN_BACKEND as 'auto' | 'js' | 'wasm');
for (const nn of [built, sources]) {
  nn.setBackend(backend);
  nn.setDefaultDtype('float32');
  nn.manualSeed(INITIAL_SEED);
}
