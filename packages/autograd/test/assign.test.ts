/** In-place assignment, and the guard against changing a tensor a pending backward pass still needs. */
import { describe, expect, test } from 'vitest';
import { noGrad, tensor, zeros } from '../src/index.js';

const f64 = { dtype: 'float64' as const };

describe('assign', () => {
  test('overwrites in place, broadcasting and converting', () => {
    const x = zeros([2, 3], f64);
    x.assign(tensor([1, 2, 3]));
    expect(x.toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    x.assign(7);
    expect(x.toArray()).toEqual([[7, 7, 7], [7, 7, 7]]);
    x.assign(new Float64Array([1, 2, 3, 4, 5, 6]));
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const view = x.slice([0, 1], [2, 3]);
    view.assign(0);
    expect(x.toArray()).toEqual([[1, 0, 0], [4, 0, 0]]);
  });

  test('a source sharing memory with the target is read before it is overwritten', () => {
    const x = tensor([[1, 2], [3, 4]], f64);
    x.assign(x.transpose());
    expect(x.toArray()).toEqual([[1, 3], [2, 4]]);
  });

  test('a parameter changes only inside noGrad', () => {
    const w = tensor([1, 2], { ...f64, requiresGrad: true });
    expect(() => w.assign(0)).toThrow('assign: cannot change a tensor of shape [2] that requires grad while recording; wrap the update in noGrad(() => ...)');
    noGrad(() => w.assign(tensor([5, 6], f64)));
    expect(w.toArray()).toEqual([5, 6]);
  });

  test('a typed array over its own elements, changed in place, is kept and the change recorded', () => {
    const x = tensor([0, 1, 2, 3, 4], f64).slice([1], [4]);
    const w = tensor([1, 1, 1], { ...f64, requiresGrad: true });
    const loss = w.mul(x).sum();
    const own = x.storage.subarray(x.offset, x.offset + x.size);
    own[1] = 20;
    x.assign(own);
    expect(x.toArray()).toEqual([1, 20, 3]);
    expect(() => loss.backward()).toThrow(/saved by 'mul' was changed in place \(assign\)/);
    // Overlapping memory one element further on is a source like any other: read, then written.
    x.assign(x.storage.subarray(x.offset + 1, x.offset + 4));
    expect(x.toArray()).toEqual([20, 3, 4]);
  });

  test('misuse is an error', () => {
    const w = tensor([1, 2], { ...f64, requiresGrad: true });
    const y = w.mul(2);
    expect(() => noGrad(() => y.assign(0))).toThrow("assign: cannot change the result of 'mul' in place (shape [2]); only leaves can be assigned");
    expect(() => zeros([2]).assign(tensor([1, 2, 3]))).toThrow(/^assign: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => zeros([2]).assign(zeros([2, 2]))).toThrow('assign: a value of shape [2,2] does not fit a tensor of shape [2]');
    expect(() => zeros([2]).assign(new Float64Array(3))).toThrow('assign: 3 values do not fill shape [2] (2 elements)');
    expect(() => tensor([1]).expand([3]).assign(0)).toThrow(/assign: the tensor of shape \[3\] is a broadcast view/);
  });
});

describe('a tensor changed after the forward', () => {
  test('backward through an op that saved it throws, naming the op', () => {
    const w = tensor([1, 2], { ...f64, requiresGrad: true });
    const x = tensor([3, 4], f64);
    const loss = w.mul(x).sum();
    x.assign(tensor([30, 40], f64));
    expect(() => loss.backward()).toThrow(/backward: a tensor of shape \[2\] saved by 'mul' was changed in place \(assign\) after 'mul' ran/);
  });

  test('a change after backward, then a new forward, is fine (the optimizer pattern)', () => {
    const w = tensor([1, 2], { ...f64, requiresGrad: true });
    const x = tensor([3, 4], f64);
    w.mul(x).sum().backward();
    noGrad(() => w.assign(w.sub(w.grad!.mul(0.1))));
    w.zeroGrad();
    w.mul(x).sum().backward();
    expect(w.grad!.toArray()).toEqual([3, 4]);
    expect(w.toArray()).toEqual([1 - 0.3, 2 - 0.4]);
  });
});
