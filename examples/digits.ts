/**
 * The main demo (npm run demo): the Keras-style workflow on the bundled 8x8 digits. Load, split
 * (seeded, stratified 80/20), build a 64-128-10 network, compile, fit with a validation split,
 * evaluate on the test set, print a confusion matrix, and draw the loss and accuracy per epoch to
 * digits-training.svg.
 *
 * Run: npm run demo   or   node build/examples/digits.js [--epochs N] [--out file.svg]
 */
import { writeFileSync } from 'node:fs';
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits, trainTestSplit } from '@nn/data';
import { Dense, glorotUniform, ReLU, Sequential, Softmax, zeros } from '@nn/layers';
import { Model, plotHistory } from '@nn/train';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}
const epochs = Number(option('epochs', '30'));
const out = option('out', 'digits-training.svg');

manualSeed(42); // one seed fixes the split, the initial weights and the shuffling
const { x, y, classNames } = loadDigits();
const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
console.log(`digits: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images of 8x8 pixels, ${classNames.length} classes`);

// Keras's Dense defaults (Glorot-uniform weights, zero biases), as in the course notes' Keras code;
// @nn's Dense otherwise initializes as PyTorch's nn.Linear.
const keras = { kernelInitializer: glorotUniform, biasInitializer: zeros };
const net = new Sequential([new Dense(64, 128, keras), new ReLU(), new Dense(128, 10, keras), new Softmax()]);
const model = new Model(net);
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
console.log(model.summary([64]));

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

writeFileSync(out, plotHistory(history, { title: 'digits, 64-128-10 MLP' }));
console.log(`wrote ${out}`);
