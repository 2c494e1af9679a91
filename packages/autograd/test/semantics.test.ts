/**
 * The contract of API.md, one rule per test, and the bugs of TESTING.md that need more than a
 * gradcheck to catch (fan-out, state between calls, tie conventions, NaN through masks).
 */
import { describe, expect, test } from 'vitest';
import {
  abs, clamp, concat, eq, max, maximum, min, minimum, noGrad, ones, relu, stack, sub, sum, tensor, where, zeros, matmul, enableGrad,
  type Tensor,
} from '../src/index.js';
import { gradcheck } from '../src/check/gradcheck.js';
import { gradients } from '../src/functional.js';
import { mixedPow } from '../../../test/fixtures/nan-fixture.js';

const f64 = { dtype: 'float64' as const };
const leaf = (data: Parameters<typeof tensor>[0]): Tensor => tensor(data, { dtype: 'float64', requiresGrad: true });

describe('broadcasting and promotion', () => {
  test('binary ops broadcast as NumPy and sum the gradient back to each operand', () => {
    const a = leaf([[1], [2], [3]]); // [3,1]
    const b = leaf([10, 20]); // [2]
    const c = a.mul(b);
    expect(c.shape).toEqual([3, 2]);
    expect(c.toArray()).toEqual([[10, 20], [20, 40], [30, 60]]);
    c.sum().backward();
    expect(a.grad!.toArray()).toEqual([[30], [30], [30]]);
    expect(b.grad!.toArray()).toEqual([6, 6]);
  });

  test('a rank-0 operand gets the whole sum', () => {
    const s = leaf(2);
    const x = leaf([1, 2, 3]);
    x.mul(s).sum().backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(6);
  });

  test('float32 with float64 gives float64; a leaf gradient keeps its leaf dtype', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    const c = a.mul(b);
    expect(c.dtype).toBe('float64');
    c.sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
    expect(matmul(tensor([[1, 2]]), tensor([[1], [2]], f64)).dtype).toBe('float64');
    expect(tensor(1).add(tensor([1], f64)).dtype).toBe('float64');
  });

  test('a JS number takes the tensor dtype, in either slot', () => {
    expect(tensor([1]).add(0.1).dtype).toBe('float32');
    expect(tensor([1]).add(0.1).data()[0]).toBe(Math.fround(1 + Math.fround(0.1)));
    const x = leaf([1, 5]);
    const y = sub(2, x);
    expect(y.toArray()).toEqual([1, -3]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([-1, -1]);
  });

  test('number operands keep their exact value, -0 included, whatever was used before', () => {
    const z = tensor([-0], f64);
    expect(Object.is(z.add(0).data()[0], 0)).toBe(true);
    expect(Object.is(z.add(-0).data()[0], -0)).toBe(true);
    expect(tensor([1], f64).mul(1.0001).mul(1.0001).item()).toBe(1.0001 * 1.0001);
  });

  test("pow of a float64 base and a float32 exponent: PyTorch's values and gradients, bit for bit", () => {
    // PyTorch rounds `exponent - 1` to the exponent's dtype in the base's gradient, and nothing else:
    // so does @nn (promoting the exponent first would move the gradient in the eighth digit).
    const base = tensor(mixedPow.base.data, { dtype: 'float64', requiresGrad: true });
    const exponent = tensor(mixedPow.exponent.data, { dtype: 'float32', requiresGrad: true });
    const y = base.pow(exponent);
    expect([y.dtype, mixedPow.outputDtype]).toEqual(['float64', 'torch.float64']);
    expect(Array.from(y.data())).toEqual(mixedPow.output.data);
    y.backward(tensor(mixedPow.cotangent.data, f64));
    expect(Array.from(base.grad!.data())).toEqual(mixedPow.gradBase.data);
    expect(Array.from(exponent.grad!.data())).toEqual(mixedPow.gradExponent.data);
    expect(Array.from(base.grad!.data())).not.toEqual(mixedPow.gradBaseExponentPromoted.data);
  });

  test('comparisons give exact 0/1 in the promoted dtype, without gradient', () => {
    const x = leaf([1, 2, 3]);
    const c = x.gt(tensor([2], { dtype: 'float32' }));
    expect(c.toArray()).toEqual([0, 0, 1]);
    expect(c.dtype).toBe('float64');
    expect(c.requiresGrad).toBe(false);
    expect(x.eq(2).toArray()).toEqual([0, 1, 0]);
    expect(x.ne(2).toArray()).toEqual([1, 0, 1]);
    expect(x.lt(2).toArray()).toEqual([1, 0, 0]);
    expect(x.le(2).toArray()).toEqual([1, 1, 0]);
    expect(x.ge(2).toArray()).toEqual([0, 1, 1]);
  });
});

