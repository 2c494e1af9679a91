/**
 * The training worker: trains the digits CNN of examples/digits-cnn-model.ts off the page's thread,
 * and then answers the page's questions about it (a drawn digit, the weights). Bundled with esbuild
 * (examples/browser/build.ts) to build/browser/page/worker.js; the page starts it as a module worker.
 */
import { manualSeed, tensor, type Tensor } from '@nn/autograd';
import { loadDigits, trainTestSplit } from '@nn/data';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import type { Sequential } from '@nn/layers';
import { Model } from '@nn/train';
import { asDigitImages, digitsCnn } from '../../digits-cnn-model.js';
import type { FromWorker, TestPredictions, ToWorker } from './protocol.js';
import { enableThreads } from './threads.js';

/** What this file needs of a dedicated worker's global scope (the page's tsconfig has DOM types, not WebWorker's). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

/** The state once training has started: the split and the model with its current weights. */
interface Trained {
  xTest: Tensor;
  yTest: Tensor;
  model: Model;
}
let trained: Trained | undefined;

function newModel(net: Sequential): Model {
  const model = new Model(net);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** The test set with the model's predicted classes, loss and accuracy. */
function testPredictions({ xTest, yTest, model }: Trained): TestPredictions {
  const { loss, accuracy } = model.evaluate(xTest, yTest);
  const predicted = model.predict(xTest).argmax(1).toArray() as number[];
  return { images: Float32Array.from(xTest.data()), labels: Array.from(yTest.data()), predicted, loss: loss!, accuracy: accuracy! };
}

/** The same pipeline as examples/cnn-digits.ts: seed 42, stratified 80/20 split, Adam, batches of 32, 10% validation. */
async function train(epochs: number): Promise<void> {
  post({ type: 'status', text: await enableThreads() });
  manualSeed(42); // one seed fixes the split, the initial weights and the shuffling
  const { x, y } = loadDigits();
  const split = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
  const xTrain = asDigitImages(split.xTrain);
  const state: Trained = { xTest: asDigitImages(split.xTest), yTest: split.yTest, model: newModel(digitsCnn()) };
  post({ type: 'started', trainImages: xTrain.shape[0]!, testImages: state.xTest.shape[0]!, epochs });
  const started = performance.now();
  await state.model.fit(xTrain, split.yTrain, {
    epochs, batchSize: 32, validationSplit: 0.1, verbose: 0,
    callbacks: [{
      onEpochEnd: (epoch, logs) => post({
        type: 'epoch', epoch: epoch + 1, epochs, seconds: (performance.now() - started) / 1000,
        loss: logs.loss!, accuracy: logs.accuracy!, valLoss: logs.val_loss!, valAccuracy: logs.val_accuracy!,
      }),
    }],
  });
  const seconds = (performance.now() - started) / 1000;
  trained = state;
  const result = testPredictions(state);
  post({ type: 'trained', seconds, ...result }, [result.images.buffer]);
}

function requireTrained(what: string): Trained {
  if (trained === undefined) throw new Error(`worker: ${what} needs a trained model; training has not finished`);
  return trained;
}

/** The class probabilities of one 8x8 image (64 pixels 0..1). */
function classify(id: number, pixels: number[]): void {
  if (pixels.length !== 64) throw new Error(`worker: classify needs 64 pixels, got ${pixels.length}`);
  const { model } = requireTrained('classify');
  const probabilities = model.predict(tensor(pixels).reshape([1, 1, 8, 8])).toArray() as number[][];
  post({ type: 'probabilities', id, probabilities: probabilities[0]! });
}

/** The weights as safetensors bytes, under the state dict's (PyTorch's) names. */
function saveWeights(): void {
  const { model } = requireTrained('saveWeights');
  const bytes = encodeSafetensors(model.net.stateDict(), { model: 'digits-cnn' });
  post({ type: 'weights', bytes }, [bytes.buffer]);
}

/**
 * Loads safetensors bytes into a new, freshly initialized net (not into the trained one), so that
 * the predictions after loading come from the file alone.
 */
function loadWeights(bytes: Uint8Array): void {
  const state = requireTrained('loadWeights');
  const net = digitsCnn();
  net.loadStateDict(decodeSafetensors(bytes).tensors);
  state.model = newModel(net);
  const result = testPredictions(state);
  post({ type: 'reloaded', ...result }, [result.images.buffer]);
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'train': return train(message.epochs);
    case 'classify': return classify(message.id, message.pixels);
    case 'saveWeights': return saveWeights();
    case 'loadWeights': return loadWeights(message.bytes);
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
};
