/** Bad input throws an Error that names the op and the offending shapes, dtypes or values. */
import { describe, expect, test } from 'vitest';
import {
  concat, expand, matmul, ones, permute, reshape, setDefaultDtype, slice, squeeze, stack, sum, tensor, unsqueeze, where,
  zeros, eye, arange, full, manualSeed, softmax, type DType,
} from '../src/index.js';

describe('creation', () => {
  test('ragged nested arrays', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: the entry at index [1] has length 1, expected length 2');
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/tensor: ragged nested array: the entry at index \[1\]/);
    expect(() => tensor([1, 'a'] as never)).toThrow(/tensor: expected a number at index \[1\], got string/);
  });

  test('unknown dtype', () => {
    expect(() => tensor([1], { dtype: 'int32' as DType })).toThrow(`tensor: unknown dtype "int32" (expected 'float32' or 'float64')`);
    expect(() => zeros([1], { dtype: 'float16' as DType })).toThrow(/full: unknown dtype "float16"/);
    expect(() => setDefaultDtype('double' as DType)).toThrow(/setDefaultDtype: unknown dtype "double"/);
  });

  test('bad shapes and values', () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow('tensor: 3 values do not fill shape [2,2] (4 elements)');
    expect(() => zeros([2, -1])).toThrow(/full: invalid shape \[2,-1\]/);
    expect(() => ones([1.5])).toThrow(/invalid shape \[1.5\]/);
    expect(() => eye(-1)).toThrow('eye: n must be a non-negative integer, got -1');
    expect(() => arange(0, 5, 0)).toThrow('arange: step must not be 0');
    expect(() => full([2], NaN).toArray()).not.toThrow();
    expect(() => manualSeed(Infinity)).toThrow('manualSeed: seed must be a finite number, got Infinity');
  });
});

describe('shape mismatch in every op family', () => {
  test('element-wise broadcasting', () => {
    expect(() => ones([2, 3]).add(ones([4, 3]))).toThrow('add: shapes [2,3] and [4,3] cannot be broadcast together (axis -2: 2 vs 4)');
    expect(() => ones([3]).mul(ones([2]))).toThrow(/^mul: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => ones([3]).gt(ones([2]))).toThrow(/^gt: shapes \[3\] and \[2\]/);
    expect(() => ones([2]).add('x' as never)).toThrow('add: expected a Tensor or a number, got string');
    expect(() => ones([2]).add([1, 2] as never)).toThrow(/add: expected a Tensor or a number, got an array/);
  });

  test('matmul', () => {
    expect(() => matmul(ones([2, 3]), ones([4, 5]))).toThrow('matmul: shapes [2,3] and [4,5] do not align (3 != 4)');
    expect(() => matmul(ones([3]), ones([4]))).toThrow('matmul: shapes [3] and [4] do not align (3 != 4)');
    expect(() => matmul(ones([2, 2, 3]), ones([3, 3, 2]))).toThrow(/matmul: batch axes of \[2,2,3\] and \[3,3,2\]: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => matmul(ones([]), ones([2]))).toThrow('matmul: operands must have at least one axis, got shapes [] and [2] (use mul for scalars)');
  });

  test('concat, stack, where', () => {
    expect(() => concat([ones([2, 3]), ones([2, 4])], 0)).toThrow('concat: tensor 1 has shape [2,4], which does not match [2,3] outside axis 0');
    expect(() => concat([])).toThrow('concat: expected a non-empty array of tensors');
    expect(() => stack([ones([2]), ones([3])])).toThrow('stack: tensor 1 has shape [3], expected [2] like tensor 0');
    expect(() => where(ones([3]), ones([2]), 0)).toThrow(/^where: shapes \[3\] and \[2\] cannot be broadcast/);
  });

  test('reshape, expand, permute, squeeze, slice', () => {
    expect(() => reshape(ones([2, 3]), [4, 2])).toThrow('reshape: cannot reshape a tensor of shape [2,3] (6 elements) into [4,2]');
    expect(() => reshape(ones([2, 3]), [-1, -1])).toThrow('reshape: only one dimension can be -1, got [-1,-1]');
    expect(() => reshape(ones([2, 3]), [-1, 4])).toThrow(/reshape: cannot reshape a tensor of shape \[2,3\]/);
    expect(() => expand(ones([2, 3]), [4, 3])).toThrow('expand: cannot expand shape [2,3] to [4,3] (axis 0: 2 to 4; only size-1 axes grow)');
    expect(() => expand(ones([2, 3]), [3])).toThrow(/expand: cannot expand shape \[2,3\] to \[3\] \(fewer dimensions\)/);
    expect(() => permute(ones([2, 3]), [0, 0])).toThrow('permute: [0,0] is not a permutation of the 2 axes');
    expect(() => permute(ones([2, 3]), [0])).toThrow('permute: expected 2 axes for shape [2,3], got [0]');
    expect(() => squeeze(ones([2, 3]), 0)).toThrow('squeeze: axis 0 of shape [2,3] has size 2; only size-1 axes can be squeezed');
    expect(() => slice(ones([2, 3]), [0, 0], [2, 4])).toThrow('slice: end index 4 is out of range for axis 1 of size 3 in shape [2,3]');
    expect(() => slice(ones([2, 3]), [-3, 0], [2, 3])).toThrow('slice: start index -3 is out of range for axis 0 of size 2 in shape [2,3]');
    expect(() => slice(ones([2, 3]), [0], [1])).toThrow(/slice: start and end need one entry per axis of shape \[2,3\]/);
    expect(() => slice(ones([4]), [3], [1])).toThrow('slice: end 1 comes before start 3 on axis 0 of shape [4]');
  });
});

