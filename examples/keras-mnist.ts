/**
 * The course notes' Keras MNIST code, with @nn's API: compile with categorical cross-entropy on
 * one-hot labels and Adam, fit, evaluate. Reads MNIST from the directory given on the command line
 * (the four IDX files, gzipped or not) and trains one of two networks (--model):
 * - `lenet` (the default with a directory): LeNet-5 (examples/lenet.ts) on the images as
 *   [N, 1, 28, 28]: conv 6 5x5 (padding 2), max pool, conv 16 5x5, max pool, Dense 400-120-84-10,
 *   ReLU between, softmax at the end;
 * - `mlp`: the notes' network on the 784 pixels, a 512-unit hidden layer with dropout and a softmax.
 * Without a directory it uses the bundled 8x8 digits, so it runs anywhere; LeNet-5 needs 28x28
 * images, so there it is the MLP (asking for LeNet-5 without a directory is an error).
 *
 *   Keras:  model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
 *           model.fit(x_train, y_train, epochs=5, batch_size=128)
 *           model.evaluate(x_test, y_test)
 *
 * Run: node build/examples/keras-mnist.js [mnist-directory] [--model lenet|mlp] [--epochs N]
 */
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits, oneHot, trainTestSplit } from '@nn/data';
import { loadMnist } from '@nn/data/node';
import { Dense, Dropout, glorotUniform, ReLU, Sequential, Softmax, zeros } from '@nn/layers';
import { Model } from '@nn/train';
import { lenet5 } from './lenet.js';

manualSeed(7);
const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const epochs = Number(valueOf('--epochs') ?? 5);
const directory = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--epochs' && args[i - 1] !== '--model');
const choice = valueOf('--model') ?? (directory === undefined ? 'mlp' : 'lenet');
if (choice !== 'lenet' && choice !== 'mlp') throw new Error(`keras-mnist: --model must be lenet or mlp, got '${choice}'`);
if (choice === 'lenet' && directory === undefined) {
  throw new Error('keras-mnist: LeNet-5 needs 28x28 images: give an MNIST directory (or --model mlp for the bundled 8x8 digits)');
}

let train: { x: Tensor; y: Tensor };
let test: { x: Tensor; y: Tensor };
if (directory !== undefined) {
  ({ train, test } = await loadMnist(directory));
  console.log(`MNIST from ${directory}: ${train.x.shape[0]} training and ${test.x.shape[0]} test images`);
} else {
  const { x, y } = loadDigits();
  const split = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
  train = { x: split.xTrain, y: split.yTrain };
  test = { x: split.xTest, y: split.yTest };
  console.log('no MNIST directory given: using the bundled 8x8 digits');
}

// x_train = x_train.reshape(60000, 784) / 255 is done by the loader; y_train = to_categorical(y_train, 10):
const yTrain = oneHot(train.y, 10);
const yTest = oneHot(test.y, 10);

let net: Sequential;
let inputShape: number[];
let xTrain = train.x;
let xTest = test.x;
if (choice === 'lenet') {
  // x_train.reshape(60000, 28, 28, 1) in Keras; NCHW here, as PyTorch.
  const asImages = (rows: Tensor): Tensor => rows.reshape([rows.shape[0]!, 1, 28, 28]);
  xTrain = asImages(xTrain);
  xTest = asImages(xTest);
  inputShape = [1, 28, 28];
  net = lenet5().append(new Softmax());
  console.log('model: LeNet-5');
} else {
  const features = train.x.shape[1]!;
  inputShape = [features];
  const keras = { kernelInitializer: glorotUniform, biasInitializer: zeros }; // Keras's Dense defaults
  net = new Sequential([new Dense(features, 512, keras), new ReLU(), new Dropout(0.2), new Dense(512, 10, keras), new Softmax()]);
  console.log('model: MLP 512 hidden units');
}

const model = new Model(net);
model.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
console.log(model.summary(inputShape));
await model.fit(xTrain, yTrain, { epochs, batchSize: 128, verbose: 2 });
const scores = model.evaluate(xTest, yTest);
console.log(`test loss ${scores.loss!.toFixed(4)}, test accuracy ${scores.accuracy!.toFixed(4)}`);
