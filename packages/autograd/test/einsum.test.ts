/**
 * einsum against a plain reference loop on drawn equations (traces, diagonals, contractions,
 * broadcast `...` and size-1 axes, implicit output), its gradients to second order, its errors,
 * NaN, int32 and the views it returns; and PyTorch's values and gradients (test/fixtures/ops-einsum.json,
 * written by test/fixtures/ops-einsum.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { einsum, matmul, tensor, zeros, type Tensor } from '../src/index.js';
import { drawTensor } from '../src/check/sampling.js';
import { drawFrom, drawnArb, gradcheckProperty } from '../src/testing.js';
import { parseEquationCached } from '../src/ops/einsum-parse.js';
import { drawEinsumCase, referenceEinsum, type EinsumCase } from './einsum-draw.js';
import { mismatches } from '../../../test/fixtures/nan-fixture.js';

const f64 = (data: number[], shape: number[]): Tensor => tensor(Float64Array.from(data), { shape, dtype: 'float64' });

interface Encoded {
  shape: number[];
  data: number[];
}
interface FixtureCase {
  equation: string;
  inputs: Encoded[];
  cotangent: Encoded;
  values: Encoded;
  grads: Encoded[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/ops-einsum.json', import.meta.url), 'utf8'), (_, v: unknown) =>
  typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v) as { cases: FixtureCase[] };

describe("PyTorch's cases", () => {
  for (const [n, c] of fixture.cases.entries()) {
    test(`"${c.equation}" (case ${n}): values and the gradient of every operand in float64`, () => {
      const leaves = c.inputs.map((x) => tensor(x.data, { shape: x.shape, dtype: 'float64', requiresGrad: true }));
      const values = einsum(c.equation, ...leaves);
      expect(values.shape).toEqual(c.values.shape);
      expect(mismatches(values.data(), c.values.data), 'values').toEqual([]);
      values.backward(f64(c.cotangent.data, c.cotangent.shape));
      c.grads.forEach((g, i) => {
        expect(leaves[i]!.grad!.shape).toEqual(g.shape);
        expect(mismatches(leaves[i]!.grad!.data(), g.data), `gradient of operand ${i}`).toEqual([]);
      });
    });
  }
});

describe('einsum against the reference loop', () => {
  const cases = fc.gen().map((g) => {
    const draw = drawFrom(g);
    const c = drawEinsumCase(draw, { maxOperands: 4, maxSize: 3, maxLetters: 4 });
    return { c, inputs: c.shapes.map((shape) => drawTensor(draw, shape)) };
  });

  test('drawn equations give the sum over every index assignment (float64, 1e-12 of the terms)', () => {
    fc.assert(
      fc.property(cases, ({ c, inputs }: { c: EinsumCase; inputs: Tensor[] }) => {
        const got = einsum(c.equation, ...inputs);
        const want = referenceEinsum(c, inputs.map((t) => t.data()));
        expect(got.shape).toEqual(want.shape);
        expect(got.dtype).toBe('float64');
        const values = got.data();
        want.values.forEach((v, i) => expect(Math.abs(values[i]! - v)).toBeLessThanOrEqual(1e-12 * want.scale[i]! + 1e-300));
      }),
      { numRuns: 200 },
    );
  });

  test('drawn equations: gradients match finite differences (first and second order)', () => {
    const gradCases = drawnArb((draw) => {
      const c = drawEinsumCase(draw, { maxOperands: 3, maxSize: 2, maxLetters: 3 });
      return { f: (...xs: Tensor[]) => einsum(c.equation, ...xs), inputs: c.shapes.map((shape) => drawTensor(draw, shape)) };
    });
    fc.assert(gradcheckProperty(gradCases), { numRuns: 30 });
  });
});

describe('einsum forms', () => {
  const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = f64([1, 0, 2, -1, 3, 1, 0.5, 2, -2, 1, 1, 4], [3, 4]);

  test('explicit and implicit matmul agree with matmul', () => {
    expect(einsum('ij,jk->ik', a, b).toArray()).toEqual(matmul(a, b).toArray());
    expect(einsum('ij,jk', a, b).toArray()).toEqual(matmul(a, b).toArray());
    expect(einsum(' i j , j k -> i k ', a, b).toArray()).toEqual(matmul(a, b).toArray());
  });

  test('implicit output: the indices that occur once, alphabetical, upper case first (ASCII)', () => {
    expect(einsum('ba', a).shape).toEqual([3, 2]);
    expect(einsum('ab', a).shape).toEqual([2, 3]);
    expect(einsum('aB', a).shape).toEqual([3, 2]);
    expect(einsum('...ba', f64([1, 2, 3, 4, 5, 6], [1, 2, 3])).shape).toEqual([1, 3, 2]);
  });

  test('trace, diagonal and a diagonal of three axes', () => {
    const m = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    expect(einsum('ii', m).item()).toBe(15);
    expect(einsum('ii->i', m).toArray()).toEqual([1, 5, 9]);
    const cube = f64(Array.from({ length: 8 }, (_, i) => i), [2, 2, 2]);
    expect(einsum('iii->i', cube).toArray()).toEqual([0, 7]);
    expect(einsum('iij->ij', cube).toArray()).toEqual([[0, 1], [6, 7]]);
  });

  test('`...` broadcasts, and so does a size-1 axis of a named index', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 1, 3]);
    const y = f64([1, 1, 1, 2, 2, 2], [2, 3]);
    expect(einsum('...i,...i->...', x, y).toArray()).toEqual([[6, 12], [15, 30]]);
    expect(einsum('i,i->i', f64([2], [1]), f64([1, 2, 3], [3])).toArray()).toEqual([2, 4, 6]);
    // j has size 1 in the first operand: it multiplies the sum of the second along j.
    expect(einsum('ij,jk->ik', f64([1, 2], [2, 1]), f64([1, 2, 3, 4, 5, 6], [3, 2])).toArray()).toEqual([[9, 12], [18, 24]]);
  });

  test('a size-1 diagonal broadcasts too, and a size-1 axis against an empty one gives an empty index (as PyTorch)', () => {
    expect(einsum('ii,i->i', f64([2], [1, 1]), f64([0, 1, 2], [3])).toArray()).toEqual([0, 2, 4]);
    expect(einsum('i,i->', zeros([0], { dtype: 'float64' }), f64([5], [1])).item()).toBe(0);
    expect(einsum('i,i->i', f64([5], [1]), zeros([0], { dtype: 'float64' })).shape).toEqual([0]);
  });

  test('an output `...` without any input `...` is empty; an input `...` left out of the output is summed', () => {
    expect(einsum('i->...', f64([1, 2, 3], [3])).shape).toEqual([]);
    expect(einsum('...i->i', a).toArray()).toEqual([5, 7, 9]);
  });

  test('rank-0 operands and numbers', () => {
    expect(einsum(',->', 2, 3).item()).toBe(6);
    expect(einsum('', f64([4], [])).item()).toBe(4);
    expect(einsum('i,->i', f64([1, 2], [2]), 3).toArray()).toEqual([3, 6]);
  });

  test('an empty contracted index gives zeros; an empty kept one an empty result', () => {
    const got = einsum('ij,jk->ik', zeros([2, 0], { dtype: 'float64' }), zeros([0, 3], { dtype: 'float64' }));
    expect(got.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(einsum('ij,jk->ik', zeros([0, 2], { dtype: 'float64' }), zeros([2, 3], { dtype: 'float64' })).shape).toEqual([0, 3]);
  });

  test('a permutation, a diagonal and a transposed matmul are views of the operand or read through strides', () => {
    const m = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    expect(einsum('ij->ji', m).storage).toBe(m.storage);
    expect(einsum('ii->i', m).storage).toBe(m.storage);
    expect(einsum('ij->ij', m)).toBe(m);
  });

  /** The op names of the graph that made `y`, from the output back, and whether each reshape in it copied. */
  function graphOf(y: Tensor): { ops: string[]; copies: string[] } {
    const ops: string[] = [];
    const copies: string[] = [];
    const seen = new Set<Tensor>();
    const visit = (t: Tensor): void => {
      const node = t.node;
      if (node === null || seen.has(t)) return;
      seen.add(t);
      ops.push(node.op.name);
      if (node.op.name === 'reshape' && node.output.storage !== node.inputs[0]!.storage) copies.push(`reshape of [${node.inputs[0]!.shape.join(',')}]`);
      node.inputs.forEach(visit);
    };
    visit(y);
    return { ops, copies };
  }

  test('contiguous operands are arranged for matmul with views only (no reshape copies)', () => {
    const leaf = (shape: number[]): Tensor => zeros(shape, { dtype: 'float64', requiresGrad: true });
    expect(graphOf(einsum('ij,jk->ik', leaf([2, 3]), leaf([3, 4]))).ops).toEqual(['matmul']);
    expect(graphOf(einsum('bij,bjk->bik', leaf([2, 2, 3]), leaf([2, 3, 4]))).ops).toEqual(['matmul']);
    expect(graphOf(einsum('bhqd,bhkd->bhqk', leaf([2, 2, 3, 4]), leaf([2, 2, 5, 4]))).ops.sort()).toEqual(['matmul', 'permute']);
    for (const [equation, shapes] of [
      ['bqhd,bkhd->bhqk', [[2, 3, 2, 4], [2, 5, 2, 4]]],
      ['abc,cd,de->abe', [[2, 2, 3], [3, 2], [2, 3]]],
      ['bn,anm,bm->ba', [[2, 3], [4, 3, 5], [2, 5]]],
      ['ij,kl->ijkl', [[2, 2], [3, 2]]],
      ['i,i->', [[3], [3]]],
    ] as const) {
      const { ops, copies } = graphOf(einsum(equation, ...shapes.map((shape) => leaf([...shape]))));
      expect(ops, equation).toContain(equation === 'ij,kl->ijkl' ? 'mul' : 'matmul');
      expect(copies, equation).toEqual([]);
    }
    // Contracted axes that are not adjacent in an operand (i and k of ijk) cannot merge without a copy.
    expect(graphOf(einsum('ijk,ikl->jl', leaf([2, 3, 2]), leaf([2, 2, 4]))).copies).toEqual(['reshape of [3,2,2]']);
  });

  test('more than two operands, in any order of contraction, match the pairwise products', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = f64([1, -1, 2, 0, 1, 3, 1, 1, -2, 2, 0, 1], [3, 4]);
    const z = f64([2, 1, 0, 1, 1, 3, -1, 2], [4, 2]);
    expect(einsum('ij,jk,kl->il', x, y, z).toArray()).toEqual(matmul(matmul(x, y), z).toArray());
    expect(einsum('kl,ij,jk->il', z, x, y).toArray()).toEqual(matmul(matmul(x, y), z).toArray());
  });

  test('the parse of an equation is cached', () => {
    expect(parseEquationCached('ab,bc->ac')).toBe(parseEquationCached('ab,bc->ac'));
  });
});