describe('bad axes', () => {
  test('out of range, repeated, or on a rank-0 tensor', () => {
    expect(() => sum(ones([2, 3]), 2)).toThrow('sum: axis 2 is out of range for rank 2 (expected an integer in [-2, 1])');
    expect(() => ones([2, 3]).mean(-3)).toThrow(/^mean: axis -3 is out of range for rank 2/);
    expect(() => ones([2, 3]).sum([1, -1])).toThrow('sum: axis -1 is repeated in [1,-1]');
    expect(() => ones([2]).max(0.5)).toThrow(/^max: axis 0.5 is out of range/);
    expect(() => softmax(ones([]))).toThrow('softmax: axis -1 is out of range for rank 0 (a rank-0 tensor has no axes)');
    expect(() => unsqueeze(ones([2]), 3)).toThrow(/^unsqueeze: axis 3 is out of range for rank 2/);
    expect(() => ones([2]).transpose()).toThrow(/^transpose: axis -2 is out of range for rank 1/);
    expect(() => concat([ones([2])], 1)).toThrow(/^concat: axis 1 is out of range for rank 1/);
    expect(() => ones([0, 2]).max(0)).toThrow('max: cannot reduce an empty axis of shape [0,2] (the result has no value)');
  });
});

describe('backward misuse', () => {
  test('a larger tensor without a gradient', () => {
    const x = ones([2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow('backward: a gradient must be given for a tensor of shape [2,3] (6 elements); only a one-element tensor is seeded with 1');
  });

  test('a gradient of the wrong shape', () => {
    const x = ones([2], { requiresGrad: true });
    expect(() => x.mul(2).backward(ones([3]))).toThrow("backward: grad of shape [3] does not match the tensor's shape [2]");
  });

  test('a tensor that does not require grad', () => {
    expect(() => ones([1]).mul(2).backward()).toThrow(/backward: this tensor of shape \[1\] does not require grad/);
  });

  test('item() on more than one element', () => {
    expect(() => ones([2]).item()).toThrow('item: tensor of shape [2] has 2 elements, item() needs exactly 1');
  });
});
