/**
 * The course notes' Keras MNIST code, with @nn's API: a 512-unit hidden layer with dropout, a softmax
 * output, categorical cross-entropy on one-hot labels, Adam, then evaluate. Reads MNIST from the directory given on the command line (the four IDX files, gzipped
 * or not); without one it uses the bundled 8x8 digits, so it runs anywhere.
 *
 *   Keras:  model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
 *           model.fit(x_train, y_train, epochs=5, batch_size=128)
 *           model.evaluate(x_test, y_test)
 *
 * Run: node build/examples/keras-mnist.js [mnist-directory] [--epochs N]
 */
import { manualSeed, type Tensor } from '@nn/autograd';
import { loadDigits, oneHot, trainTestSplit } from '@nn/data';
import { loadMnist } from '@nn/data/node';
import { Dense, Dropout, glorotUniform, ReLU, Sequential, Softmax, zeros } from '@nn/layers';
import { Model } from '@nn/train';

manualSeed(7);
const args = process.argv.slice(2);
const epochsAt = args.indexOf('--epochs');
const epochs = epochsAt >= 0 ? Number(args[epochsAt + 1]) : 5;
const directory = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--epochs');

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
const features = train.x.shape[1]!;

// x_train = x_train.reshape(60000, 784) / 255 is done by the loader; y_train = to_categorical(y_train, 10):
const yTrain = oneHot(train.y, 10);
const yTest = oneHot(test.y, 10);

const keras = { kernelInitializer: glorotUniform, biasInitializer: zeros }; // Keras's Dense defaults
const model = new Model(
  new Sequential([new Dense(features, 512, keras), new ReLU(), new Dropout(0.2), new Dense(512, 10, keras), new Softmax()]),
);
model.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
console.log(model.summary([features]));
await model.fit(train.x, yTrain, { epochs, batchSize: 128, verbose: 2 });
const scores = model.evaluate(test.x, yTest);
console.log(`test loss ${scores.loss!.toFixed(4)}, test accuracy ${scores.accuracy!.toFixed(4)}`);
