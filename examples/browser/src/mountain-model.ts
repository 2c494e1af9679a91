/**
 * The course's mountain: the loss of a model with two weights, linear regression y = w1 x1 + w2 x2
 * on eight fixed points (made from w = (2, -1) plus a little noise), under mean squared error. The
 * gradient of each descent step comes from @nn/autograd's backward pass.
 */
import { tensor, type Tensor } from '@nn/autograd';
import { lstsq } from '@nn/linalg';

const X = [[1, 0.5], [2, 1.5], [-1, 0.5], [0.5, -1], [-1.5, -0.5], [1, -1.5], [0, 1], [-0.5, -1]];
const NOISE = [0.1, -0.2, 0.15, 0.05, -0.1, 0.2, -0.05, -0.15];
const Y = X.map(([x1, x2], i) => 2 * x1! - x2! + NOISE[i]!);

const x = tensor(X, { dtype: 'float64' }); // [8, 2]
const y = tensor(Y, { dtype: 'float64' }); // [8]

export type Point = readonly [w1: number, w2: number];

export interface Step {
  w: Point;
  loss: number;
}

/** Mean squared error of the weight rows `w` ([..., 2] -> [...]): one loss per row. */
function mse(w: Tensor): Tensor {
  return w.matmul(x.transpose(0, 1)).sub(y).square().mean(-1);
}

/** The loss at one point. */
export function lossAt([w1, w2]: Point): number {
  return mse(tensor([w1, w2], { dtype: 'float64' })).item();
}

/** The losses on a grid: `w1s.length * w2s.length` values, row r for w2s[r], column c for w1s[c]. */
export function lossGrid(w1s: number[], w2s: number[]): Float64Array {
  const points = w2s.flatMap((w2) => w1s.map((w1) => [w1, w2]));
  return Float64Array.from(mse(tensor(points, { dtype: 'float64' })).data());
}

/** The least-squares weights (the bottom of the mountain) and their loss. */
export function optimum(): Step {
  const { solution } = lstsq(x, y);
  const [w1, w2] = solution.toArray() as number[];
  return { w: [w1!, w2!], loss: lossAt([w1!, w2!]) };
}

/** Gradient descent from `start`: `steps` updates w <- w - lr * dLoss/dw; the path has steps + 1 points. */
export function gradientDescent(start: Point, lr: number, steps: number): Step[] {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`gradientDescent: the learning rate must be a positive number, got ${lr}`);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`gradientDescent: steps must be a non-negative integer, got ${steps}`);
  const path: Step[] = [];
  let w: Point = start;
  for (let i = 0; ; i++) {
    const weights = tensor([w[0], w[1]], { dtype: 'float64', requiresGrad: true });
    const loss = mse(weights);
    path.push({ w, loss: loss.item() });
    if (i === steps) return path;
    loss.backward();
    const [g1, g2] = weights.grad!.toArray() as number[];
    w = [w[0] - lr * g1!, w[1] - lr * g2!];
  }
}

/** The presets of the view: the Hessian's eigenvalues here are 1.66 and 2.84, so steps diverge above lr = 2 / 2.84 = 0.70. */
export const PRESETS = {
  small: { lr: 0.02, text: 'too small: it crawls' },
  right: { lr: 0.4, text: 'right: it reaches the optimum' },
  large: { lr: 0.75, text: 'too large: if we move too fast, we might miss the optimum' },
} as const;
export type PresetName = keyof typeof PRESETS;

export const START: Point = [-2, 3];
export const STEPS = 30;
