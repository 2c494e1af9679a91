/** Keras losses and metrics by name: values against closed forms, shapes, and errors. */
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@nn/autograd';
import { gradcheck } from '@nn/autograd';
import { makeLoss, makeMetric } from '../src/index.js';

const f64 = (data: number[][] | number[]): Tensor => tensor(data, { dtype: 'float64' });

describe('losses', () => {
  const probabilities = f64([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]);

  test('sparse and one-hot categorical cross-entropy agree with -mean(log p[label])', () => {
    const expected = -(Math.log(0.7) + Math.log(0.8)) / 2;
    expect(makeLoss({ name: 'sparseCategoricalCrossentropy' })(f64([0, 2]), probabilities).item()).toBeCloseTo(expected, 12);
    expect(makeLoss({ name: 'categoricalCrossentropy' })(f64([[1, 0, 0], [0, 0, 1]]), probabilities).item()).toBeCloseTo(expected, 12);
  });

  test('fromLogits equals softmax then cross-entropy, and stays finite at +-1e4', () => {
    const logits = f64([[2, -1, 0.5], [0, 3, -2]]);
    const viaSoftmax = makeLoss({ name: 'sparseCategoricalCrossentropy' })(f64([1, 1]), logits.softmax());
    expect(makeLoss({ name: 'sparseCategoricalCrossentropy', fromLogits: true })(f64([1, 1]), logits).item()).toBeCloseTo(viaSoftmax.item(), 12);
    const huge = makeLoss({ name: 'sparseCategoricalCrossentropy', fromLogits: true })(f64([1]), f64([[1e4, -1e4, 0]]));
    expect(huge.item()).toBeCloseTo(2e4, 6);
  });

  test('a saturated softmax gives a finite loss and gradient (probabilities clipped to 1e-7)', () => {
    const p = tensor([[1, 0, 0]], { dtype: 'float64', requiresGrad: true });
    const loss = makeLoss({ name: 'sparseCategoricalCrossentropy' })(f64([1]), p);
    expect(loss.item()).toBeCloseTo(-Math.log(1e-7), 6);
    loss.backward();
    expect(Array.from(p.grad!.data()).every(Number.isFinite)).toBe(true);
  });

  test('binary cross-entropy on probabilities and on logits', () => {
    const y = f64([1, 0]);
    const p = f64([[0.9], [0.2]]);
    const expected = -(Math.log(0.9) + Math.log(0.8)) / 2;
    expect(makeLoss({ name: 'binaryCrossentropy' })(y, p).item()).toBeCloseTo(expected, 12);
    const logits = f64([[Math.log(9)], [Math.log(0.25)]]);
    expect(makeLoss({ name: 'binaryCrossentropy', fromLogits: true })(y, logits).item()).toBeCloseTo(expected, 12);
    expect(Number.isFinite(makeLoss({ name: 'binaryCrossentropy', fromLogits: true })(f64([0]), f64([[800]])).item())).toBe(true);
  });

  test('mse, and the losses are differentiable', () => {
    expect(makeLoss({ name: 'mse' })(f64([[1, 2]]), f64([[2, 4]])).item()).toBe(2.5);
    const report = gradcheck((p) => makeLoss({ name: 'categoricalCrossentropy', fromLogits: true })(f64([[0, 1, 0], [1, 0, 0]]), p), [f64([[0.3, -1, 2], [1, 0.5, -0.5]])]);
    expect(report.ok, report.message).toBe(true);
  });

  test('bad targets are errors', () => {
    expect(() => makeLoss({ name: 'sparseCategoricalCrossentropy' })(f64([0, 3]), probabilities)).toThrow('sparseCategoricalCrossentropy: target 3 at row 1 is not a class index in [0, 3)');
    expect(() => makeLoss({ name: 'sparseCategoricalCrossentropy' })(f64([0, 1, 2]), probabilities)).toThrow('sparseCategoricalCrossentropy: expected class indices of shape [2] for predictions of shape [2,3], got [3]');
    expect(() => makeLoss({ name: 'categoricalCrossentropy' })(f64([0, 1]), probabilities)).toThrow('categoricalCrossentropy: targets of shape [2] do not match predictions of shape [2,3]');
    expect(() => makeLoss({ name: 'mse' })(f64([1, 2, 3]), f64([1, 2]))).toThrow('mse: targets of shape [3] do not match predictions of shape [2]');
  });
});

describe('metrics', () => {
  const context = { threshold: 0.5 };
  const run = (name: Parameters<typeof makeMetric>[0], batches: [Tensor, Tensor][]): number => {
    const metric = makeMetric(name, context);
    batches.forEach(([t, p]) => metric.update(t, p));
    return metric.result();
  };

  test('accuracy picks sparse, categorical or binary from the shapes, and weighs every sample', () => {
    const p = f64([[0.7, 0.3], [0.4, 0.6], [0.9, 0.1]]);
    expect(run('accuracy', [[f64([0, 1, 1]), p]])).toBeCloseTo(2 / 3, 12);
    expect(run('accuracy', [[f64([[1, 0], [0, 1], [0, 1]]), p]])).toBeCloseTo(2 / 3, 12);
    expect(run('accuracy', [[f64([1, 0, 1]), f64([[0.8], [0.3], [0.4]])]])).toBeCloseTo(2 / 3, 12);
    // Two batches of sizes 3 and 1: 3 correct of 4 (0.75), not the mean of the batch accuracies (0.5).
    expect(run('sparseCategoricalAccuracy', [[f64([0, 1, 0]), p], [f64([1]), f64([[0.9, 0.1]])]])).toBe(0.75);
  });

  test('mse, mae, precision, recall', () => {
    expect(run('mse', [[f64([1, 2]), f64([2, 4])]])).toBe(2.5);
    expect(run('mae', [[f64([1, 2]), f64([2, 4])]])).toBe(1.5);
    const truth = f64([1, 1, 0, 0, 1]);
    const pred = f64([0.9, 0.2, 0.7, 0.1, 0.6]);
    expect(run('precision', [[truth, pred]])).toBeCloseTo(2 / 3, 12);
    expect(run('recall', [[truth, pred]])).toBeCloseTo(2 / 3, 12);
    expect(makeMetric('binaryAccuracy', { threshold: 0 }).name).toBe('binaryAccuracy');
  });
});
