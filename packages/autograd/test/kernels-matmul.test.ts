import { describe, expect, test } from 'vitest';
import type { Storage } from '../src/dtype.js';
import { matmulKernel, type MatrixOperand } from '../src/kernels/matmul.js';

/** A tiny seeded PRNG (mulberry32), uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'f32' | 'f64';

/** How an operand is laid out in memory; the logical matrix is the same whatever the layout. */
interface Layout {
  kind?: Kind;
  /** Stored column-major (a transposed view): rowStride and colStride swapped. */
  transposed?: boolean;
  /** Elements between logically adjacent entries along the fast axis (2 = every other column). */
  step?: number;
  /** Elements of junk before the first matrix. */
  offset?: number;
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
function makeOperand(
  random: () => number,
  batchShape: readonly number[],
  rows: number,
  cols: number,
  layout: Layout = {},
): TestOperand {
  const { kind = 'f64', transposed = false, step = 1, offset = 0 } = layout;
  const broadcast = layout.broadcast ?? batchShape.map(() => false);
  const storedShape = batchShape.map((extent, axis) => (broadcast[axis] ? 1 : extent));
  const storedCount = storedShape.reduce((x, y) => x * y, 1);
  const matrixSize = rows * cols * step;
  const rowStride = transposed ? step : cols * step;
  const colStride = transposed ? rows * step : step;
  const batchStrides = new Array<number>(batchShape.length);
  let stride = matrixSize;
  for (let axis = batchShape.length - 1; axis >= 0; axis--) {
    batchStrides[axis] = broadcast[axis] ? 0 : stride;
    stride *= storedShape[axis]!;
  }
  const data = allocate(kind, offset + storedCount * matrixSize + 3);
  for (let i = 0; i < data.length; i++) data[i] = 2 * random() - 1;
  const position = (batch: readonly number[], i: number, j: number): number => {
    let p = offset + i * rowStride + j * colStride;
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
    operand: { data, offset, rowStride, colStride, batchStrides },
    at: (batch, i, j) => values[(storedIndex(batch) * rows + i) * cols + j]!,
  };
}

/** Calls `visit` with every index of `shape` in row-major order (once, with [], for rank 0). */
function forEachIndex(shape: readonly number[], visit: (index: readonly number[]) => void): void {
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

interface Case {
  m: number;
  k: number;
  n: number;
  batchShape?: readonly number[];
  a?: Layout;
  b?: Layout;
  out?: Kind;
  seed?: number;
}

/** Runs the kernel on random data and checks every output against a float64 triple loop. */
function check({ m, k, n, batchShape = [], a: aLayout, b: bLayout, out: outKind = 'f64', seed = 1 }: Case): void {
  const random = mulberry32(seed);
  const a = makeOperand(random, batchShape, m, k, aLayout);
  const b = makeOperand(random, batchShape, k, n, bLayout);
  const batches = batchShape.reduce((x, y) => x * y, 1);
  const out = allocate(outKind, batches * m * n).fill(Number.NaN); // must be fully overwritten
  matmulKernel(out, a.operand, b.operand, batchShape, m, k, n);
  const tolerance = outKind === 'f64' ? 1e-12 : 1e-5;
  let o = 0;
  const failures: string[] = [];
  forEachIndex(batchShape, (batch) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++, o++) {
        let sum = 0;
        let scale = 0;
        for (let p = 0; p < k; p++) {
          const term = a.at(batch, i, p) * b.at(batch, p, j);
          sum += term;
          scale += Math.abs(term);
        }
        const error = Math.abs(out[o]! - sum);
        if (!(error <= tolerance * scale) && failures.length < 5) {
          failures.push(`out[${[...batch, i, j].join(',')}] = ${out[o]}, expected ${sum}`);
        }
      }
    }
  });
  expect(failures).toEqual([]);
}

const name = ({ m, k, n, batchShape = [] }: Case): string => `[${[...batchShape, m].join(',')}x${k}] @ [${k}x${n}]`;

