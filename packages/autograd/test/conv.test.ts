/**
 * conv1d, conv2d, convTranspose1d, convTranspose2d: PyTorch's values and gradients
 * (test/fixtures/conv.json, written by test/fixtures/conv.py) to 1e-10 relative in float64, and
 * PyTorch's own float32 run of every case within 16 float32 steps of the largest value; the
 * forward of both backends against the textbook loop on awkward sizes, in float64 and float32; the
 * public options ('same', unbatched, bias) gradchecked to second order; and the errors. The
 * primitives themselves are gradchecked from their records' specs (gradients.test.ts).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import {
  assertGradcheck, assertGradgradcheck, conv1d, conv2d, convTranspose1d, convTranspose2d, getBackend, setBackend, tensor, type Tensor,
} from '../src/index.js';
import { EPSILON, firstMismatch, scaledTolerance } from '../../../test/close.js';
import { drawnArb, gradcheckProperty } from '../src/testing.js';
import { drawTensor } from '../src/check/sampling.js';

interface Encoded { shape: number[]; data: number[] }
type Pair = number | [number, number];
interface OpOptions { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; outputPadding?: Pair }
interface OpCase {
  op: 'conv1d' | 'conv2d' | 'convTranspose1d' | 'convTranspose2d';
  opts: OpOptions;
  x: Encoded; weight: Encoded; bias: Encoded | null; cotangent: Encoded;
  output: Encoded; gradX: Encoded; gradWeight: Encoded; gradBias: Encoded | null;
  /** PyTorch's results in float32, on the inputs and cotangent cast to float32. */
  float32: { output: Encoded; gradX: Encoded; gradWeight: Encoded; gradBias: Encoded | null };
}

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/conv.json', import.meta.url), 'utf8')) as { ops: OpCase[] };
const f64 = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data, { shape: e.shape, dtype: 'float64', requiresGrad });

/** Calls one of the four functions (the options typed loosely: the fixture holds each op's own). */
function call(op: OpCase['op'], x: Tensor, w: Tensor, b: Tensor | null, opts: OpOptions): Tensor {
  const o = opts as never;
  switch (op) {
    case 'conv1d': return conv1d(x, w, b, o);
    case 'conv2d': return conv2d(x, w, b, o);
    case 'convTranspose1d': return convTranspose1d(x, w, b, o);
    case 'convTranspose2d': return convTranspose2d(x, w, b, o);
  }
}

/** The largest |a - b| / max(|b|, 1e-300) over the elements, after checking the lengths agree. */
function relativeError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(Math.abs(expected[i]!), 1e-3);
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  }
  return worst;
}

const initialBackend = getBackend();
afterEach(() => setBackend(initialBackend));

describe("PyTorch's cases (float64, 1e-10 relative)", () => {
  test('all four ops are recorded', () => {
    expect(new Set(fixture.ops.map((c) => c.op))).toEqual(new Set(['conv1d', 'conv2d', 'convTranspose1d', 'convTranspose2d']));
  });
  for (const [n, c] of fixture.ops.entries()) {
    test(`${c.op} ${JSON.stringify(c.opts)} x ${JSON.stringify(c.x.shape)} w ${JSON.stringify(c.weight.shape)} (case ${n})`, () => {
      const x = f64(c.x, true);
      const w = f64(c.weight, true);
      const b = c.bias === null ? null : f64(c.bias, true);
      const y = call(c.op, x, w, b, c.opts);
      expect(y.shape).toEqual(c.output.shape);
      expect(relativeError(y.data(), c.output.data)).toBeLessThan(1e-10);
      y.backward(f64(c.cotangent));
      expect(relativeError(x.grad!.data(), c.gradX.data), 'gradient of x').toBeLessThan(1e-10);
      expect(relativeError(w.grad!.data(), c.gradWeight.data), 'gradient of weight').toBeLessThan(1e-10);
      if (b !== null) expect(relativeError(b.grad!.data(), c.gradBias!.data), 'gradient of bias').toBeLessThan(1e-10);
    });
  }
});