describe('backward', () => {
  test('a one-element tensor is seeded with 1', () => {
    const x = leaf([3]);
    x.square().backward();
    expect(x.grad!.toArray()).toEqual([6]);
  });

  test('a given cotangent is used, element by element', () => {
    const x = leaf([1, 2, 3]);
    x.mul(2).backward(tensor([1, 10, 100], f64));
    expect(x.grad!.toArray()).toEqual([2, 20, 200]);
  });

  test('each leaf gets a contiguous gradient of its own, safe to change in place', () => {
    const x = leaf([1, 2]);
    const y = leaf([3, 4]);
    const s = leaf(5);
    x.add(y).add(s).sum().backward();
    expect(x.grad).not.toBe(y.grad);
    expect(x.grad!.isContiguous && x.grad!.strides).toEqual([1]);
    noGrad(() => x.grad!.assign(0));
    expect(y.grad!.toArray()).toEqual([1, 1]);
    expect(s.grad!.item()).toBe(2);
  });

  test('a zero cotangent gives zero gradients', () => {
    const x = leaf([1, 2]);
    x.exp().backward(zeros([2], f64));
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });

  test('gradients accumulate across calls until zeroGrad', () => {
    const x = leaf([1, 2]);
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  test('fan-out accumulates: x * x, the same tensor twice, a diamond', () => {
    const x = leaf([3]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([6]);
    const y = leaf([2]);
    const a = y.mul(3);
    const b = y.exp();
    a.mul(b).sum().backward(); // d/dy (3y e^y) = 3 e^y + 3y e^y
    expect(y.grad!.item()).toBeCloseTo(3 * Math.exp(2) + 6 * Math.exp(2), 12);
    const z = leaf([1.5]);
    const shared = z.square();
    shared.add(shared).add(shared.mul(shared)).sum().backward(); // 2z^2 + z^4
    expect(z.grad!.item()).toBeCloseTo(4 * 1.5 + 4 * 1.5 ** 3, 12);
  });

  test('two backward passes over equal graphs give bitwise equal gradients', () => {
    const run = (): Float32Array | Float64Array | Int32Array => {
      const x = leaf([[0.3, -1.2], [2.5, 0.7]]);
      x.matmul(x.transpose()).tanh().logSumExp(-1).mul(x.sum(0)).sum().backward();
      return x.grad!.data();
    };
    expect(run()).toEqual(run());
  });

  test('the graph is released after backward; a second pass throws unless retainGraph', () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph through 'sum' was already released.*retainGraph/);
    const z = x.exp().sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(x.grad!.toArray()).toEqual([1, 2].map((v) => 3 * Math.exp(v)));
  });

  test('a released root keeps its value; ops on it are recorded, and backward through them throws', () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(y.item()).toBe(Math.exp(1) + Math.exp(2));
    expect(y.toArray()).toBe(y.item());
    expect(y.node!.op.name).toBe('sum');
    expect(() => y.node!.inputs).toThrow(/graph through 'sum' was already released/);
    const z = y.mul(2);
    expect(z.item()).toBe(2 * y.item());
    expect(() => z.backward()).toThrow(/backward: the graph through 'sum' was already released/);
    // A walk that stops at the released root needs nothing of its graph.
    expect(gradients(y, [y], tensor(3, f64))[0]!.item()).toBe(3);
  });

  test('createGraph keeps the graph that the gradient goes back through', () => {
    const x = leaf([0.5, -1]);
    const y = x.square().tanh().sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!;
    x.zeroGrad();
    g.sum().backward();
    // d/dx sum(2x (1 - tanh(x^2)^2)).
    const expected = [0.5, -1].map((v) => {
      const t = Math.tanh(v * v);
      return 2 * (1 - t * t) - 8 * v * v * t * (1 - t * t);
    });
    (x.grad!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  test("createGraph: a leaf's gradient graph saves its own tensors: the first graph may be released", () => {
    const x = leaf([1, 2, 3]);
    x.pow(3).sum().backward(undefined, { createGraph: true, retainGraph: false });
    const g = x.grad!;
    x.zeroGrad();
    g.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 12, 18]);
  });

  test('createGraph makes gradients differentiable: Hessian-vector products', () => {
    const x = leaf([1, 2, 3]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.toArray()).toEqual([3, 12, 27]);
    expect(g.requiresGrad).toBe(true);
    x.zeroGrad();
    const v = tensor([1, -1, 0.5], f64);
    g.mul(v).sum().backward(); // H v with H = diag(6x)
    expect(x.grad!.toArray()).toEqual([6, -12, 9]);
  });

  test('third derivatives through createGraph twice', () => {
    const x = leaf(0.7);
    x.sin().backward(undefined, { createGraph: true });
    const first = x.grad!;
    x.zeroGrad();
    first.backward(undefined, { createGraph: true });
    const second = x.grad!;
    x.zeroGrad();
    second.backward();
    expect(first.item()).toBeCloseTo(Math.cos(0.7), 14);
    expect(second.item()).toBeCloseTo(-Math.sin(0.7), 14);
    expect(x.grad!.item()).toBeCloseTo(-Math.cos(0.7), 14);
  });

  test('noGrad records nothing; detach cuts the graph', () => {
    const x = leaf([1, 2]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(noGrad(() => enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.toArray()).toEqual([2, 4]);
    const z = x.mul(d).sum();
    z.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });

  test('a chain of 100,000 ops runs without recursion', () => {
    const x = leaf(1);
    let y: Tensor = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.00001).add(0.0001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(1.00001 ** 100_000, 8);
  });

  test('an unused piece of the output gets zero gradient, not an error', () => {
    const x = leaf([1, 2, 3, 4]);
    x.slice([1], [3]).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 0]);
    const a = leaf([1, 2]);
    const b = leaf([3]);
    concat([a, b]).slice([0], [2]).sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 1]);
    expect(b.grad!.toArray()).toEqual([0]);
  });
});

