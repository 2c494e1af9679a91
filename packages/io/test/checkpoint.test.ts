/**
 * Checkpoints: saved and restored, a run continues bit for bit (weights, Adam's moments, the
 * scheduler, the random stream); every number of the metadata round-trips (NaN, Infinity, -0); and
 * each way a checkpoint can be wrong for what it is loaded into is an Error naming the file and what.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globalGenerator, manualSeed, randn, tensor, type Tensor } from '@nn/autograd';
import { BatchNorm1d, Dense, Dropout, mseLoss, ReLU, Sequential } from '@nn/layers';
import { Adam, SGD, StepLR, type Optimizer } from '@nn/optim';
import { decodeCheckpoint, decodeSafetensors, encodeCheckpoint, restoreCheckpoint, CHECKPOINT_FORMAT } from '@nn/io';
import { loadCheckpoint, saveCheckpoint, saveSafetensors } from '@nn/io/node';

const dir = mkdtempSync(join(tmpdir(), 'nn-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const net = (hidden = 5): Sequential => new Sequential([new Dense(3, hidden, { dtype: 'float64' }), new BatchNorm1d(hidden, { dtype: 'float64' }), new ReLU(), new Dropout(0.3), new Dense(hidden, 2, { dtype: 'float64' })]);
const x = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), { shape: [8, 3], dtype: 'float64' });
const y = tensor(Array.from({ length: 16 }, (_, i) => Math.cos(i)), { shape: [8, 2], dtype: 'float64' });

/** `steps` training steps: dropout and the extra randn draw from the global generator. */
function train(model: Sequential, optimizer: Optimizer, scheduler: StepLR, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const noise = randn([8, 3], { dtype: 'float64' }).mul(0.01);
    const loss = mseLoss(model.call(x.add(noise)), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    scheduler.step();
  }
}

/** Every element's bits: equal arrays mean bitwise-equal tensors (NaN payloads and -0 too). */
function bits(t: Tensor): number[] {
  const data = t.data();
  return Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function setup(): { model: Sequential; optimizer: Adam; scheduler: StepLR } {
  const model = net();
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  return { model, optimizer, scheduler: new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }) };
}

