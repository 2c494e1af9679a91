/**
 * Every helper the tests compare results with fails on a NaN, wherever it is: in the first, a middle
 * or the last element (a running maximum of errors written with `>` or `<=` keeps a later finite
 * error over an earlier NaN, and `Math.max` guarded by `isFinite` drops it).
 */
import { describe, expect, test } from 'vitest';
import { defineOp, gradcheck, tensor } from '@nn/autograd';
import { matmulKernel } from '../packages/autograd/src/kernels/matmul.js';
import { checkKernel } from '../packages/autograd/test/matmul-reference.js';
import { expectClose as expectCloseToPytorch } from '../packages/layers/test/fixture.js';
import { ErrorTracker } from '../packages/optim/test/problem.js';
import { expectClose, firstMismatch } from './close.js';

const expected = [0.5, -1.25, 2, 3.5, -0.75];
/** The expected values with a small error everywhere and a NaN at `position`. */
const withNaN = (position: number): number[] => expected.map((e, i) => (i === position ? Number.NaN : e * (1 + 1e-14)));
const positions = [
  ['first', 0],
  ['middle', 2],
  ['last', expected.length - 1],
] as const;

describe.each(positions)('a NaN in the %s element', (_where, position) => {
  test('fails the shared comparison (test/close.ts), on either side', () => {
    const tolerance = { atol: 1e-12, rtol: 1e-9 };
    expect(firstMismatch(withNaN(-1), expected, tolerance)).toBeUndefined();
    expect(() => expectClose(withNaN(position), expected, tolerance, 'values')).toThrow(`values: element ${position} is NaN`);
    expect(() => expectClose(expected, withNaN(position), tolerance, 'values')).toThrow(`values: element ${position} is ${expected[position]}, expected NaN`);
  });

  test("fails the optimizers' comparison with PyTorch (ErrorTracker)", () => {
    const tracker = new ErrorTracker();
    expect(tracker.compare(withNaN(-1), expected, 'params')).toBeLessThan(1e-13);
    expect(tracker.compare(withNaN(position), expected, 'params')).toBeNaN();
    expect(tracker.worst).toBeNaN();
    expect(tracker.where).toBe(`params[${position}]`);
    // Later finite errors leave the NaN standing.
    expect(tracker.compare(withNaN(-1), expected, 'more params')).toBeLessThan(1e-13);
    expect(tracker.worst).toBeNaN();
  });

  test("fails the layers' comparison with PyTorch", () => {
    const encoded = { shape: [expected.length], data: expected };
    expectCloseToPytorch(tensor(withNaN(-1), { dtype: 'float64' }), encoded, 'output');
    expect(() => expectCloseToPytorch(tensor(withNaN(position), { dtype: 'float64' }), encoded, 'output')).toThrow(`output: element ${position} is NaN`);
  });

  test('fails the matmul kernel reference', () => {
    // 2 x 3 @ 3 x 4 in a batch of 2: an output of 16 elements, with the NaN at first, middle or last.
    const at = [0, 7, 15][positions.findIndex(([, p]) => p === position)]!;
    const nanAt: typeof matmulKernel = (out, ...rest) => {
      matmulKernel(out, ...rest);
      out[at] = Number.NaN;
    };
    checkKernel(matmulKernel, { m: 2, k: 3, n: 4, batchShape: [2] });
    // The same call with the true kernel passed: the NaN is what fails it.
    expect(() => checkKernel(nanAt, { m: 2, k: 3, n: 4, batchShape: [2] })).toThrow();
  });

  test('fails gradcheck, which names the element and reports its largest error as NaN', () => {
    // Doubles its input; the backward rule's gradient is NaN at one element.
    const factors = expected.map((_, i) => (i === position ? Number.NaN : 2));
    const double = defineOp({ name: 'nanGradient', forward: (t) => t.mul(2), backward: (g) => [g.mul(tensor(factors, { dtype: 'float64' }))] });
    const report = gradcheck(double, [tensor(expected, { dtype: 'float64' })]);
    expect(report.ok).toBe(false);
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => f.index[0] === position && Number.isNaN(f.analytic))).toBe(true);
    expect(report.maxAbsError).toBeNaN();
    expect(report.maxRelError).toBeNaN();
    expect(report.message).toContain(`input 0 at [${position}]`);
  });
});
