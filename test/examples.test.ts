/**
 * Every example runs, as a user runs it (the compiled script under node), and prints what its
 * header promises. `npm test` builds them first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'nn-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runExample(name: string, args: string[] = []): string {
  return execFileSync(process.execPath, [`build/examples/${name}.js`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

describe('examples', () => {
  test('seed-gradient-step: the worked example of the course notes', () => {
    const out = runExample('seed-gradient-step');
    expect(out).toContain('prediction 11');
    expect(out).toContain('error 5');
    expect(out).toContain('gradient of the squared error (2 * input * error): [30,40]');
    expect(out).toContain('after one step: weights [0.7,1.6], error 2.5');
    const history = [...out.matchAll(/update +\d+: (\S+)/g)].map((m) => Number(m[1]));
    expect(history).toHaveLength(20);
    expect(history[0]).toBe(25);
    // Each step halves the error here, so the squared error falls by 4 per update.
    history.slice(1).forEach((mse, i) => expect(mse / history[i]!).toBeCloseTo(0.25, 3));
  });

  test('micrograd: a scalar MLP learns two moons', () => {
    const out = runExample('micrograd', ['12']);
    const losses = [...out.matchAll(/loss (\S+), accuracy (\S+)%/g)].map((m) => ({ loss: Number(m[1]), accuracy: Number(m[2]) }));
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses.at(-1)!.loss).toBeLessThan(losses[0]!.loss / 3);
    expect(losses.at(-1)!.accuracy).toBeGreaterThan(85);
  });

  test('wasm-kernel: a SIMD kernel emitted with @nn/autograd/wasm agrees with a plain loop', () => {
    const out = runExample('wasm-kernel');
    expect(out).toMatch(/module: \d+ bytes; 1000003 elements agree bit for bit/);
    expect(out).toContain('runsOnWasm for a large call: true');
  });

  test('backends: the same product on js, wasm and wasm with threads agrees', () => {
    const out = runExample('backends');
    expect(out).toMatch(/^js: [\d.]+ GFLOPS$/m);
    expect(out).toMatch(/^wasm on 1 thread\(s\): [\d.]+ GFLOPS, largest difference from js \S+$/m);
    expect(out).toContain('the backends agree');
  });

  test("hessian: Newton's method with grad and hessian reaches the Rosenbrock minimum (1, 1)", () => {
    const out = runExample('hessian');
    const norms = [...out.matchAll(/step +\d+: .*\|grad\| (\S+)/g)].map((m) => Number(m[1]));
    expect(norms.length).toBeGreaterThan(1);
    expect(norms.length).toBeLessThanOrEqual(20);
    expect(norms.at(-1)!).toBeLessThan(1e-12);
    const final = /minimum at \[(\S+), (\S+)\]/.exec(out);
    expect(final).not.toBeNull();
    expect(Math.abs(Number(final![1]) - 1)).toBeLessThan(1e-10);
    expect(Math.abs(Number(final![2]) - 1)).toBeLessThan(1e-10);
  });

  test('custom-op: a custom op verified by gradcheck, a property test, and a planted bug caught', () => {
    const out = runExample('custom-op');
    expect(out).toMatch(/^gradcheck passed: inputs 0: \[5\]/m);
    expect(out).toMatch(/^gradgradcheck passed/m);
    expect(out).toContain('property: softplus passed gradcheck and gradgradcheck on 50 random tensors');
    expect(out).toContain('softplus(1000) = 1000');
    expect(out).toContain('buggy version: ok = false');
    expect(out).toMatch(/gradcheck failed: 5 Jacobian entries differ for input 0/);
  });

  test('digits (the demo): the full run reaches 0.96 test accuracy and draws the training curves', () => {
    const svg = join(scratch, 'digits-training.svg');
    const started = Date.now();
    const out = runExample('digits', ['--out', svg]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(out).toContain('digits: 1437 training and 360 test images');
    expect(out).toMatch(/Total params: 9,610/);
    expect(out.match(/^Epoch \d+\/30 /gm)).toHaveLength(30);
    const accuracy = Number(/test accuracy (\S+)/.exec(out)![1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
    const matrix = out.split('confusion matrix')[1]!.split('\n').slice(2, 12).map((line) => line.trim().split(/\s+/).slice(1).map(Number));
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(360);
    const image = readFileSync(svg, 'utf8');
    expect(image).toMatch(/^<svg /);
    expect(image.match(/<polyline/g)).toHaveLength(4);
    expect(image).toContain('>validation accuracy</text>');
  });

  test('pca-digits: PCA by svd gives the explained variances PyTorch gives, eigh agrees, and a scatter SVG', () => {
    const svg = join(scratch, 'pca-digits.svg');
    const out = runExample('pca-digits', ['--out', svg]);
    expect(out).toMatch(/^pca-digits: 1797 images of 64 pixels; svd of the centered 1797 x 64 matrix/m);
    // torch.linalg.svdvals of the same centered matrix: s^2 / sum(s^2) for the first five components.
    const expected = [0.14890593584063877, 0.13618771239635455, 0.117945937639758, 0.08409979421009178, 0.057824146640055196];
    const ratios = [...out.matchAll(/component +\d+: explained variance ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ratios).toHaveLength(10);
    expected.forEach((r, i) => expect(ratios[i]).toBeCloseTo(r, 4));
    const gap = Number(/largest difference (\S+) of the largest variance/.exec(out)![1]);
    expect(gap).toBeLessThan(1e-12);
    const image = readFileSync(svg, 'utf8');
    expect(image).toMatch(/^<svg /);
    expect(image.match(/<circle /g)).toHaveLength(1797 + 10);
  });

  test('lstm-digits: the default run reads the rows with an LSTM and reaches 0.95 test accuracy', () => {
    const out = runExample('lstm-digits');
    expect(out).toContain('lstm-digits: 1437 training and 360 test images, read as 8 rows of 8 pixels, LSTM hidden 32');
    expect(out.match(/^Epoch \d+\/15 /gm)).toHaveLength(15);
    const accuracy = Number(/test accuracy (\S+)/.exec(out)![1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  test('char-transformer: on small settings the held-out loss falls well below the unigram entropy, samples printed, curves drawn', () => {
    const svg = join(scratch, 'char-transformer.svg');
    const out = runExample('char-transformer', ['--steps', '150', '--every', '75', '--d-model', '32', '--sample', '40', '--out', svg]);
    expect(out).toContain('char-transformer: Genesis (KJV), 196818 characters, 60 distinct; 177136 for training, 19682 held out');
    expect(out).toContain('unigram entropy (the loss of character frequencies alone): 3.017 nats');
    const untrained = Number(/^step 0: held-out loss (\S+)/m.exec(out)![1]);
    expect(untrained).toBeGreaterThan(3.5);
    const reports = [...out.matchAll(/^step (\d+): training loss (\S+), held-out loss (\S+)/gm)].map((m) => ({ step: Number(m[1]), heldOut: Number(m[3]) }));
    expect(reports.map((r) => r.step)).toEqual([75, 150]);
    expect(reports[1]!.heldOut).toBeLessThan(reports[0]!.heldOut);
    // The stated threshold for these settings: 2.5 nats, half a nat under the unigram entropy (3.017).
    expect(reports[1]!.heldOut).toBeLessThan(2.5);
    const samples = [...out.matchAll(/^ {2}sample: (".*")$/gm)].map((m) => JSON.parse(m[1]!) as string);
    expect(samples).toHaveLength(2);
    for (const sample of samples) expect(sample).toMatch(/^And [\s\S]{40}$/);
    const image = readFileSync(svg, 'utf8');
    expect(image).toMatch(/^<svg /);
    expect(image.match(/<polyline/g)).toHaveLength(3);
    expect(image).toContain('>held-out loss</text>');
  });

  test('cnn-digits: a small CNN on the 8x8 images reaches 0.98 test accuracy and draws the training curves', () => {
    const svg = join(scratch, 'cnn-digits-training.svg');
    const started = Date.now();
    const out = runExample('cnn-digits', ['--out', svg]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(out).toContain('cnn-digits: 1437 training and 360 test images of 1x8x8 pixels, 10 classes');
    expect(out).toMatch(/0 \(Conv2d\) +\[1,16,8,8\] +160/);
    expect(out).toMatch(/5 \(MaxPool2d\) +\[1,32,2,2\] +0/);
    expect(out).toMatch(/Total params: 6,090/);
    expect(out.match(/^Epoch \d+\/30 /gm)).toHaveLength(30);
    const accuracy = Number(/test accuracy (\S+)/.exec(out)![1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    const matrix = out.split('confusion matrix')[1]!.split('\n').slice(2, 12).map((line) => line.trim().split(/\s+/).slice(1).map(Number));
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(360);
    const correct = matrix.reduce((sum, row, i) => sum + row[i]!, 0);
    expect(correct / 360).toBeCloseTo(accuracy, 4);
    const image = readFileSync(svg, 'utf8');
    expect(image).toMatch(/^<svg /);
    expect(image.match(/<polyline/g)).toHaveLength(4);
  });

  test('mse-history: 20 updates plotted', () => {
    const svg = join(scratch, 'mse.svg');
    const out = runExample('mse-history', [svg]);
    expect(out.match(/^update +\d+: mean squared error/gm)).toHaveLength(20);
    expect(out).toContain('update  1: mean squared error 2.5000e+1');
    expect(readFileSync(svg, 'utf8').match(/<polyline/g)).toHaveLength(1);
  });

  test('gaussian-process: the hyperparameters fitted by the log marginal likelihood, gradchecked, plotted with a 2-sigma band', () => {
    const svg = join(scratch, 'gp.svg');
    const out = runExample('gaussian-process', [svg]);
    expect(out).toMatch(/^gradcheck of the log marginal likelihood passed/m);
    const [, before, after] = /log marginal likelihood (\S+) -> (\S+)/.exec(out)!;
    expect(Number(after)).toBeGreaterThan(Number(before) + 10);
    // The data's noise is 0.1: the fit finds it.
    const noise = Number(/noise ([\d.]+)/.exec(out)![1]);
    expect(Math.abs(noise - 0.1)).toBeLessThan(0.03);
    expect(Number(/rmse ([\d.]+)/.exec(out)![1])).toBeLessThan(0.2);
    const image = readFileSync(svg, 'utf8');
    expect(image).toMatch(/^<svg /);
    expect(image.match(/<polygon/g)).toHaveLength(1);
    expect(image.match(/<circle/g)).toHaveLength(40);
  });

  test('keras-mnist: the MLP on the bundled digits without a directory, LeNet-5 (or the MLP) on MNIST IDX files with one', () => {
    const digits = runExample('keras-mnist', ['--epochs', '2']);
    expect(digits).toContain('no MNIST directory given: using the bundled 8x8 digits');
    expect(digits).toContain('model: MLP 512 hidden units');
    expect(Number(/test accuracy (\S+)/.exec(digits)![1])).toBeGreaterThan(0.7);
    const refused = (): string => execFileSync(process.execPath, ['build/examples/keras-mnist.js', '--model', 'lenet'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    expect(refused).toThrow(/LeNet-5 needs 28x28 images: give an MNIST directory/);
    // A tiny stand-in for MNIST: 28x28 images in the four IDX files, gzipped.
    const dir = join(scratch, 'mnist');
    execFileSync('mkdir', ['-p', dir]);
    const idx = (dims: number[], values: number[]): Buffer => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.writeUInt32BE(0x0800 + dims.length, 0);
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([header, Buffer.from(values)]);
    };
    for (const [prefix, count] of [['train', 40], ['t10k', 20]] as const) {
      const labels = Array.from({ length: count }, (_, i) => i % 10);
      const pixels = labels.flatMap((label) => Array.from({ length: 784 }, (_, p) => (p % 10 === label ? 255 : 0)));
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx([count, 28, 28], pixels)));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idx([count], labels)));
    }
    const lenet = runExample('keras-mnist', [dir, '--epochs', '3']);
    expect(lenet).toContain(`MNIST from ${dir}: 40 training and 20 test images`);
    expect(lenet).toContain('model: LeNet-5');
    expect(lenet).toMatch(/Model: Sequential, input shape \[1,1,28,28\]/);
    expect(lenet).toMatch(/Total params: 61,706/);
    expect(lenet.match(/^Epoch \d+\/3 /gm)).toHaveLength(3);
    expect(lenet).toMatch(/test accuracy \S+/);
    const mlp = runExample('keras-mnist', ['--model', 'mlp', dir, '--epochs', '1']);
    expect(mlp).toContain('model: MLP 512 hidden units');
    expect(mlp).toMatch(/Total params: 407,050/);
  });

  test('bank-network: the notes\' forward pass by hand, then SGD training with the loss falling', () => {
    const out = runExample('bank-network');
    expect(out).toContain('input [3, 2]: hidden layer after ReLU [5,0], predicted 10 transactions');
    expect(out).toContain('actual 13: error (predicted - actual) -3');
    const losses = [...out.matchAll(/mean squared error (\S+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(6);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
    expect(Number(/makes about (\S+) transactions/.exec(out)![1])).toBeCloseTo(5.5, 0);
  });

  test('custom-module: a residual block found by parameter discovery, trained with Adam, restored from its state dict', () => {
    const out = runExample('custom-module');
    expect(out).toContain('1.fc1.weight [32,16]');
    expect(out).toContain('(1): ResidualBlock(');
    const losses = [...out.matchAll(/step +\d+: mean squared error (\S+)/g)].map((m) => Number(m[1]));
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
    const [, after, before] = /loss (\S+) \(before saving (\S+)\)/.exec(out)!;
    expect(after).toBe(before);
  });

  test('safetensors-weights: a trained network saved as safetensors and restored gives the same predictions', () => {
    const path = join(scratch, 'digits.safetensors');
    const out = runExample('safetensors-weights', [path]);
    expect(out).toContain('1.running_mean, 1.running_var');
    expect(out).toContain('metadata {"format":"pt","trainedSteps":"30"}');
    expect(out).toContain('restored network: predictions identical on 1797 digits');
    // The file on disk holds what the bytes held: the header length, then a JSON header naming each key.
    const file = readFileSync(path);
    const headerLength = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(header).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight', '3.bias', '3.weight', '__metadata__']);
  });

  test('export-onnx: a digits CNN exported to ONNX agrees with ONNX Runtime on every test image', () => {
    const path = join(scratch, 'digits-cnn.onnx');
    const out = runExample('export-onnx', [path]);
    expect(out).toMatch(/^exported \d+ bytes of ONNX \(opset 17, input 'pixels' \[batch, 64\], output 'logits' \[batch, 10\]\)$/m);
    const diff = Number(/largest logit difference (\S+), same class for 360\/360/.exec(out)![1]);
    expect(diff).toBeLessThan(1e-4);
    expect(Number(/test accuracy in ONNX Runtime (\S+)/.exec(out)![1])).toBeGreaterThan(0.9);
    expect(out).toContain('ONNX Runtime and @nn agree');
    // The file is the exported ModelProto: its first field is ir_version (field 1, varint) = 8.
    expect([...readFileSync(path).subarray(0, 2)]).toEqual([0x08, 0x08]);
  });

  test('save-and-resume: trained, stopped after 3 epochs, resumed from its ModelCheckpoint file, identical to an uninterrupted run', () => {
    const out = runExample('save-and-resume', [scratch]);
    expect(out).toContain('saved digits-01.safetensors, digits-02.safetensors, digits-03.safetensors');
    expect(out).toContain('resumed at epoch 4, trained to epoch 6');
    expect(out).toContain('weights identical: true; losses identical: true; Adam state identical: true');
  });
});