describe('saveCheckpoint then loadCheckpoint', () => {
  test('a run resumed from a checkpoint ends bitwise equal to one that never stopped', async () => {
    manualSeed(11);
    const straight = setup();
    train(straight.model, straight.optimizer, straight.scheduler, 7);

    manualSeed(11);
    const first = setup();
    train(first.model, first.optimizer, first.scheduler, 3);
    const path = join(dir, 'run.safetensors');
    await saveCheckpoint(path, { model: first.model, optimizer: first.optimizer, scheduler: first.scheduler, epoch: 2, history: { loss: [3, 2, 1] }, extra: { note: 'three steps' } });
    randn([100]); // the process goes on drawing (or dies); the checkpoint holds the state at the save

    manualSeed(999); // a new process would construct with some other state
    const resumed = setup();
    const restored = await loadCheckpoint(path, { model: resumed.model, optimizer: resumed.optimizer, scheduler: resumed.scheduler });
    expect(restored).toEqual({ epoch: 2, history: { loss: [3, 2, 1] }, extra: { note: 'three steps' } });
    train(resumed.model, resumed.optimizer, resumed.scheduler, 4);

    const want = straight.model.stateDict();
    for (const [key, t] of Object.entries(resumed.model.stateDict())) expect(bits(t), key).toEqual(bits(want[key]!));
    expect(resumed.optimizer.stateDict()).toEqual(straight.optimizer.stateDict());
    expect(resumed.scheduler.stateDict()).toEqual(straight.scheduler.stateDict());
    // The random stream continues where the uninterrupted run's is after its 7 steps.
    expect(randn([3]).toArray()).toEqual((() => {
      manualSeed(11);
      const again = setup();
      train(again.model, again.optimizer, again.scheduler, 7);
      return randn([3]).toArray();
    })());
  });

  test('the file is safetensors: model tensors under model., Adam moments as tensors, the rest JSON', async () => {
    manualSeed(1);
    const { model, optimizer, scheduler } = setup();
    train(model, optimizer, scheduler, 1);
    const path = join(dir, 'layout.safetensors');
    await saveCheckpoint(path, { model, optimizer });
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)));
    expect(Object.keys(metadata).sort()).toEqual(['epoch', 'extra', 'format', 'history', 'optimizer', 'rng']);
    expect(metadata.format).toBe(CHECKPOINT_FORMAT);
    expect(Object.keys(tensors)).toContain('model.0.weight');
    expect(Object.keys(tensors)).toContain('model.1.running_mean');
    expect(Object.keys(tensors)).toContain('optimizer.state.0.expAvg');
    const moment = (optimizer.stateDict().state[0]!.buffers as Record<string, number[]>).expAvg!;
    expect(Array.from(tensors['optimizer.state.0.expAvg']!.data())).toEqual(moment);
    expect(JSON.parse(metadata.optimizer!).name).toBe('Adam');
  });

  test('NaN, the infinities and -0 in history and extra come back as themselves', () => {
    const model = net();
    const history = { loss: [1, NaN, Infinity], val_loss: [-Infinity, -0] };
    const extra = { best: Infinity, nested: { zero: -0, list: [NaN, 'NaN', { $number: 'x' }] }, flag: true, none: null };
    const decoded = decodeCheckpoint(encodeCheckpoint({ model, history, extra }));
    expect(decoded.history).toEqual(history);
    expect(Object.is(decoded.history.val_loss![1], -0)).toBe(true);
    expect(decoded.extra).toEqual(extra);
    expect(Object.is((decoded.extra.nested as { zero: number }).zero, -0)).toBe(true);
    expect(decoded.epoch).toBeNull();
  });

  test('saving over a checkpoint replaces it and leaves no temporary file', async () => {
    const path = join(dir, 'replace.safetensors');
    const model = net();
    await saveCheckpoint(path, { model, epoch: 0 });
    await saveCheckpoint(path, { model, epoch: 1 });
    expect(decodeCheckpoint(new Uint8Array(readFileSync(path))).epoch).toBe(1);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('errors name the file and what is wrong', () => {
  const path = join(dir, 'good.safetensors');
  const saved = async (): Promise<void> => {
    manualSeed(3);
    const { model, optimizer, scheduler } = setup();
    train(model, optimizer, scheduler, 2);
    await saveCheckpoint(path, { model, optimizer, scheduler, epoch: 1 });
  };

  test('a truncated checkpoint', async () => {
    await saved();
    const bytes = readFileSync(path);
    const cut = join(dir, 'truncated.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    await expect(loadCheckpoint(cut, { model: net() })).rejects.toThrow(
      `loadCheckpoint: ${cut}: decodeCheckpoint: decodeSafetensors: tensor 'optimizer.state.5.expAvgSq': data_offsets [1080,1096] run past the end of the data (1086 bytes)`,
    );
    await expect(loadCheckpoint(join(dir, 'absent.safetensors'), { model: net() })).rejects.toThrow('ENOENT');
  });

  test('a checkpoint of another architecture: missing keys, or another shape; the model is left as it was', async () => {
    await saved();
    const other = new Sequential([new Dense(3, 5, { dtype: 'float64' }), new ReLU(), new Dense(5, 2, { dtype: 'float64' })]);
    await expect(loadCheckpoint(path, { model: other })).rejects.toThrow(
      `loadCheckpoint: ${path}: restoreCheckpoint: the model does not match the checkpoint's: Sequential.loadStateDict: missing keys ['2.weight', '2.bias']; unexpected keys ['1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight', '4.bias', '4.weight']`,
    );
    const wider = net(6);
    const before = wider.stateDict();
    await expect(loadCheckpoint(path, { model: wider })).rejects.toThrow(
      `loadCheckpoint: ${path}: restoreCheckpoint: the model does not match the checkpoint's: Sequential.loadStateDict: key '0.weight': shape [5,3] does not match [6,3] (the module's)`,
    );
    for (const [key, t] of Object.entries(wider.stateDict())) expect(bits(t), key).toEqual(bits(before[key]!));
  });

  test("another optimizer's kind, or none saved; an optimizer over other parameters undoes the model's load", async () => {
    await saved();
    const model = net();
    await expect(loadCheckpoint(path, { model, optimizer: new SGD(model.parameters(), { lr: 0.1 }) })).rejects.toThrow(
      `loadCheckpoint: ${path}: restoreCheckpoint: the checkpoint holds the state of a Adam optimizer; it cannot be loaded into a SGD`,
    );
    const bare = join(dir, 'bare.safetensors');
    await saveCheckpoint(bare, { model });
    await expect(loadCheckpoint(bare, { model, optimizer: new Adam(model.parameters()) })).rejects.toThrow(
      `loadCheckpoint: ${bare}: restoreCheckpoint: the checkpoint holds no optimizer state, but an optimizer (Adam) was given to restore`,
    );
    const fresh = net();
    const before = fresh.stateDict();
    const partial = new Adam(fresh.parameters().slice(0, 2));
    await expect(loadCheckpoint(path, { model: fresh, optimizer: partial })).rejects.toThrow(
      `loadCheckpoint: ${path}: restoreCheckpoint: the optimizer does not match the checkpoint's: Adam: loadStateDict: the state dict has the state of 6 parameters, this optimizer has 2`,
    );
    for (const [key, t] of Object.entries(fresh.stateDict())) expect(bits(t), key).toEqual(bits(before[key]!));
  });

  test('a weights file that is not a checkpoint, and contents that are not plain data', async () => {
    const weights = join(dir, 'weights.safetensors');
    await saveSafetensors(weights, net().stateDict());
    await expect(loadCheckpoint(weights, { model: net() })).rejects.toThrow(
      `loadCheckpoint: ${weights}: decodeCheckpoint: not a checkpoint: the metadata's format is undefined, expected '${CHECKPOINT_FORMAT}' (a weights file is read with decodeSafetensors)`,
    );
    const model = net();
    await expect(saveCheckpoint(join(dir, 'x.safetensors'), { model, extra: { w: tensor([1]) as never } })).rejects.toThrow(
      'saveCheckpoint: extra.w is a float32 tensor of shape [1]; a checkpoint holds plain data (numbers, strings, booleans, null, arrays and plain objects)',
    );
    await expect(saveCheckpoint(join(dir, 'x.safetensors'), { model, extra: { f: (() => 1) as never } })).rejects.toThrow('saveCheckpoint: extra.f is');
    await expect(saveCheckpoint(join(dir, 'x.safetensors'), { model, epoch: 1.5 })).rejects.toThrow('saveCheckpoint: epoch must be an integer, got 1.5');
    await expect(saveCheckpoint(join(dir, 'x.safetensors'), { model, epochs: 3 } as never)).rejects.toThrow("saveCheckpoint: unknown option 'epochs'");
    const missing = join(dir, 'no-such-dir', 'x.safetensors');
    await expect(saveCheckpoint(missing, { model })).rejects.toThrow(`saveCheckpoint: ${missing}: ENOENT`);
    expect(existsSync(join(dir, 'x.safetensors'))).toBe(false);
  });

  test('restoreCheckpoint on bytes: the scheduler kind is checked; restoreRng: false keeps the stream', () => {
    manualSeed(4);
    const { model, optimizer, scheduler } = setup();
    const decoded = decodeCheckpoint(encodeCheckpoint({ model, optimizer, scheduler }));
    const other = setup();
    expect(() => restoreCheckpoint(decoded, { model: other.model, optimizer: other.optimizer, scheduler: new Adam(other.model.parameters()) as never })).toThrow(
      'restoreCheckpoint: the checkpoint holds the state of a StepLR scheduler; it cannot be loaded into a Adam',
    );
    const state = globalGenerator.getState();
    restoreCheckpoint(decoded, { model: other.model, restoreRng: false });
    expect(globalGenerator.getState()).toEqual(state);
  });
});
