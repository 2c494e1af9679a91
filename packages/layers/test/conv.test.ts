/**
 * Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d: PyTorch's layers (test/fixtures/conv.json,
 * written by test/fixtures/conv.py) loaded through loadStateDict give PyTorch's output and input and
 * parameter gradients to 1e-10 relative in float64, and PyTorch's own float32 results within 16
 * float32 steps of the largest value in float32; PyTorch's initialization bounds and shapes; the
 * unbatched case; summary's output shapes; and errors that name the layer and the shapes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Generator, tensor, type DType, type Tensor } from '@nn/autograd';
import { EPSILON, firstMismatch, scaledTolerance } from '../../../test/close.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Flatten, Module, ReLU, Sequential } from '@nn/layers';

interface Encoded { shape: number[]; data: number[] }
interface LayerCase {
  layer: 'Conv1d' | 'Conv2d' | 'ConvTranspose1d' | 'ConvTranspose2d';
  args: [number, number, number | [number, number]];
  opts: Record<string, unknown>;
  state: Record<string, Encoded>;
  x: Encoded; cotangent: Encoded; output: Encoded; gradX: Encoded;
  grads: Record<string, Encoded>;
  /** PyTorch's results in float32 (the same layer, input and cotangent cast to float32). */
  float32: { output: Encoded; gradX: Encoded; grads: Record<string, Encoded> };
}

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/conv.json', import.meta.url), 'utf8')) as { layers: LayerCase[] };
const f64 = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data, { shape: e.shape, dtype: 'float64', requiresGrad });

function build(c: LayerCase, dtype: DType = 'float64'): Module {
  const [a, b, k] = c.args;
  const opts = { ...c.opts, dtype } as never;
  switch (c.layer) {
    case 'Conv1d': return new Conv1d(a, b, k as number, opts);
    case 'Conv2d': return new Conv2d(a, b, k, opts);
    case 'ConvTranspose1d': return new ConvTranspose1d(a, b, k as number, opts);
    case 'ConvTranspose2d': return new ConvTranspose2d(a, b, k, opts);
  }
}

function worstRelative(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-3));
  return worst;
}

describe("PyTorch's layers through loadStateDict (float64, 1e-10 relative)", () => {
  for (const [n, c] of fixture.layers.entries()) {
    test(`${c.layer}(${JSON.stringify(c.args)}, ${JSON.stringify(c.opts)}) on ${JSON.stringify(c.x.shape)} (case ${n})`, () => {
      const layer = build(c);
      expect(Object.keys(layer.stateDict()).sort()).toEqual(Object.keys(c.state).sort());
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, f64(v)])));
      const x = f64(c.x, true);
      const y = layer.call(x);
      expect(y.shape).toEqual(c.output.shape);
      expect(worstRelative(y.data(), c.output.data)).toBeLessThan(1e-10);
      y.backward(f64(c.cotangent));
      expect(worstRelative(x.grad!.data(), c.gradX.data), 'input gradient').toBeLessThan(1e-10);
      for (const [name, p] of layer.namedParameters()) {
        expect(worstRelative(p.grad!.data(), c.grads[name]!.data), `gradient of ${name}`).toBeLessThan(1e-10);
      }
    });
  }
});

describe("PyTorch's layers in float32 (PyTorch's own float32 run, within float32 tolerance)", () => {
  // As the ops' float32 cases (packages/autograd/test/conv.test.ts): both sides round inputs and
  // state to float32, then round in sums of at most 3 * 3 * 3 = 27 products in different orders.
  const ULPS = 16;
  const f32 = (e: Encoded, requiresGrad = false): Tensor => tensor(Float32Array.from(e.data), { shape: e.shape, dtype: 'float32', requiresGrad });
  const close = (actual: ArrayLike<number>, expected: Encoded): string | undefined =>
    firstMismatch(actual, expected.data, scaledTolerance(expected.data, EPSILON.float32, ULPS));
  for (const [n, c] of fixture.layers.entries()) {
    test(`${c.layer}(${JSON.stringify(c.args)}, ${JSON.stringify(c.opts)}) (case ${n}) in float32`, () => {
      const layer = build(c, 'float32');
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, f32(v)])));
      const x = f32(c.x, true);
      const y = layer.call(x);
      expect(y.dtype).toBe('float32');
      expect(close(y.data(), c.float32.output), 'output').toBeUndefined();
      y.backward(f32(c.cotangent));
      expect(close(x.grad!.data(), c.float32.gradX), 'input gradient').toBeUndefined();
      for (const [name, p] of layer.namedParameters()) expect(close(p.grad!.data(), c.float32.grads[name]!), `gradient of ${name}`).toBeUndefined();
    });
  }
});

