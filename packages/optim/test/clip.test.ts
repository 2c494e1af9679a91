/** clipGradNorm / clipGradValue beyond the PyTorch numbers: dtypes, missing gradients, errors. */
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@nn/autograd';
import { clipGradNorm, clipGradValue } from '../src/index.js';

function withGrad(values: number[], grad: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const p = tensor(values, { dtype, requiresGrad: true });
  p.grad = tensor(grad, { dtype });
  return p;
}

describe('clipGradNorm', () => {
  test('scales to maxNorm / (norm + 1e-6) and returns the norm before clipping', () => {
    const a = withGrad([0, 0], [3, 0]);
    const b = withGrad([0], [4]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(a.grad!.toArray()).toEqual([3 * coef, 0]);
    expect(b.grad!.toArray()).toEqual([4 * coef]);
  });

  test('Infinity norm, 1-norm, a single tensor', () => {
    expect(clipGradNorm([withGrad([0, 0], [3, -7]), withGrad([0], [4])], 100, Infinity)).toBe(7);
    expect(clipGradNorm([withGrad([0, 0], [3, -7]), withGrad([0], [4])], 100, 1)).toBe(14);
    expect(clipGradNorm(withGrad([0, 0], [3, -4]), 100)).toBe(5);
  });

  test('under the limit nothing changes, not even the gradient tensors', () => {
    const a = withGrad([0, 0], [0.3, 0.4]);
    const grad = a.grad;
    clipGradNorm([a], 1);
    expect(a.grad).toBe(grad);
  });

  test('parameters without a gradient are ignored; with none the norm is 0', () => {
    const none = tensor([1, 2], { requiresGrad: true });
    expect(clipGradNorm([none], 1)).toBe(0);
    const a = withGrad([0, 0], [30, 40]);
    expect(clipGradNorm([none, a], 1)).toBe(50);
    expect(none.grad).toBeNull();
  });

  test('float32 gradients stay float32, and the norm is a float32 value', () => {
    const a = withGrad([0, 0, 0], [0.1, 0.2, 0.3], 'float32');
    const total = clipGradNorm([a], 0.1);
    expect(total).toBe(Math.fround(total));
    expect(total).toBeCloseTo(Math.sqrt(0.14), 6);
    expect(a.grad!.dtype).toBe('float32');
    expect(Math.hypot(...(a.grad!.data() as Float32Array))).toBeCloseTo(0.1, 5);
  });

  test('a gradient shared by two parameters is not changed through the other', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    x.add(y).sum().mul(10).backward();
    clipGradNorm([x], 1);
    expect(y.grad!.toArray()).toEqual([10, 10]);
    expect(Math.hypot(...(x.grad!.data() as Float64Array))).toBeCloseTo(1, 6);
  });

  test('errors', () => {
    const a = withGrad([0], [1]);
    expect(() => clipGradNorm([a], -1)).toThrow(new Error('clipGradNorm: maxNorm must be a number >= 0, got -1'));
    expect(() => clipGradNorm([a], 1, 0)).toThrow(new Error('clipGradNorm: normType must be a number > 0 or Infinity, got 0'));
    expect(() => clipGradNorm([a, 'b'] as unknown as Tensor[], 1)).toThrow(new Error("clipGradNorm: parameter 1 is not a Tensor (got the string \"b\")"));
    expect(() => clipGradNorm(5 as unknown as Tensor, 1)).toThrow(new Error('clipGradNorm: params must be a Tensor or an array of tensors, got 5'));
    const nan = withGrad([0, 0], [NaN, 1]);
    expect(() => clipGradNorm([nan], 1, 2, { errorIfNonfinite: true })).toThrow(
      new Error('clipGradNorm: the total norm of order 2 of the gradients is NaN, so they cannot be clipped (pass errorIfNonfinite: false to scale by it anyway)'),
    );
    expect(clipGradNorm([nan], 1)).toBeNaN();
  });
});

describe('clipGradValue', () => {
  test('clamps each element to [-clipValue, clipValue]', () => {
    const a = withGrad([0, 0, 0], [-2, 0.5, 3]);
    const b = withGrad([0], [0.1]);
    const bGrad = b.grad;
    clipGradValue([a, b], 1);
    expect(a.grad!.toArray()).toEqual([-1, 0.5, 1]);
    expect(b.grad).toBe(bGrad); // nothing to clip: the same tensor
  });

  test('float32 gradients are clamped to the float32 value of clipValue', () => {
    const a = withGrad([0, 0], [1, -1], 'float32');
    clipGradValue(a, 0.1);
    expect(Array.from(a.grad!.data())).toEqual([Math.fround(0.1), -Math.fround(0.1)]);
    expect(a.grad!.dtype).toBe('float32');
  });

  test('errors', () => {
    expect(() => clipGradValue([withGrad([0], [1])], -0.5)).toThrow(new Error('clipGradValue: clipValue must be a number >= 0, got -0.5'));
    expect(() => clipGradValue([3] as unknown as Tensor[], 1)).toThrow(new Error('clipGradValue: parameter 0 is not a Tensor (got 3)'));
  });
});
