/**
 * The reference the matmul kernel tests check against: operands of random values in every layout a
 * tensor can have (transposed, strided, offset, reversed, broadcast over a batch) with a reader of
 * their logical values that never uses strides, and a float64 triple loop.
 */
import { describe, expect, test } from 'vitest';
import type { Storage } from '../src/dtype.js';
import type { matmulKernel, MatrixOperand } from '../src/kernels/matmul.js';

/** A tiny seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'f32' | 'f64';

/** How an operand is laid out in memory; the logical matrix is the same whatever the layout. */
export interface Layout {
  kind?: Kind;
  /** Stored column-major (a transposed view): rowStride and colStride swapped. */
  transposed?: boolean;
  /** Elements between logically adjacent entries along the fast axis (2 = every other column). */
  step?: number;
  /** Elements of junk before the first matrix. */
  offset?: number;
  /** Rows stored last to first (a negative row stride). */
  reversed?: boolean;
  /** Per batch axis: true when this operand is broadcast (stored once, batch stride 0). */
  broadcast?: readonly boolean[];
}

interface TestOperand {
  operand: MatrixOperand;
  /** The logical value at [...batch, i, j], as stored (so already rounded for float32). */
  at: (batch: readonly number[], i: number, j: number) => number;
}

function allocate(kind: Kind, size: number): Storage {
  return kind === 'f64' ? new Float64Array(size) : new Float32Array(size);
}

/**
 * Builds a random rows x cols operand batched over `batchShape` in the given layout. Every element of
 * the storage, including gaps and the offset prefix, holds random junk first, so reading the wrong
 * place shows up as a wrong answer.
 */
export function makeOperand(random: () => number, batchShape: readonly number[], rows: number, cols: number, layout: Layout = {}): TestOperand {
  const { kind = 'f64', transposed = false, step = 1, offset = 0, reversed = false } = layout;
  const broadcast = layout.broadcast ?? batchShape.map(() => false);
  const storedShape = batchShape.map((extent, axis) => (broadcast[axis] ? 1 : extent));
  const storedCount = storedShape.reduce((x, y) => x * y, 1);
  const matrixSize = rows * cols * step;
  let rowStride = transposed ? step : cols * step;
  const colStride = transposed ? rows * step : step;
  // Reversed rows: row i lives where row rows - 1 - i would, so the offset moves to the last row.
  let base = offset;
  if (reversed) {
    base += (rows - 1) * rowStride;
    rowStride = -rowStride;
  }
  const batchStrides = new Array<number>(batchShape.length);
  let stride = matrixSize;
  for (let axis = batchShape.length - 1; axis >= 0; axis--) {
    batchStrides[axis] = broadcast[axis] ? 0 : stride;
    stride *= storedShape[axis]!;
  }
  const data = allocate(kind, offset + storedCount * matrixSize + 3);
  for (let i = 0; i < data.length; i++) data[i] = 2 * random() - 1;
  const position = (batch: readonly number[], i: number, j: number): number => {
    let p = base + i * rowStride + j * colStride;
    for (let axis = 0; axis < batch.length; axis++) p += batch[axis]! * batchStrides[axis]!;
    return p;
  };
  // The logical values, kept apart from the strided storage so the reference never uses strides.
  const values = new Float64Array(storedCount * rows * cols);
  const storedIndex = (batch: readonly number[]): number =>
    batch.reduce((flat, index, axis) => flat * storedShape[axis]! + (broadcast[axis] ? 0 : index), 0);
  forEachIndex(storedShape, (batch) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) values[(storedIndex(batch) * rows + i) * cols + j] = data[position(batch, i, j)]!;
    }
  });
  return {
    operand: { data, offset: base, rowStride, colStride, batchStrides },
    at: (batch, i, j) => values[(storedIndex(batch) * rows + i) * cols + j]!,
  };
}

/** Calls `visit` with every index of `shape` in row-major order (once, with [], for rank 0). */
export function forEachIndex(shape: readonly number[], visit: (index: readonly number[]) => void): void {
  const count = shape.reduce((x, y) => x * y, 1);
  for (let flat = 0; flat < count; flat++) {
    const index = new Array<number>(shape.length);
    let rest = flat;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis] = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
    }
    visit(index);
  }
}

export interface Case {
  m: number;
  k: number;
  n: number;
  batchShape?: readonly number[];
  a?: Layout;
  b?: Layout;
  out?: Kind;
  seed?: number;
  /** The kernel sums the batch's products into one m x n output (summedMatmulKernelWasm). */
  summed?: boolean;
}

/**
 * Runs `kernel` on random data and checks every output against a float64 triple loop, to within
 * a tolerance relative to sum_p |a_ip b_pj| (1e-5 for a float32 output, 1e-12 for float64).
 */
export function checkKernel(kernel: typeof matmulKernel, { m, k, n, batchShape = [], a: aLayout, b: bLayout, out: outKind = 'f64', seed = 1, summed = false }: Case): void {
  const random = mulberry32(seed);
  const a = makeOperand(random, batchShape, m, k, aLayout);
  const b = makeOperand(random, batchShape, k, n, bLayout);
  const batches = batchShape.reduce((x, y) => x * y, 1);
  const size = summed ? m * n : batches * m * n;
  const out = allocate(outKind, size).fill(Number.NaN); // must be fully overwritten
  kernel(out, a.operand, b.operand, batchShape, m, k, n);
  // The reference sums and the sums of the terms' magnitudes, per output element.
  const expected = new Float64Array(size);
  const scale = new Float64Array(size);
  let matrix = 0;
  forEachIndex(batchShape, (batch) => {
    const first = summed ? 0 : matrix++ * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        for (let p = 0; p < k; p++) {
          const term = a.at(batch, i, p) * b.at(batch, p, j);
          expected[first + i * n + j] += term;
          scale[first + i * n + j] += Math.abs(term);
        }
      }
    }
  });
  const tolerance = outKind === 'f64' ? 1e-12 : 1e-5;
  const failures: string[] = [];
  for (let o = 0; o < size && failures.length < 5; o++) {
    if (!(Math.abs(out[o]! - expected[o]!) <= tolerance * scale[o]!)) failures.push(`out[${o}] = ${out[o]}, expected ${expected[o]}`);
  }
  expect(failures).toEqual([]);
}

export const name = ({ m, k, n, batchShape = [] }: Case): string => `[${[...batchShape, m].join(',')}x${k}] @ [${k}x${n}]`;

/** The cases every kernel must get right with nothing to multiply: k = 0 (zeros) and empty outputs. */
export function describeEmptySizes(check: (c: Case) => void): void {
  describe('empty sizes', () => {
    test('k = 0 writes zeros', () => {
      for (const out of ['f32', 'f64'] as const) {
        check({ m: 3, k: 0, n: 4, out });
        check({ m: 30, k: 0, n: 40, batchShape: [2], out });
      }
    });

    test('m = 0, n = 0 and an empty batch write nothing', () => {
      check({ m: 0, k: 5, n: 4 });
      check({ m: 4, k: 5, n: 0 });
      check({ m: 0, k: 0, n: 0 });
      check({ m: 40, k: 40, n: 40, batchShape: [2, 0] });
    });
  });
}
