import { describe, expect, test } from 'vitest';
import { matmulKernel } from '../src/kernels/matmul.js';
import { checkKernel, describeEmptySizes, makeOperand, mulberry32, name, type Case, type Layout } from './matmul-reference.js';

const check = (c: Case): void => checkKernel(matmulKernel, c);


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

describe('matmulKernel', () => describeEmptySizes(check));

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
