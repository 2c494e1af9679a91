/**
 * A small convolutional network on the bundled 8x8 digits, with the Keras-style workflow of the
 * demo (examples/digits.ts): load, split (seeded, stratified 80/20), reshape each image to
 * [1, 8, 8] (one channel, NCHW), build conv 1->16 3x3 (padding 1), ReLU, max pool 2,
 * conv 16->32 3x3 (padding 1), ReLU, max pool 2, flatten, dropout 0.25, Dense 128->10, softmax;
 * compile, fit with a validation split, evaluate on the test set, print a confusion matrix, and draw
 * the loss and accuracy per epoch to cnn-digits-training.svg.
 *
 * Run: node build/examples/cnn-digits.js [--epochs N] [--out file.svg]
 */
import { writeFileSync } from 'node:fs';
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits, trainTestSplit } from '@nn/data';
import { Model, plotHistory } from '@nn/train';
import { asDigitImages, digitsCnn } from './digits-cnn-model.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}
const epochs = Number(option('epochs', '30'));
const out = option('out', 'cnn-digits-training.svg');

manualSeed(42); // one seed fixes the split, the initial weights and the shuffling
const { x, y, classNames } = loadDigits();
const split = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
// The loader gives rows of 64 pixels; a convolution wants images: [N, channels, height, width].
const xTrain = asDigitImages(split.xTrain);
const xTest = asDigitImages(split.xTest);
const { yTrain, yTest } = split;
console.log(`cnn-digits: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images of 1x8x8 pixels, ${classNames.length} classes`);

// The net lives in digits-cnn-model.ts, which the browser page (examples/browser/) imports too.
const net = digitsCnn();
const model = new Model(net);
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
console.log(model.summary([1, 8, 8]));

const started = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs, batchSize: 32, validationSplit: 0.1 });
console.log(`trained ${epochs} epochs in ${((performance.now() - started) / 1000).toFixed(2)} s`);

const { loss, accuracy } = model.evaluate(xTest, yTest);
console.log(`test loss ${loss!.toFixed(4)}, test accuracy ${accuracy!.toFixed(4)}`);

/** Rows: the true digit; columns: the predicted one. */
function confusionMatrix(probabilities: Tensor, labels: Tensor, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const p = probabilities.data();
  labels.data().forEach((label, row) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[row * classes + c]! > p[row * classes + best]!) best = c;
    matrix[label]![best]!++;
  });
  return matrix;
}
const matrix = confusionMatrix(model.predict(xTest), yTest, classNames.length);
console.log('confusion matrix (rows: true digit, columns: predicted):');
console.log(`     ${classNames.map((name) => name.padStart(4)).join('')}`);
matrix.forEach((row, i) => console.log(`  ${classNames[i]!.padStart(2)} ${row.map((n) => String(n).padStart(4)).join('')}`));

writeFileSync(out, plotHistory(history, { title: 'digits, CNN conv16-conv32-Dense10' }));
console.log(`wrote ${out}`);