describe('conventions at kinks and ties (as PyTorch)', () => {
  test("relu'(0) = 0 and abs'(0) = 0", () => {
    const x = leaf([-1, 0, 2]);
    relu(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1]);
    const y = leaf([-1, 0, 2]);
    abs(y).sum().backward();
    expect(y.grad!.toArray()).toEqual([-1, 0, 1]);
  });

  test('max and min split the gradient evenly between ties', () => {
    const x = leaf([1, 3, 3, 2]);
    max(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 0.5, 0.5, 0]);
    const y = leaf([[1, 1, 5], [0, 2, 0]]);
    min(y, 1).sum().backward();
    expect(y.grad!.toArray()).toEqual([[0.5, 0.5, 0], [0.5, 0, 0.5]]);
  });

  test('a NaN anywhere makes max and min NaN, wherever it stands, and takes the gradient (as PyTorch)', () => {
    for (const data of [[NaN, 1, 2], [1, NaN, 2], [1, 2, NaN]]) {
      expect(max(tensor(data, f64)).item()).toBeNaN();
      expect(min(tensor(data, f64)).item()).toBeNaN();
    }
    expect(Array.from(max(tensor([[NaN, 1], [2, 3]], f64), 1).data())).toEqual([NaN, 3]);
    const x = leaf([1, NaN, 3, NaN]);
    max(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 0.5, 0, 0.5]);
  });

  test('maximum splits a tie between its operands', () => {
    const a = leaf([1, 2]);
    const b = leaf([1, 3]);
    maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0]);
    expect(b.grad!.toArray()).toEqual([0.5, 1]);
  });

  test('maximum and minimum with a NaN operand give NaN and the whole gradient to both operands (as PyTorch)', () => {
    // PyTorch masks out only the operand that compares as the loser; no comparison with NaN holds.
    for (const op of [maximum, minimum]) {
      const a = leaf([NaN, 1, NaN, 2, 5]);
      const b = leaf([1, NaN, NaN, 2, 4]);
      const y = op(a, b);
      expect(Array.from(y.data()).slice(0, 3)).toEqual([NaN, NaN, NaN]);
      y.sum().backward();
      const aWins = op === maximum ? 1 : 0;
      expect(a.grad!.toArray()).toEqual([1, 1, 1, 0.5, aWins]);
      expect(b.grad!.toArray()).toEqual([1, 1, 1, 0.5, 1 - aWins]);
    }
  });

  test('maximum and minimum on the scalar path give the same gradients as on tensors', () => {
    for (const op of [maximum, minimum]) {
      for (const [x, y] of [[NaN, 1], [1, NaN], [2, 2], [3, 1], [1, 3]] as const) {
        const a = tensor(x, { dtype: 'float64', requiresGrad: true });
        const b = tensor(y, { dtype: 'float64', requiresGrad: true });
        op(a, b).backward();
        const a1 = leaf([x]);
        const b1 = leaf([y]);
        op(a1, b1).sum().backward();
        expect([a.grad!.item(), b.grad!.item()]).toEqual([a1.grad!.data()[0], b1.grad!.data()[0]]);
      }
    }
  });
});

