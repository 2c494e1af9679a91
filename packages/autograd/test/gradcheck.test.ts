/**
 * The checker behind the gradient suite must be able to fail: it is run on deliberately wrong ops
 * and must reject each, naming the input at fault.
 */
import { describe, expect, test } from 'vitest';
import { apply, type OpRecord } from '../src/op.js';
import { gradcheck, gradgradcheck } from '../src/check/gradcheck.js';
import { mapUnary, mapBinary } from '../src/ops/pointwise.js';
import { matmulOp } from '../src/ops/matmul.js';
import { tensor, type Tensor } from '../src/index.js';

const f64 = (data: number[][] | number[]): Tensor => tensor(data, { dtype: 'float64' });

function unaryWithRule(backward: OpRecord['backward'], f: (v: number) => number = Math.exp): (x: Tensor) => Tensor {
  const op: OpRecord = { name: 'planted', forward: ([x]) => mapUnary(x!, f), backward };
  return (x) => apply(op, [x], undefined);
}

function mulWithRule(backward: OpRecord['backward']): (a: Tensor, b: Tensor) => Tensor {
  const op: OpRecord = { name: 'plantedMul', forward: ([a, b]) => mapBinary(a!, b!, 'plantedMul', (x, y) => x * y), backward };
  return (a, b) => apply(op, [a, b], undefined);
}

describe('the checker rejects wrong rules', () => {
  const x = f64([0.3, -0.7, 1.1]);

  test('the right rule passes', () => {
    expect(gradcheck(unaryWithRule((g, { output }) => [g.mul(output)]), [x]).ok).toBe(true);
  });

  test('a flipped sign', () => {
    const report = gradcheck(unaryWithRule((g, { output }) => [g.mul(output).neg()]), [x]);
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => f.index)).toEqual([[0], [1], [2]]);
    report.failures.forEach((f) => expect(f.analytic).toBeCloseTo(-f.numeric, 6));
  });

  test('a factor of 2 on one input only', () => {
    const report = gradcheck(mulWithRule((g, { inputs: [a, b] }) => [g.mul(b!), g.mul(a!).mul(2)]), [x, f64([2, 3, 4])]);
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((f) => f.input))).toEqual(new Set([1]));
  });

  test('a dropped term (one input gets no gradient)', () => {
    const report = gradcheck(mulWithRule((g, { inputs: [, b] }) => [g.mul(b!), null]), [x, f64([2, 3, 4])]);
    expect(report.ok).toBe(false);
    expect(report.failures.every((f) => f.input === 1 && f.analytic === 0)).toBe(true);
  });

  test('an upstream gradient ignored', () => {
    const report = gradcheck(unaryWithRule((_g, { output }) => [output]), [x]);
    expect(report.ok).toBe(false);
  });

  test('a transposed matmul rule', () => {
    const wrong: OpRecord = { ...matmulOp, backward: (g, { inputs: [a, b] }) => [g.matmul(b!), a!.matmul(g)] };
    const report = gradcheck((p, q) => apply(wrong, [p!, q!], undefined), [f64([[1, 2], [3, 4]]), f64([[0.5, -1], [2, 0.1]])]);
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((f) => f.input))).toEqual(new Set([0, 1]));
  });

  test('a wrong second derivative only: first order passes, second fails', () => {
    // d/dx x^3 = 3x^2, but computed from a detached x: right values, no graph for the second order.
    const cube = unaryWithRule((g, { inputs: [input] }) => [g.mul(input!.detach().square().mul(3))], (v) => v ** 3);
    expect(gradcheck(cube, [x]).ok).toBe(true);
    const report = gradgradcheck(cube, [x]);
    expect(report.ok).toBe(false);
    expect(report.failures.some((f) => f.input === 0)).toBe(true);
  });

  test('a gradient of a shape no broadcast explains is an error naming the op', () => {
    const bad = unaryWithRule((g) => [g.sum().reshape([1, 1]).expand([2, 2])]);
    const leaf = f64([1, 2, 3]);
    leaf.requiresGrad = true;
    expect(() => bad(leaf).sum().backward()).toThrow("backward of 'planted' returned a gradient of shape [2,2] for an input of shape [3]");
  });

  test('non-float64 inputs are refused', () => {
    expect(() => gradcheck((t) => t.exp(), [tensor([1, 2])])).toThrow(/gradcheck: input of shape \[2\] is float32; finite differences need float64 inputs/);
  });
});
