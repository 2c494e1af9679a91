/**
 * The pooling layers: PyTorch's nn modules in float64 (the "layers" part of test/fixtures/pool.json,
 * written by test/fixtures/pool.py: output and input gradient, to 1e-12 relative, and in float32
 * within 4 float32 steps of PyTorch's own float32 run), their settings
 * and defaults, the errors naming the layer, and summary()'s output shapes in a small CNN.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { tensor, zeros, type PoolSize, type Tensor } from '@nn/autograd';
import {
  AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Dense, Flatten, MaxPool1d, MaxPool2d, Module, ReLU, Sequential,
} from '@nn/layers';
import { float32Mismatches, mismatches } from '../../../test/fixtures/nan-fixture.js';

interface Encoded {
  shape: number[];
  data: number[];
}
interface LayerCase {
  layer: string;
  first: number | [number, number];
  opts: Record<string, unknown>;
  repr: string;
  input: Encoded;
  cotangent: Encoded;
  output: Encoded;
  grad: Encoded;
  /** PyTorch's output and input gradient computed in float32. */
  float32: { output: Encoded; grad: Encoded };
}

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/pool.json', import.meta.url), 'utf8')) as { layers: LayerCase[] };
const f64 = (e: Encoded, requiresGrad = false): Tensor => tensor(e.data, { shape: e.shape, dtype: 'float64', requiresGrad });

function build(c: LayerCase): Module {
  const size = c.first as PoolSize;
  const one = c.first as number;
  switch (c.layer) {
    case 'MaxPool2d': return new MaxPool2d(size, c.opts);
    case 'MaxPool1d': return new MaxPool1d(one, c.opts);
    case 'AvgPool2d': return new AvgPool2d(size, c.opts);
    case 'AvgPool1d': return new AvgPool1d(one, c.opts);
    case 'AdaptiveAvgPool2d': return new AdaptiveAvgPool2d(size);
    case 'AdaptiveAvgPool1d': return new AdaptiveAvgPool1d(one);
    default: throw new Error(`no layer ${c.layer}`);
  }
}

describe("PyTorch's nn modules", () => {
  test('every pooling layer is recorded', () => {
    expect(new Set(fixture.layers.map((c) => c.layer))).toEqual(
      new Set(['MaxPool1d', 'MaxPool2d', 'AvgPool1d', 'AvgPool2d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d']),
    );
  });
  for (const c of fixture.layers) {
    test(`${c.repr}: output and input gradient in float64`, () => {
      const layer = build(c);
      expect(layer.parameters()).toEqual([]);
      expect(Object.keys(layer.stateDict())).toEqual([]);
      const x = f64(c.input, true);
      const y = layer.call(x);
      expect(y.shape).toEqual(c.output.shape);
      expect(mismatches(y.data(), c.output.data), 'output').toEqual([]);
      y.backward(f64(c.cotangent));
      expect(mismatches(x.grad!.data(), c.grad.data), 'input gradient').toEqual([]);
    });
    test(`${c.repr}: in float32, as PyTorch's float32 run (4 float32 steps)`, () => {
      const x = tensor(Float32Array.from(c.input.data), { shape: c.input.shape, dtype: 'float32', requiresGrad: true });
      const y = build(c).call(x);
      expect(y.dtype).toBe('float32');
      expect(float32Mismatches(y.data(), c.float32.output.data, 4), 'output').toEqual([]);
      y.backward(tensor(Float32Array.from(c.cotangent.data), { shape: c.cotangent.shape, dtype: 'float32' }));
      expect(float32Mismatches(x.grad!.data(), c.float32.grad.data, 4), 'input gradient').toEqual([]);
    });
  }
});

