/**
 * The pooling ops: PyTorch's values and input gradients (test/fixtures/pool.json, written by
 * test/fixtures/pool.py) in float64, and PyTorch's own float32 run of each case in float32, a plain reference loop on awkward sizes in both float dtypes (this file
 * runs under each backend setting, see vitest.config.ts), and the errors. First and second order
 * gradients on drawn options come from the gradient suite (the composite cases and the meanPool2d
 * records' specs).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, tensor, zeros, type Tensor, type FloatDType,
} from '../src/index.js';
import { float32Mismatches, mismatches } from '../../../test/fixtures/nan-fixture.js';
import { EPSILON, firstMismatch, scaledTolerance } from '../../../test/close.js';

interface Encoded {
  shape: number[];
  data: number[];
}
type PoolOp = 'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d' | 'adaptiveAvgPool1d' | 'adaptiveAvgPool2d';
interface PoolOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}
interface FixtureCase {
  op: PoolOp;
  kernelSize?: number | [number, number];
  outputSize?: number | [number, number];
  opts: PoolOptions;
  note: string;
  input: Encoded;
  cotangent: Encoded;
  output: Encoded;
  grad: Encoded;
  /** PyTorch's output and input gradient computed in float32. */
  float32: { output: Encoded; grad: Encoded };
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/pool.json', import.meta.url), 'utf8'), (_, v: unknown) =>
  typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v) as { cases: FixtureCase[] };

const f64 = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data, { shape: e.shape, dtype: 'float64', requiresGrad });

/** Calls the op of a case (the 1-D ops take one number per size). */
function run(c: FixtureCase, x: Tensor): Tensor {
  const one = (v: number | [number, number] | undefined): number | undefined => (Array.isArray(v) ? v[0] : v);
  const { stride, padding, dilation, ceilMode, countIncludePad } = c.opts;
  switch (c.op) {
    case 'maxPool2d': return maxPool2d(x, c.kernelSize!, c.opts);
    case 'avgPool2d': return avgPool2d(x, c.kernelSize!, c.opts);
    case 'maxPool1d': return maxPool1d(x, one(c.kernelSize)!, { stride: one(stride), padding: one(padding), dilation: one(dilation), ceilMode });
    case 'avgPool1d': return avgPool1d(x, one(c.kernelSize)!, { stride: one(stride), padding: one(padding), ceilMode, countIncludePad });
    case 'adaptiveAvgPool2d': return adaptiveAvgPool2d(x, c.outputSize!);
    case 'adaptiveAvgPool1d': return adaptiveAvgPool1d(x, one(c.outputSize)!);
  }
}