describe('einsum dtypes and NaN', () => {
  test('int32 operands give int32 (as matmul); int32 with float64 promotes, as matmul', () => {
    const i = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const got = einsum('ij,jk->ik', i, i);
    expect(got.dtype).toBe('int32');
    expect(got.toArray()).toEqual(matmul(i, i).toArray());
    expect(einsum('ii', i).dtype).toBe('int32');
    const mixed = einsum('ij,jk->ik', i, tensor([[1, 0], [0, 1]], { dtype: 'float64' }));
    expect(mixed.dtype).toBe(matmul(i, tensor([[1, 0], [0, 1]], { dtype: 'float64' })).dtype);
    expect(mixed.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  test('a NaN reaches every output element it is a term of, even times 0', () => {
    const a = f64([NaN, 1, 2, 3], [2, 2]);
    const b = f64([0, 0, 0, 0], [2, 2]);
    const got = einsum('ij,jk->ik', a, b).toArray() as number[][];
    expect(got[0]).toEqual([NaN, NaN]);
    expect(got[1]).toEqual([0, 0]);
    expect(einsum('ii', a).item()).toBeNaN();
    expect(einsum('ij->j', a).toArray()).toEqual([NaN, 4]);
    expect(einsum('i,j->ij', f64([Infinity, 1], [2]), f64([0, 1], [2])).toArray()).toEqual([[NaN, Infinity], [0, 1]]);
  });
});

describe('einsum errors name einsum and what is wrong', () => {
  const m = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  const v = f64([1, 2], [2]);
  test.each([
    ['ij,jk', [m], /^einsum: "ij,jk" has subscripts for 2 operands, got 1$/],
    ['ij', [m, m], /^einsum: "ij" has subscripts for 1 operand, got 2$/],
    ['ijk', [m], /^einsum: operand 0 of "ijk" has 3 subscripts but rank 2 \(shape \[2, ?3\]\)$/],
    ['i...jk', [m], /^einsum: operand 0 of "i...jk" has 3 subscripts besides '...' but rank 2/],
    ['ij,j->i', [m, v], /^einsum: index 'j' of "ij,j->i" has size 3 in operand 0 \(shape \[2, ?3\]\) but 2 in operand 1 \(shape \[2\]\); sizes must agree or be 1$/],
    ['...,...', [m, f64([1, 2], [1, 2])], /^einsum: '...' axis 1 of "...,..." has size 3 in operand 0/],
    ['ii', [m], /^einsum: index 'i' is repeated in operand 0 of "ii" with sizes 2 and 3/],
    ['ij->k', [m], /^einsum: output index 'k' of "ij->k" is not an index of any input$/],
    ['ij->ii', [m], /^einsum: output index 'i' appears more than once in "ij->ii"$/],
    ['i1->i', [m], /^einsum: invalid character '1' at index 1 of "i1->i"/],
    ['ij->ij->', [m], /^einsum: "ij->ij->" has more than one '->'$/],
    ['ij-', [m], /^einsum: invalid character '-' at index 2 of "ij-"/],
    ['..ij', [m], /^einsum: a '.' at index 0 of "..ij" is not part of an ellipsis '...'/],
    ['......', [m], /^einsum: operand 0 of "......" has more than one ellipsis/],
    ['ij->......', [m], /^einsum: the output of "ij->......" has more than one ellipsis/],
  ] as const)('%s', (equation, operands, message) => {
    expect(() => einsum(equation, ...operands)).toThrow(message);
  });

  test('an operand that is not a tensor or a number', () => {
    expect(() => einsum('i', [1, 2] as never)).toThrow(/^einsum: expected a Tensor or a number, got/);
  });

  test('an equation that is not a string', () => {
    expect(() => einsum(3 as never, m)).toThrow(/^einsum: the equation must be a string, got number$/);
  });
});
