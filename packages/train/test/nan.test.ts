/** NaN in training: the warning fit prints, TerminateOnNaN, NaN metrics, and the errors of empty data and a foreign optimizer. */
import { describe, expect, test } from 'vitest';
import { manualSeed, tensor, type Tensor } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { Dense, ReLU, Sequential, Softmax } from '@nn/layers';
import { SGD } from '@nn/optim';
import { makeMetric, Model, TerminateOnNaN, type Callback, type MetricName, type ProgressSink } from '../src/index.js';

/** A sink that keeps what it is given. */
function recorder(): ProgressSink & { text: string } {
  const sink = { isTTY: false, text: '', write: (t: string) => void (sink.text += t) };
  return sink;
}

/** 16 samples of 2 features, labels 0/1; sample `nanRow` holds a NaN (in batch 3 of 4 with batches of 4, unshuffled). */
function data(nanRow: number | null): { x: Tensor; y: Tensor } {
  const points = Array.from({ length: 16 }, (_, i) => [i % 2 === 0 ? -1 - i / 16 : 1 + i / 16, (i % 3) / 3]);
  if (nanRow !== null) points[nanRow]![0] = NaN;
  return { x: tensor(points, { dtype: 'float64' }), y: tensor(points.map((_, i) => i % 2), { dtype: 'float64' }) };
}

/** No ReLU: a NaN input reaches the loss whatever relu does with it. */
function model(): Model {
  manualSeed(3);
  const net = new Sequential([new Dense(2, 2, { dtype: 'float64' }), new Softmax()]);
  const m = new Model(net);
  m.compile({ optimizer: new SGD(net.parameters(), { lr: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('a NaN loss during fit', () => {
  test('prints one warning line naming the epoch and the batch, and the logs show NaN', async () => {
    const { x, y } = data(9);
    const output = recorder();
    const history = await model().fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, output });
    expect(output.text).toBe(
      'Warning: the loss is NaN at epoch 1, batch 3 of 4 (later NaN or infinite losses are not reported; the TerminateOnNaN callback stops training at such a batch)\n',
    );
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(history.history.loss!.every(Number.isNaN)).toBe(true);
    expect(history.history.accuracy!.every(Number.isNaN)).toBe(true);
  });

  test('an infinite loss is reported the same way', async () => {
    const { x, y } = data(null);
    const m = model();
    m.compile({ optimizer: new SGD(m.net.parameters(), { lr: 0 }), loss: (_t, p) => p.sum().mul(0).add(Infinity) });
    const output = recorder();
    await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, output });
    expect(output.text).toBe(
      'Warning: the loss is Infinity at epoch 1, batch 1 of 2 (later NaN or infinite losses are not reported; the TerminateOnNaN callback stops training at such a batch)\n',
    );
  });

  test('one NaN pixel in the digits reaches the training log through a ReLU network', async () => {
    // The case: relu(NaN) was 0, so the loss stayed finite while the first layer's weights
    // turned NaN, and nothing was reported.
    const { x, y } = loadDigits();
    const pixels = x.data();
    pixels[5 * 64 + 20] = NaN; // sample 5, in the first batch
    manualSeed(1);
    const net = new Sequential([new Dense(64, 16), new ReLU(), new Dense(16, 10), new Softmax()]);
    const m = new Model(net);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const output = recorder();
    const history = await m.fit(tensor(pixels, { shape: x.shape }), y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, output });
    expect(output.text).toMatch(/^Warning: the loss is NaN at epoch 1, batch 1 of 57 /);
    expect(history.history.loss![0]).toBeNaN();
  });

  test('a finite run prints no warning', async () => {
    const { x, y } = data(null);
    const output = recorder();
    await model().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, output });
    expect(output.text).toBe('');
  });

  test('TerminateOnNaN stops at the batch whose loss is NaN and says so', async () => {
    const { x, y } = data(9);
    const said = recorder();
    const batches: number[] = [];
    const counter: Callback = { onBatchEnd: (batch) => void batches.push(batch) };
    const stopper = new TerminateOnNaN({ output: said });
    const history = await model().fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, output: recorder(), callbacks: [stopper, counter] });
    expect(said.text).toBe('TerminateOnNaN: the loss is NaN at epoch 1, batch 3; training stops\n');
    expect(batches).toEqual([0, 1, 2]);
    expect(history.epoch).toEqual([0]);
    expect(stopper.stoppedAt).toEqual({ epoch: 0, batch: 2 });
  });

  test('TerminateOnNaN lets a finite run finish', async () => {
    const { x, y } = data(null);
    const stopper = new TerminateOnNaN({ output: recorder() });
    const history = await model().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [stopper] });
    expect(history.epoch).toEqual([0, 1]);
    expect(stopper.stoppedAt).toBeNull();
  });
});

