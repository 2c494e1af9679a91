/**
 * Model files: save / load (and toBytes / fromBytes) keep the weights, the optimizer's state and the
 * compile settings; fit({ initialEpoch }) continues a run bit for bit; ModelCheckpoint saves each
 * epoch or the best, with Keras's path formatting; and the errors of each.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, manualSeed, tensor, type Tensor } from '@nn/autograd';
import { Dense, Dropout, ReLU, Sequential } from '@nn/layers';
import { Adam, SGD } from '@nn/optim';
import { saveCheckpoint } from '@nn/io/node';
import { formatCheckpointPath, Model, ModelCheckpoint } from '../src/index.js';

const silent = { verbose: 0 as const };
const dir = mkdtempSync(join(tmpdir(), 'nn-train-saving-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two Gaussian blobs in 2-D, labels 0 and 1. */
function blobs(count: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Generator(seed);
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    points.push([rng.normal() * 0.5 + (label === 0 ? -1.5 : 1.5), rng.normal() * 0.5]);
    labels.push(label);
  }
  return { x: tensor(points), y: tensor(labels, { dtype: 'int32' }) };
}

const net = (): Sequential => new Sequential([new Dense(2, 8), new ReLU(), new Dropout(0.2), new Dense(8, 2)]);
const { x, y } = blobs(48, 1);

function compiled(): Model {
  const model = new Model(net());
  model.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] });
  return model;
}

/** The bits of every tensor of a state dict, for bitwise comparison. */
function bits(dict: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(dict).map(([key, t]) => [key, Array.from(new Uint8Array(t.data().buffer, t.data().byteOffset, t.data().byteLength))]));
}

