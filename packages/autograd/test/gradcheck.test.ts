/**
 * The meta-test: gradcheck must fail, and say where and why, on deliberately wrong custom ops. A
 * checker that cannot fail proves nothing. Each planted bug is a custom op defined with the public
 * `defineOp`, exactly as a user would write one.
 */
import { describe, expect, test } from 'vitest';
import {
  assertGradcheck, defineOp, gradcheck, gradgradcheck, matmul, tensor, type Tensor,
} from '../src/index.js';

const f64 = (data: number[][] | number[], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const x = f64([0.3, -0.7, 1.1]);
const y = f64([2, 3, 4]);

const expRule = (sign: number) =>
  defineOp({ name: 'myExp', forward: (t) => t.exp(), backward: (g, { output }) => [g.mul(output).mul(sign)] });

const mulRule = (scaleB: number, dropB = false) =>
  defineOp({
    name: 'myMul',
    forward: (a, b) => a.mul(b),
    backward: (g, { inputs: [a, b] }) => [g.mul(b!), dropB ? null : g.mul(a!).mul(scaleB)],
  });

describe('gradcheck passes right ops', () => {
  test('a correct custom op, in full and in fast mode', () => {
    for (const mode of ['full', 'fast'] as const) {
      const report = gradcheck(mulRule(1), [x, y], { mode });
      expect(report.ok, report.message).toBe(true);
      expect(report.mode).toBe(mode);
    }
    expect(gradgradcheck(mulRule(1), [x, y]).ok).toBe(true);
    expect(assertGradcheck(expRule(1), [x]).message).toMatch(/^gradcheck passed/);
  });

  test('auto mode picks fast mode for large problems', () => {
    const big = tensor(Float64Array.from({ length: 100 }, (_, i) => Math.sin(i)), { shape: [100] });
    const report = gradcheck((t) => t.tanh(), [big]);
    expect(report.mode).toBe('fast');
    expect(report.ok, report.message).toBe(true);
  });
});

describe('gradcheck fails wrong ops and points at the bug', () => {
  test('a flipped sign', () => {
    const report = gradcheck(expRule(-1), [x]);
    expect(report.ok).toBe(false);
    expect(report.failures.filter((f) => f.output !== undefined && f.output[0] === f.index[0]).map((f) => f.index)).toEqual([[0], [1], [2]]);
    expect(report.hints.join('\n')).toMatch(/flipped sign/);
    expect(report.message).toMatch(/^gradcheck failed: 3 Jacobian entries differ for input 0/);
    expect(report.message).toMatch(/input 0 at \[\d\], output \[\d\]: analytic -?[\d.e-]+, numeric [\d.e-]+/);
  });

  test('a factor of 2 on one input only', () => {
    const report = gradcheck(mulRule(2), [x, y]);
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((f) => f.input))).toEqual(new Set([1]));
    expect(report.hints.join('\n')).toMatch(/analytic\/numeric = 2 at every failing entry: 2x/);
  });

  test('a dropped term', () => {
    const report = gradcheck(mulRule(1, true), [x, y]);
    expect(report.ok).toBe(false);
    expect(report.failures.every((f) => f.input === 1 && f.analytic === 0)).toBe(true);
    expect(report.hints.join('\n')).toMatch(/dropped path/);
  });

  test('a missing broadcast sum (the rule averages where it should sum)', () => {
    // bias is [1] broadcast over [4]: its gradient must be the sum over the 4 elements; this rule
    // returns the mean, as if the broadcast axis had not been summed.
    const addBias = defineOp({
      name: 'addBias',
      forward: (v, bias) => v.add(bias),
      backward: (g) => [g, g.mean(-1, true)],
    });
    const report = gradcheck(addBias, [f64([1, 2, 3, 4]), f64([0.5])]);
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((f) => f.input))).toEqual(new Set([1]));
    expect(report.hints.join('\n')).toMatch(/1\/4: a broadcast axis of size 4 not summed/);
  });

  test('a transposed result', () => {
    const myMatmul = defineOp({
      name: 'myMatmul',
      forward: (a, b) => matmul(a, b),
      // Right: dA = g B^T. Planted: (B g^T)^T... i.e. the transpose of the right gradient.
      backward: (g, { inputs: [a, b] }) => [g.matmul(b!.transpose()).transpose(), a!.transpose().matmul(g)],
    });
    const report = gradcheck(myMatmul, [f64([[1, 2], [3, 4]]), f64([[0.5, -1], [2, 0.1]])]);
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((f) => f.input))).toEqual(new Set([0]));
    expect(report.hints).toHaveLength(1);
    expect(report.hints[0]).toMatch(/transposed indices/);
  });

  test('an upstream gradient ignored', () => {
    const report = gradcheck(defineOp({ name: 'noUpstream', forward: (t) => t.exp(), backward: (_g, { output }) => [output] }), [x]);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/a zero cotangent gave a nonzero gradient/);
  });

  test('a wrong second derivative only: first order passes, second order fails', () => {
    // d/dx x^3 = 3x^2, computed from a detached x: right values, but no graph to differentiate again.
    const cube = defineOp({
      name: 'cube',
      forward: (t) => t.mul(t).mul(t),
      backward: (g, { inputs: [t] }) => [g.mul(t!.detach().square().mul(3))],
    });
    expect(gradcheck(cube, [x]).ok).toBe(true);
    const report = gradgradcheck(cube, [x]);
    expect(report.ok).toBe(false);
    expect(report.message).toMatch(/^gradgradcheck failed/);
    expect(report.failures.some((f) => f.input === 0)).toBe(true);
  });

  test('fast mode falls back to name the failing elements', () => {
    const big = tensor(Float64Array.from({ length: 80 }, (_, i) => Math.cos(i)), { shape: [8, 10] });
    const report = gradcheck(expRule(-1), [big], { mode: 'fast' });
    expect(report.ok).toBe(false);
    expect(report.mode).toBe('fast');
    expect(report.failures.length).toBeGreaterThan(70);
    expect(report.failures[0]!.index).toHaveLength(2);
    expect(report.message).toMatch(/gradient elements differ for input 0/);
  });

  test('assertGradcheck throws the report', () => {
    expect(() => assertGradcheck(expRule(-1), [x])).toThrow(/gradcheck failed: 3 Jacobian entries differ for input 0[\s\S]*hint: analytic = -numeric/);
  });
});