describe('clamp (as torch.clamp)', () => {
  test('limits to [min, max]; either bound may be absent; NaN stays NaN', () => {
    const x = tensor([-2, 0.5, 3, NaN], f64);
    expect(Array.from(clamp(x, 0, 1).data())).toEqual([0, 0.5, 1, NaN]);
    expect(Array.from(x.clamp(0).data())).toEqual([0, 0.5, 3, NaN]);
    expect(Array.from(x.clamp(undefined, 1).data())).toEqual([-2, 0.5, 1, NaN]);
  });

  test('min > max sets every element to max, as PyTorch', () => {
    expect(tensor([-1, 0, 5], f64).clamp(2, 1).toArray()).toEqual([1, 1, 1]);
  });

  test('the gradient passes where min <= x <= max, bounds included', () => {
    const x = leaf([-1, 0, 0.5, 1, 2]);
    x.clamp(0, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 1, 1, 0]);
  });

  test('float32 bounds are rounded as the values are: 0.1 clamps a float32 0.1 to itself', () => {
    const x = tensor([0.1, 0.05]);
    expect(Array.from(x.clamp(0.1).data())).toEqual([Math.fround(0.1), Math.fround(0.1)]);
  });

  test('bad bounds are errors naming the op', () => {
    const x = tensor([1, 2]);
    expect(() => x.clamp()).toThrow('clamp: at least one of min and max is required');
    expect(() => x.clamp(0, '1' as unknown as number)).toThrow('clamp: max must be a number, got the string "1"');
  });
});

