/**
 * Gaussian-process regression whose kernel hyperparameters are fitted by maximizing the log marginal
 * likelihood with Adam, through @nn/linalg's cholesky and solveTriangular.
 *
 * The data: 40 noisy samples of f(x) = sin(x) + 0.3 cos(3 x) on [-4, 4] (seeded). The model: an RBF
 * kernel k(x, x') = s^2 exp(-(x - x')^2 / (2 l^2)) plus noise sigma^2 on the diagonal, with
 * log l, log s and log sigma the parameters. With K = L L^T and z = L^-1 y,
 *   log p(y) = -z^T z / 2 - sum log L_ii - n log(2 pi) / 2
 * (the log-determinant from the Cholesky diagonal). The gradient of log p(y) with respect to the three
 * log-parameters is checked against finite differences (gradcheck) before fitting; after fitting, the
 * posterior mean and a 2-sigma band on a grid are written as an SVG.
 *
 * Run: node build/examples/gaussian-process.js [out.svg]   (default gaussian-process.svg)
 */
import { writeFileSync } from 'node:fs';
import { Generator, assertGradcheck, diagonal, eye, linspace, matmul, noGrad, randn, tensor, type Tensor } from '@nn/autograd';
import { cholesky, solveTriangular } from '@nn/linalg';
import { Adam } from '@nn/optim';

const rng = new Generator(7);
const n = 40;
const truth = (x: number): number => Math.sin(x) + 0.3 * Math.cos(3 * x);
const xs = Array.from({ length: n }, (_, i) => -4 + (8 * (i + 0.5 * rng.uniform())) / n);
const noise = randn([n], { dtype: 'float64', rng }).mul(0.1);
const x = tensor(Float64Array.from(xs), { dtype: 'float64' });
const y = tensor(Float64Array.from(xs.map(truth)), { dtype: 'float64' }).add(noise);

/** The RBF kernel matrix between the points a [p] and b [q], given log l and log s. */
function rbf(a: Tensor, b: Tensor, logLength: Tensor, logSignal: Tensor): Tensor {
  const d = a.unsqueeze(1).sub(b.unsqueeze(0));
  return d.square().div(logLength.mul(2).exp().mul(-2)).exp().mul(logSignal.mul(2).exp());
}

/** log p(y | x) for the parameters [log l, log s, log sigma]. */
function logMarginalLikelihood(params: Tensor): Tensor {
  const [logLength, logSignal, logNoise] = [0, 1, 2].map((i) => params.slice([i], [i + 1]).squeeze());
  const k = rbf(x, x, logLength!, logSignal!).add(eye(n, { dtype: 'float64' }).mul(logNoise!.mul(2).exp()));
  const l = cholesky(k);
  const z = solveTriangular(l, y.unsqueeze(1), { upper: false });
  return z.square().sum().mul(-0.5).sub(diagonal(l).log().sum()).sub((n / 2) * Math.log(2 * Math.PI));
}

const params = tensor([Math.log(2), Math.log(0.5), Math.log(0.5)], { dtype: 'float64', requiresGrad: true });
const report = assertGradcheck(logMarginalLikelihood, [params.detach()]);
console.log(`gradcheck of the log marginal likelihood passed (largest error ${report.maxAbsError.toExponential(2)})`);

const optimizer = new Adam([params], { lr: 0.05 });
const start = noGrad(() => logMarginalLikelihood(params)).item();
let last = start;
for (let step = 1; step <= 200; step++) {
  optimizer.zeroGrad();
  const lml = logMarginalLikelihood(params);
  last = lml.item();
  lml.neg().backward();
  optimizer.step();
  if (step % 50 === 0) console.log(`step ${String(step).padStart(3)}: log marginal likelihood ${last.toFixed(4)}`);
}
const [lengthscale, signal, noiseStd] = Array.from(params.data(), Math.exp) as [number, number, number];
console.log(`log marginal likelihood ${start.toFixed(4)} -> ${last.toFixed(4)}`);
console.log(`fitted lengthscale ${lengthscale.toFixed(4)}, signal ${signal.toFixed(4)}, noise ${noiseStd.toFixed(4)}`);

// The posterior on a grid: mean K* K^-1 y = (L^-1 K*^T)^T (L^-1 y), variance s^2 - sum of squares of L^-1 K*^T.
const grid = linspace(-4.5, 4.5, 181, { dtype: 'float64' });
const { mean, band } = noGrad(() => {
  const [logLength, logSignal, logNoise] = [0, 1, 2].map((i) => params.slice([i], [i + 1]).squeeze());
  const l = cholesky(rbf(x, x, logLength!, logSignal!).add(eye(n, { dtype: 'float64' }).mul(logNoise!.mul(2).exp())));
  const v = solveTriangular(l, rbf(x, grid, logLength!, logSignal!), { upper: false });
  const z = solveTriangular(l, y.unsqueeze(1), { upper: false });
  const mu = matmul(v.transpose(0, 1), z).squeeze(1);
  const variance = v.square().sum(0).neg().add(signal * signal).clamp(0, Infinity);
  return { mean: Array.from(mu.data()), band: Array.from(variance.sqrt().mul(2).data()) };
});
const gridX = Array.from(grid.data());
const rmse = Math.sqrt(gridX.reduce((s, g, i) => s + (mean[i]! - truth(g)) ** 2, 0) / gridX.length);
const covered = xs.filter((xi, i) => {
  const j = Math.round(((xi + 4.5) / 9) * 180);
  return Math.abs(y.data()[i]! - mean[j]!) <= band[j]! + 2 * noiseStd;
}).length;
console.log(`posterior mean vs the true function: rmse ${rmse.toFixed(4)}; ${covered} of ${n} points inside the 2-sigma band`);

const out = process.argv[2] ?? 'gaussian-process.svg';
writeFileSync(out, svg(gridX, mean, band, xs, Array.from(y.data())));
console.log(`wrote ${out}`);

/** The band as a polygon, the mean as a polyline, the data as dots, on a 640 x 360 canvas. */
function svg(gx: number[], mu: number[], width2: number[], px: number[], py: number[]): string {
  const [w, h, pad] = [640, 360, 30];
  const lo = Math.min(...mu.map((m, i) => m - width2[i]!), ...py);
  const hi = Math.max(...mu.map((m, i) => m + width2[i]!), ...py);
  const sx = (v: number): string => (pad + ((v - gx[0]!) / (gx.at(-1)! - gx[0]!)) * (w - 2 * pad)).toFixed(1);
  const sy = (v: number): string => (h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad)).toFixed(1);
  const upper = gx.map((g, i) => `${sx(g)},${sy(mu[i]! + width2[i]!)}`);
  const lower = gx.map((g, i) => `${sx(g)},${sy(mu[i]! - width2[i]!)}`).reverse();
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="13">Gaussian-process posterior: mean and 2-sigma band</text>`,
    `<polygon points="${[...upper, ...lower].join(' ')}" fill="#9ecae1" fill-opacity="0.6" stroke="none"/>`,
    `<polyline points="${gx.map((g, i) => `${sx(g)},${sy(mu[i]!)}`).join(' ')}" fill="none" stroke="#08519c" stroke-width="2"/>`,
    ...px.map((v, i) => `<circle cx="${sx(v)}" cy="${sy(py[i]!)}" r="2.5" fill="#d62728"/>`),
    '</svg>',
    '',
  ].join('\n');
}
