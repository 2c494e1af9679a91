/**
 * The child process of the SIGKILL test (crash.test.ts), run compiled (build/test/...) under node:
 * a small seeded MLP on the first 320 digits (float64, Adam, dropout, a shuffling DataLoader on the
 * global generator), a checkpoint saved after every epoch. Started again after being killed, it
 * resumes from the checkpoint, if there is one. At the end it writes the final state (weights,
 * Adam's state, the random generator, the history) as a checkpoint to `final`.
 *
 *     node resume-child.js <checkpoint> <final> <epochs> [<epoch whose save pauses before rename>]
 *
 * It prints `batch <epoch> <batch>` before each step and `saved <epoch>` after each save, on
 * standard output, for the parent to time its kills. With the fourth argument, it sets the atomic
 * write's test pause (PAUSE_BEFORE_RENAME_ENV) for that epoch's save only.
 */
import { existsSync, writeSync } from 'node:fs';
import { manualSeed } from '@nn/autograd';
import { DataLoader, loadDigits, TensorDataset } from '@nn/data';
import { crossEntropy, Dense, Dropout, ReLU, Sequential } from '@nn/layers';
import { loadCheckpoint, saveCheckpoint } from '@nn/io/node';
import { Adam } from '@nn/optim';

const [checkpoint, final, epochsArg, pauseArg] = process.argv.slice(2);
const epochs = Number(epochsArg);
const pauseAt = pauseArg === undefined ? -1 : Number(pauseArg);
/** Written straight to the file descriptor: nothing stays in a buffer when the kill comes. */
const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

manualSeed(2026);
const digits = loadDigits({ dtype: 'float64' });
const x = digits.x.slice([0, 0], [320, 64]);
const y = digits.y.slice([0], [320]);
const net = new Sequential([new Dense(64, 24, { dtype: 'float64' }), new ReLU(), new Dropout(0.2), new Dense(24, 10, { dtype: 'float64' })]);
const optimizer = new Adam(net.parameters(), { lr: 0.01 });
const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true });

let start = 0;
let history: Record<string, number[]> = { loss: [] };
if (existsSync(checkpoint!)) {
  const restored = await loadCheckpoint(checkpoint!, { model: net, optimizer });
  start = restored.epoch! + 1;
  history = restored.history;
  say(`resumed ${restored.epoch}`);
}

for (let epoch = start; epoch < epochs; epoch++) {
  let sum = 0;
  let batch = 0;
  for (const [xb, yb] of loader) {
    say(`batch ${epoch} ${batch}`);
    const loss = crossEntropy(net.call(xb!), yb!);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    sum += loss.item();
    batch++;
  }
  history.loss!.push(sum / batch);
  if (epoch === pauseAt) process.env.NN_IO_TEST_PAUSE_BEFORE_RENAME_MS = '20000';
  await saveCheckpoint(checkpoint!, { model: net, optimizer, epoch, history });
  delete process.env.NN_IO_TEST_PAUSE_BEFORE_RENAME_MS;
  say(`saved ${epoch}`);
}
await saveCheckpoint(final!, { model: net, optimizer, epoch: epochs - 1, history });
say('done');
