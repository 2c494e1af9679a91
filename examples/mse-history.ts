/**
 * The course notes' gradient-descent loop, recorded and plotted: weights w = [1, 2], input [3, 4],
 * target 6, learning rate 0.01; 20 updates, each recording the mean squared error before it, then
 * the history as an SVG line plot (the notes' `plt.plot(mse_hist)`).
 *
 * Run: node build/examples/mse-history.js [out.svg]   (default mse-history.svg)
 */
import { writeFileSync } from 'node:fs';
import { noGrad, tensor } from '@nn/autograd';
import { lineChart } from '@nn/train';

const input = tensor([3, 4], { dtype: 'float64' });
const target = 6;
const learningRate = 0.01;
const weights = tensor([1, 2], { dtype: 'float64', requiresGrad: true });

const mseHistory: number[] = [];
for (let update = 0; update < 20; update++) {
  const error = weights.mul(input).sum().sub(target);
  const mse = error.square();
  mseHistory.push(mse.item());
  mse.backward();
  noGrad(() => weights.assign(weights.sub(weights.grad!.mul(learningRate))));
  weights.zeroGrad();
}

mseHistory.forEach((mse, i) => console.log(`update ${String(i + 1).padStart(2)}: mean squared error ${mse.toExponential(4)}`));
const out = process.argv[2] ?? 'mse-history.svg';
writeFileSync(out, lineChart([{ label: 'mean squared error', values: mseHistory }], { title: 'Gradient descent', xLabel: 'update', yLabel: 'mean squared error' }));
console.log(`wrote ${out}`);