describe('gradcheck input rules', () => {
  test('only inputs with requiresGrad are checked, when any has it', () => {
    const report = gradcheck(mulRule(1, true), [f64([1, 2], true), f64([3, 4])]);
    expect(report.ok, report.message).toBe(true);
    expect(report.message).toMatch(/1: \[2\] \(not checked\)/);
  });

  test('float32 inputs are refused unless allowed', () => {
    expect(() => gradcheck((t) => t.exp(), [tensor([1, 2])])).toThrow(
      /^gradcheck: input 0 \(shape \[2\]\) is float32; finite differences need float64/,
    );
    const report = gradcheck((t) => t.exp(), [tensor([0.1, 0.2])], { allowFloat32: true, eps: 1e-2, atol: 1e-2, rtol: 1e-2 });
    expect(report.ok, report.message).toBe(true);
  });

  test('bad arguments', () => {
    expect(() => gradcheck((t) => t, [])).toThrow('gradcheck: expected a non-empty array of input tensors');
    expect(() => gradcheck((t) => t, [3 as never])).toThrow('gradcheck: input 0 is 3, not a Tensor');
    expect(() => gradcheck(() => 3 as never, [x])).toThrow('gradcheck: f returned 3; expected a Tensor');
    expect(() => gradcheck((t) => t.exp(), [f64([1]).expand([3])])).toThrow(/gradcheck: input 0 \(shape \[3\]\) is a broadcast view/);
  });

  test('a custom op whose backward returns the wrong number of gradients is an error naming it', () => {
    const bad = defineOp({ name: 'twoIn', forward: (a, b) => a.add(b), backward: (g) => [g] });
    const a = f64([1], true);
    expect(() => bad(a, f64([2])).sum().backward()).toThrow("defineOp 'twoIn': backward returned 1 gradients for 2 inputs; return one Tensor or null per input");
  });

  test('a gradient of a shape no broadcast explains is an error naming the op', () => {
    const bad = defineOp({ name: 'planted', forward: (t) => t.exp(), backward: (g) => [g.sum().reshape([1, 1]).expand([2, 2])] });
    expect(() => bad(f64([1, 2, 3], true)).sum().backward()).toThrow("backward of 'planted' returned a gradient of shape [2,2] for an input of shape [3]");
  });
});
