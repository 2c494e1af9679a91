/**
 * The losses that take class labels (crossEntropy, nllLoss) accept int32 targets (API.md,
 * "Additions", dtype int32) and give the same values and gradients as integer-valued float labels,
 * which keep working; a float target with a non-integer value is an error naming the loss.
 */
import { describe, expect, test } from 'vitest';
import { tensor, type DType, type Tensor } from '@nn/autograd';
import { crossEntropy, nllLoss } from '../src/index.js';

const logits = (): Tensor => tensor([[2, -1, 0.5, 0], [0, 3, -2, 1], [1, 1, 1, -1]], { dtype: 'float64', requiresGrad: true });
const LABELS = [3, 1, 0];

/** The loss and the logits' gradient for labels of `dtype`. */
function lossAndGradient(loss: (x: Tensor, target: Tensor) => Tensor, dtype: DType): [number[], number[]] {
  const x = logits();
  const value = loss(x, tensor(LABELS, { dtype }));
  value.sum().backward();
  return [Array.from(value.data()), Array.from(x.grad!.data())];
}

const LOSSES: [string, (x: Tensor, target: Tensor) => Tensor][] = [
  ['crossEntropy', (x, t) => crossEntropy(x, t)],
  ['crossEntropy with weights and smoothing', (x, t) => crossEntropy(x, t, { weight: tensor([1, 2, 0.5, 1], { dtype: 'float64' }), labelSmoothing: 0.1 })],
  ['crossEntropy, reduction none', (x, t) => crossEntropy(x, t, { reduction: 'none' })],
  ['nllLoss', (x, t) => nllLoss(x.logSoftmax(), t)],
];

describe('class targets: int32 and integer-valued float labels agree', () => {
  test.each(LOSSES)('%s', (_, loss) => {
    const [intValue, intGradient] = lossAndGradient(loss, 'int32');
    for (const dtype of ['float32', 'float64'] as const) {
      const [value, gradient] = lossAndGradient(loss, dtype);
      expect(intValue).toEqual(value);
      expect(intGradient).toEqual(gradient);
    }
    // And the value is the textbook one: -log softmax(x)[label], for the plain loss.
    if (_ === 'crossEntropy') {
      const rows = logits().detach().toArray() as number[][];
      const expected = rows.map((row, i) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[LABELS[i]!]!);
      expect(intValue[0]).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 12);
    }
  });
});

describe('bad class targets', () => {
  test('a float target with a non-integer value is an error naming the loss', () => {
    expect(() => crossEntropy(logits(), tensor([3, 1.5, 0]))).toThrow('crossEntropy: target[1] = 1.5 is not an integer class index');
    expect(() => nllLoss(logits(), tensor([3, 1, 0.25]))).toThrow('nllLoss: target[2] = 0.25 is not an integer class index');
  });
  test('an int32 target out of range is an error naming the loss', () => {
    expect(() => crossEntropy(logits(), tensor([4, 1, 0], { dtype: 'int32' }))).toThrow('crossEntropy: target[0] = 4 is out of range for 4 classes (expected 0..3)');
  });
});
