/** Debugging aids: anomaly detection and gradient hooks. */
import { describe, expect, test } from 'vitest';
import { defineOp, detectAnomaly, tensor, where, type Tensor } from '../src/index.js';

const leaf = (data: number[]): Tensor => tensor(data, { dtype: 'float64', requiresGrad: true });

describe('detectAnomaly', () => {
  test('names the forward op that first makes a NaN, and where it was called', () => {
    const x = leaf([1, -1]);
    expect(() => detectAnomaly(() => x.sqrt().sum())).toThrow(
      /detectAnomaly: 'sqrt' produced NaN at \[1\] of its output \(shape \[2\]\) from finite inputs of shapes \[2\]; the op was called at:\n.*debugging\.test/,
    );
  });

  test('an op fed a NaN does not take the blame', () => {
    const x = leaf([1, -1]);
    expect(() => detectAnomaly(() => x.log().exp().mul(2))).toThrow(/'log' produced NaN/);
  });

  test('names the backward rule that first returns a non-finite gradient', () => {
    const x = leaf([0, 1]);
    const y = detectAnomaly(() => x.sqrt().sum()); // sqrt(0) = 0 is fine forward; its derivative is Infinity
    expect(() => detectAnomaly(() => y.backward())).toThrow(
      /detectAnomaly: the backward of 'sqrt' returned Infinity at \[0\] of the gradient for input 0 \(shape \[2\]\); the op was called at:\n.*debugging\.test/,
    );
  });

  test('no false alarm for masked values, and none outside detectAnomaly', () => {
    const x = leaf([-1, 2]);
    detectAnomaly(() => where(x.gt(0), x.abs().log(), 0).sum().backward());
    expect(Array.from(x.grad!.data()).map((v) => v + 0)).toEqual([0, 0.5]);
    expect(() => leaf([-1]).sqrt()).not.toThrow();
  });
});

describe('registerHook', () => {
  test('a hook sees the total gradient of a leaf (all uses summed) and can replace it', () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(Array.from(g.data()));
      return g.mul(10);
    });
    x.mul(x).sum().backward();
    expect(seen).toEqual([[2, 4]]);
    expect(x.grad!.toArray()).toEqual([20, 40]);
  });

  test('a hook on an intermediate tensor changes what flows further', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    h.registerHook((g) => g.mul(0.5));
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([1.5, 1.5]);
  });

  test('returning nothing keeps the gradient; the returned function removes the hook', () => {
    const x = leaf([1]);
    let calls = 0;
    const remove = x.registerHook(() => {
      calls++;
    });
    x.mul(2).sum().backward();
    remove();
    x.mul(2).sum().backward();
    expect(calls).toBe(1);
    expect(x.grad!.toArray()).toEqual([4]);
  });

  test('misuse is an error', () => {
    expect(() => tensor([1]).registerHook((g) => g)).toThrow('registerHook: a tensor of shape [1] that does not require grad never gets a gradient');
    const x = leaf([1, 2]);
    x.registerHook(() => tensor([1, 2, 3], { dtype: 'float64' }));
    expect(() => x.sum().backward()).toThrow(
      'registerHook: a hook on a float64 tensor of shape [2] returned a float64 gradient of shape [3]; it must return a float64 gradient of shape [2], or nothing',
    );
  });

  test('a hook may not change the dtype of a gradient: the error names the hook, both dtypes and the shape', () => {
    // As in PyTorch ("hook 'toFloat32' has changed the type of value"): a leaf's .grad always has the leaf's dtype.
    const x = leaf([1, 2]);
    x.registerHook(function toFloat32(g) {
      return g.cast('float32');
    });
    expect(() => x.mul(3).sum().backward()).toThrow(
      "registerHook: the hook 'toFloat32' on a float64 tensor of shape [2] returned a float32 gradient of shape [2]; it must return a float64 gradient of shape [2], or nothing",
    );
    expect(x.grad).toBeNull();
    // On an intermediate tensor, and from float32 to float64.
    const y = tensor([[1, 2]], { dtype: 'float32', requiresGrad: true });
    const h = y.exp();
    h.registerHook((g) => g.cast('float64'));
    expect(() => h.sum().backward()).toThrow(/a hook on a float32 tensor of shape \[1,2\] returned a float64 gradient of shape \[1,2\]; it must return a float32 gradient/);
    expect(y.grad).toBeNull();
  });

  test('what a hook returns that is no tensor is named with its type', () => {
    const x = leaf([1, 2]);
    x.registerHook(() => 2 as unknown as Tensor);
    expect(() => x.sum().backward()).toThrow(/registerHook: a hook on a float64 tensor of shape \[2\] returned 2; it must return a float64 gradient of shape \[2\], or nothing/);
  });
});

describe('defineOp', () => {
  test('a custom op is recorded, differentiable twice, and accepts numbers', () => {
    const cube = defineOp({
      name: 'cube',
      forward: (x) => x.mul(x).mul(x),
      backward: (g, { inputs: [x] }) => [g.mul(x!.square()).mul(3)],
    });
    const x = leaf([2]);
    const y = cube(x);
    expect(y.node?.op.name).toBe('cube');
    y.sum().backward(undefined, { createGraph: true });
    const first = x.grad!;
    expect(first.toArray()).toEqual([12]);
    x.zeroGrad();
    first.sum().backward();
    expect(x.grad!.toArray()).toEqual([12]); // d/dx 3x^2 = 6x
    const scale = defineOp({ name: 'scale', forward: (a, s) => a.mul(s), backward: (g, { inputs: [, s] }) => [g.mul(s!), null] });
    expect(scale(leaf([1, 2]), 3).toArray()).toEqual([3, 6]);
  });

  test('an identity forward does not hijack its input', () => {
    const id = defineOp({ name: 'id', forward: (x) => x, backward: (g) => [g] });
    const x = leaf([1]);
    const y = id(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1]);
  });

  test('bad definitions and results are errors naming the op', () => {
    expect(() => defineOp({ name: '', forward: (x) => x, backward: (g) => [g] })).toThrow('defineOp: name must be a non-empty string');
    const bad = defineOp({ name: 'bad', forward: () => 3 as never, backward: (g) => [g] });
    expect(() => bad(leaf([1]))).toThrow("defineOp 'bad': forward returned 3; expected a Tensor");
  });
});
