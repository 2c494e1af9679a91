/**
 * Weights that leave the process: a small network with batch normalization is trained on the bundled
 * digits, its state dict is written as safetensors bytes (the file PyTorch's
 * `safetensors.torch.load_file` reads, with PyTorch's keys such as `1.running_mean`), read back into
 * a fresh network of the same shape, and the two give the same predictions bit for bit.
 *
 * Run: node build/examples/safetensors-weights.js [path]   (with a path, the file is also written there)
 */
import { manualSeed, noGrad, type Tensor } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import { saveSafetensors } from '@nn/io/node';
import { BatchNorm1d, crossEntropy, Dense, ReLU, Sequential } from '@nn/layers';
import { Adam } from '@nn/optim';

const makeNet = (): Sequential => new Sequential([new Dense(64, 32), new BatchNorm1d(32), new ReLU(), new Dense(32, 10)]);

manualSeed(5);
const { x, y } = loadDigits();
const net = makeNet();
const optimizer = new Adam(net.parameters(), { lr: 1e-2 });
for (let step = 0; step < 30; step++) {
  optimizer.zeroGrad();
  crossEntropy(net.call(x), y).backward();
  optimizer.step();
}
net.eval();

const bytes = encodeSafetensors(net.stateDict(), { format: 'pt', trainedSteps: '30' });
const { tensors, metadata } = decodeSafetensors(bytes);
console.log(`wrote ${bytes.length} bytes: ${Object.keys(tensors).join(', ')}`);
console.log(`metadata ${JSON.stringify(metadata)}`);

const restored = makeNet().loadStateDict(tensors).eval();
const [before, after] = noGrad(() => [net.call(x), restored.call(x)] as [Tensor, Tensor]);
const same = before.data().every((v, i) => Object.is(v, after.data()[i]));
console.log(`restored network: predictions ${same ? 'identical' : 'DIFFERENT'} on ${x.shape[0]} digits`);

const path = process.argv[2];
if (path !== undefined) {
  await saveSafetensors(path, net.stateDict(), { format: 'pt' });
  console.log(`saved ${path}`);
}
