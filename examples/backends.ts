/**
 * Backends and threads: the same 512 x 512 float32 product on the TypeScript kernels, on the
 * WebAssembly SIMD kernels, and on WebAssembly with every core (Node only, `@nn/autograd/node`).
 * It prints each one's speed and its largest difference from the TypeScript result: they agree up
 * to float32 rounding, since WebAssembly sums in float32 and TypeScript in float64.
 *
 * Run: npm run build && node build/examples/backends.js
 */
import os from 'node:os';
import { getBackend, matmul, rand, setBackend, Generator, type BackendSetting, type Storage } from '@nn/autograd';
import { getNumThreads, setNumThreads } from '@nn/autograd/node';

const n = 512;
const rng = new Generator(7);
const a = rand([n, n], { rng });
const b = rand([n, n], { rng });

/** The product on `backend` with `threads` threads, and its speed in GFLOPS (best of 5 runs). */
async function productOn(backend: BackendSetting, threads: number): Promise<{ values: Storage; gflops: number }> {
  setBackend(backend);
  await setNumThreads(threads);
  let best = Infinity;
  let values = matmul(a, b).data();
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    values = matmul(a, b).data();
    best = Math.min(best, performance.now() - started);
  }
  return { values, gflops: (2 * n ** 3) / best / 1e6 };
}

const reference = await productOn('js', 1);
console.log(`js: ${reference.gflops.toFixed(1)} GFLOPS`);
const cores = os.cpus().length;
for (const threads of cores > 1 ? [1, cores] : [1]) {
  const { values, gflops } = await productOn('wasm', threads);
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]! - reference.values[i]!));
  console.log(`${getBackend()} on ${getNumThreads()} thread(s): ${gflops.toFixed(1)} GFLOPS, largest difference from js ${largest.toExponential(1)}`);
  if (!(largest < 1e-3)) throw new Error(`backends: the results disagree by ${largest}`);
}
await setNumThreads(1);
setBackend('auto');
console.log('the backends agree');
