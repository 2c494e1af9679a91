/**
 * NaN and Infinity through the fused cross-entropies, as in PyTorch: the recorded cases of
 * test/fixtures/nan.json (logits with NaN or +-Infinity planted, against class indices as one-hot
 * rows and against probabilities; Keras's cross-entropy of probabilities written with PyTorch ops),
 * and a property: NaN planted at random positions makes the loss NaN, and the gradient NaN exactly on
 * the rows that hold one.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { tensor, type DType, type Tensor } from '@nn/autograd';
import { crossEntropyOfLogits, crossEntropyOfProbabilities } from '../src/index.js';
import { casesOf, mismatches } from '../../../test/fixtures/nan-fixture.js';

const fused = { crossEntropyOfLogits, crossEntropyOfProbabilities };

describe("PyTorch's cases", () => {
  const recorded = [...casesOf('crossEntropyOfLogits'), ...casesOf('crossEntropyOfProbabilities')];
  test('are there', () => expect(recorded.length).toBeGreaterThanOrEqual(6));
  for (const [index, c] of recorded.entries()) {
    test(`${c.op}, targets ${String(c.attrs.targets ?? 'probabilities')} (case ${index}): loss and gradients`, () => {
      const leaf = (i: number): Tensor => tensor(c.inputs[i]!.data, { shape: c.inputs[i]!.shape, dtype: 'float64', requiresGrad: c.grads[i] !== null });
      const [t, x] = [leaf(0), leaf(1)];
      const loss = fused[c.op as keyof typeof fused](t, x);
      expect(mismatches([loss.item()], c.output.data), 'loss').toEqual([]);
      loss.backward(tensor(c.cotangent.data[0]!, { dtype: 'float64' }));
      expect(mismatches(x.grad!.data(), c.grads[1]!.data), 'gradient of the predictions').toEqual([]);
      if (c.grads[0] !== null) expect(mismatches(t.grad!.data(), c.grads[0].data), 'gradient of the targets').toEqual([]);
    });
  }
});

/** A [rows, classes] batch with NaN planted: logits in [-3, 3] or probabilities in (0.05, 1]. */
function planted(rows: number, classes: number, dtype: DType, seed: number, nanRate: number, probabilities: boolean): Tensor {
  let state = seed;
  const next = (): number => {
    state = (Math.imul(state, 48271) + 11) & 0x7fffffff;
    return state / 0x80000000;
  };
  const data = Array.from({ length: rows * classes }, () => {
    const u = next();
    return next() < nanRate ? NaN : probabilities ? 0.05 + 0.95 * u : 6 * u - 3;
  });
  return tensor(data, { shape: [rows, classes], dtype, requiresGrad: true });
}

/** One-hot rows, or soft rows (every entry positive, summing to 1). */
function targets(rows: number, classes: number, dtype: DType, soft: boolean): Tensor {
  const data = Array.from({ length: rows * classes }, (_, i) => {
    const [row, j] = [Math.floor(i / classes), i % classes];
    return soft ? (1 + ((row + j) % 3)) / (classes + 3 * classes) : j === (row * 7) % classes ? 1 : 0;
  });
  const t = tensor(data, { shape: [rows, classes], dtype });
  return soft ? t.div(t.sum(-1, true)) : t;
}

describe('NaN planted at random positions', () => {
  propTest.prop([
    fc.constantFrom('crossEntropyOfLogits', 'crossEntropyOfProbabilities'),
    fc.constantFrom([1, 1], [1, 5], [4, 3], [32, 10], [70, 40]),
    fc.constantFrom<DType>('float32', 'float64'),
    fc.integer({ min: 1, max: 0x7fffffff }),
    fc.constantFrom(0, 0.01, 0.2, 1),
    fc.boolean(),
  ])('make the loss NaN, and the gradient NaN on exactly the rows holding a NaN', (op, [rows, classes], dtype, seed, rate, soft) => {
    const y = planted(rows!, classes!, dtype, seed, rate, op === 'crossEntropyOfProbabilities');
    const loss = fused[op](targets(rows!, classes!, dtype, soft), y);
    const values = Array.from(y.data());
    const nanRows = Array.from({ length: rows! }, (_, r) => values.slice(r * classes!, (r + 1) * classes!).some(Number.isNaN));
    expect(Number.isNaN(loss.item())).toBe(nanRows.some((v) => v));
    loss.backward();
    const grad = Array.from(y.grad!.data());
    expect(grad.map((v, i) => Number.isNaN(v) !== nanRows[Math.floor(i / classes!)]).indexOf(true)).toBe(-1);
  });

  test('a NaN logit in a row whose targets are all 0 still makes the loss NaN (as 0 * NaN in PyTorch)', () => {
    const x = tensor([[NaN, 1], [0, 1]], { dtype: 'float64' });
    expect(crossEntropyOfLogits(tensor([[0, 0], [0, 1]], { dtype: 'float64' }), x).item()).toBeNaN();
  });
});
