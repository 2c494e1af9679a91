/** Numeric edges: stable forms at huge inputs, and float32 agreeing with float64. */
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { logSoftmax, logSumExp, sigmoid, softmax, tanh, tensor, type Tensor } from '../src/index.js';
import { apply, type OpRecord } from '../src/op.js';
import { listPrimitiveOps } from '../src/ops/registry.js';
import { gradients } from '../src/functional.js';
import { fromStorage } from '../src/ops/creation.js';
import { drawFrom } from './draw.js';

const leaf = (data: number[]): Tensor => tensor(data, { dtype: 'float64', requiresGrad: true });
const finite = (t: Tensor): boolean => Array.from(t.data()).every(Number.isFinite);

function gradOf(f: (x: Tensor) => Tensor, data: number[], cotangent: number[]): Tensor {
  const x = leaf(data);
  return gradients(f(x), [x], tensor(cotangent, { dtype: 'float64' }))[0]!;
}

describe('no overflow at large logits', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`softmax, logSoftmax, logSumExp at +-1e4 (${dtype})`, () => {
      const x = tensor([1e4, -1e4, 0, 1e4 - 1], { dtype });
      const s = softmax(x);
      expect(finite(s)).toBe(true);
      expect(s.data()[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
      expect(s.data()[1]).toBe(0);
      const ls = logSoftmax(x);
      expect(finite(ls)).toBe(true);
      expect(ls.data()[1]).toBeCloseTo(-2e4 - Math.log(1 + Math.exp(-1)), 0);
      expect(logSumExp(x).item()).toBeCloseTo(1e4 + Math.log(1 + Math.exp(-1)), 2);
      expect(logSumExp(tensor([-1e4, -1e4], { dtype })).item()).toBeCloseTo(-1e4 + Math.log(2), 2);
    });
  }

  test('logSumExp of a row of -Infinity is -Infinity, not NaN', () => {
    expect(logSumExp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });

  test('sigmoid and tanh saturate at +-1000 without NaN, forward and backward', () => {
    expect(Array.from(sigmoid(tensor([1000, -1000], { dtype: 'float64' })).data())).toEqual([1, 0]);
    expect(Array.from(tanh(tensor([1000, -1000], { dtype: 'float64' })).data())).toEqual([1, -1]);
    expect(finite(gradOf(sigmoid, [1000, -1000], [1, 1]))).toBe(true);
    expect(finite(gradOf(tanh, [800, -800], [1, 1]))).toBe(true);
  });

  test('logSoftmax and softmax gradients are finite at +-800', () => {
    expect(finite(gradOf((x) => logSoftmax(x), [800, -800, 0], [1, 0.5, -1]))).toBe(true);
    expect(finite(gradOf((x) => softmax(x), [800, -800, 0], [1, 0.5, -1]))).toBe(true);
  });

  test('softmax and logSumExp gradients do not change when every input moves by 1000', () => {
    const base = [0.3, -1.2, 2.0];
    const cot = [0.7, -0.1, 0.4];
    for (const f of [(x: Tensor) => softmax(x), (x: Tensor) => logSoftmax(x), (x: Tensor) => logSumExp(x, -1, true)]) {
      const cotangent = f(tensor(base)).size === 1 ? [1] : cot;
      const at = Array.from(gradOf(f, base, cotangent).data());
      const shifted = Array.from(gradOf(f, base.map((v) => v + 1000), cotangent).data());
      shifted.forEach((value, i) => expect(value).toBeCloseTo(at[i]!, 10));
    }
  });
});

describe('the fused softmax kernel', () => {
  /** The chain the fused kernel replaces: shift by the maximum (finite or not), exp, sum, then log or divide. */
  function chain(x: Tensor, axis: number, log: boolean): Tensor {
    const shifted = x.sub(x.detach().max(axis, true));
    const sum = shifted.exp().sum(axis, true);
    return log ? shifted.sub(sum.log()) : shifted.exp().div(sum);
  }
  const show = (t: Tensor): string[] => Array.from(t.data(), (v) => (Object.is(v, -0) ? '-0' : String(v)));

  propTest.prop([
    fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('float32', 'float64'),
    fc.nat(),
    fc.array(fc.oneof(fc.double({ min: -300, max: 300, noNaN: true }), fc.constantFrom(-Infinity, Infinity, NaN, 0, -0, 1e4)), { minLength: 216, maxLength: 216 }),
  ])('gives the values of the chain of primitives bit for bit', (shape, dtype, axisSeed, pool) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const x = tensor(pool.slice(0, size), { shape, dtype });
    const axis = axisSeed % shape.length;
    expect(show(softmax(x, axis))).toEqual(show(chain(x, axis, false)));
    expect(show(logSoftmax(x, axis))).toEqual(show(chain(x, axis, true)));
  });
});

describe('float32 agrees with float64', () => {
  for (const { name, op } of listPrimitiveOps()) {
    propTest.prop([fc.gen()], { numRuns: 20 })(`${name}: values and gradients within float32 tolerance`, (g) => {
      const { inputs, attrs } = op.spec.sample(drawFrom(g));
      const run = (xs: Tensor[]): Float64Array[] => {
        const leaves = xs.map((x) => {
          const copy = fromStorage(x.data().slice(), x.shape);
          copy.requiresGrad = true;
          return copy;
        });
        const y = apply(op as OpRecord<unknown>, leaves, attrs === 'float64' && xs[0]!.dtype === 'float32' ? 'float32' : attrs);
        const cotangent = fromStorage(Float64Array.from({ length: y.size }, (_, i) => Math.cos(i)), y.shape).cast(y.dtype);
        return [y, ...gradients(y, leaves, cotangent)].map((t) => Float64Array.from(t.data()));
      };
      const wide = run(inputs);
      const narrow = run(inputs.map((x) => x.cast('float32')));
      narrow.forEach((values, k) => {
        values.forEach((value, i) => {
          const reference = wide[k]![i]!;
          expect(Math.abs(value - reference), `${name}: result ${k} element ${i}`).toBeLessThanOrEqual(2e-3 * (1 + Math.abs(reference)));
        });
      });
    });
  }
});