describe("PyTorch's cases in float32 (PyTorch's own float32 run, within float32 tolerance)", () => {
  // Both sides round the inputs to float32 and then round in every product and sum, in different
  // orders (PyTorch's own kernels against im2col and the packed product, and a different order of
  // the batch sum in the weight gradient): sums of at most 3 * 4 * 4 = 48 terms, each side a few
  // float32 steps of the largest value from the exact result (PyTorch's float32 is within 3 of its
  // float64). 16 steps of the largest value, and of each element, as the layers' float32 tests.
  const ULPS = 16;
  const f32 = (e: Encoded, requiresGrad = false): Tensor => tensor(Float32Array.from(e.data), { shape: e.shape, dtype: 'float32', requiresGrad });
  const close = (actual: ArrayLike<number>, expected: Encoded): string | undefined =>
    firstMismatch(actual, expected.data, scaledTolerance(expected.data, EPSILON.float32, ULPS));
  for (const [n, c] of fixture.ops.entries()) {
    test(`${c.op} ${JSON.stringify(c.opts)} (case ${n}) in float32`, () => {
      const x = f32(c.x, true);
      const w = f32(c.weight, true);
      const b = c.bias === null ? null : f32(c.bias, true);
      const y = call(c.op, x, w, b, c.opts);
      expect(y.dtype).toBe('float32');
      expect(y.shape).toEqual(c.float32.output.shape);
      expect(close(y.data(), c.float32.output), 'output').toBeUndefined();
      y.backward(f32(c.cotangent));
      expect(close(x.grad!.data(), c.float32.gradX), 'gradient of x').toBeUndefined();
      expect(close(w.grad!.data(), c.float32.gradWeight), 'gradient of weight').toBeUndefined();
      if (b !== null) expect(close(b.grad!.data(), c.float32.gradBias!), 'gradient of bias').toBeUndefined();
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The textbook loop.

interface Geometry {
  n: number; cIn: number; cOut: number; h: number; w: number; kH: number; kW: number;
  stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number;
}

/** y[n, o, p, q] = sum over c of its group, i, j of x[n, c, p s - pad + i d, q s - pad + j d] w[o, c, i, j]: seven loops deep. */
function referenceConv(x: ArrayLike<number>, w: ArrayLike<number>, g: Geometry): { data: number[]; shape: number[] } {
  const oH = Math.floor((g.h + 2 * g.padding[0] - g.dilation[0] * (g.kH - 1) - 1) / g.stride[0]) + 1;
  const oW = Math.floor((g.w + 2 * g.padding[1] - g.dilation[1] * (g.kW - 1) - 1) / g.stride[1]) + 1;
  const inPerGroup = g.cIn / g.groups;
  const outPerGroup = g.cOut / g.groups;
  const out: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < g.cOut; o++) {
      const group = Math.floor(o / outPerGroup);
      for (let p = 0; p < oH; p++) {
        for (let q = 0; q < oW; q++) {
          let sum = 0;
          for (let c = 0; c < inPerGroup; c++) {
            for (let i = 0; i < g.kH; i++) {
              for (let j = 0; j < g.kW; j++) {
                const h = p * g.stride[0] - g.padding[0] + i * g.dilation[0];
                const v = q * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (h < 0 || h >= g.h || v < 0 || v >= g.w) continue;
                const xc = group * inPerGroup + c;
                sum += x[((n * g.cIn + xc) * g.h + h) * g.w + v]! * w[((o * inPerGroup + c) * g.kH + i) * g.kW + j]!;
              }
            }
          }
          out.push(sum);
        }
      }
    }
  }
  return { data: out, shape: [g.n, g.cOut, oH, oW] };
}

/** dw[o, c, i, j] = sum over n, p, q of dy[n, o, p, q] x[n, c of o's group, p s - pad + i d, q s - pad + j d]: the weight gradient, as loops. */
function referenceWeightGrad(x: ArrayLike<number>, dy: ArrayLike<number>, g: Geometry, oH: number, oW: number): number[] {
  const inPerGroup = g.cIn / g.groups;
  const outPerGroup = g.cOut / g.groups;
  const out: number[] = [];
  for (let o = 0; o < g.cOut; o++) {
    const group = Math.floor(o / outPerGroup);
    for (let c = 0; c < inPerGroup; c++) {
      for (let i = 0; i < g.kH; i++) {
        for (let j = 0; j < g.kW; j++) {
          let sum = 0;
          for (let n = 0; n < g.n; n++) {
            for (let p = 0; p < oH; p++) {
              for (let q = 0; q < oW; q++) {
                const h = p * g.stride[0] - g.padding[0] + i * g.dilation[0];
                const v = q * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (h < 0 || h >= g.h || v < 0 || v >= g.w) continue;
                sum += dy[((n * g.cOut + o) * oH + p) * oW + q]! * x[((n * g.cIn + group * inPerGroup + c) * g.h + h) * g.w + v]!;
              }
            }
          }
          out.push(sum);
        }
      }
    }
  }
  return out;
}

/** Integer-valued data, so that float64 sums are exact and float32 ones nearly so. */
const values = (count: number, seed: number): number[] => Array.from({ length: count }, (_, i) => ((i * 7 + seed * 13) % 11) - 5);

// Awkward sizes: channels 1 and 3, batch 1, odd kernels, stride above the kernel, dilation with
// padding, groups and depthwise, a 1 x 1 kernel (no lowering), and one past the parallel threshold.
const geometries: Geometry[] = [
  { n: 1, cIn: 1, cOut: 1, h: 5, w: 5, kH: 3, kW: 3, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { n: 2, cIn: 3, cOut: 5, h: 9, w: 7, kH: 3, kW: 5, stride: [2, 1], padding: [1, 2], dilation: [1, 1], groups: 1 },
  { n: 1, cIn: 3, cOut: 3, h: 11, w: 10, kH: 2, kW: 2, stride: [3, 4], padding: [0, 1], dilation: [1, 1], groups: 1 },
  { n: 2, cIn: 4, cOut: 6, h: 8, w: 9, kH: 3, kW: 3, stride: [1, 2], padding: [2, 2], dilation: [2, 2], groups: 2 },
  { n: 1, cIn: 3, cOut: 3, h: 7, w: 6, kH: 3, kW: 3, stride: [2, 2], padding: [1, 1], dilation: [2, 1], groups: 3 },
  { n: 3, cIn: 3, cOut: 4, h: 6, w: 5, kH: 1, kW: 1, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { n: 1, cIn: 3, cOut: 2, h: 6, w: 6, kH: 1, kW: 1, stride: [2, 2], padding: [1, 0], dilation: [1, 1], groups: 1 },
  { n: 2, cIn: 2, cOut: 3, h: 6, w: 7, kH: 2, kW: 3, stride: [1, 1], padding: [0, 2], dilation: [1, 2], groups: 1 },
  { n: 1, cIn: 2, cOut: 2, h: 3, w: 2, kH: 3, kW: 5, stride: [1, 1], padding: [3, 2], dilation: [2, 1], groups: 1 },
  { n: 2, cIn: 16, cOut: 32, h: 20, w: 20, kH: 3, kW: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  // Row stride and dilation 1 with rows narrower than x's: im2col copies each tap's block from the
  // tap above (and, with column stride and dilation 1, from the tap to the left). LeNet's second
  // convolution; a column stride; a column dilation; padding with groups; padding past the kernel
  // (whole rows and columns of zeros).
  { n: 2, cIn: 6, cOut: 4, h: 12, w: 12, kH: 5, kW: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { n: 1, cIn: 3, cOut: 2, h: 7, w: 9, kH: 3, kW: 4, stride: [1, 2], padding: [2, 1], dilation: [1, 1], groups: 1 },
  { n: 2, cIn: 1, cOut: 3, h: 6, w: 8, kH: 4, kW: 3, stride: [1, 1], padding: [1, 0], dilation: [1, 3], groups: 1 },
  { n: 1, cIn: 2, cOut: 2, h: 5, w: 9, kH: 3, kW: 5, stride: [1, 1], padding: [2, 1], dilation: [1, 1], groups: 2 },
  { n: 1, cIn: 1, cOut: 1, h: 2, w: 3, kH: 2, kW: 2, stride: [1, 1], padding: [2, 3], dilation: [1, 1], groups: 1 },
  // Batches whose weight gradient the WebAssembly path sums a chunk of images at a time (chunks of 9
  // and of 2 images here, the second lowered in JavaScript for its column stride).
  { n: 10, cIn: 1, cOut: 6, h: 28, w: 28, kH: 5, kW: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { n: 5, cIn: 8, cOut: 3, h: 40, w: 40, kH: 3, kW: 3, stride: [1, 2], padding: [0, 1], dilation: [1, 1], groups: 1 },
];

describe('the forward against the textbook loop', () => {
  for (const backend of ['js', 'wasm'] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${backend}, ${dtype}: every geometry`, () => {
        setBackend(backend);
        for (const g of geometries) {
          const x = values(g.n * g.cIn * g.h * g.w, 1);
          const w = values(g.cOut * (g.cIn / g.groups) * g.kH * g.kW, 2);
          const expected = referenceConv(x, w, g);
          const y = conv2d(tensor(x, { shape: [g.n, g.cIn, g.h, g.w], dtype }), tensor(w, { shape: [g.cOut, g.cIn / g.groups, g.kH, g.kW], dtype }), null,
            { stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups });
          expect(y.dtype).toBe(dtype);
          expect(y.shape, JSON.stringify(g)).toEqual(expected.shape);
          // Integer data: float64 is exact; float32 sums of at most 144 products of size <= 25 are too.
          expect(Array.from(y.data()), JSON.stringify(g)).toEqual(expected.data);
        }
      });
    }
  }

  for (const backend of ['js', 'wasm'] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${backend}, ${dtype}: the weight gradient of every geometry`, () => {
        setBackend(backend);
        for (const g of geometries) {
          const x = values(g.n * g.cIn * g.h * g.w, 1);
          const w = tensor(values(g.cOut * (g.cIn / g.groups) * g.kH * g.kW, 2), { shape: [g.cOut, g.cIn / g.groups, g.kH, g.kW], dtype, requiresGrad: true });
          const y = conv2d(tensor(x, { shape: [g.n, g.cIn, g.h, g.w], dtype }), w, null, { stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups });
          const [, , oH, oW] = y.shape as [number, number, number, number];
          const dy = values(y.size, 3);
          // sum(y * dy): its gradient into y is dy, so w's gradient is the weight gradient of dy.
          y.mul(tensor(dy, { shape: y.shape, dtype })).sum().backward();
          // Integer data: float64 is exact; float32 sums of at most 16 * 32 * 20 * 20 products of size <= 25 are too (below 2^24).
          expect(Array.from(w.grad!.data()), JSON.stringify(g)).toEqual(referenceWeightGrad(x, dy, g, oH, oW));
        }
      });
    }
  }

  test('a non-contiguous input (a transposed view) gives what its contiguous copy gives', () => {
    const x = tensor(values(2 * 3 * 5 * 6, 3), { shape: [2, 3, 6, 5], dtype: 'float64' }).transpose(-1, -2);
    const w = tensor(values(4 * 3 * 3 * 3, 4), { shape: [4, 3, 3, 3], dtype: 'float64' });
    const g: Geometry = { n: 2, cIn: 3, cOut: 4, h: 5, w: 6, kH: 3, kW: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
    expect(Array.from(conv2d(x, w, null, { padding: 1 }).data())).toEqual(referenceConv(x.data(), w.data(), g).data);
  });
});

describe('the public options, gradchecked to second order', () => {
  test("conv2d with bias, 'same' or numbers, batched or not", () => {
    fc.assert(gradcheckProperty(drawnArb((draw) => {
      const groups = draw.integer(1, 2);
      const [kH, kW] = draw.integers(2, 1, 3);
      const same = draw.integer(0, 1) === 1;
      const dilation = draw.integers(2, 1, 2) as [number, number];
      const extent = [kH!, kW!].map((k, a) => dilation[a]! * (k - 1) + 1 + draw.integer(0, 1));
      const unbatched = draw.integer(0, 1) === 1;
      const cIn = groups * draw.integer(1, 2);
      const cOut = groups * draw.integer(1, 2);
      const x = drawTensor(draw, unbatched ? [cIn, extent[0]!, extent[1]!] : [1, cIn, extent[0]!, extent[1]!]);
      const w = drawTensor(draw, [cOut, cIn / groups, kH!, kW!]);
      const b = drawTensor(draw, [cOut]);
      const opts = same ? { padding: 'same' as const, dilation, groups } : { padding: draw.integer(0, 1), stride: draw.integer(1, 2), dilation, groups };
      return { f: (xs: Tensor, ws: Tensor, bs: Tensor) => conv2d(xs, ws, bs, opts), inputs: [x, w, b] };
    })), { numRuns: 15 });
  });

  test('convTranspose2d with bias and an output padding', () => {
    const x = tensor(values(2 * 2 * 2 * 3, 5).map((v) => v / 5), { shape: [2, 2, 2, 3], dtype: 'float64' });
    const w = tensor(values(2 * 3 * 2 * 3, 6).map((v) => v / 5), { shape: [2, 3, 2, 3], dtype: 'float64' });
    const b = tensor([0.5, -1, 2], { dtype: 'float64' });
    const f = (xs: Tensor, ws: Tensor, bs: Tensor) => convTranspose2d(xs, ws, bs, { stride: [2, 3], padding: [0, 1], outputPadding: [1, 2] });
    expect(f(x, w, b).shape).toEqual([2, 3, 5, 9]);
    assertGradcheck(f, [x, w, b]);
    assertGradgradcheck(f, [x, w, b]);
  });
});

describe('shapes', () => {
  test("'same' keeps the extent, even kernels included (the odd row of padding goes after, as PyTorch)", () => {
    const x = tensor(values(7 * 6, 1), { shape: [1, 1, 7, 6], dtype: 'float64' });
    const w = tensor(values(2 * 4, 2), { shape: [1, 1, 2, 4], dtype: 'float64' });
    const y = conv2d(x, w, null, { padding: 'same' });
    expect(y.shape).toEqual([1, 1, 7, 6]);
  });
  test('unbatched input gives unbatched output; the 1-D ops keep rank 3 and 2', () => {
    expect(conv2d(tensor(values(2 * 5 * 5, 1), { shape: [2, 5, 5] }), tensor(values(3 * 2 * 3 * 3, 2), { shape: [3, 2, 3, 3] })).shape).toEqual([3, 3, 3]);
    expect(conv1d(tensor(values(2 * 2 * 5, 1), { shape: [2, 2, 5] }), tensor(values(3 * 2 * 2, 2), { shape: [3, 2, 2] })).shape).toEqual([2, 3, 4]);
    expect(conv1d(tensor(values(2 * 5, 1), { shape: [2, 5] }), tensor(values(3 * 2 * 2, 2), { shape: [3, 2, 2] }), null, { padding: 'valid' }).shape).toEqual([3, 4]);
    expect(convTranspose1d(tensor(values(2 * 5, 1), { shape: [2, 5] }), tensor(values(2 * 3 * 2, 2), { shape: [2, 3, 2] }), null, { stride: 2 }).shape).toEqual([3, 10]);
  });
});

describe('errors name the op and the shapes', () => {
  const x = tensor(values(2 * 4 * 5 * 5, 1), { shape: [2, 4, 5, 5] });
  const w = tensor(values(6 * 2 * 3 * 3, 2), { shape: [6, 2, 3, 3] });
  test('channels not divisible by groups', () => {
    expect(() => conv2d(x, w, null, { groups: 3 })).toThrow('conv2d: input channels (4) must be divisible by groups (3); input [2,4,5,5], weight [6,2,3,3]');
  });
  test('weight of the wrong rank', () => {
    expect(() => conv2d(x, tensor([1, 2, 3], { shape: [1, 3] }))).toThrow('conv2d: weight must be [Cout, Cin / groups, kH, kW], got shape [1,3]');
    expect(() => conv1d(tensor([1, 2, 3], { shape: [1, 1, 3] }), w)).toThrow('conv1d: weight must be [Cout, Cin / groups, K], got shape [6,2,3,3]');
  });
  test('input channels that the weight does not expect', () => {
    expect(() => conv2d(x, w)).toThrow('conv2d: input has 4 channels, but weight [6,2,3,3] with groups = 1 expects 2; input shape [2,4,5,5]');
    expect(() => convTranspose2d(x, w)).toThrow("convTranspose2d: weight's first axis (6) must equal the input channels (4)");
  });
  test('input of the wrong rank', () => {
    expect(() => conv2d(tensor([1, 2, 3, 4], { shape: [2, 2] }), w)).toThrow('conv2d: input must be [N, C, H, W] or [C, H, W], got shape [2,2]');
  });
  test('a kernel larger than the padded input', () => {
    const small = tensor(values(2 * 2 * 2, 1), { shape: [1, 2, 2, 2] });
    expect(() => conv2d(small, tensor(values(2 * 2 * 3 * 3, 2), { shape: [2, 2, 3, 3] }))).toThrow(
      'conv2d: kernel [3,3] (dilated [3,3]) is larger than the padded input [2,2]; input [1,2,2,2], weight [2,2,3,3]');
    expect(() => conv1d(tensor([1, 2, 3], { shape: [1, 1, 3] }), tensor([1, 2], { shape: [1, 1, 2] }), null, { dilation: 3 })).toThrow(
      'conv1d: kernel [2] (dilated [4]) is larger than the padded input [3]');
  });
  test('negative padding, stride 0, bad groups', () => {
    expect(() => conv2d(x, w, null, { padding: -1, groups: 2 })).toThrow('conv2d: padding must be a non-negative integer or a pair of them, got -1');
    expect(() => conv2d(x, w, null, { stride: 0, groups: 2 })).toThrow('conv2d: stride must be a positive integer or a pair of them, got 0');
    expect(() => conv2d(x, w, null, { stride: [1, 0], groups: 2 })).toThrow('conv2d: stride must be a positive integer or a pair of them, got the array [1,0]');
    expect(() => conv1d(tensor([1, 2, 3], { shape: [1, 1, 3] }), tensor([1], { shape: [1, 1, 1] }), null, { stride: 1.5 })).toThrow('conv1d: stride must be a positive integer, got 1.5');
    expect(() => conv2d(x, w, null, { groups: 0 })).toThrow('conv2d: groups must be a positive integer, got 0');
  });
  test("'same' with a stride above 1", () => {
    expect(() => conv2d(x, w, null, { padding: 'same', stride: 2, groups: 2 })).toThrow("conv2d: padding 'same' needs stride 1 (as PyTorch), got stride 2");
  });
  test('int32 input, mixed dtypes, a bias of the wrong size, an unknown option', () => {
    expect(() => conv2d(x.cast('int32'), w, null, { groups: 2 })).toThrow('conv2d: input must be float32 or float64, got int32 of shape [2,4,5,5]');
    expect(() => conv2d(x, w.cast('float64'), null, { groups: 2 })).toThrow('conv2d: input, weight and bias must share one dtype, got input float32 and weight float64');
    expect(() => conv2d(x, w, tensor([1, 2]), { groups: 2 })).toThrow('conv2d: bias must be [6] (the output channels), got shape [2]');
    expect(() => conv2d(x, w, null, { group: 2 } as never)).toThrow(/conv2d.*group/);
  });
  test('outputPadding not below the stride or the dilation', () => {
    const wt = tensor(values(4 * 2 * 3 * 3, 2), { shape: [4, 2, 3, 3] });
    expect(() => convTranspose2d(x, wt, null, { stride: 2, outputPadding: 2 })).toThrow(
      'convTranspose2d: outputPadding (2) must be smaller than the stride (2) or the dilation (1), as PyTorch');
    expect(convTranspose2d(x, wt, null, { stride: 1, dilation: 2, outputPadding: 1 }).shape).toEqual([2, 2, 10, 10]);
  });
  test('a plain array is not a tensor', () => {
    expect(() => conv2d([1, 2] as never, w)).toThrow('conv2d: expected a Tensor or a number, got');
    expect(() => conv2d(2, w)).toThrow('conv2d: input must be [N, C, H, W] or [C, H, W], got shape []');
  });
});

describe('the widened lowering (stride 1, rows a little narrower than the input: LeNet\'s 5 x 5 on 28 x 28)', () => {
  // Geometries with outW < inW <= 1.25 outW, so that kernels/conv.ts widens the product; odd and
  // even kernels, dilation, padding, groups, batch 1, channels 1 and 3. Forward and weight gradient
  // against the textbook loops in float64 (integer data: exact), on both backends.
  const cases: Geometry[] = [
    { n: 2, cIn: 1, cOut: 3, h: 10, w: 28, kH: 5, kW: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
    { n: 1, cIn: 3, cOut: 2, h: 6, w: 9, kH: 3, kW: 2, stride: [1, 1], padding: [1, 0], dilation: [1, 1], groups: 1 },
    { n: 2, cIn: 4, cOut: 2, h: 7, w: 12, kH: 2, kW: 2, stride: [1, 1], padding: [0, 0], dilation: [2, 2], groups: 2 },
    { n: 1, cIn: 3, cOut: 3, h: 5, w: 10, kH: 3, kW: 5, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  ];
  /** dW[o, c, i, j] = sum over n, p, q of dy[n, o, p, q] x[n, group c, p - pad + i d, q - pad + j d]. */
  function referenceWeightGrad(x: ArrayLike<number>, dy: ArrayLike<number>, g: Geometry, oH: number, oW: number): number[] {
    const inPerGroup = g.cIn / g.groups;
    const outPerGroup = g.cOut / g.groups;
    const out: number[] = [];
    for (let o = 0; o < g.cOut; o++) {
      const group = Math.floor(o / outPerGroup);
      for (let c = 0; c < inPerGroup; c++) {
        for (let i = 0; i < g.kH; i++) {
          for (let j = 0; j < g.kW; j++) {
            let sum = 0;
            for (let n = 0; n < g.n; n++) {
              for (let p = 0; p < oH; p++) {
                for (let q = 0; q < oW; q++) {
                  const h = p - g.padding[0] + i * g.dilation[0];
                  const v = q - g.padding[1] + j * g.dilation[1];
                  if (h < 0 || h >= g.h || v < 0 || v >= g.w) continue;
                  sum += dy[((n * g.cOut + o) * oH + p) * oW + q]! * x[((n * g.cIn + group * inPerGroup + c) * g.h + h) * g.w + v]!;
                }
              }
            }
            out.push(sum);
          }
        }
      }
    }
    return out;
  }
  for (const backend of ['js', 'wasm'] as const) {
    for (const [k, g] of cases.entries()) {
      test(`case ${k}: x [${g.n}, ${g.cIn}, ${g.h}, ${g.w}], kernel ${g.kH}x${g.kW}, padding ${g.padding.join('/')}, dilation ${g.dilation.join('/')}, groups ${g.groups}, ${backend}`, () => {
        setBackend(backend);
        const xs = Array.from({ length: g.n * g.cIn * g.h * g.w }, (_, i) => ((i * 37) % 11) - 5);
        const ws = Array.from({ length: g.cOut * (g.cIn / g.groups) * g.kH * g.kW }, (_, i) => ((i * 13) % 7) - 3);
        const x = tensor(xs, { shape: [g.n, g.cIn, g.h, g.w], dtype: 'float64' });
        const w = tensor(ws, { shape: [g.cOut, g.cIn / g.groups, g.kH, g.kW], dtype: 'float64', requiresGrad: true });
        const y = conv2d(x, w, null, { padding: g.padding, dilation: g.dilation, groups: g.groups });
        const expected = referenceConv(xs, ws, g);
        expect(y.shape).toEqual(expected.shape);
        expect(y.shape[3]).toBeLessThan(g.w);
        expect(Array.from(y.data())).toEqual(expected.data);
        const dy = Array.from({ length: y.size }, (_, i) => ((i * 17) % 9) - 4);
        y.backward(tensor(dy, { shape: y.shape, dtype: 'float64' }));
        expect(Array.from(w.grad!.data())).toEqual(referenceWeightGrad(xs, dy, g, y.shape[2]!, y.shape[3]!));
      });
    }
  }

  test('an infinite input column reaches only the taps that read it: no 0 * Infinity from the extra columns', () => {
    // x [1, 1, 4, 10], kernel 3 x 3 (outW 8): only column j = 2 of the kernel reads x's last column.
    const xs = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? Infinity : (i % 5) - 2));
    const x = tensor(xs, { shape: [1, 1, 4, 10], dtype: 'float64' });
    const w = tensor(Array.from({ length: 9 }, (_, i) => i - 4), { shape: [1, 1, 3, 3], dtype: 'float64', requiresGrad: true });
    conv2d(x, w).sum().backward();
    const grad = Array.from(w.grad!.data());
    const g: Geometry = { n: 1, cIn: 1, cOut: 1, h: 4, w: 10, kH: 3, kW: 3, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
    const expected = referenceWeightGrad(xs, new Array<number>(16).fill(1), g, 2, 8);
    expect(grad).toEqual(expected);
    expect(grad.filter((_, k) => k % 3 !== 2).every(Number.isFinite)).toBe(true);
  });
});
