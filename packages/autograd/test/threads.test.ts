/**
 * The Node thread pool behind @nn/autograd/node: products split over 2 threads give the bits of the
 * single-thread WebAssembly kernel, errors in workers surface on the main thread, and
 * setNumThreads(1) stops the workers.
 *
 * Workers run the built worker script (dist/kernels/wasm/thread-worker.js), so build first (`npx tsc -b`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MatrixOperand } from '../src/kernels/matmul.js';
import { matmulKernelWasm, setParallelThreshold, summedMatmulKernelWasm, wasmMatmulAvailable } from '../src/kernels/wasm/matmul.js';
import { parallelExecutor, setParallelExecutor } from '../src/kernels/wasm/parallel.js';
import type { ThreadPool } from '../src/kernels/wasm/thread-pool.js';
import { chunkShare, type Share, type Split } from '../src/kernels/wasm/blocked.js';
import { getNumThreads, setNumThreads } from '../src/node.js';
import { matmul, rand, tensor } from '../src/index.js';
import { checkKernel, type Case } from './matmul-reference.js';

/**
 * A WebAssembly kernel as the pool runs it, holding each output to the bits of the same product on
 * one thread; `checkKernel` then holds it to the float64 reference.
 */
const onThreads = (kernel: typeof matmulKernelWasm): typeof matmulKernelWasm => (out, a, b, batchShape, m, k, n) => {
  kernel(out, a, b, batchShape, m, k, n);
  const executor = parallelExecutor();
  setParallelExecutor(null);
  const single = out.slice().fill(Number.NaN);
  try {
    kernel(single, a, b, batchShape, m, k, n);
  } finally {
    setParallelExecutor(executor);
  }
  expect(out).toEqual(single);
};
const threadedKernel = onThreads(matmulKernelWasm);

/** Runs a case on the pool: bitwise the single-thread result, and within tolerance of the reference. */
const check = (c: Case, seed: number): void => checkKernel(threadedKernel, { ...c, seed });

describe('setNumThreads', () => {
  test('rejects what is not a whole number of threads from 1 to 256, naming itself and the value', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 257]) {
      await expect(setNumThreads(bad)).rejects.toThrow(new RegExp(`^setNumThreads: .*got ${String(bad)}$`));
    }
    await expect(setNumThreads('2' as unknown as number)).rejects.toThrow(/setNumThreads: .*got 2/);
    expect(getNumThreads()).toBe(1);
  });
});

