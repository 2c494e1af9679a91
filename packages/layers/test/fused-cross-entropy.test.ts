/**
 * The fused cross-entropies against the same formulas written with tensor ops: values and gradients
 * (with respect to the predictions and the targets) on random batches that include saturated,
 * unnormalized and large rows, finite differences to second order, a third derivative, float32 and
 * ranks other than 2. crossEntropy's fused path against its general one.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gradcheck, gradgradcheck, gradients, ones, tensor, type Tensor } from '@nn/autograd';
import { crossEntropy, crossEntropyOfLogits, crossEntropyOfProbabilities } from '../src/index.js';
import { EPSILON as EPSILON_OF, expectClose, scaledTolerance } from '../../../test/close.js';

const EPSILON = 1e-7;

/** Each fused op beside its formula as tensor ops, and the predictions it takes. */
const cases = [
  {
    name: 'crossEntropyOfProbabilities',
    fused: crossEntropyOfProbabilities,
    composite: (t: Tensor, p: Tensor): Tensor => t.mul(p.div(p.sum(-1, true)).clamp(EPSILON, 1 - EPSILON).log()).sum(-1).mean().neg(),
    // Probabilities: some exactly 0 or 1 (clipped), rows not summing to 1.
    value: fc.oneof(fc.double({ min: 0.01, max: 3, noNaN: true }), fc.constantFrom(0, 1)),
  },
  {
    name: 'crossEntropyOfLogits',
    fused: crossEntropyOfLogits,
    composite: (t: Tensor, x: Tensor): Tensor => t.mul(x.logSoftmax(-1)).sum(-1).mean().neg(),
    value: fc.oneof(fc.double({ min: -8, max: 8, noNaN: true }), fc.constantFrom(0, 300, -300)),
  },
] as const;

/** A batch: N rows of C values; targets one-hot or soft. */
const batchOf = (value: fc.Arbitrary<number>) =>
  fc
    .record({ rows: fc.integer({ min: 1, max: 5 }), classes: fc.integer({ min: 2, max: 6 }), soft: fc.boolean() })
    .chain(({ rows, classes, soft }) =>
      fc.record({
        rows: fc.constant(rows),
        classes: fc.constant(classes),
        y: fc.array(value, { minLength: rows * classes, maxLength: rows * classes }),
        t: soft
          ? fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes })
          : fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }).map((labels) =>
              labels.flatMap((label) => Array.from({ length: classes }, (_, j) => (j === label ? 1 : 0))),
            ),
      }),
    )
    // A row of zero probabilities is 0 / 0; keep one positive value a row.
    .filter(({ rows, classes, y }) => Array.from({ length: rows }, (_, i) => y.slice(i * classes, (i + 1) * classes).some((v) => v > 0)).every(Boolean));