describe('settings', () => {
  test("PyTorch's defaults: stride is the kernel size, no padding, countIncludePad true", () => {
    expect(new MaxPool2d(3).toString()).toBe('MaxPool2d(kernelSize=3, stride=3, padding=0, dilation=1, ceilMode=false)');
    expect(new MaxPool1d(2, { stride: 1, padding: 1, dilation: 2, ceilMode: true }).toString()).toBe(
      'MaxPool1d(kernelSize=2, stride=1, padding=1, dilation=2, ceilMode=true)',
    );
    expect(new AvgPool2d([2, 3]).toString()).toBe('AvgPool2d(kernelSize=[2, 3], stride=[2, 3], padding=0, ceilMode=false, countIncludePad=true)');
    expect(new AvgPool1d(3, { countIncludePad: false }).toString()).toBe('AvgPool1d(kernelSize=3, stride=3, padding=0, ceilMode=false, countIncludePad=false)');
    expect(new AdaptiveAvgPool2d([1, 2]).toString()).toBe('AdaptiveAvgPool2d(outputSize=[1, 2])');
    expect(new AdaptiveAvgPool1d(5).toString()).toBe('AdaptiveAvgPool1d(outputSize=5)');
  });

  test('the settings are copies: changing the array given does not change the layer', () => {
    const size: [number, number] = [2, 2];
    const layer = new MaxPool2d(size);
    size[0] = 5;
    expect(layer.kernelSize).toEqual([2, 2]);
  });
});

describe('errors name the layer', () => {
  test.each([
    ['a kernel of 0', () => new MaxPool2d(0), /^MaxPool2d: kernelSize must be a positive integer or a pair \[height, width\] of them, got 0/],
    ['stride 0', () => new AvgPool1d(2, { stride: 0 }), /^AvgPool1d: stride must be a positive integer, got 0/],
    ['negative padding', () => new MaxPool1d(3, { padding: -1 }), /^MaxPool1d: padding must be a non-negative integer, got -1/],
    ['padding more than half the kernel', () => new AvgPool2d(3, { padding: [1, 2] }), /^AvgPool2d: padding the array \[1,2\] is more than half the kernel size 3/],
    ['an unknown option', () => new MaxPool2d(2, { returnIndices: true } as never), /MaxPool2d.*returnIndices/],
    ['output size 0', () => new AdaptiveAvgPool2d([0, 1]), /^AdaptiveAvgPool2d: outputSize must be a positive integer or a pair/],
    ['a 2-D input to MaxPool2d', () => new MaxPool2d(2).call(zeros([4, 4])),
      /^MaxPool2d\(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false\): maxPool2d: x must be \[N, C, H, W\] or \[C, H, W\], got shape \[4,4\]/],
    ['a kernel larger than the padded input', () => new AvgPool2d(5, { padding: 1 }).call(zeros([1, 1, 2, 6])),
      /^AvgPool2d\(kernelSize=5, .*\): avgPool2d: kernel size 5 is larger than the padded input on axis H: 2 \+ 2 \* padding 1 = 4, for x of shape \[1,1,2,6\]/],
    ['not a tensor', () => new AdaptiveAvgPool1d(2).call([1, 2] as never), /^AdaptiveAvgPool1d: input must be a Tensor/],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('summary', () => {
  test('shows the output shape of each pooling layer in a small CNN', () => {
    const model = new Sequential([
      new MaxPool2d(2),
      new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new AdaptiveAvgPool2d([3, 2]),
      new ReLU(),
      new Flatten(),
      new Dense(12, 4),
    ]);
    const table = model.summary([2, 8, 9]);
    expect(table).toContain('0 (MaxPool2d)');
    expect(table).toMatch(/0 \(MaxPool2d\)\s+\[1,2,4,4\]\s+0/);
    expect(table).toMatch(/1 \(AvgPool2d\)\s+\[1,2,4,4\]\s+0/);
    expect(table).toMatch(/2 \(AdaptiveAvgPool2d\)\s+\[1,2,3,2\]\s+0/);
    expect(table).toMatch(/5 \(Dense\)\s+\[1,4\]\s+52/);
    const line = new Sequential([new MaxPool1d(2), new AvgPool1d(2, { ceilMode: true }), new AdaptiveAvgPool1d(4)]).summary([3, 11]);
    expect(line).toMatch(/0 \(MaxPool1d\)\s+\[1,3,5\]/);
    expect(line).toMatch(/1 \(AvgPool1d\)\s+\[1,3,3\]/);
    expect(line).toMatch(/2 \(AdaptiveAvgPool1d\)\s+\[1,3,4\]/);
  });
});
