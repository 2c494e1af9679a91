/**
 * PyTorch's torch.linalg on the same leaves (test/fixtures/linalg.json, written by
 * test/fixtures/linalg.py): the outputs, the gradients of <cotangent, output> and the Hessian-vector
 * products of <cotangent2, gradients>, in float64, to 1e-10 relative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { add, concat, eye, gradients, matmul, tensor, transpose, zeros, type Tensor } from '@nn/autograd';
import { cholesky, det, inv, lstsq, matrixExp, matrixNorm, slogdet, solve, solveTriangular, type MatrixNormOrd } from '../src/index.js';

interface Encoded {
  shape: number[];
  data: (number | string)[];
}
interface FixtureCase {
  fn: string;
  opts: Record<string, unknown>;
  prep: 'spd' | 'dominant' | 'tall' | 'singular' | 'dependent' | 'none';
  leaves: Encoded[];
  output: Encoded;
  cotangent: Encoded;
  grads?: Encoded[];
  cotangent2?: Encoded[];
  hvp?: Encoded[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/linalg.json', import.meta.url), 'utf8'), (_, v: unknown) =>
  typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v) as { cases: FixtureCase[] };

const decode = (e: Encoded, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(e.data as number[]), { shape: e.shape, dtype: 'float64', requiresGrad });

/** The matrices the Python script builds from the first leaf, built the same way. */
function prepare(how: FixtureCase['prep'], x: Tensor): Tensor {
  const [m, n] = x.shape.slice(-2) as [number, number];
  if (how === 'spd') return add(matmul(x, transpose(x, -2, -1)), eye(n, { dtype: 'float64' }).mul(n));
  if (how === 'dominant') return add(x, eye(n, { dtype: 'float64' }).mul(2 * n));
  if (how === 'tall') {
    const lift = zeros([m, n], { dtype: 'float64' }).add(tensor(Float64Array.from({ length: m * n }, (_, i) => (Math.floor(i / n) === i % n ? 2 * n : 0)), { shape: [m, n] }));
    return add(x, lift);
  }
  if (how === 'singular') {
    const start = x.shape.map(() => 0);
    const rowsEnd = (r: number): number[] => [...x.shape.slice(0, -2), r, n];
    const fromRow = (r: number): number[] => [...start.slice(0, -2), r, 0];
    const sumOfFirstTwo = x.slice(start, rowsEnd(1)).add(x.slice(fromRow(1), rowsEnd(2)));
    return concat([x.slice(start, rowsEnd(m - 1)), sumOfFirstTwo], -2);
  }
  if (how === 'dependent') return transpose(prepare('singular', transpose(x, -2, -1)), -2, -1);
  return x;
}

function run(c: FixtureCase, a: Tensor, b: Tensor | undefined): Tensor {
  const o = c.opts;
  switch (c.fn) {
    case 'cholesky': return cholesky(a, { upper: o.upper === true });
    case 'solve_triangular': return solveTriangular(a, b!, { upper: o.upper === true, left: o.left !== false, unitriangular: o.unitriangular === true });
    case 'solve': return solve(a, b!);
    case 'inv': return inv(a);
    case 'det': return det(a);
    case 'slogdet': return slogdet(a).logabsdet;
    case 'slogdet_sign': return slogdet(a).sign;
    case 'lstsq': return lstsq(a, b!).solution;
    case 'matrix_norm': return matrixNorm(a, { ord: o.ord as MatrixNormOrd });
    case 'matrix_exp': return matrixExp(a);
    default: throw new Error(`unknown fixture function ${c.fn}`);
  }
}

/** Every element within 1e-10 of PyTorch's, relative to the largest magnitude of the expected tensor. */
function expectClose(actual: Tensor, expected: Encoded, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const got = actual.data();
  const want = expected.data as number[];
  const scale = Math.max(1, ...want.map(Math.abs));
  want.forEach((w, i) => {
    if (Math.abs(got[i]! - w) > 1e-10 * scale) throw new Error(`${what}: element ${i} is ${got[i]}, PyTorch's ${w} (tolerance ${1e-10 * scale})`);
  });
}

describe("PyTorch's values, gradients and Hessian-vector products (float64)", () => {
  for (const [index, c] of fixture.cases.entries()) {
    test(`${c.fn} ${JSON.stringify(c.opts)} on ${c.leaves.map((l) => `[${l.shape.join(', ')}]`).join(' and ')} (${c.prep}, case ${index})`, () => {
      const leaves = c.leaves.map((l) => decode(l, true));
      const out = run(c, prepare(c.prep, leaves[0]!), leaves[1]);
      expectClose(out, c.output, 'output');
      if (c.grads === undefined) return;
      const grads = gradients(out, leaves, decode(c.cotangent), { createGraph: true });
      grads.forEach((g, i) => expectClose(g, c.grads![i]!, `gradient of leaf ${i}`));
      const inner = grads.map((g, i) => g.mul(decode(c.cotangent2![i]!)).sum()).reduce((p, q) => p.add(q));
      const hvp = gradients(inner, leaves, tensor(1, { dtype: 'float64' }));
      hvp.forEach((h, i) => expectClose(h, c.hvp![i]!, `Hessian-vector product of leaf ${i}`));
    });
  }
});
