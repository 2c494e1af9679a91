/** Model: compile / fit / evaluate / predict, callbacks, and every bad-input path. */
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, randn, tensor, type Tensor } from '@nn/autograd';
import { Dense, ReLU, Sequential, Softmax, Sigmoid } from '@nn/layers';
import { Adam, SGD, StepLR } from '@nn/optim';
import { EarlyStopping, LearningRateScheduler, Model, type Callback } from '../src/index.js';

const silent = { verbose: 0 as const };

/** Two Gaussian blobs in 2-D, labels 0 and 1: separable, so a small net learns them quickly. */
function blobs(count: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Generator(seed);
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    points.push([rng.normal() * 0.5 + (label === 0 ? -1.5 : 1.5), rng.normal() * 0.5]);
    labels.push(label);
  }
  return { x: tensor(points), y: tensor(labels) };
}

function classifier(): Model {
  return new Model(new Sequential([new Dense(2, 8), new ReLU(), new Dense(8, 2), new Softmax()]));
}

describe('fit, evaluate, predict', () => {
  test('learns a separable problem; the history records loss and metrics per epoch', async () => {
    manualSeed(1);
    const { x, y } = blobs(64, 1);
    const model = classifier();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 40, batchSize: 16, ...silent });
    expect(history.epoch).toHaveLength(40);
    expect(history.history.loss!.at(-1)!).toBeLessThan(history.history.loss![0]! / 2);
    const { loss, accuracy } = model.evaluate(x, y);
    expect(accuracy).toBeGreaterThan(0.95);
    expect(loss).toBeCloseTo(history.history.loss!.at(-1)!, 1);
  });

  test('validationSplit holds out the last samples; validationData is used as given', async () => {
    manualSeed(2);
    const { x, y } = blobs(40, 2);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const seen: number[] = [];
    const counter: Callback = { onBatchEnd: (batch) => void seen.push(batch) };
    const history = await model.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.25, callbacks: [counter], ...silent });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3]); // 30 training samples in batches of 8
    const withData = await model.fit(x, y, { epochs: 1, validationData: [x.slice([0, 0], [4, 2]), y.slice([0], [4])], ...silent });
    expect(withData.history.val_loss).toHaveLength(1);
  });

  test('predict runs in batches and equals a direct call in eval mode', () => {
    manualSeed(3);
    const model = classifier();
    const x = randn([10, 2]);
    const direct = model.net.eval().call(x);
    expect(Array.from(model.predict(x, { batchSize: 3 }).data())).toEqual(Array.from(direct.data()));
  });

  test('the same seed gives the same history bit for bit', async () => {
    const run = async (): Promise<number[]> => {
      manualSeed(5);
      const { x, y } = blobs(32, 5);
      const model = classifier();
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return (await model.fit(x, y, { epochs: 3, batchSize: 8, ...silent })).history.loss!;
    };
    expect(await run()).toEqual(await run());
  });

  test('fit yields to the event loop between batches', async () => {
    manualSeed(6);
    const { x, y } = blobs(64, 6);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const batchesAtTick: number[] = [];
    await model.fit(x, y, { epochs: 2, batchSize: 4, callbacks: [{ onBatchEnd: () => void batchesAtTick.push(ticks) }], ...silent });
    clearInterval(timer);
    expect(batchesAtTick.at(-1)!).toBeGreaterThan(0);
  });

  test('binary classification with a sigmoid output and binaryCrossentropy', async () => {
    manualSeed(7);
    const { x, y } = blobs(64, 7);
    const net = new Sequential([new Dense(2, 4), new ReLU(), new Dense(4, 1), new Sigmoid()]);
    const model = new Model(net);
    model.compile({ optimizer: new Adam(net.parameters(), { lr: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'recall'] });
    await model.fit(x, y, { epochs: 30, batchSize: 16, ...silent });
    const scores = model.evaluate(x, y);
    expect(scores.accuracy).toBeGreaterThan(0.9);
    expect(scores.precision).toBeGreaterThan(0.85);
    expect(scores.recall).toBeGreaterThan(0.85);
  });
});

