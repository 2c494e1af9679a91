// Imports every package's main entry by name (the page's import map) and runs something real from
// each, on the main thread, then reports what it computed to window.result for the test to check.
import { tensor, arange, matmul, manualSeed, setBackend, getBackend } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { Dense, ReLU, Sequential, Softmax } from '@nn/layers';
import { SGD, Adam } from '@nn/optim';
import { Model } from '@nn/train';
import { encodeSafetensors, decodeSafetensors } from '@nn/io';
import { solve } from '@nn/linalg';

const round = (values, digits = 6) => values.map((v) => Number(v.toFixed(digits)));

function run() {
  manualSeed(7);

  // @nn/autograd: an op and its backward. d/dw (w . [3, 4] - 6)^2 = 2 * (11 - 6) * [3, 4].
  const w = tensor([1, 2], { requiresGrad: true });
  w.mul(tensor([3, 4])).sum().sub(6).square().backward();
  const grad = w.grad.toArray();

  // @nn/layers: a Dense layer with weights set by hand, forward and backward.
  const dense = new Dense(2, 1);
  dense.loadStateDict({ weight: tensor([[2, -1]]), bias: tensor([0.5]) });
  const denseOut = dense.call(tensor([[1, 3], [2, 0]])).toArray();

  // @nn/optim: one SGD step of lr 0.1 on (p - 3)^2 from p = 1: p - 0.1 * 2 * (1 - 3) = 1.4.
  const p = tensor([1], { requiresGrad: true });
  const sgd = new SGD([p], { lr: 0.1 });
  p.sub(3).square().sum().backward();
  sgd.step();
  const sgdParam = p.toArray();

  // @nn/data: the bundled digits, decoded from the module's base64 in the page.
  const { x, y, classNames } = loadDigits();

  // @nn/train: one epoch of fit on 64 rows, then evaluate.
  const rows = 64;
  const xs = x.slice([0, 0], [rows, 64]);
  const ys = y.slice([0], [rows]);
  const net = new Sequential([new Dense(64, 16), new ReLU(), new Dense(16, 10), new Softmax()]);
  const model = new Model(net);
  model.compile({ optimizer: new Adam(net.parameters(), { lr: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model.fit(xs, ys, { epochs: 1, batchSize: 16, verbose: 0 }).then((history) => {
    const scores = model.evaluate(xs, ys);

    // @nn/io: safetensors encode, decode, same values and dtype.
    const weights = { 'fc.weight': tensor([[1.5, -2], [0.25, 8]]), steps: tensor([3, 4], { dtype: 'int32' }) };
    const bytes = encodeSafetensors(weights, { format: 'pt' });
    const decoded = decodeSafetensors(bytes);
    const io = {
      bytes: bytes instanceof Uint8Array,
      names: Object.keys(decoded.tensors),
      weight: decoded.tensors['fc.weight'].toArray(),
      steps: decoded.tensors.steps.toArray(),
      stepsDtype: decoded.tensors.steps.dtype,
      metadata: decoded.metadata,
    };

    // @nn/linalg: [[3, 1], [1, 2]] x = [9, 8] gives x = [2, 3].
    const solved = round(solve(tensor([[3, 1], [1, 2]], { dtype: 'float64' }), tensor([9, 8], { dtype: 'float64' })).toArray());

    // The WebAssembly kernels on the main thread: a 256x256 matmul forced onto 'wasm', against 'js'.
    // Chromium refuses to compile a module over 4 KiB synchronously here, so this fails if one is.
    const n = 256;
    const a = arange(0, n * n).reshape([n, n]).mul(0.37).sin();
    const b = arange(0, n * n).reshape([n, n]).mul(0.11).cos();
    setBackend('js');
    const onJs = matmul(a, b).data();
    setBackend('wasm');
    const onWasm = matmul(a, b).data();
    // Adam's WebAssembly step too (its kernels go to wasm for large parameters under 'wasm').
    const param = arange(1, 4097).div(4096);
    const before = Float32Array.from(param.data());
    param.requiresGrad = true;
    const adam = new Adam([param], { lr: 0.01 });
    param.square().sum().backward();
    adam.step();
    const adamMoved = param.data().every((v, i) => v < before[i]);
    const backendUsed = getBackend();
    setBackend('auto');
    let maxDiff = 0;
    for (let i = 0; i < onJs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onJs[i] - onWasm[i]));
    let sum = 0;
    for (const v of onWasm) sum += v;

    return {
      grad,
      denseOut,
      sgdParam: round(sgdParam),
      digits: { shape: x.shape, labels: y.shape, classes: classNames.length, first: round(Array.from(x.data().slice(0, 8)), 4), label0: y.data()[0] },
      fit: { epochs: history.epoch.length, loss: history.history.loss, evaluated: scores, rows },
      io,
      solved,
      wasm: { backendUsed, size: onWasm.length, maxDiff, sum, adamMoved },
      isolated: self.crossOriginIsolated,
    };
  });
}

run().then((result) => { window.result = result; }, (error) => { window.result = { error: String(error && error.stack || error) }; });
