/**
 * Leaving the process with ONNX: a small CNN is trained on the bundled 8x8 digits, exported with
 * `exportOnnx` (opset 17, a symbolic batch axis), and run in ONNX Runtime (onnxruntime-node, the
 * engine of servers, phones and browsers). The two agree on every test image, to float32 rounding.
 *
 * Run: node build/examples/export-onnx.js [path]   (with a path, the .onnx file is also written there)
 * (onnxruntime-node is a dev dependency of this repository; an application serving the model
 * installs it, or uses Python's onnxruntime: see docs/deploy.md.)
 */
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { manualSeed, noGrad, type Tensor } from '@nn/autograd';
import { loadDigits, trainTestSplit } from '@nn/data';
import { exportOnnx } from '@nn/io';
import { Conv2d, crossEntropy, Dense, Flatten, MaxPool2d, Module, ReLU, Sequential } from '@nn/layers';
import { Adam } from '@nn/optim';

/** [N, 64] pixels as [N, 1, 8, 8] images. */
class Images extends Module {
  override forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0]!, 1, 8, 8]);
  }
}

manualSeed(7);
const { x, y } = loadDigits();
const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, stratify: true });
const net = new Sequential([
  new Images(),
  new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
  new Conv2d(8, 16, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
  new Flatten(), new Dense(64, 10),
]);
const optimizer = new Adam(net.parameters(), { lr: 0.01 });
const n = xTrain.shape[0]!;
for (let epoch = 0; epoch < 8; epoch++) {
  for (let start = 0; start < n; start += 64) {
    const end = Math.min(start + 64, n);
    optimizer.zeroGrad();
    crossEntropy(net.call(xTrain.slice([start, 0], [end, 64])), yTrain.slice([start], [end])).backward();
    optimizer.step();
  }
}
net.eval();

const bytes = exportOnnx(net, xTest.slice([0, 0], [1, 64]), { dynamicBatch: true, inputName: 'pixels', outputName: 'logits' });
console.log(`exported ${bytes.length} bytes of ONNX (opset 17, input 'pixels' [batch, 64], output 'logits' [batch, 10])`);

const session = await ort.InferenceSession.create(bytes);
const feeds = { pixels: new ort.Tensor('float32', Float32Array.from(xTest.data()), [...xTest.shape]) };
const theirs = (await session.run(feeds))['logits']!.data as Float32Array;
const ours = noGrad(() => net.call(xTest)).data();

const argmax = (values: ArrayLike<number>, row: number): number => {
  let best = 0;
  for (let k = 1; k < 10; k++) if (values[row * 10 + k]! > values[row * 10 + best]!) best = k;
  return best;
};
const labels = yTest.data();
const rows = xTest.shape[0]!;
let maxDiff = 0;
let sameClass = 0;
let correct = 0;
for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
for (let r = 0; r < rows; r++) {
  if (argmax(ours, r) === argmax(theirs, r)) sameClass++;
  if (argmax(theirs, r) === labels[r]) correct++;
}
console.log(`ONNX Runtime on ${rows} test images: largest logit difference ${maxDiff.toExponential(2)}, same class for ${sameClass}/${rows}`);
console.log(`test accuracy in ONNX Runtime ${(correct / rows).toFixed(3)}`);
console.log(maxDiff <= 1e-4 && sameClass === rows ? 'ONNX Runtime and @nn agree' : 'ONNX Runtime and @nn DISAGREE');

const path = process.argv[2];
if (path !== undefined) {
  writeFileSync(path, bytes);
  console.log(`saved ${path}`);
}