describe('metrics of NaN predictions are NaN', () => {
  const f64 = (values: number[] | number[][]): Tensor => tensor(values, { dtype: 'float64' });
  const cases: [MetricName, Tensor, Tensor][] = [
    ['accuracy', f64([0, 1]), f64([[0.9, 0.1], [NaN, NaN]])],
    ['sparseCategoricalAccuracy', f64([0, 1]), f64([[0.9, 0.1], [NaN, 0.5]])],
    ['categoricalAccuracy', f64([[1, 0], [0, 1]]), f64([[0.9, 0.1], [0.2, NaN]])],
    ['binaryAccuracy', f64([1, 0]), f64([0.9, NaN])],
    ['mse', f64([1, 0]), f64([0.9, NaN])],
    ['mae', f64([1, 0]), f64([0.9, NaN])],
    ['precision', f64([1, 0]), f64([0.9, NaN])],
    ['recall', f64([1, 0]), f64([0.9, NaN])],
    ['auc', f64([1, 0]), f64([0.9, NaN])],
  ];
  test.each(cases)('%s', (name, truth, prediction) => {
    const metric = makeMetric(name, { threshold: 0.5 });
    metric.update(truth, prediction);
    metric.update(f64(truth.shape.length === 1 ? [1] : [[1, 0]]), f64(prediction.shape.length === 1 ? [0.9] : [[0.9, 0.1]]));
    expect(metric.result(), name).toBeNaN();
    metric.reset();
    metric.update(f64(truth.shape.length === 1 ? [1, 0] : [[1, 0], [0, 1]]), f64(prediction.shape.length === 1 ? [0.9, 0.1] : [[0.9, 0.1], [0.2, 0.8]]));
    expect(Number.isNaN(metric.result()), `${name} after reset`).toBe(false);
  });

  test('a NaN target makes the metric NaN too', () => {
    const metric = makeMetric('binaryAccuracy', { threshold: 0.5 });
    metric.update(f64([NaN, 1]), f64([0.2, 0.9]));
    expect(metric.result()).toBeNaN();
  });
});

describe('errors', () => {
  test('evaluate on an empty set throws', () => {
    const m = model();
    const { x, y } = data(null);
    const noX = x.slice([0, 0], [0, 2]);
    const noY = y.slice([0], [0]);
    expect(() => m.evaluate(noX, noY)).toThrow('Model.evaluate: x of shape [0,2] and y of shape [0] hold no samples');
  });

  test('predict on an empty set throws', () => {
    const { x } = data(null);
    expect(() => model().predict(x.slice([0, 0], [0, 2]))).toThrow('Model.predict: x of shape [0,2] holds no samples');
  });

  test('compile with an optimizer over none of the model parameters throws, naming the counts', () => {
    const m = model();
    const other = new Dense(3, 1);
    expect(() => m.compile({ optimizer: new SGD(other.parameters(), { lr: 0.1 }), loss: 'mse' })).toThrow(
      'Model.compile: the optimizer holds 2 tensors, none of them among the model\'s 2 parameters; build it over model.net.parameters()',
    );
  });
});