describe('save and load', () => {
  test('Model.load gives the weights, the optimizer state and the compile settings back', async () => {
    manualSeed(2);
    const model = compiled();
    await model.fit(x, y, { epochs: 2, batchSize: 16, ...silent });
    const path = join(dir, 'model.safetensors');
    await model.save(path);
    const loaded = await Model.load(path, net());
    expect(bits(loaded.net.stateDict())).toEqual(bits(model.net.stateDict()));
    expect(loaded.optimizer).toBeInstanceOf(Adam);
    expect(loaded.optimizer.stateDict()).toEqual(model.optimizer.stateDict());
    expect(loaded.evaluate(x, y)).toEqual(model.evaluate(x, y));
    expect(Object.keys(loaded.evaluate(x, y))).toEqual(['loss', 'accuracy']);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('toBytes / fromBytes: the same without a file system; an uncompiled model keeps only its weights', () => {
    manualSeed(3);
    const model = new Model(net());
    model.compile({ optimizer: new SGD(model.net.parameters(), { lr: 0.05, momentum: 0.9 }), loss: 'mse' });
    const restored = Model.fromBytes(model.toBytes(), net());
    expect(restored.optimizer).toBeInstanceOf(SGD);
    expect(restored.optimizer.paramGroups[0]!.lr).toBe(0.05);
    expect((restored.optimizer.paramGroups[0] as unknown as { momentum: number }).momentum).toBe(0.9);
    const bare = new Model(net());
    const again = Model.fromBytes(bare.toBytes(), net());
    expect(bits(again.net.stateDict())).toEqual(bits(bare.net.stateDict()));
    expect(() => again.optimizer).toThrow('Model.optimizer: call compile() first');
  });

  test('fit({ initialEpoch }) after Model.load({ restoreRng: true }) continues bitwise as a run that never stopped', async () => {
    manualSeed(4);
    const straight = compiled();
    const full = await straight.fit(x, y, { epochs: 5, batchSize: 16, ...silent });

    manualSeed(4);
    const first = compiled();
    await first.fit(x, y, { epochs: 2, batchSize: 16, ...silent });
    const path = join(dir, 'resume.safetensors');
    await first.save(path);

    manualSeed(77);
    const resumed = await Model.load(path, net(), { restoreRng: true });
    const rest = await resumed.fit(x, y, { epochs: 5, batchSize: 16, initialEpoch: 2, ...silent });
    expect(rest.epoch).toEqual([2, 3, 4]);
    expect(rest.history.loss).toEqual(full.history.loss!.slice(2));
    expect(bits(resumed.net.stateDict())).toEqual(bits(straight.net.stateDict()));
    expect(resumed.optimizer.stateDict()).toEqual(straight.optimizer.stateDict());
  });

  test('an initialEpoch at epochs trains nothing, as in Keras; a bad one is an error', async () => {
    const model = compiled();
    const before = bits(model.net.stateDict());
    const history = await model.fit(x, y, { epochs: 3, initialEpoch: 3, ...silent });
    expect(history.epoch).toEqual([]);
    expect(bits(model.net.stateDict())).toEqual(before);
    await expect(model.fit(x, y, { epochs: 3, initialEpoch: -1, ...silent })).rejects.toThrow('Model.fit: initialEpoch must be a non-negative integer, got -1');
  });
});

describe('errors of model files', () => {
  test('another architecture, a loss function, a plain checkpoint, a missing file, a bad option', async () => {
    const model = compiled();
    const path = join(dir, 'errors.safetensors');
    await model.save(path);
    await expect(Model.load(path, new Sequential([new Dense(2, 4), new ReLU(), new Dense(4, 2)]))).rejects.toThrow(
      `Model.load: ${path}: the model does not match the checkpoint's: Sequential.loadStateDict: missing keys ['2.weight', '2.bias']; unexpected keys ['3.bias', '3.weight']`,
    );

    const custom = new Model(net());
    custom.compile({ optimizer: 'sgd', loss: function squared(a: Tensor, b: Tensor) { return a.sub(b).square().mean(); } });
    const withFunction = join(dir, 'function-loss.safetensors');
    await custom.save(withFunction);
    await expect(Model.load(withFunction, net())).rejects.toThrow(
      `Model.load: ${withFunction}: the model was compiled with a loss function, which a file cannot hold; pass it as opts.loss`,
    );
    const reloaded = await Model.load(withFunction, net(), { loss: 'mse' });
    expect(reloaded.optimizer).toBeInstanceOf(SGD);

    const plain = join(dir, 'plain.safetensors');
    await saveCheckpoint(plain, { model: net() });
    await expect(Model.load(plain, net())).rejects.toThrow(
      `Model.load: ${plain}: the file's compile settings are missing (it is a checkpoint of @nn/io, not a model file of @nn/train), got undefined`,
    );
    await expect(Model.load(join(dir, 'absent.safetensors'), net())).rejects.toThrow('Model.load: ENOENT');
    await expect(Model.load(path, net(), { restore: true } as never)).rejects.toThrow("Model.load: unknown option 'restore'");
    await expect(model.save(join(dir, 'no-such-dir', 'm.safetensors'))).rejects.toThrow(`Model.save: ${join(dir, 'no-such-dir', 'm.safetensors')}: ENOENT`);
  });
});

describe('ModelCheckpoint', () => {
  test('saves every epoch to the formatted path, 1-based as Keras', async () => {
    manualSeed(5);
    const model = compiled();
    const checkpoint = new ModelCheckpoint({ path: join(dir, 'every-{epoch:02d}.safetensors') });
    await model.fit(x, y, { epochs: 3, batchSize: 16, callbacks: [checkpoint], ...silent });
    expect(checkpoint.saved).toEqual([1, 2, 3].map((e) => join(dir, `every-0${e}.safetensors`)));
    const last = await Model.load(checkpoint.saved.at(-1)!, net());
    expect(bits(last.net.stateDict())).toEqual(bits(model.net.stateDict()));
  });

  test('saveBestOnly saves only when the monitored log improves; the mode follows the name', async () => {
    const losses = [0.5, 0.7, 0.4, 0.4, NaN];
    const saves: string[] = [];
    const target = { stopTraining: false, getWeights: () => ({}), setWeights: () => {}, getLearningRate: () => 0, setLearningRate: () => {}, save: async (p: string) => void saves.push(p) };
    const best = new ModelCheckpoint({ path: 'best-{epoch}-{val_loss:.2f}.st', saveBestOnly: true });
    expect(best.mode).toBe('min');
    best.onTrainBegin();
    for (const [epoch, value] of losses.entries()) await best.onEpochEnd(epoch, { loss: 1, val_loss: value }, target);
    expect(saves).toEqual(['best-1-0.50.st', 'best-3-0.40.st']);
    expect(new ModelCheckpoint({ path: 'a', monitor: 'val_accuracy' }).mode).toBe('max');
    expect(new ModelCheckpoint({ path: 'a', monitor: 'val_accuracy', mode: 'min' }).mode).toBe('min');
    await expect(best.onEpochEnd(0, { loss: 1 }, target)).rejects.toThrow(
      "ModelCheckpoint: the log 'val_loss' does not exist (logs: loss); validation logs need validationSplit or validationData",
    );
  });

  test('path formatting and bad options', () => {
    expect(formatCheckpointPath('m-{epoch}-{epoch:03d}-{loss:.3f}-{loss}.st', 4, { loss: 0.12345 })).toBe('m-5-005-0.123-0.12345.st');
    expect(() => formatCheckpointPath('m-{acc}.st', 0, { loss: 1 })).toThrow("ModelCheckpoint: the path 'm-{acc}.st' names 'acc', which is neither epoch nor a log (logs: loss)");
    expect(() => formatCheckpointPath('m-{loss:e}.st', 0, { loss: 1 })).toThrow("ModelCheckpoint: unsupported format '{loss:e}' in the path 'm-{loss:e}.st' (supported: {name}, {name:02d}, {name:.4f})");
    expect(() => new ModelCheckpoint({} as never)).toThrow('ModelCheckpoint: path must be a non-empty string, got undefined');
    expect(() => new ModelCheckpoint({ path: 'a', mode: 'best' as never })).toThrow("ModelCheckpoint: mode must be 'min', 'max' or 'auto', got the string \"best\"");
    expect(() => new ModelCheckpoint({ path: 'a', monitr: 'loss' } as never)).toThrow("ModelCheckpoint: unknown option 'monitr'");
    expect(existsSync('best-1-0.50.st')).toBe(false);
  });
});
