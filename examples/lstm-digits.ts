/**
 * An LSTM reading the 8x8 digits row by row: each image is a sequence of 8 steps of 8 pixels
 * (batchFirst), the last hidden state goes to Dense(hidden -> 10) and a softmax. Keras-style
 * workflow (@nn/train Model compile / fit / evaluate) on the seeded, stratified 80/20 split.
 *
 * Run: node build/examples/lstm-digits.js [--epochs N] [--hidden H] [--lr L]
 */
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits, trainTestSplit } from '@nn/data';
import { Dense, LSTM, Module, Sequential, Softmax } from '@nn/layers';
import { Adam } from '@nn/optim';
import { Model } from '@nn/train';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}
const epochs = Number(option('epochs', '15'));
const hidden = Number(option('hidden', '32'));
const lr = Number(option('lr', '0.01'));

/** [N, 64] images as [N, 8 rows, 8 pixels] sequences through an LSTM; returns the last hidden state [N, hidden]. */
class RowReader extends Module {
  readonly lstm: LSTM;
  constructor(hiddenSize: number) {
    super();
    this.lstm = new LSTM(8, hiddenSize, { batchFirst: true });
  }
  override forward(x: Tensor): Tensor {
    const n = x.shape[0]!;
    const { h } = this.lstm.run(x.reshape([n, 8, 8])); // h: [1, N, hidden] (one layer, one direction)
    return h.reshape([n, this.lstm.hiddenSize]);
  }
}

manualSeed(42); // one seed fixes the split, the initial weights and the shuffling
const { x, y } = loadDigits();
const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
console.log(`lstm-digits: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images, read as 8 rows of 8 pixels, LSTM hidden ${hidden}`);

const net = new Sequential([new RowReader(hidden), new Dense(hidden, 10), new Softmax()]);
const model = new Model(net);
// Adam at 0.01 rather than Keras's 0.001: the recurrent net then learns in a few epochs.
model.compile({ optimizer: new Adam(net.parameters(), { lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

const started = performance.now();
await model.fit(xTrain, yTrain, { epochs, batchSize: 32 });
console.log(`trained ${epochs} epochs in ${((performance.now() - started) / 1000).toFixed(2)} s`);

const { loss, accuracy } = model.evaluate(xTest, yTest);
console.log(`test loss ${loss!.toFixed(4)}, test accuracy ${accuracy!.toFixed(4)}`);
