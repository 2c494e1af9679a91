/**
 * The method forms of the ops (`x.exp()` for `exp(x)`): each op family's file holds them, tensor.ts
 * installs them in one place, and the op docs say which op has one. These tests hold the three
 * together: tsc rejects a doc naming a method that Tensor lacks, and at run time the installed op
 * methods are exactly those the docs name.
 */
import { describe, expect, test } from 'vitest';
import { Tensor, clamp, exp, matmul, sum, tensor, transpose } from '../src/index.js';
import type { OpDoc } from '../src/op.js';
import { opTable } from '../src/ops/registry.js';
import { opMethods } from '../src/ops/methods.js';

describe('Tensor methods and the op table', () => {
  test('tsc rejects an op doc naming a method that Tensor lacks', () => {
    // These lines are type-checked by `npm test` (tsc -b).
    const present: OpDoc = { torch: 'torch.exp', method: 'exp' };
    // @ts-expect-error: Tensor has no method 'frobnicate'
    const missing: OpDoc = { torch: 'torch.frobnicate', method: 'frobnicate' };
    // @ts-expect-error: 'shape' is a field of Tensor, not a method
    const notAMethod: OpDoc = { torch: 'Tensor.shape', method: 'shape' };
    expect([present, missing, notAMethod]).toHaveLength(3);
  });

  test('the installed op methods are exactly the methods the op table names', () => {
    const named = Object.values(opTable).flatMap(({ doc }) => (doc.method === undefined ? [] : [doc.method]));
    const installed = Object.keys(opMethods());
    // cast, detach and zeroGrad are methods of the class itself (they touch its fields or dtype).
    const ofTheClass = ['cast', 'detach', 'zeroGrad'];
    expect([...installed, ...ofTheClass].sort()).toEqual([...named].sort());
    for (const name of named) expect(typeof (Tensor.prototype as unknown as Record<string, unknown>)[name], name).toBe('function');
    // Not enumerable, as the class's own methods: a for-in over a tensor lists its fields only.
    expect(Object.keys(Tensor.prototype)).toEqual([]);
  });

  test('a method is the free function with the tensor as its first operand', () => {
    const x = tensor([[1, -2], [3, 0.5]], { dtype: 'float64' });
    const same = (method: Tensor, free: Tensor) => expect([method.shape, method.toArray()]).toEqual([free.shape, free.toArray()]);
    same(x.exp(), exp(x));
    same(x.sum(1, true), sum(x, 1, true));
    same(x.transpose(), transpose(x));
    same(x.clamp(0), clamp(x, 0));
    same(x.matmul(x), matmul(x, x));
  });
});
