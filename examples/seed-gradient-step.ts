/**
 * The worked example this project was founded on: one gradient-descent step on a linear model,
 * by hand and by autograd, then 20 updates with the mean squared error history.
 *
 *   weights w = [1, 2], input x = [3, 4], target 6, learning rate 0.01
 *   prediction w . x = 11, error 11 - 6 = 5
 *   gradient of the squared error: 2 * x * error = [30, 40]
 *   after one step w = [0.7, 1.6], prediction 8.5, error 2.5
 *
 * Run: npm run build && node build/examples/seed-gradient-step.js
 */
import { noGrad, tensor, type Tensor } from '@nn/autograd';

const input = tensor([3, 4], { dtype: 'float64' });
const target = 6;
const learningRate = 0.01;

/** The model's prediction: the dot product of weights and input. */
const predict = (weights: Tensor): Tensor => weights.mul(input).sum();

/** One gradient-descent step: the squared error's gradient by backward, then w - lr * grad. */
function step(weights: Tensor): { next: Tensor; error: number; gradient: number[] } {
  const error = predict(weights).sub(target);
  error.square().backward();
  const gradient = weights.grad!;
  const next = noGrad(() => weights.sub(gradient.mul(learningRate)));
  next.requiresGrad = true;
  return { next, error: error.item(), gradient: Array.from(gradient.data()) };
}

const round = (value: number): number => Number(value.toPrecision(10));

let weights = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
console.log(`weights ${JSON.stringify(weights.toArray())}, input ${JSON.stringify(input.toArray())}, target ${target}`);
console.log(`prediction ${round(predict(weights).item())}`);
const first = step(weights);
console.log(`error ${round(first.error)}`);
console.log(`gradient of the squared error (2 * input * error): ${JSON.stringify(first.gradient.map(round))}`);
weights = first.next;
console.log(`after one step: weights ${JSON.stringify(Array.from(weights.data()).map(round))}, error ${round(predict(weights).item() - target)}`);

// 20 updates from the start, recording the mean squared error before each.
weights = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
const mseHistory: number[] = [];
for (let update = 0; update < 20; update++) {
  const { next, error } = step(weights);
  mseHistory.push(error * error);
  weights = next;
}
console.log('mean squared error history:');
mseHistory.forEach((mse, i) => console.log(`  update ${String(i + 1).padStart(2)}: ${mse.toExponential(4)}`));
