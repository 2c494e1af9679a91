/**
 * micrograd's demo with @nn/autograd scalars: a 2-16-16-1 multilayer perceptron built neuron by
 * neuron from rank-0 tensors, trained with a max-margin loss on "two moons".
 *
 * Every weight is its own scalar tensor, so one training step records a graph of about 65,000
 * scalar ops: this exercises the scalar path, not the matrix kernels.
 *
 * Run: node build/examples/micrograd.js [steps]   (default 100)
 * The benchmark suite imports the model and data from here, so that it times this very workload.
 */
import { pathToFileURL } from 'node:url';
import { Generator, noGrad, tensor, type Tensor } from '@nn/autograd';

const rng = new Generator(1337);
const scalar = (value: number, requiresGrad = false): Tensor => tensor(value, { dtype: 'float64', requiresGrad });

/** Two interleaved half circles with Gaussian noise, labels -1 and 1 (scikit-learn's make_moons). */
export function makeMoons(count: number, noise: number): { points: [number, number][]; labels: number[] } {
  const points: [number, number][] = [];
  const labels: number[] = [];
  const half = Math.floor(count / 2);
  for (let i = 0; i < count; i++) {
    const upper = i < half;
    const angle = Math.PI * (upper ? i / (half - 1) : (i - half) / (count - half - 1));
    const x = upper ? Math.cos(angle) : 1 - Math.cos(angle);
    const y = upper ? Math.sin(angle) : 0.5 - Math.sin(angle);
    points.push([x + noise * rng.normal(), y + noise * rng.normal()]);
    labels.push(upper ? -1 : 1);
  }
  return { points, labels };
}

export class Neuron {
  readonly weights: Tensor[];
  readonly bias = scalar(0, true);
  constructor(inputs: number, readonly linear: boolean) {
    this.weights = Array.from({ length: inputs }, () => scalar(2 * rng.uniform() - 1, true));
  }
  call(x: Tensor[]): Tensor {
    let total = this.bias;
    for (let i = 0; i < x.length; i++) total = total.add(this.weights[i]!.mul(x[i]!));
    return this.linear ? total : total.relu();
  }
  parameters(): Tensor[] {
    return [...this.weights, this.bias];
  }
}

export class MLP {
  readonly layers: Neuron[][];
  constructor(sizes: number[]) {
    this.layers = sizes.slice(1).map((size, i) =>
      Array.from({ length: size }, () => new Neuron(sizes[i]!, i === sizes.length - 2)));
  }
  call(x: Tensor[]): Tensor {
    let activations = x;
    for (const layer of this.layers) activations = layer.map((neuron) => neuron.call(activations));
    return activations[0]!;
  }
  parameters(): Tensor[] {
    return this.layers.flat().flatMap((neuron) => neuron.parameters());
  }
}

/** The SVM max-margin loss plus L2 regularisation, and the accuracy, as micrograd's demo computes them. */
export function marginLoss(model: MLP, inputs: Tensor[][], labels: number[]): { total: Tensor; accuracy: number } {
  const scores = inputs.map((x) => model.call(x));
  let dataLoss = scalar(0);
  let correct = 0;
  scores.forEach((score, i) => {
    dataLoss = dataLoss.add(score.mul(-labels[i]!).add(1).relu());
    if (score.item() > 0 === labels[i]! > 0) correct++;
  });
  let squares = scalar(0);
  for (const p of model.parameters()) squares = squares.add(p.mul(p));
  const total = dataLoss.div(scores.length).add(squares.mul(1e-4));
  return { total, accuracy: correct / scores.length };
}

/** One SGD step on every scalar parameter, updated in place. */
export function sgdStep(parameters: Tensor[], learningRate: number): void {
  noGrad(() => {
    for (const p of parameters) {
      p.assign(p.item() - learningRate * p.grad!.item());
      p.zeroGrad();
    }
  });
}

/** The two-moons data as scalar tensors, and a fresh 2-16-16-1 model. */
export function setUp(): { model: MLP; inputs: Tensor[][]; labels: number[] } {
  const { points, labels } = makeMoons(100, 0.1);
  return { model: new MLP([2, 16, 16, 1]), inputs: points.map(([x, y]) => [scalar(x), scalar(y)]), labels };
}

function main(steps: number): void {
  const { model, inputs, labels } = setUp();
  const parameters = model.parameters();
  console.log(`two moons: ${inputs.length} points; MLP 2-16-16-1 with ${parameters.length} scalar parameters`);
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    const { total, accuracy } = marginLoss(model, inputs, labels);
    total.backward();
    sgdStep(parameters, 1 - (0.9 * step) / 100);
    if (step % 10 === 0 || step === steps - 1) {
      console.log(`step ${step} loss ${total.item().toFixed(6)}, accuracy ${(accuracy * 100).toFixed(1)}%`);
    }
  }
  const elapsed = performance.now() - started;
  console.log(`${steps} steps in ${(elapsed / 1000).toFixed(2)} s (${(elapsed / Math.max(steps, 1)).toFixed(1)} ms per step)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(Number(process.argv[2] ?? 100));
}
