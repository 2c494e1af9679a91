/**
 * The sparse Keras loss and the accuracy metrics take int32 class labels (API.md, "Additions", dtype
 * int32), agreeing with integer-valued float labels, and a model trains on int32 labels as it does
 * on float ones.
 */
import { describe, expect, test } from 'vitest';
import { manualSeed, tensor, type DType, type Tensor } from '@nn/autograd';
import { Dense, Sequential, Softmax } from '@nn/layers';
import { makeLoss, makeMetric, Model } from '../src/index.js';

const probabilities = tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], { dtype: 'float64' });
const LABELS = [0, 2, 2];

describe('sparseCategoricalCrossentropy', () => {
  test.each([false, true])('int32 labels give the float labels\' loss and gradient (fromLogits %s)', (fromLogits) => {
    const run = (dtype: DType): [number, number[]] => {
      const p = probabilities.detach();
      p.requiresGrad = true;
      const loss = makeLoss({ name: 'sparseCategoricalCrossentropy', fromLogits })(tensor(LABELS, { dtype }), p);
      loss.backward();
      return [loss.item(), Array.from(p.grad!.data())];
    };
    const [value, gradient] = run('int32');
    expect(value).toBeCloseTo(fromLogits ? run('float64')[0] : -(Math.log(0.7) + Math.log(0.8) + Math.log(0.3)) / 3, 12);
    for (const dtype of ['float32', 'float64'] as const) expect([value, gradient]).toEqual(run(dtype));
  });
  test('a non-integer float label is an error naming the loss', () => {
    expect(() => makeLoss({ name: 'sparseCategoricalCrossentropy' })(tensor([0, 1.5, 2]), probabilities)).toThrow(
      'sparseCategoricalCrossentropy: target 1.5 at row 1 is not a class index in [0, 3)',
    );
  });
});

describe('accuracy metrics', () => {
  const accuracy = (name: 'accuracy' | 'sparseCategoricalAccuracy', labels: Tensor): number => {
    const metric = makeMetric(name, { threshold: 0.5 });
    metric.update(labels, probabilities);
    return metric.result();
  };
  test.each(['accuracy', 'sparseCategoricalAccuracy'] as const)('%s with int32 labels', (name) => {
    expect(accuracy(name, tensor(LABELS, { dtype: 'int32' }))).toBeCloseTo(2 / 3, 12);
    expect(accuracy(name, tensor(LABELS, { dtype: 'float32' }))).toBeCloseTo(2 / 3, 12);
  });
});

describe('fit on int32 labels', () => {
  test('trains exactly as on the same labels in float', async () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => [Math.cos(i), Math.sin(i * 0.7)]));
    const labels = Array.from({ length: 24 }, (_, i) => (Math.cos(i) > 0 ? 1 : 0) + (Math.sin(i * 0.7) > 0.5 ? 1 : 0));
    const train = async (dtype: DType): Promise<number[]> => {
      manualSeed(5);
      const model = new Model(new Sequential([new Dense(2, 3), new Softmax()]));
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const history = await model.fit(x, tensor(labels, { dtype }), { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0 });
      return [...history.history.loss!, ...history.history.accuracy!, ...history.history.val_accuracy!];
    };
    expect(await train('int32')).toEqual(await train('float32'));
  });
});