describe.skipIf(!wasmMatmulAvailable())('products on 2 threads', () => {
  let threshold = 0;
  beforeAll(async () => {
    await setNumThreads(2);
    threshold = setParallelThreshold(0); // split even the smallest products
  }, 30_000);
  afterAll(async () => {
    setParallelThreshold(threshold);
    await setNumThreads(1);
  });

  test('the pool is up, and products go to it', () => {
    expect(getNumThreads()).toBe(2);
    const executor = parallelExecutor()!;
    expect(executor.threads).toBe(2);
    const splits: string[] = [];
    setParallelExecutor({
      threads: executor.threads,
      runtime: executor.runtime,
      run: (whole, split) => {
        const chunks = Array.from({ length: split.chunks }, (_, c) => chunkShare(whole, split, c, 0));
        splits.push(`${split.threads} threads: ` + chunks.map(({ i0, i1, j0, j1 }) => `${i0}:${i1},${j0}:${j1}`).join(' '));
        executor.run(whole, split);
      },
    });
    try {
      check({ m: 20, k: 9, n: 70 }, 1); // by columns, in whole 64-byte lines (8 float64s)
      check({ m: 70, k: 9, n: 20, out: 'f32' }, 2); // by rows, in whole tiles (4 rows)
      check({ m: 100, k: 9, n: 300, out: 'f32' }, 3); // 4 chunks (at least 64 columns each)
      check({ m: 1, k: 9, n: 1 }, 4); // nothing to split: one thread
    } finally {
      setParallelExecutor(executor);
    }
    expect(splits).toEqual([
      '2 threads: 0:20,0:32 0:20,32:70',
      '2 threads: 0:36,0:20 36:70,0:20',
      '2 threads: 0:100,0:64 0:100,64:144 0:100,144:224 0:100,224:300',
    ]);
  });

  const sizes = [1, 3, 7, 17, 63, 65, 127, 257];
  // Each size in each position, next to sizes that make C split by rows (m > n) or by columns.
  const shapes: [number, number, number][] = sizes.flatMap((s): [number, number, number][] => [[s, 17, 65], [65, s, 7], [3, 63, s], [s, 33, s]]);
  for (const [m, k, n] of shapes) {
    for (const out of ['f64', 'f32'] as const) {
      test(`${m}x${k} @ ${k}x${n} -> ${out}`, () => check({ m, k, n, out }, m * 10007 + k * 101 + n));
    }
  }

  const layouts: [string, Case][] = [
    ['A transposed', { m: 127, k: 300, n: 65, a: { transposed: true } }],
    ['B transposed', { m: 65, k: 300, n: 127, b: { transposed: true }, out: 'f32' }],
    ['both transposed, float32 inputs', { m: 63, k: 257, n: 129, a: { transposed: true, kind: 'f32' }, b: { transposed: true, kind: 'f32' }, out: 'f32' }],
    ['strided, reversed rows', { m: 65, k: 63, n: 130, a: { step: 2, reversed: true }, b: { step: 3, transposed: true } }],
    ['mixed inputs', { m: 129, k: 65, n: 33, a: { kind: 'f32' }, b: { kind: 'f64', reversed: true }, out: 'f32' }],
    ['batched', { m: 33, k: 40, n: 35, batchShape: [3], out: 'f32' }],
    ['batched, A broadcast', { m: 65, k: 17, n: 63, batchShape: [3], a: { broadcast: [true] } }],
    ['batched, B broadcast and transposed', { m: 7, k: 63, n: 257, batchShape: [2], b: { broadcast: [true], transposed: true }, out: 'f32' }],
    ['one row (B read unpacked)', { m: 1, k: 300, n: 257, out: 'f32' }],
    ['thin depth (C rows padded)', { m: 64, k: 3, n: 256, out: 'f32' }],
  ];
  for (const [label, c] of layouts) test(`${label}: ${c.m}x${c.k} @ ${c.k}x${c.n}`, () => check(c, c.m + c.k + c.n));

  test('a summed batch on threads: the bits of one thread (each chunk adds into its own part of C)', () => {
    const summedOnPool = onThreads((out, a, b, batchShape, m, k, n) => summedMatmulKernelWasm(out as Float32Array | Float64Array, a, b, batchShape, m, k, n));
    checkKernel(summedOnPool, { m: 16, k: 64, n: 150, batchShape: [5], b: { transposed: true }, out: 'f32', summed: true, seed: 3 });
    checkKernel(summedOnPool, { m: 70, k: 300, n: 9, batchShape: [3], summed: true, seed: 4 });
  });

  test('through matmul: x @ W^T on threads equals one thread', () => {
    const x = rand([37, 91]);
    const w = rand([45, 91]);
    const threaded = matmul(x, w.transpose(0, 1)).toArray();
    const executor = parallelExecutor();
    setParallelExecutor(null);
    try {
      expect(matmul(x, w.transpose(0, 1)).toArray()).toEqual(threaded);
    } finally {
      setParallelExecutor(executor);
    }
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray()).toEqual([[17], [39]]);
  });

  test('a failure in a worker is thrown on the main thread, and the pool keeps working', () => {
    const executor = parallelExecutor()!;
    // A product whose chunks are fine for thread 0, but whose packing scratch for thread 1 lies far
    // past the end of memory: the worker's first pack traps, on its first chunk (chunk 1).
    const whole: Share = {
      f64: 0, aAt: 4096, aRowStride: 32, aColStride: 4, bAt: 8192, bRowStride: 128, bColStride: 4, cAt: 16384, ldc: 128, k: 8,
      i0: 0, i1: 8, j0: 0, j1: 32, packedA: 0, packedB: 1024, direct: 0, accumulate: 0,
    };
    const split: Split = { byColumns: 1, unit: 16, chunks: 2, threads: 2, scratchStride: 0xfff00000 };
    expect(() => executor.run(whole, split)).toThrow(/^matmulKernelWasm: worker thread 1 failed: RuntimeError: .*out of bounds/);
    check({ m: 40, k: 30, n: 50 }, 5);
  });
});

describe.skipIf(!wasmMatmulAvailable())('stopping', () => {
  test('setNumThreads(1) stops the workers; products run on one thread again', async () => {
    await setNumThreads(2);
    const pool = parallelExecutor() as ThreadPool;
    expect(pool.liveWorkers).toBe(1);
    await setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(parallelExecutor()).toBeNull();
    expect(pool.liveWorkers).toBe(0);
    const out = new Float32Array(4);
    const operand = (values: number[]): MatrixOperand => ({ data: new Float32Array(values), offset: 0, rowStride: 2, colStride: 1, batchStrides: [] });
    matmulKernelWasm(out, operand([1, 2, 3, 4]), operand([1, 0, 0, 1]), [], 2, 2, 2);
    expect([...out]).toEqual([1, 2, 3, 4]);
  }, 30_000);

  test('concurrent calls apply in order', async () => {
    await Promise.all([setNumThreads(2), setNumThreads(1), setNumThreads(2)]);
    expect(getNumThreads()).toBe(2);
    await setNumThreads(1);
    expect(getNumThreads()).toBe(1);
  }, 30_000);
});
