/**
 * jax-js's side of the browser benchmark: its Wasm device (the default; it compiles its kernels to
 * WebAssembly with SIMD). jax-js picks its threads itself: where `SharedArrayBuffer` exists (a
 * cross-origin isolated page) it dispatches kernels to `navigator.hardwareConcurrency` workers,
 * otherwise it runs them on the calling thread. It has no setting for the count, so its one-thread
 * figures come from a page that is not isolated.
 *
 * jax-js arrays are reference counted: every call takes ownership of its array arguments, `.ref`
 * keeps one for later (see its README).
 */
import { defaultDevice, init, jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { timeMedian, type Timed, type TimingOptions } from './timing.js';

/** How jax-js runs here. */
export interface JaxThreads {
  /** Threads its kernels run on: its workers, or 1 (the calling thread). */
  readonly threads: number;
  /** Whether it runs kernels on workers (it does only where SharedArrayBuffer exists). */
  readonly workers: boolean;
}

/**
 * Starts jax-js's Wasm device and says how many threads it runs on, by its own rule (the rule is
 * read from its source, 0.1.25: `createWorkerPool` in its Wasm backend).
 */
export async function startJax(): Promise<JaxThreads> {
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`startJax: jax-js's wasm device did not start (devices: ${devices.join(', ') || 'none'})`);
  defaultDevice('wasm');
  const host = globalThis as { SharedArrayBuffer?: unknown; Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
  const workers = host.SharedArrayBuffer !== undefined && host.Worker !== undefined;
  return { workers, threads: workers ? Math.max(1, host.navigator?.hardwareConcurrency ?? 4) : 1 };
}

/** Milliseconds of one float32 product, waited for with `blockUntilReady` (the inputs made in advance). */
export async function jaxMatmul(n: number, [a, b]: [Float32Array, Float32Array], timing: TimingOptions): Promise<Timed> {
  const x = np.array(a).reshape([n, n]);
  const y = np.array(b).reshape([n, n]);
  const timed = await timeMedian(async () => {
    const product = await np.matmul(x.ref, y.ref).blockUntilReady();
    product.dispose();
  }, timing);
  x.dispose();
  y.dispose();
  return timed;
}

type MlpParams = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };

/** Uniform values in [-limit, limit) from a small seeded generator (the values do not change the time). */
function uniform(count: number, limit: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * limit;
  }
  return out;
}

/**
 * Milliseconds of the MLP step of bench/mlp-step.ts the way jax-js is written: the loss as a
 * function of the parameters, `valueAndGrad` of it and the SGD update in one `jit`-compiled step
 * (jax-js fuses it into few kernels), the loss read back each step.
 */
export async function jaxMlpStep({ inputs, labels, batch }: { inputs: Float32Array; labels: Int32Array; batch: number }, timing: TimingOptions): Promise<Timed> {
  const lr = 0.01;
  const oneHot = new Float32Array(batch * 10);
  labels.forEach((label, i) => (oneHot[i * 10 + label] = 1));
  const x = np.array(inputs).reshape([batch, 784]);
  const y = np.array(oneHot).reshape([batch, 10]);
  let params: MlpParams = {
    w1: np.array(uniform(784 * 256, Math.sqrt(6 / (784 + 256)), 1)).reshape([784, 256]),
    b1: np.zeros([256]),
    w2: np.array(uniform(256 * 10, Math.sqrt(6 / (256 + 10)), 2)).reshape([256, 10]),
    b2: np.zeros([10]),
  };
  const loss = (p: MlpParams, xs: np.Array, ys: np.Array): np.Array => {
    const hidden = nn.relu(np.matmul(xs, p.w1).add(p.b1));
    const logits = np.matmul(hidden, p.w2).add(p.b2);
    // Softmax cross-entropy with one-hot targets, the mean over the batch.
    return nn.logSoftmax(logits).mul(ys).sum().mul(-1 / batch);
  };
  const step = jit((p: MlpParams, xs: np.Array, ys: np.Array) => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), xs, ys);
    const updated = tree.map((w: np.Array, g: np.Array) => w.sub(g.mul(lr)), p, grads as MlpParams) as MlpParams;
    return [value, updated] as [np.Array, MlpParams];
  });
  const timed = await timeMedian(async () => {
    const [value, updated] = step(params, x.ref, y.ref) as [np.Array, MlpParams];
    params = updated;
    await value.data();
  }, timing);
  tree.dispose(params);
  x.dispose();
  y.dispose();
  step.dispose();
  return timed;
}
