/**
 * The losses that take class labels (crossEntropy, nllLoss) accept int32 targets (API.md,
 * "Additions", dtype int32) and give the same values and gradients as integer-valued float labels,
 * which keep working; a float target with a non-integer value is an error naming the loss.
 */
import { describe, expect, test } from 'vitest';
import { tensor, type DType, type Tensor } from '@nn/autograd';
import { crossEntropy, crossEntropyOfLogits, crossEntropyOfProbabilities, nllLoss } from '../src/index.js';

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
  test('an int32 target of the logits\' shape is an error, as PyTorch (probabilities are floats)', () => {
    const oneHot = tensor([[0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]], { dtype: 'int32' });
    expect(() => crossEntropy(logits(), oneHot)).toThrow(
      "crossEntropy: target of shape [3,4] (the logits' shape) holds class probabilities, which must be a float tensor, got int32",
    );
    expect(() => crossEntropy(logits(), oneHot, { reduction: 'sum' })).toThrow(/crossEntropy: target of shape \[3,4\]/);
  });
});

describe('the fused cross-entropies (the Keras losses) take one-hot int32 targets, in the predictions\' dtype', () => {
  const hotRows = [[0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0]];
  test.each([
    ['crossEntropyOfLogits', crossEntropyOfLogits, logits],
    ['crossEntropyOfProbabilities', crossEntropyOfProbabilities, () => logits().detach().softmax(1)],
  ] as const)('%s', (_, loss, predictions) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = predictions().detach().cast(dtype);
      y.requiresGrad = true;
      const fromInt = loss(tensor(hotRows, { dtype: 'int32' }), y);
      expect(fromInt.dtype).toBe(dtype);
      fromInt.backward();
      const intGradient = Array.from(y.grad!.data());
      y.grad = null;
      const fromFloat = loss(tensor(hotRows, { dtype }), y);
      fromFloat.backward();
      expect(fromInt.item()).toBe(fromFloat.item());
      expect(intGradient).toEqual(Array.from(y.grad!.data()));
    }
    expect(() => loss(tensor(hotRows, { dtype: 'float64' }), tensor(hotRows, { dtype: 'int32' }))).toThrow(`${_}: `);
  });
});
