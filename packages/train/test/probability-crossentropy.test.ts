/**
 * The fused Keras cross-entropy of probabilities against the same formula written with tensor ops:
 * values and gradients (with respect to the predictions and the targets) on random batches that
 * include saturated and unnormalized rows, finite differences to second order, float32 and ranks
 * other than 2.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gradcheck, gradgradcheck, gradients, tensor, ones, type Tensor } from '@nn/autograd';
import { EPSILON, probabilityCrossEntropy } from '../src/probability-crossentropy.js';

/** The loss as tensor ops: what Keras computes, and what the fused op replaced. */
const composite = (t: Tensor, p: Tensor): Tensor =>
  t.mul(p.div(p.sum(-1, true)).clamp(EPSILON, 1 - EPSILON).log()).sum(-1).mean().neg();

/** A batch: rows of C probabilities, some exactly 0 or 1 (clipped), some not summing to 1; targets one-hot or soft. */
const batch = fc
  .record({ rows: fc.integer({ min: 1, max: 5 }), classes: fc.integer({ min: 2, max: 6 }), soft: fc.boolean() })
  .chain(({ rows, classes, soft }) =>
    fc.record({
      rows: fc.constant(rows),
      classes: fc.constant(classes),
      p: fc.array(fc.oneof(fc.double({ min: 0.01, max: 3, noNaN: true }), fc.constantFrom(0, 1)), { minLength: rows * classes, maxLength: rows * classes }),
      t: soft
        ? fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: rows * classes, maxLength: rows * classes })
        : fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }).map((labels) =>
            labels.flatMap((label) => Array.from({ length: classes }, (_, j) => (j === label ? 1 : 0))),
          ),
    }),
  )
  // A row of zeros has no probabilities (0 / 0); keep at least one positive value a row.
  .filter(({ rows, classes, p }) => Array.from({ length: rows }, (_, i) => p.slice(i * classes, (i + 1) * classes).some((v) => v > 0)).every(Boolean));

const close = (actual: Tensor, expected: Tensor, tolerance: number): void => {
  const a = actual.data();
  const e = expected.data();
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]!), `element ${i}: ${v} against ${e[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i]!))));
};

describe('fused categorical cross-entropy of probabilities', () => {
  propTest.prop([batch])('values and gradients equal the tensor-op formula (float64)', ({ rows, classes, p, t }) => {
    const opts = { dtype: 'float64' as const, shape: [rows, classes], requiresGrad: true };
    const [p1, t1, p2, t2] = [tensor(p, opts), tensor(t, opts), tensor(p, opts), tensor(t, opts)];
    const fused = probabilityCrossEntropy(t1, p1);
    const reference = composite(t2, p2);
    close(fused, reference, 1e-12);
    const g = tensor(1.7, { dtype: 'float64' });
    const [dt1, dp1] = gradients(fused, [t1, p1], g);
    const [dt2, dp2] = gradients(reference, [t2, p2], g);
    close(dp1!, dp2!, 1e-12);
    close(dt1!, dt2!, 1e-12);
  });

  test('finite differences, first and second order, inside and at the clip bounds', () => {
    const t = tensor([[0, 1, 0], [0.2, 0.3, 0.5]], { dtype: 'float64', requiresGrad: true });
    const p = tensor([[0.3, 1.2, 0.4], [2, 0.5, 1]], { dtype: 'float64', requiresGrad: true });
    for (const check of [gradcheck, gradgradcheck]) {
      const report = check((tt, pp) => probabilityCrossEntropy(tt!, pp!), [t, p]);
      expect(report.ok, report.message).toBe(true);
    }
    // A saturated row: the clipped entries pass no gradient, and nothing is NaN or infinite.
    const saturated = tensor([[1, 0, 0]], { dtype: 'float64', requiresGrad: true });
    const loss = probabilityCrossEntropy(tensor([[0, 1, 0]], { dtype: 'float64' }), saturated);
    expect(loss.item()).toBeCloseTo(-Math.log(1e-7), 6);
    loss.backward();
    expect(saturated.grad!.toArray()).toEqual([[0, 0, 0]]);
  });

  test('third derivatives through the gradient op match the tensor-op formula', () => {
    const p1 = tensor([[0.3, 1.2, 0.4]], { dtype: 'float64', requiresGrad: true });
    const p2 = tensor([[0.3, 1.2, 0.4]], { dtype: 'float64', requiresGrad: true });
    const t = tensor([[0.1, 0.6, 0.3]], { dtype: 'float64' });
    const third = (p: Tensor, f: (t: Tensor, p: Tensor) => Tensor): Tensor => {
      const [g1] = gradients(f(t, p), [p], tensor(1, { dtype: 'float64' }), { createGraph: true });
      const [g2] = gradients(g1!.square().sum(), [p], tensor(1, { dtype: 'float64' }), { createGraph: true });
      return gradients(g2!.sum(), [p], tensor(1, { dtype: 'float64' }))[0]!;
    };
    close(third(p1, probabilityCrossEntropy), third(p2, composite), 1e-10);
  });

  test('float32 within float32 rounding; other ranks average over every axis but the last', () => {
    const p = tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], { requiresGrad: true });
    const t = tensor([[1, 0, 0], [0, 0, 1]]);
    expect(probabilityCrossEntropy(t, p).dtype).toBe('float32');
    close(probabilityCrossEntropy(t, p), composite(t, p), 1e-6);
    const p3 = p.reshape([1, 2, 3]);
    close(probabilityCrossEntropy(t.reshape([1, 2, 3]), p3), composite(t, p), 1e-6);
    const [dp] = gradients(probabilityCrossEntropy(t, p), [p], ones([]));
    const [dpRef] = gradients(composite(t, p), [p], ones([]));
    close(dp!, dpRef!, 1e-6);
  });
});
