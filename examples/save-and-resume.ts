/**
 * Train, stop, resume, identical: a small Keras-style model on the bundled digits is trained for 6
 * epochs in one go; then the same run is trained for 3 epochs with a ModelCheckpoint saving each
 * epoch, "stopped" (the model is dropped, as a killed process would lose it), loaded from the last
 * file into a freshly built network, and continued with fit({ initialEpoch: 3, epochs: 6 }). The
 * weights, the losses and the optimizer's state of the two runs are identical, bit for bit: the file
 * holds the weights, Adam's moments and the random generator's state (shuffling, dropout).
 *
 * Run: node build/examples/save-and-resume.js <directory>   (the checkpoint files are written there)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { Dense, Dropout, ReLU, Sequential } from '@nn/layers';
import { Model, ModelCheckpoint } from '@nn/train';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'save-and-resume-'));
const { x, y } = loadDigits();
const makeNet = (): Sequential => new Sequential([new Dense(64, 32), new ReLU(), new Dropout(0.2), new Dense(32, 10)]);
const fitOptions = { batchSize: 64, verbose: 0 as const };

function compiled(): Model {
  const model = new Model(makeNet());
  model.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] });
  return model;
}

// The uninterrupted run.
manualSeed(7);
const straight = compiled();
const full = await straight.fit(x, y, { epochs: 6, ...fitOptions });

// The same run, saved every epoch and stopped after 3.
manualSeed(7);
const first = compiled();
const checkpoint = new ModelCheckpoint({ path: join(dir, 'digits-{epoch:02d}.safetensors') });
await first.fit(x, y, { epochs: 3, callbacks: [checkpoint], ...fitOptions });
console.log(`saved ${checkpoint.saved.map((p) => p.slice(dir.length + 1)).join(', ')}`);

// A new start: a fresh network, loaded from the last file (restoreRng: the data order and dropout continue too).
const resumed = await Model.load(checkpoint.saved.at(-1)!, makeNet(), { restoreRng: true });
const rest = await resumed.fit(x, y, { epochs: 6, initialEpoch: 3, ...fitOptions });
console.log(`resumed at epoch ${rest.epoch[0]! + 1}, trained to epoch ${rest.epoch.at(-1)! + 1}`);

const sameBits = (a: Tensor, b: Tensor): boolean => {
  const [da, db] = [a.data(), b.data()];
  return Buffer.from(da.buffer, da.byteOffset, da.byteLength).equals(Buffer.from(db.buffer, db.byteOffset, db.byteLength));
};
const want = straight.net.stateDict();
const weightsSame = Object.entries(resumed.net.stateDict()).every(([key, t]) => sameBits(t, want[key]!));
const lossesSame = JSON.stringify(rest.history.loss) === JSON.stringify(full.history.loss!.slice(3));
const optimizerSame = JSON.stringify(resumed.optimizer.stateDict()) === JSON.stringify(straight.optimizer.stateDict());
console.log(`losses of epochs 4-6: ${rest.history.loss!.map((l) => l.toFixed(4)).join(' ')}`);
console.log(`weights identical: ${weightsSame}; losses identical: ${lossesSame}; Adam state identical: ${optimizerSame}`);