describe('callbacks', () => {
  test('EarlyStopping stops after patience epochs without improvement and restores the best weights', async () => {
    manualSeed(8);
    const { x, y } = blobs(32, 8);
    const model = classifier();
    model.compile({ optimizer: new SGD(model.net.parameters(), { lr: 0 }), loss: 'sparseCategoricalCrossentropy' });
    const stopper = new EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const history = await model.fit(x, y, { epochs: 20, shuffle: false, callbacks: [stopper], ...silent });
    // lr 0: the loss never improves after epoch 0, so training stops at epoch 2.
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(stopper.stoppedEpoch).toBe(2);
    expect(stopper.bestEpoch).toBe(0);
  });

  test('EarlyStopping on a missing log is an error naming the logs', async () => {
    const { x, y } = blobs(8, 9);
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, y, { epochs: 2, callbacks: [new EarlyStopping()], ...silent })).rejects.toThrow(
      "EarlyStopping: the log 'val_loss' does not exist (logs: loss); validation logs need validationSplit or validationData",
    );
  });

  test('LearningRateScheduler with an @nn/optim scheduler and with a function', async () => {
    const { x, y } = blobs(8, 10);
    const model = classifier();
    const optimizer = new SGD(model.net.parameters(), { lr: 0.1 });
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
    const rates: number[] = [];
    const record: Callback = { onEpochBegin: (_e, target) => void rates.push(target.getLearningRate()) };
    await model.fit(x, y, { epochs: 4, callbacks: [record, new LearningRateScheduler(new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }))], ...silent });
    expect(rates.map((r) => Number(r.toPrecision(12)))).toEqual([0.1, 0.1, 0.05, 0.05]);
    const byFunction: number[] = [];
    await model.fit(x, y, { epochs: 3, callbacks: [new LearningRateScheduler((epoch) => 0.01 * (epoch + 1)), { onEpochEnd: (_e, _l, t) => void byFunction.push(t.getLearningRate()) }], ...silent });
    expect(byFunction).toEqual([0.01, 0.02, 0.03]);
  });
});

describe('bad input', () => {
  const { x, y } = blobs(8, 11);

  test('fit, evaluate before compile', async () => {
    await expect(classifier().fit(x, y)).rejects.toThrow('Model.fit: call compile() first');
    expect(() => classifier().evaluate(x, y)).toThrow('Model.evaluate: call compile() first');
  });

  test('x and y with different numbers of rows (labels of the wrong length)', async () => {
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, y.slice([0], [7]), silent)).rejects.toThrow('Model.fit: x of shape [8,2] and y of shape [7] must have the same number of rows (samples)');
  });

  test('unknown names list the known ones', () => {
    const model = classifier();
    expect(() => model.compile({ optimizer: 'adamax' as never, loss: 'mse' })).toThrow("Model.compile: unknown optimizer 'adamax' (known: sgd, adam, rmsprop, adamw, adagrad, or an Optimizer)");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'crossentropy' as never })).toThrow(
      "Model.compile: unknown loss 'crossentropy' (known: mse, categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, or a function)",
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['acc' as never] })).toThrow(/Model.compile: unknown metric 'acc' \(known: accuracy, /);
  });

  test('bad fit options', async () => {
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, y, { epochs: 0, ...silent })).rejects.toThrow('Model.fit: epochs must be a positive integer, got 0');
    await expect(model.fit(x, y, { batch_size: 3 } as never)).rejects.toThrow(/Model.fit: unknown option 'batch_size' \(did you mean 'batchSize'\? known options: epochs, batchSize/);
    await expect(model.fit(x, y, { validationSplit: 1, ...silent })).rejects.toThrow('Model.fit: validationSplit must be in [0, 1), got 1');
  });

  test('class labels out of range', async () => {
    const model = classifier();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, y.add(5), silent)).rejects.toThrow(/sparseCategoricalCrossentropy: target [56] at row \d+ is not a class index in \[0, 2\)/);
  });
});
