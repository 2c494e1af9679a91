/** compile by name: the optimizers rmsprop, adamw, adagrad, and the metrics precision, recall, auc, each against a reference. */
import { describe, expect, test } from 'vitest';
import { manualSeed, tensor, type Tensor } from '@nn/autograd';
import { Dense, Sequential, Sigmoid } from '@nn/layers';
import { Adagrad, AdamW, RMSprop } from '@nn/optim';
import { makeMetric, Model } from '../src/index.js';

const f64 = (values: number[]): Tensor => tensor(values, { dtype: 'float64' });

function binaryModel(): Model {
  manualSeed(4);
  return new Model(new Sequential([new Dense(2, 1, { dtype: 'float64' }), new Sigmoid()]));
}

describe("compile's optimizer names", () => {
  // PyTorch's defaults (torch.optim.RMSprop, AdamW, Adagrad), which @nn/optim follows; not Keras's.
  const cases = [
    ['rmsprop', RMSprop, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }],
    ['adamw', AdamW, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false }],
    ['adagrad', Adagrad, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }],
  ] as const;
  test.each(cases)('%s: the @nn/optim class with PyTorch defaults over the model parameters', (name, kind, defaults) => {
    const model = binaryModel();
    model.compile({ optimizer: name, loss: 'binaryCrossentropy' });
    expect(model.optimizer).toBeInstanceOf(kind);
    const group = model.optimizer.paramGroups[0]! as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(defaults)) expect(group[key], `${name} ${key}`).toEqual(value);
    expect(model.optimizer.paramGroups.flatMap((g) => g.params)).toEqual(model.net.parameters());
  });

  test('a name still unknown lists the known ones', () => {
    expect(() => binaryModel().compile({ optimizer: 'adamax' as never, loss: 'mse' })).toThrow(
      "Model.compile: unknown optimizer 'adamax' (known: sgd, adam, rmsprop, adamw, adagrad, or an Optimizer)",
    );
  });
});

/** The definitions, written out here: counts at the 0.5 threshold, and Keras's AUC over 200 thresholds. */
function reference(truth: number[], pred: number[]): { precision: number; recall: number; auc: number } {
  const tp = pred.filter((p, i) => p > 0.5 && truth[i] === 1).length;
  const fp = pred.filter((p, i) => p > 0.5 && truth[i] === 0).length;
  const fn = pred.filter((p, i) => !(p > 0.5) && truth[i] === 1).length;
  // keras.metrics.AUC(num_thresholds=200): thresholds [-eps, 1/199, ..., 198/199, 1 + eps], ROC, trapezoids.
  const thresholds = [-1e-7, ...Array.from({ length: 198 }, (_, i) => (i + 1) / 199), 1 + 1e-7];
  const positives = truth.filter((t) => t === 1).length;
  const negatives = truth.length - positives;
  const roc = thresholds.map((t) => [
    pred.filter((p, i) => p > t && truth[i] === 0).length / negatives,
    pred.filter((p, i) => p > t && truth[i] === 1).length / positives,
  ]);
  let auc = 0;
  for (let k = 0; k < roc.length - 1; k++) auc += (roc[k]![0]! - roc[k + 1]![0]!) * (roc[k]![1]! + roc[k + 1]![1]!) / 2;
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), auc };
}

describe("compile's metric names precision, recall, auc", () => {
  test('evaluate reports the values of their definitions on the predictions', () => {
    const model = binaryModel();
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc'] });
    const points = Array.from({ length: 40 }, (_, i) => [Math.sin(i * 1.7) * 2, Math.cos(i * 0.9) * 2]);
    const labels = points.map(([a, b]) => (a! + 0.3 * b! + Math.sin(a! * 5) > 0 ? 1 : 0));
    const x = tensor(points, { dtype: 'float64' });
    const y = tensor(labels, { dtype: 'float64' });
    const predictions = Array.from(model.predict(x).data());
    const expected = reference(labels, predictions);
    // The batches of 7 check that the counts add up over batches.
    const scores = model.evaluate(x, y, { batchSize: 7 });
    expect(scores.precision).toBeCloseTo(expected.precision, 12);
    expect(scores.recall).toBeCloseTo(expected.recall, 12);
    expect(scores.auc).toBeCloseTo(expected.auc, 12);
    expect(expected.auc).toBeGreaterThan(0);
    expect(expected.auc).toBeLessThan(1);
  });

  test('auc: 1 when every positive scores above every negative, 0 when below, 0.5 for a constant', () => {
    const run = (truth: number[], pred: number[]): number => {
      const metric = makeMetric('auc', { threshold: 0.5 });
      metric.update(f64(truth), f64(pred));
      return metric.result();
    };
    expect(run([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBeCloseTo(1, 12);
    expect(run([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBeCloseTo(0, 12);
    expect(run([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBeCloseTo(0.5, 12);
    // Scores within one threshold step are not told apart (Keras's approximation, not the exact 1).
    expect(run([0, 1], [0.501, 0.502])).toBeCloseTo(0.5, 12);
    const scores = [0.05, 0.93, 0.4, 0.61, 0.27, 0.77, 0.12, 0.55];
    const truth = [0, 1, 0, 1, 1, 0, 0, 1];
    expect(run(truth, scores)).toBeCloseTo(reference(truth, scores).auc, 12);
  });

  test('auc of logits (fromLogits) passes them through a sigmoid', () => {
    const logits = [-2, 0.3, 1.5, -0.4, 2.2];
    const truth = [0, 1, 1, 0, 1];
    const metric = makeMetric('auc', { threshold: 0, fromLogits: true });
    metric.update(f64(truth), f64(logits));
    expect(metric.result()).toBeCloseTo(reference(truth, logits.map((z) => 1 / (1 + Math.exp(-z)))).auc, 12);
  });
});
