/**
 * PCA of the bundled 8x8 digits by the SVD: center the 1797 x 64 pixel matrix, take its singular
 * value decomposition X = U S Vh (the rows of Vh are the principal axes, S^2 / (N - 1) the variances
 * along them), print the explained variance of the first components, check the variances against
 * the eigenvalues of the covariance matrix from `eigh`, and draw the images projected on the first two
 * axes as a scatter plot coloured by digit (pca-digits.svg).
 *
 * Run: node build/examples/pca-digits.js [--out file.svg]
 */
import { writeFileSync } from 'node:fs';
import { matmul, type Tensor } from '@nn/autograd';
import { loadDigits } from '@nn/data';
import { eigh, svd } from '@nn/linalg';

const at = process.argv.indexOf('--out');
const out = at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : 'pca-digits.svg';

const { x, y, classNames } = loadDigits({ dtype: 'float64' });
const [count, pixels] = x.shape as [number, number];
const centered = x.sub(x.mean(0, true));

let started = performance.now();
const { s, vh } = svd(centered);
const svdMs = performance.now() - started;
console.log(`pca-digits: ${count} images of ${pixels} pixels; svd of the centered ${count} x ${pixels} matrix in ${svdMs.toFixed(0)} ms`);

// The variance along each principal axis, and its share of the total.
const variances = Array.from(s.square().div(count - 1).data());
const total = variances.reduce((a, b) => a + b, 0);
let cumulative = 0;
for (let i = 0; i < 10; i++) {
  cumulative += variances[i]! / total;
  console.log(`component ${String(i + 1).padStart(2)}: explained variance ${(variances[i]! / total).toFixed(4)}, cumulative ${cumulative.toFixed(4)}`);
}

// The same variances are the eigenvalues of the covariance matrix X^T X / (N - 1), largest first.
started = performance.now();
const covariance = matmul(centered.transpose(0, 1), centered).div(count - 1);
const eigenvalues = Array.from(eigh(covariance).eigenvalues.data()).reverse();
const eighMs = performance.now() - started;
const largestGap = Math.max(...eigenvalues.map((w, i) => Math.abs(w - variances[i]!) / variances[0]!));
console.log(`eigh of the covariance (${eighMs.toFixed(0)} ms) agrees with S^2 / (N - 1): largest difference ${largestGap.toExponential(1)} of the largest variance`);

// The coordinates of each image on the first two axes: X Vh[:2]^T.
const axes = vh.slice([0, 0], [2, pixels]);
const scores = matmul(centered, axes.transpose(0, 1));
writeFileSync(out, scatter(scores, y, classNames));
console.log(`wrote ${out}: ${count} points on the first two principal axes, coloured by digit`);

/** An SVG scatter plot of the rows of `points` ([N, 2]), coloured by label, with a legend. */
function scatter(points: Tensor, labels: Tensor, names: readonly string[]): string {
  const p = points.data();
  const l = labels.data();
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const width = 640;
  const height = 480;
  const margin = 40;
  const xs = Array.from({ length: l.length }, (_, i) => p[2 * i]!);
  const ys = Array.from({ length: l.length }, (_, i) => p[2 * i + 1]!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const px = (v: number): number => margin + ((v - x0) / (x1 - x0)) * (width - 2 * margin - 60);
  const py = (v: number): number => height - margin - ((v - y0) / (y1 - y0)) * (height - 2 * margin);
  const dots = xs.map((v, i) => `<circle cx="${px(v).toFixed(1)}" cy="${py(ys[i]!).toFixed(1)}" r="2.2" fill="${colours[l[i]!]}" fill-opacity="0.7"/>`);
  const legend = names.map((name, c) => `<circle cx="${width - 70}" cy="${margin + 16 * c}" r="4" fill="${colours[c]}"/><text x="${width - 60}" y="${margin + 16 * c + 4}" font-size="12">${name}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin}" y="24" font-size="14">PCA of the 8x8 digits: the first two principal components</text>`,
    `<text x="${(width - 60) / 2}" y="${height - 10}" font-size="12" text-anchor="middle">component 1</text>`,
    `<text x="12" y="${height / 2}" font-size="12" transform="rotate(-90 12 ${height / 2})" text-anchor="middle">component 2</text>`,
    ...dots,
    ...legend,
    '</svg>',
  ].join('\n');
}