describe("PyTorch's cases", () => {
  test('every op and option is recorded, with a tie and a NaN', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(
      new Set(['maxPool1d', 'maxPool2d', 'avgPool1d', 'avgPool2d', 'adaptiveAvgPool1d', 'adaptiveAvgPool2d']),
    );
    for (const op of ['maxPool2d', 'avgPool2d'] as const) {
      const of = fixture.cases.filter((c) => c.op === op);
      for (const key of ['stride', 'padding', 'ceilMode'] as const) expect(of.some((c) => c.opts[key] !== undefined), `${op} ${key}`).toBe(true);
    }
    expect(fixture.cases.some((c) => c.op === 'maxPool2d' && c.opts.dilation !== undefined)).toBe(true);
    expect(fixture.cases.some((c) => c.op === 'avgPool2d' && c.opts.countIncludePad === false)).toBe(true);
    expect(fixture.cases.some((c) => c.note.startsWith('ties'))).toBe(true);
    expect(fixture.cases.some((c) => c.input.data.some(Number.isNaN))).toBe(true);
  });
  for (const [n, c] of fixture.cases.entries()) {
    test(`${c.op} ${JSON.stringify(c.kernelSize ?? c.outputSize)} ${JSON.stringify(c.opts)} ${c.note} (case ${n}): output and input gradient in float64`, () => {
      const x = f64(c.input, true);
      const y = run(c, x);
      expect(y.shape).toEqual(c.output.shape);
      expect(mismatches(y.data(), c.output.data), 'output').toEqual([]);
      y.backward(f64(c.cotangent));
      expect(mismatches(x.grad!.data(), c.grad.data), 'input gradient').toEqual([]);
    });
    test(`${c.op} ${JSON.stringify(c.kernelSize ?? c.outputSize)} ${JSON.stringify(c.opts)} ${c.note} (case ${n}): in float32, as PyTorch's float32 run`, () => {
      // A max pool selects (exact); an average sums at most 9 values in float64 and rounds once on
      // both sides; an input gradient adds at most 9 shares of the cotangent. 4 float32 steps.
      const x = tensor(Float32Array.from(c.input.data), { shape: c.input.shape, dtype: 'float32', requiresGrad: true });
      const y = run(c, x);
      expect(y.dtype).toBe('float32');
      expect(float32Mismatches(y.data(), c.float32.output.data, 4), 'output').toEqual([]);
      y.backward(tensor(Float32Array.from(c.cotangent.data), { shape: c.cotangent.shape, dtype: 'float32' }));
      expect(float32Mismatches(x.grad!.data(), c.float32.grad.data, 4), 'input gradient').toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// A plain reference loop: PyTorch's definitions written out per output element, on awkward sizes.
// ---------------------------------------------------------------------------------------------

interface Config {
  kind: 'max' | 'avg';
  shape: number[]; // [N, C, H, W]
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
}

function outLength(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** The output and the input gradient for cotangent `g`, by direct loops over padded coordinates. */
function reference(c: Config, x: Float64Array, g: (flat: number) => number): { out: number[]; grad: number[]; outShape: number[] } {
  const [n, ch, h, w] = c.shape as [number, number, number, number];
  const oh = outLength(h, c.kernel[0], c.stride[0], c.padding[0], c.dilation[0], c.ceilMode);
  const ow = outLength(w, c.kernel[1], c.stride[1], c.padding[1], c.dilation[1], c.ceilMode);
  const out: number[] = [];
  const grad = new Array<number>(x.length).fill(0);
  let k = 0;
  for (let plane = 0; plane < n * ch; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, k++) {
        const h0 = i * c.stride[0] - c.padding[0];
        const w0 = j * c.stride[1] - c.padding[1];
        if (c.kind === 'max') {
          let best = -1;
          let max = -Infinity;
          for (let a = 0; a < c.kernel[0]; a++) {
            for (let b = 0; b < c.kernel[1]; b++) {
              const hh = h0 + a * c.dilation[0];
              const ww = w0 + b * c.dilation[1];
              if (hh < 0 || hh >= h || ww < 0 || ww >= w) continue;
              const at = plane * h * w + hh * w + ww;
              if (best < 0) best = at;
              if (x[at]! > max || Number.isNaN(x[at]!)) {
                max = x[at]!;
                best = at;
              }
            }
          }
          out.push(x[best]!);
          grad[best] += g(k);
        } else {
          const h1 = Math.min(h0 + c.kernel[0], h + c.padding[0]);
          const w1 = Math.min(w0 + c.kernel[1], w + c.padding[1]);
          const padded = (h1 - h0) * (w1 - w0);
          const [hs, he, ws, we] = [Math.max(h0, 0), Math.min(h1, h), Math.max(w0, 0), Math.min(w1, w)];
          const divisor = c.countIncludePad ? padded : (he - hs) * (we - ws);
          let sum = 0;
          for (let hh = hs; hh < he; hh++) for (let ww = ws; ww < we; ww++) sum += x[plane * h * w + hh * w + ww]!;
          out.push(sum / divisor);
          for (let hh = hs; hh < he; hh++) for (let ww = ws; ww < we; ww++) grad[plane * h * w + hh * w + ww] += g(k) / divisor;
        }
      }
    }
  }
  return { out, grad, outShape: [n, ch, oh, ow] };
}

const awkward: Config[] = [
  { kind: 'max', shape: [1, 1, 7, 9], kernel: [2, 2], stride: [3, 4], padding: [0, 1], dilation: [1, 1], ceilMode: false, countIncludePad: true },
  { kind: 'max', shape: [2, 3, 8, 7], kernel: [3, 3], stride: [2, 1], padding: [1, 1], dilation: [2, 3], ceilMode: true, countIncludePad: true },
  { kind: 'max', shape: [1, 3, 5, 6], kernel: [3, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true, countIncludePad: true },
  { kind: 'max', shape: [3, 1, 9, 9], kernel: [3, 3], stride: [4, 5], padding: [1, 0], dilation: [1, 2], ceilMode: true, countIncludePad: true },
  { kind: 'max', shape: [64, 16, 24, 24], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true },
  { kind: 'avg', shape: [1, 1, 7, 9], kernel: [2, 3], stride: [3, 4], padding: [1, 1], dilation: [1, 1], ceilMode: true, countIncludePad: true },
  { kind: 'avg', shape: [2, 3, 8, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true, countIncludePad: false },
  { kind: 'avg', shape: [1, 3, 5, 5], kernel: [5, 4], stride: [1, 1], padding: [2, 2], dilation: [1, 1], ceilMode: false, countIncludePad: false },
  { kind: 'avg', shape: [3, 1, 6, 11], kernel: [2, 2], stride: [5, 5], padding: [0, 1], dilation: [1, 1], ceilMode: true, countIncludePad: true },
];

describe('a plain reference loop, on awkward sizes', () => {
  for (const c of awkward) {
    for (const dtype of ['float64', 'float32'] as FloatDType[]) {
      test(`${c.kind} pool ${JSON.stringify(c)} in ${dtype}`, () => {
        const size = c.shape.reduce((p, s) => p * s, 1);
        // Distinct values for the max pool (no ties); exact in float32 too.
        const values = Float64Array.from({ length: size }, (_, i) => ((i * 7919) % size) / 64 - size / 128);
        const x = tensor(values, { shape: c.shape, dtype, requiresGrad: true });
        const opts = { stride: c.stride, padding: c.padding, ceilMode: c.ceilMode };
        const y = c.kind === 'max'
          ? maxPool2d(x, c.kernel, { ...opts, dilation: c.dilation })
          : avgPool2d(x, c.kernel, { ...opts, countIncludePad: c.countIncludePad });
        const cotangent = (flat: number): number => ((flat * 31) % 17) / 8 - 1;
        const expected = reference(c, Float64Array.from(x.data()), cotangent);
        expect(y.shape).toEqual(expected.outShape);
        expect(y.dtype).toBe(dtype);
        // float64: rounding only (a window sums at most 20 values). float32: the inputs are exact, the
        // sums round at each step (2^-24 each), and a gradient that cancels to near 0 keeps an error
        // of the size of the terms, so the tolerance is scaled to the largest value (close.ts).
        const close = (actual: ArrayLike<number>, reference: number[]): string | undefined =>
          firstMismatch(actual, reference, scaledTolerance(reference, EPSILON[dtype], dtype === 'float64' ? 64 : 256));
        expect(close(y.data(), expected.out)).toBeUndefined();
        y.backward(tensor(Float64Array.from({ length: y.size }, (_, k) => cotangent(k)), { shape: y.shape, dtype }));
        expect(close(x.grad!.data(), expected.grad)).toBeUndefined();
      });
    }
  }

  // 2 x 2 windows take a loop of their own (kernels/pool.ts, maxPoolTwoByTwo; for float32 at stride 2
  // on WebAssembly, kernels/wasm/spatial.ts): ties go to the first maximum, a NaN wins (the last NaN
  // of the window), -Infinity windows give their first position, on stride 2, overlapping stride 1,
  // odd extents and ceilMode's clipped last window (general loop).
  const twoByTwo: Config[] = [
    { kind: 'max', shape: [2, 3, 6, 8], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true },
    { kind: 'max', shape: [1, 2, 5, 7], kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true },
    { kind: 'max', shape: [1, 2, 5, 7], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: true, countIncludePad: true },
    // Odd extents at stride 2 without ceilMode, rows of 3 and 9 windows: in float32 on WebAssembly
    // (kernels/wasm/spatial.ts) these fill no whole vector of four windows at the end of a row.
    { kind: 'max', shape: [1, 2, 5, 7], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true },
    { kind: 'max', shape: [2, 3, 9, 19], kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false, countIncludePad: true },
  ];
  for (const c of twoByTwo) {
    for (const dtype of ['float64', 'float32'] as FloatDType[]) {
      test(`2 x 2 max pool with ties, NaN, -0 and -Infinity, ${JSON.stringify(c.shape)} stride ${c.stride[0]}${c.ceilMode ? ' ceilMode' : ''}, ${dtype}`, () => {
        const size = c.shape.reduce((p, s) => p * s, 1);
        const palette = [0, -0, 1, 1, 2, NaN, -Infinity, -Infinity, -Infinity, 3, NaN, 1];
        const values = Float64Array.from({ length: size }, (_, i) => palette[(i * 7 + (i >> 3)) % palette.length]!);
        const x = tensor(values, { shape: c.shape, dtype, requiresGrad: true });
        const y = maxPool2d(x, 2, { stride: c.stride, ceilMode: c.ceilMode });
        const cotangent = (flat: number): number => flat + 1; // distinct, so each gradient names its window
        const expected = reference(c, values, cotangent);
        expect(y.shape).toEqual(expected.outShape);
        expect(Array.from(y.data(), String)).toEqual(expected.out.map((v) => String(dtype === 'float32' ? Math.fround(v) : v)));
        y.backward(tensor(Float64Array.from({ length: y.size }, (_, k) => cotangent(k)), { shape: y.shape, dtype }));
        expect(Array.from(x.grad!.data())).toEqual(expected.grad);
      });
    }
  }

  test('a 1-D pool is the 2-D pool on height 1; unbatched is batched with N = 1', () => {
    const x = tensor(Float64Array.from({ length: 3 * 11 }, (_, i) => Math.sin(i * 1.7)), { shape: [3, 11] });
    const rows = x.reshape([3, 1, 11]);
    const opts = { stride: 2, padding: 1, ceilMode: true };
    expect(Array.from(maxPool1d(x, 3, { ...opts, dilation: 2 }).data())).toEqual(Array.from(maxPool2d(rows, [1, 3], { stride: [1, 2], padding: [0, 1], dilation: [1, 2], ceilMode: true }).data()));
    expect(Array.from(avgPool1d(x, 3, opts).data())).toEqual(Array.from(avgPool2d(rows, [1, 3], { stride: [1, 2], padding: [0, 1], ceilMode: true }).data()));
    expect(Array.from(adaptiveAvgPool1d(x, 4).data())).toEqual(Array.from(adaptiveAvgPool2d(rows, [1, 4]).data()));
    expect(Array.from(maxPool1d(x.unsqueeze(0), 2).data())).toEqual(Array.from(maxPool1d(x, 2).data()));
    expect(maxPool1d(x, 2).shape).toEqual([3, 5]);
  });

  test('a strided view is pooled without a copy of its own first', () => {
    const base = tensor(Float64Array.from({ length: 2 * 4 * 6 }, (_, i) => (i * 13) % 29), { shape: [2, 4, 6] });
    const view = base.transpose(1, 2); // [2, 6, 4], not contiguous
    const copy = tensor(Array.from(view.data()), { shape: view.shape, dtype: view.dtype });
    expect(Array.from(maxPool2d(view, 2).data())).toEqual(Array.from(maxPool2d(copy, 2).data()));
    expect(Array.from(avgPool2d(view, 3, { stride: 1, padding: 1 }).data())).toEqual(Array.from(avgPool2d(copy, 3, { stride: 1, padding: 1 }).data()));
  });

  test('an empty batch pools to an empty batch, and back', () => {
    const x = zeros([0, 3, 4, 4], { dtype: 'float64', requiresGrad: true });
    for (const y of [maxPool2d(x, 2), avgPool2d(x, 3, { stride: 1, padding: 1 }), adaptiveAvgPool2d(x, [3, 1])]) {
      expect(y.shape.slice(0, 2)).toEqual([0, 3]);
      y.sum().backward();
      expect(x.grad!.shape).toEqual([0, 3, 4, 4]);
    }
  });

  test('ties: the gradient goes to the first maximum of each window, in row-major order', () => {
    const x = tensor([[[[1, 1], [1, 1]]]], { dtype: 'float64', requiresGrad: true });
    maxPool2d(x, 2).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([1, 0, 0, 0]);
  });
});

describe('errors name the op and the shapes or values', () => {
  const x = zeros([1, 2, 4, 4]);
  test.each([
    ['kernel larger than the padded input', () => maxPool2d(x, 7, { padding: 1 }), /^maxPool2d: kernel size 7 is larger than the padded input on axis H: 4 \+ 2 \* padding 1 = 6, for x of shape \[1,2,4,4\]/],
    ['dilated kernel larger than the padded input', () => maxPool1d(zeros([1, 5]), 3, { dilation: 3 }), /^maxPool1d: kernel size 3 \(dilation 3 makes it span 7\) is larger than the padded input on axis L: 5/],
    ['padding more than half the kernel', () => avgPool2d(x, 3, { padding: 2 }), /^avgPool2d: padding 2 is more than half the kernel size 3 on axis H/],
    ['padding per axis', () => maxPool2d(x, [3, 2], { padding: [1, 2] }), /^maxPool2d: padding 2 is more than half the kernel size 2 on axis W/],
    ['stride 0', () => maxPool2d(x, 2, { stride: 0 }), /^maxPool2d: stride must be a positive integer or a pair \[height, width\] of them, got 0/],
    ['negative padding', () => avgPool1d(zeros([2, 5]), 2, { padding: -1 }), /^avgPool1d: padding must be a non-negative integer, got -1/],
    ['kernel 0', () => maxPool2d(x, [2, 0]), /^maxPool2d: kernelSize must be a positive integer or a pair \[height, width\] of them, got the array \[2,0\]/],
    ['a fractional size', () => avgPool2d(x, 1.5), /^avgPool2d: kernelSize must be a positive integer/],
    ['input rank 2 for a 2-D pool', () => maxPool2d(zeros([4, 4]), 2), /^maxPool2d: x must be \[N, C, H, W\] or \[C, H, W\], got shape \[4,4\] \(rank 2\)/],
    ['input rank 4 for a 1-D pool', () => avgPool1d(x, 2), /^avgPool1d: x must be \[N, C, L\] or \[C, L\], got shape \[1,2,4,4\] \(rank 4\)/],
    ['a number', () => maxPool1d(3, 1), /^maxPool1d: x must be \[N, C, L\] or \[C, L\], got shape \[\] \(rank 0\)/],
    ['output size 0', () => adaptiveAvgPool2d(x, [2, 0]), /^adaptiveAvgPool2d: outputSize must be a positive integer or a pair \[height, width\] of them, got the array \[2,0\]/],
    ['output size 0 (1-D)', () => adaptiveAvgPool1d(zeros([2, 5]), 0), /^adaptiveAvgPool1d: outputSize must be a positive integer, got 0/],
    ['int32 input', () => maxPool2d(zeros([1, 4, 4], { dtype: 'int32' }), 2), /^maxPool2d: x must be float32 or float64, got int32/],
    ['an unknown option', () => maxPool2d(x, 2, { countIncludePad: true } as never), /maxPool2d.*countIncludePad/],
    ['ceilMode not a boolean', () => avgPool2d(x, 2, { ceilMode: 1 } as never), /^avgPool2d: ceilMode must be a boolean, got 1/],
    ['a dilated window wholly in the padding', () => maxPool1d(zeros([1, 1]), 2, { padding: 1, dilation: 2 }), /^maxPool1d: window 0 on axis L lies wholly in the padding/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});