describe('matmulKernel sizes', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1], [1, 7, 1], [3, 3, 3], [7, 7, 7], [1, 17, 63], [63, 17, 1], [3, 65, 7], [7, 3, 65],
    [17, 17, 17], [17, 63, 65], [63, 63, 63], [65, 65, 65], [63, 127, 65], [65, 7, 127], [127, 1, 127],
    [127, 127, 127], [1, 257, 257], [257, 257, 1], [257, 3, 17], [17, 257, 63], [63, 257, 127],
    [257, 65, 257], [127, 257, 257], [257, 257, 257], [7, 17, 600], [5, 300, 520], [4, 300, 4], [3, 1, 4], [5, 1000, 5],
  ];
  for (const [m, k, n] of sizes) {
    for (const out of ['f64', 'f32'] as const) {
      const c: Case = { m, k, n, out, seed: m * 1000003 + k * 1009 + n };
      test(`${name(c)} -> ${out}`, () => check(c));
    }
  }
});

describe('matmulKernel layouts', () => {
  const shapes: [number, number, number][] = [[7, 5, 3], [65, 63, 67], [127, 257, 65]];
  const layouts: [string, Layout, Layout][] = [
    ['A transposed', { transposed: true }, {}],
    ['B transposed', {}, { transposed: true }],
    ['both transposed', { transposed: true }, { transposed: true }],
    ['offsets', { offset: 5 }, { offset: 11 }],
    ['every other column', { step: 2 }, { step: 2 }],
    ['strided and transposed with offsets', { step: 3, transposed: true, offset: 2 }, { step: 2, offset: 7 }],
    ['float32 inputs', { kind: 'f32' }, { kind: 'f32' }],
    ['mixed inputs f32 @ f64', { kind: 'f32' }, { kind: 'f64', transposed: true }],
    ['mixed inputs f64 @ f32', { kind: 'f64', step: 2 }, { kind: 'f32', offset: 1 }],
  ];
  for (const [label, a, b] of layouts) {
    for (const [m, k, n] of shapes) {
      for (const out of ['f64', 'f32'] as const) {
        const c: Case = { m, k, n, a, b, out, seed: m + k + n };
        test(`${label}: ${name(c)} -> ${out}`, () => check(c));
      }
    }
  }
});

describe('matmulKernel batches', () => {
  const cases: [string, Case][] = [
    ['batch of 3', { m: 5, k: 6, n: 7, batchShape: [3] }],
    ['batch of 3, blocked path', { m: 33, k: 40, n: 35, batchShape: [3] }],
    ['A broadcast', { m: 33, k: 40, n: 35, batchShape: [4], a: { broadcast: [true] } }],
    ['B broadcast', { m: 6, k: 40, n: 9, batchShape: [4], b: { broadcast: [true], transposed: true } }],
    ['both broadcast', { m: 20, k: 20, n: 20, batchShape: [2], a: { broadcast: [true] }, b: { broadcast: [true] } }],
    ['rank 2', { m: 17, k: 9, n: 13, batchShape: [2, 3], out: 'f32' }],
    [
      'rank 2, crossed broadcasts',
      {
        m: 31, k: 29, n: 37, batchShape: [2, 3],
        a: { broadcast: [true, false], offset: 3, kind: 'f32' },
        b: { broadcast: [false, true], step: 2, transposed: true },
      },
    ],
    ['rank 2, tiny', { m: 2, k: 3, n: 2, batchShape: [3, 2], a: { broadcast: [false, true] } }],
    ['batch of 1 and an empty rank', { m: 9, k: 9, n: 9, batchShape: [1, 1] }],
  ];
  for (const [label, c] of cases) test(`${label}: ${name(c)}`, () => check(c));
});

describe('matmulKernel empty sizes', () => {
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

describe('matmulKernel scratch reuse', () => {
  test('a smaller product after a larger one is unaffected by leftover scratch', () => {
    check({ m: 200, k: 300, n: 250, out: 'f32', seed: 7 });
    check({ m: 20, k: 30, n: 25, out: 'f32', seed: 8 });
    check({ m: 20, k: 30, n: 25, out: 'f64', seed: 9 });
  });

  test('repeated calls into the same output give the same answer', () => {
    const random = mulberry32(3);
    const a = makeOperand(random, [], 40, 50, { kind: 'f32' });
    const b = makeOperand(random, [], 50, 60, { kind: 'f32' });
    const first = new Float32Array(40 * 60);
    matmulKernel(first, a.operand, b.operand, [], 40, 50, 60);
    const second = first.slice();
    matmulKernel(second, a.operand, b.operand, [], 40, 50, 60);
    expect(second).toEqual(first);
  });
});
