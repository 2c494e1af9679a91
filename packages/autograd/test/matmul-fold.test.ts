/**
 * A stack of matrices times one matrix ([..., m, k] @ [k, n], a Dense layer on a sequence) is folded
 * into one product of all the rows, as PyTorch does. The fold must change nothing a user can see:
 * values equal those of the matrices multiplied one by one, gradients pass gradcheck and
 * gradgradcheck, and odd layouts (transposed, sliced, size-0, a 1-D right operand) keep working.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, gradcheck, gradgradcheck, matmul, randn, stack, tensor, zeros, type Tensor } from '@nn/autograd';

/** The product one matrix of the stack at a time: the unfolded meaning of [..., m, k] @ [k, n]. */
function matrixByMatrix(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 2) return matmul(a, b);
  const parts = Array.from({ length: a.shape[0]! }, (_, i) => matrixByMatrix(a.slice([i, ...a.shape.slice(1).map(() => 0)], [i + 1, ...a.shape.slice(1)]).squeeze(0), b));
  return stack(parts, 0);
}

const dims = fc.integer({ min: 1, max: 3 });
/** A left operand [...batch, m, k] (rank 3 or 4, sometimes a transposed view), a right one [k, n]. */
const stackTimesMatrix = fc.record({ batch: fc.array(dims, { minLength: 1, maxLength: 2 }), m: dims, k: dims, n: dims, transposed: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 30 }) }).map(({ batch, m, k, n, transposed, seed }) => {
  const rng = new Generator(seed);
  const a = transposed ? randn([...batch, k, m], { dtype: 'float64', rng }).transpose(-1, -2) : randn([...batch, m, k], { dtype: 'float64', rng });
  const b = randn([k, n], { dtype: 'float64', rng });
  return { a, b };
});

describe('matmul of a stack of matrices and one matrix', () => {
  test('equals the product of each matrix of the stack, to the last bit', () => {
    fc.assert(
      fc.property(stackTimesMatrix, ({ a, b }) => {
        const folded = matmul(a, b);
        expect(folded.shape).toEqual([...a.shape.slice(0, -1), b.shape[1]]);
        expect(Array.from(folded.data())).toEqual(Array.from(matrixByMatrix(a, b).data()));
      }),
      { numRuns: 40 },
    );
  });

  test('gradients of both operands pass gradcheck and gradgradcheck', () => {
    fc.assert(
      fc.property(stackTimesMatrix, ({ a, b }) => {
        const f = (x: Tensor, w: Tensor): Tensor => matmul(x, w);
        expect(gradcheck(f, [a, b]).ok).toBe(true);
        expect(gradgradcheck(f, [a, b]).ok).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  test("the right operand's gradient is A^T dC over every row of the stack", () => {
    const a = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], { dtype: 'float64' });
    const b = tensor([[1, 0, 2], [0, 1, 3]], { dtype: 'float64', requiresGrad: true });
    matmul(a, b).sum().backward();
    // Each row of dC is ones, so dB[p, j] is the sum of column p of all four rows of A.
    expect(b.grad!.toArray()).toEqual([[16, 16, 16], [20, 20, 20]]);
  });

  test('a 1-D right operand, a size-0 stack and a size-0 inner axis keep their shapes', () => {
    const a = randn([2, 3, 4], { dtype: 'float64' });
    const v = randn([4], { dtype: 'float64' });
    expect(matmul(a, v).shape).toEqual([2, 3]);
    expect(Array.from(matmul(a, v).data())).toEqual(Array.from(matrixByMatrix(a, v.unsqueeze(1)).squeeze(-1).data()));
    expect(matmul(zeros([0, 3, 4]), zeros([4, 5])).shape).toEqual([0, 3, 5]);
    expect(matmul(zeros([2, 3, 0]), zeros([0, 5])).toArray()).toEqual(zeros([2, 3, 5]).toArray());
    expect(() => matmul(zeros([2, 3, 4]), zeros([5, 2]))).toThrow('matmul: shapes [2,3,4] and [5,2] do not align (4 != 5)');
  });
});
