// A dedicated worker as a bundled app writes it (threads-bundled.html; esbuild bundles this file,
// and @nn/autograd/web-worker beside it, into build/browser/webthreads/): bundling moves the
// package's modules, so the app passes the URL of its bundle of the pool's worker script.
import { matmul, randn } from '@nn/autograd';
import { getNumThreads, setNumThreads } from '@nn/autograd/web';

self.addEventListener('message', async () => {
  try {
    await setNumThreads(2, { workerUrl: new URL('./matmul-worker.js', import.meta.url) });
    const threads = getNumThreads();
    const a = randn([300, 257]), b = randn([257, 310]);
    const threaded = matmul(a, b).data();
    await setNumThreads(1);
    const single = matmul(a, b).data();
    self.postMessage({ threads, sameBits: threaded.every((v, i) => Object.is(v, single[i])), after: getNumThreads() });
  } catch (error) {
    self.postMessage({ error: `${error.name}: ${error.message}` });
  }
}, { once: true });