describe("PyTorch's initialization", () => {
  test('weight and bias shapes, and U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn from the weight\'s second axis', () => {
    const rng = new Generator(3);
    const cases: [Module & { weight: Tensor; bias: Tensor | null }, number[], number, number][] = [
      [new Conv2d(4, 8, 3, { groups: 2, rng }), [8, 2, 3, 3], 8, 2 * 9],
      [new Conv1d(3, 5, 4, { rng }), [5, 3, 4], 5, 12],
      [new ConvTranspose2d(4, 6, [2, 3], { groups: 2, rng }), [4, 3, 2, 3], 6, 3 * 6],
      [new ConvTranspose1d(2, 3, 5, { rng }), [2, 3, 5], 3, 15],
    ];
    for (const [layer, shape, outChannels, fanIn] of cases) {
      expect(layer.weight.shape).toEqual(shape);
      expect(layer.bias!.shape).toEqual([outChannels]);
      const bound = 1 / Math.sqrt(fanIn);
      for (const t of [layer.weight, layer.bias!]) {
        const values = Array.from(t.data());
        expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
        // Spread over the interval, not squeezed into a smaller one (a wrong fan would show).
        expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(bound * (t.size > 20 ? 0.8 : 0.2));
      }
    }
  });
  test('bias: false leaves it out of the state dict; the seed decides the values', () => {
    expect(Object.keys(new Conv2d(1, 2, 3, { bias: false }).stateDict())).toEqual(['weight']);
    const a = new Conv2d(2, 3, 3, { rng: new Generator(7) });
    const b = new Conv2d(2, 3, 3, { rng: new Generator(7) });
    expect(Array.from(a.weight.data())).toEqual(Array.from(b.weight.data()));
  });
});

describe('inputs and summary', () => {
  test('Conv2d takes [C, H, W] as one unbatched image, as PyTorch', () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1, dtype: 'float64' });
    const x = tensor(Array.from({ length: 2 * 5 * 5 }, (_, i) => i / 10), { shape: [2, 5, 5], dtype: 'float64' });
    const unbatched = conv.call(x);
    expect(unbatched.shape).toEqual([3, 5, 5]);
    expect(Array.from(conv.call(x.unsqueeze(0)).data())).toEqual(Array.from(unbatched.data()));
  });
  test('summary shows the output shapes', () => {
    const model = new Sequential([new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new Conv2d(4, 8, 3, { stride: 2 }), new ConvTranspose2d(8, 2, 2, { stride: 2 }), new Flatten()]);
    const text = model.summary([1, 8, 8]);
    expect(text).toMatch(/Conv2d\)\s+\[1,4,8,8\]\s+40/);
    expect(text).toMatch(/Conv2d\)\s+\[1,8,3,3\]\s+296/);
    expect(text).toMatch(/ConvTranspose2d\)\s+\[1,2,6,6\]\s+66/);
    const oneD = new Sequential([new Conv1d(2, 3, 3), new ConvTranspose1d(3, 1, 3, { stride: 2 })]);
    expect(oneD.summary([2, 9])).toMatch(/ConvTranspose1d\)\s+\[1,1,15\]/);
  });
});

describe('errors name the layer and the shapes', () => {
  test('a 2-D input to Conv2d, a 4-D one to Conv1d', () => {
    expect(() => new Conv2d(3, 4, 3).call(tensor(new Float32Array(12), { shape: [3, 4] }))).toThrow(
      'Conv2d(3 -> 4, kernel [3,3]): expected input [N, C, H, W] or unbatched [C, H, W], got shape [3,4]');
    expect(() => new Conv1d(3, 4, 3).call(tensor(new Float32Array(3 * 16), { shape: [1, 3, 4, 4] }))).toThrow(
      'Conv1d(3 -> 4, kernel [3]): expected input [N, C, L] or unbatched [C, L], got shape [1,3,4,4]');
  });
  test('the wrong number of channels', () => {
    expect(() => new Conv2d(3, 4, 3).call(tensor(new Float32Array(2 * 25), { shape: [1, 2, 5, 5] }))).toThrow(
      'Conv2d(3 -> 4, kernel [3,3]): expected 3 input channels (axis 1), got shape [1,2,5,5]');
  });
  test('a kernel larger than the padded input', () => {
    expect(() => new Conv2d(1, 1, 5).call(tensor(new Float32Array(9), { shape: [1, 1, 3, 3] }))).toThrow(
      'Conv2d(1 -> 1, kernel [5,5]): kernel [5,5] (dilated [5,5]) is larger than the padded input [3,3]; input [1,1,3,3], weight [1,1,5,5]');
  });
  test('bad options when the layer is made', () => {
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow('Conv2d: inChannels (4) and outChannels (6) must both be divisible by groups (4)');
    expect(() => new Conv2d(4, 6, 3, { padding: -1 })).toThrow('Conv2d: padding must be a non-negative integer or a pair of them, got -1');
    expect(() => new Conv2d(4, 6, 3, { padding: 'same', stride: 2 })).toThrow("Conv2d: padding 'same' needs stride 1 (as PyTorch), got stride 2");
    expect(() => new Conv2d(4, 6, 0)).toThrow('Conv2d: kernelSize must be an integer >= 1, got 0');
    expect(() => new ConvTranspose2d(4, 6, 3, { stride: 2, outputPadding: 2 })).toThrow('ConvTranspose2d: outputPadding (2) must be smaller than the stride (2) or the dilation (1), as PyTorch');
    expect(() => new Conv1d(4, 6, 3, { outputPadding: 1 } as never)).toThrow(/Conv1d.*outputPadding/);
  });
});