describe('where', () => {
  test('selects and broadcasts; the gradient reaches only the selected branch', () => {
    const a = leaf([1, 2, 3]);
    const b = leaf(10);
    const out = where(tensor([1, 0, 1], f64), a, b);
    expect(out.toArray()).toEqual([1, 10, 3]);
    out.sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 0, 1]);
    expect(b.grad!.item()).toBe(1);
  });

  test('no NaN leaks from the branch not taken: grad of where(x > 0, log(x), 0) at x < 0 is 0', () => {
    const x = leaf([-1, 2]);
    where(x.gt(0), x.log(), 0).sum().backward();
    const grad = Array.from(x.grad!.data());
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(grad.map((v) => v + 0)).toEqual([0, 0.5]); // + 0 folds -0 into 0

  });
});

describe('reductions', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], f64);
  test('sum and mean over axes, negative axes, keepDims', () => {
    expect(sum(x).item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(-1, true).toArray()).toEqual([[6], [15]]);
    expect(x.mean([0, 1]).item()).toBe(3.5);
    expect(x.mean(1).toArray()).toEqual([2, 5]);
    expect(x.max(1).toArray()).toEqual([3, 6]);
    expect(x.min(0, true).toArray()).toEqual([[1, 2, 3]]);
  });

  test('mean scales the gradient by 1/count, sum does not', () => {
    const a = leaf([[1, 2], [3, 4], [5, 6]]);
    a.mean(0).sum().backward();
    expect(a.grad!.toArray()).toEqual([[1 / 3, 1 / 3], [1 / 3, 1 / 3], [1 / 3, 1 / 3]]);
  });

  test('logSumExp equals log(sum(exp))', () => {
    const lse = Array.from(x.logSumExp(1).data());
    const direct = [[1, 2, 3], [4, 5, 6]].map((row) => Math.log(row.reduce((total, v) => total + Math.exp(v), 0)));
    lse.forEach((value, i) => expect(value).toBeCloseTo(direct[i]!, 12));
  });
});

describe('joining', () => {
  test('concat and stack with negative axes', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4]]);
    expect(concat([a, b], -2).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(concat([a, b], -1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(stack([a, b], -1).shape).toEqual([1, 2, 2]);
    expect(stack([a, b]).toArray()).toEqual([[[1, 2]], [[3, 4]]]);
  });
});

describe('matmul', () => {
  test('1-D and 2-D operands as NumPy', () => {
    const m = tensor([[1, 2], [3, 4]], f64);
    const v = tensor([1, 1], f64);
    expect(matmul(m, v).toArray()).toEqual([3, 7]);
    expect(matmul(v, m).toArray()).toEqual([4, 6]);
    expect(matmul(v, v).shape).toEqual([]);
    expect(matmul(v, v).item()).toBe(2);
  });

  test('batch broadcasting: [2,1,3,4] @ [5,4,2] gives [2,5,3,2] with correct gradients', () => {
    const a = ones([2, 1, 3, 4], f64);
    const b = ones([5, 4, 2], f64);
    expect(matmul(a, b).shape).toEqual([2, 5, 3, 2]);
    const x = tensor(Float64Array.from({ length: 24 }, (_, i) => Math.sin(i)), { shape: [2, 1, 3, 4] });
    const y = tensor(Float64Array.from({ length: 40 }, (_, i) => Math.cos(i)), { shape: [5, 4, 2] });
    const report = gradcheck((p, q) => matmul(p!, q!), [x, y]);
    expect(report.ok, report.message).toBe(true);
  });

  test('transposed operands read through strides', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], f64);
    expect(matmul(a.transpose(), a).toArray()).toEqual([[17, 22, 27], [22, 29, 36], [27, 36, 45]]);
    expect(matmul(a, a.transpose()).toArray()).toEqual([[14, 32], [32, 77]]);
  });
});

describe('free functions mirror the methods', () => {
  test('same results', () => {
    const x = tensor([[1, -2], [3, -4]], f64);
    expect(abs(x).toArray()).toEqual(x.abs().toArray());
    expect(eq(x, 3).toArray()).toEqual(x.eq(3).toArray());
    expect(sum(x, 0).toArray()).toEqual(x.sum(0).toArray());
  });
});