const close = (actual: Tensor, expected: Tensor, tolerance: number): void => {
  const a = actual.data();
  const e = expected.data();
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]!), `element ${i}: ${v} against ${e[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i]!))));
};

const f64 = (data: number[][], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

describe.each(cases)('$name', ({ fused, composite, value }) => {
  propTest.prop([batchOf(value)])('values and both gradients equal the tensor-op formula (float64)', ({ rows, classes, y, t }) => {
    const opts = { dtype: 'float64' as const, shape: [rows, classes], requiresGrad: true };
    const [y1, t1, y2, t2] = [tensor(y, opts), tensor(t, opts), tensor(y, opts), tensor(t, opts)];
    const loss = fused(t1, y1);
    const reference = composite(t2, y2);
    close(loss, reference, 1e-12);
    const g = tensor(1.7, { dtype: 'float64' });
    const [dt1, dy1] = gradients(loss, [t1, y1], g);
    const [dt2, dy2] = gradients(reference, [t2, y2], g);
    close(dy1!, dy2!, 1e-12);
    close(dt1!, dt2!, 1e-12);
  });

  test('finite differences, first and second order', () => {
    const t = f64([[0, 1, 0], [0.2, 0.3, 0.5]], true);
    const y = f64([[0.3, 1.2, 0.4], [2, 0.5, 1]], true);
    for (const check of [gradcheck, gradgradcheck]) {
      const report = check((tt, yy) => fused(tt!, yy!), [t, y]);
      expect(report.ok, report.message).toBe(true);
    }
  });

  test('third derivatives through the gradient op equal the tensor-op formula', () => {
    const t = f64([[0.1, 0.6, 0.3]]);
    const third = (f: (t: Tensor, y: Tensor) => Tensor): Tensor => {
      const y = f64([[0.3, 1.2, 0.4]], true);
      const one = tensor(1, { dtype: 'float64' });
      const [g1] = gradients(f(t, y), [y], one, { createGraph: true });
      const [g2] = gradients(g1!.square().sum(), [y], one, { createGraph: true });
      return gradients(g2!.sum(), [y], one)[0]!;
    };
    close(third(fused), third(composite), 1e-10);
  });

  test('float32 within float32 rounding; other ranks average over every axis but the last', () => {
    const y = tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], { requiresGrad: true });
    const t = tensor([[1, 0, 0], [0, 0, 1]]);
    expect(fused(t, y).dtype).toBe('float32');
    // 16 float32 rounding steps of the largest value: both compute a row of three classes in a few
    // roundings each, in different orders (a fixed 1e-6 would pass a factor-2 error on a small gradient).
    const closeF32 = (actual: Tensor, expected: Tensor): void =>
      expectClose(actual.data(), expected.data(), scaledTolerance(expected.data(), EPSILON_OF.float32, 16), 'float32');
    closeF32(fused(t, y), composite(t, y));
    closeF32(fused(t.reshape([1, 2, 3]), y.reshape([1, 2, 3])), composite(t, y));
    closeF32(gradients(fused(t, y), [y], ones([]))[0]!, gradients(composite(t, y), [y], ones([]))[0]!);
  });
});

describe('the edges', () => {
  test('a saturated row of probabilities: finite loss, and the clipped entries pass no gradient', () => {
    const p = f64([[1, 0, 0]], true);
    const loss = crossEntropyOfProbabilities(f64([[0, 1, 0]]), p);
    expect(loss.item()).toBeCloseTo(-Math.log(1e-7), 6);
    loss.backward();
    expect(p.grad!.toArray()).toEqual([[0, 0, 0]]);
  });

  test('logits of +-1e4 stay finite; a -Infinity logit the target ignores gives no NaN', () => {
    expect(crossEntropyOfLogits(f64([[0, 1, 0]]), f64([[1e4, -1e4, 0]])).item()).toBeCloseTo(2e4, 6);
    const x = f64([[-Infinity, 2, 1]], true);
    const loss = crossEntropyOfLogits(f64([[0, 1, 0]]), x);
    expect(loss.item()).toBeCloseTo(Math.log(1 + Math.exp(-1)), 12);
    loss.backward();
    expect(Array.from(x.grad!.data()).every(Number.isFinite)).toBe(true);
  });
});

describe('bad input', () => {
  test('shapes that differ, a rank-0 prediction or a non-tensor are errors naming the op and the shapes', () => {
    expect(() => crossEntropyOfLogits(f64([[0, 1]]), f64([[0, 1, 2]]))).toThrow(
      'crossEntropyOfLogits: target of shape [1,2] does not match logits of shape [1,3] (expected the same shape, classes on the last axis)',
    );
    expect(() => crossEntropyOfProbabilities(tensor(1), tensor(0.5))).toThrow('crossEntropyOfProbabilities: target of shape [] does not match probabilities of shape []');
    expect(() => crossEntropyOfLogits([[1]] as unknown as Tensor, f64([[0]]))).toThrow('crossEntropyOfLogits: target must be a Tensor, got');
  });

  test('float32 with float64 computes in float64, and each gradient keeps its input dtype', () => {
    const x = tensor([[0.3, -1, 2]], { requiresGrad: true });
    const loss = crossEntropyOfLogits(f64([[0, 1, 0]]), x);
    expect(loss.dtype).toBe('float64');
    expect(loss.item()).toBeCloseTo(crossEntropyOfLogits(f64([[0, 1, 0]]), f64([[0.3, -1, 2]])).item(), 6);
    loss.backward();
    expect(x.grad!.dtype).toBe('float32');
  });
});

describe('crossEntropy', () => {
  test('its fused path (no weight, mean) equals the general one, labels or probabilities, with smoothing', () => {
    const x = f64([[0.3, -1, 2], [1, 0.5, -0.5], [0, 0, 0]], true);
    const labels = f64([[2, 0, 1]]).reshape([3]);
    const soft = f64([[0.1, 0.1, 0.8], [0.5, 0.5, 0], [1, 0, 0]]);
    for (const target of [labels, soft]) {
      for (const labelSmoothing of [0, 0.1]) {
        // 'sum' divided by the rows takes the general path to the same value.
        const fusedLoss = crossEntropy(x, target, { labelSmoothing });
        const general = crossEntropy(x, target, { labelSmoothing, reduction: 'sum' }).div(3);
        expect(fusedLoss.item()).toBeCloseTo(general.item(), 13);
        close(gradients(fusedLoss, [x], ones([], { dtype: 'float64' }))[0]!, gradients(general, [x], ones([], { dtype: 'float64' }))[0]!, 1e-13);
      }
    }
  });
});
