/**
 * A leaf's `.grad` is given, without a copy, a gradient whose storage the backward pass itself made
 * (as PyTorch steals a gradient no one else holds); every other gradient is copied, so that no two
 * leaves, and nothing the caller or user code holds, share storage with a `.grad`. These tests change
 * a `.grad` in place (as in-place gradient clipping does) and check that nothing else moved.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { defineOp, noGrad, rand, tensor, type Tensor } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Sets every element of a `.grad` to `value`, in place. */
const overwrite = (t: Tensor, value: number): void => void noGrad(() => t.assign(value));

describe('gradients given to leaves', () => {
  test("a product's gradient is given to the weight without a copy, with the right values", () => {
    const x = rand([8, 5], { dtype: 'float64' });
    const w = rand([5, 3], { dtype: 'float64', requiresGrad: true });
    const loss = x.matmul(w).sum();
    const slices = vi.spyOn(Float64Array.prototype, 'slice');
    loss.backward();
    expect(slices).not.toHaveBeenCalled();
    // d sum(x w) / dw[i, j] = sum over rows of x[:, i]
    const columnSums = x.sum(0).toArray() as number[];
    expect(w.grad!.toArray()).toEqual(columnSums.map((s) => [s, s, s]));
  });

  test('two leaves given the same gradient tensor do not share it', () => {
    const a = rand([4, 4], { requiresGrad: true });
    const b = rand([4, 4], { requiresGrad: true });
    const weights = rand([4, 4]);
    a.add(b).mul(weights).sum().backward(); // add's rule passes one gradient tensor to both
    expect(a.grad!.storage).not.toBe(b.grad!.storage);
    overwrite(a.grad!, 0);
    expect(b.grad!.toArray()).toEqual(weights.toArray());
  });

  test("the caller's seed is copied, not kept", () => {
    const a = rand([3], { requiresGrad: true });
    const seed = tensor([1, 2, 3]);
    a.add(tensor([10, 20, 30])).backward(seed);
    overwrite(seed, 0);
    expect(a.grad!.toArray()).toEqual([1, 2, 3]);
  });

  test('a gradient a hook kept, on an intermediate tensor or on another leaf, is not given away', () => {
    const a = rand([5], { requiresGrad: true });
    const b = rand([5], { requiresGrad: true });
    const weights = tensor([1, 2, 3, 4, 5]);
    let seenByHook: Tensor | undefined;
    let seenByLeafHook: Tensor | undefined;
    const h = a.add(b);
    h.registerHook((g) => void (seenByHook = g)); // add then passes this gradient on to a and b
    b.registerHook((g) => void (seenByLeafHook = g));
    h.mul(weights).sum().backward();
    for (const kept of [seenByHook!, seenByLeafHook!]) {
      expect(kept.storage).not.toBe(a.grad!.storage);
      expect(kept.storage).not.toBe(b.grad!.storage);
    }
    overwrite(a.grad!, 0);
    overwrite(b.grad!, 0);
    expect(seenByHook!.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(seenByLeafHook!.toArray()).toEqual([1, 2, 3, 4, 5]);
  });

  test("what a custom op's backward returns (and may keep) is copied", () => {
    let kept: Tensor | undefined;
    const twice = defineOp({
      name: 'twiceKeepingItsGradient',
      forward: (x) => x.mul(2),
      backward: (g) => [(kept = g.mul(2))],
    });
    const a = rand([6], { requiresGrad: true });
    twice(a).sum().backward();
    expect(kept!.storage).not.toBe(a.grad!.storage);
    overwrite(a.grad!, 0);
    expect(kept!.toArray()).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test('gradients accumulate over backward calls, and a recorded pass (createGraph) keeps its graph', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const w = tensor([[1, 0], [0, 1]], { dtype: 'float64', requiresGrad: true });
    x.matmul(w).sum().backward();
    x.matmul(w).sum().backward();
    expect(w.grad!.toArray()).toEqual([[8, 8], [12, 12]]);
    const v = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    v.square().sum().backward(undefined, { createGraph: true });
    expect(v.grad!.requiresGrad).toBe(true);
    expect(v.grad!.toArray()).toEqual([2, 4]);
  });
});
