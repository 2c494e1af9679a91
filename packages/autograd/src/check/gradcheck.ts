/**
 * Checking gradients against central finite differences, in float64 (see TESTING.md).
 *
 * For f and inputs x, a random cotangent v (seeded) turns the output into the scalar
 * L(x) = sum(f(x) * v). Its analytic gradient (one backward pass) is compared, element by element,
 * with (L(x + eps e_j) - L(x - eps e_j)) / (2 eps). A random cotangent checks that a rule uses its
 * incoming gradient (a cotangent of ones would hide a rule that ignores it).
 */
import { Generator } from '../random.js';
import { enableGrad, noGrad } from '../mode.js';
import { Tensor } from '../tensor.js';
import { formatShape, shapesEqual, sizeOf } from '../shape.js';
import { fromStorage } from '../ops/creation.js';
import { concat } from '../ops/join.js';
import { gradients } from '../functional.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random cotangent. */
  seed?: number;
}

export interface GradcheckFailure {
  input: number;
  index: number[];
  analytic: number;
  numeric: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  failures: GradcheckFailure[];
  /** Problems other than element mismatches: wrong gradient shape or dtype, non-repeatable results. */
  problems: string[];
}

/** A leaf over a private copy of `t`'s whole storage, with `t`'s shape, strides and offset. */
function privateLeaf(t: Tensor): Tensor {
  if (t.dtype !== 'float64') {
    throw new Error(`gradcheck: input of shape ${formatShape(t.shape)} is ${t.dtype}; finite differences need float64 inputs`);
  }
  t.shape.forEach((dim, axis) => {
    if (dim > 1 && t.strides[axis] === 0) {
      throw new Error(`gradcheck: input of shape ${formatShape(t.shape)} is a broadcast view (stride 0 on axis ${axis}); pass a tensor that owns its elements`);
    }
  });
  const leaf = new Tensor(Float64Array.from(t.storage), t.shape, t.strides, t.offset);
  leaf.requiresGrad = true;
  return leaf;
}

/** The storage index of each element of `t`, in row-major order of its shape. */
function elementPositions(t: Tensor): number[] {
  const positions: number[] = [];
  const index = new Array<number>(t.ndim).fill(0);
  for (let n = 0; n < t.size; n++) {
    positions.push(t.offset + index.reduce((sum, i, axis) => sum + i * t.strides[axis]!, 0));
    for (let axis = t.ndim - 1; axis >= 0; axis--) {
      if (++index[axis]! < t.shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return positions;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return index;
}

/** sum(y * v) as a plain number, in float64. */
function contract(y: Tensor, v: Float64Array): number {
  const values = y.data();
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]! * v[i]!;
  return total;
}

/**
 * Compares the analytic gradient of sum(f(inputs) * v) with central finite differences, for a
 * seeded random cotangent v. Inputs must be float64.
 */
export function gradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const leaves = inputs.map(privateLeaf);
  const rng = new Generator(opts.seed ?? 0);

  const output = f(...leaves);
  const cotangentValues = Float64Array.from({ length: output.size }, () => 2 * rng.uniform() - 1);
  const cotangent = fromStorage(cotangentValues, output.shape);
  const problems: string[] = [];
  const analytic = gradients(output, leaves, cotangent, { retainGraph: true });
  const again = gradients(output, leaves, cotangent);
  analytic.forEach((grad, i) => {
    const input = leaves[i]!;
    if (!shapesEqual(grad.shape, input.shape) || grad.dtype !== input.dtype) {
      problems.push(`input ${i}: gradient is ${grad.dtype} ${formatShape(grad.shape)}, the input ${input.dtype} ${formatShape(input.shape)}`);
    } else if (!grad.data().every((value, k) => Object.is(value, again[i]!.data()[k]))) {
      problems.push(`input ${i}: two backward passes gave different gradients`);
    }
  });

  const failures: GradcheckFailure[] = [];
  let maxAbsError = 0;
  let maxRelError = 0;
  noGrad(() => {
    leaves.forEach((leaf, i) => {
      const storage = leaf.storage;
      const analyticValues = analytic[i]!.data();
      elementPositions(leaf).forEach((position, flat) => {
        const original = storage[position]!;
        storage[position] = original + eps;
        const plus = contract(f(...leaves), cotangentValues);
        storage[position] = original - eps;
        const minus = contract(f(...leaves), cotangentValues);
        storage[position] = original;
        const numeric = (plus - minus) / (2 * eps);
        const value = analyticValues[flat] ?? NaN;
        const error = Math.abs(value - numeric);
        maxAbsError = Math.max(maxAbsError, error);
        maxRelError = Math.max(maxRelError, error / Math.max(Math.abs(numeric), 1e-12));
        if (!(error <= atol + rtol * Math.abs(numeric))) {
          failures.push({ input: i, index: unravel(flat, leaf.shape), analytic: value, numeric });
        }
      });
    });
  });
  return { ok: failures.length === 0 && problems.length === 0, maxAbsError, maxRelError, failures, problems };
}

/**
 * Checks second derivatives: gradcheck of g(inputs, v) = the gradients of sum(f(inputs) * v), taken
 * with `createGraph`, with respect to both the inputs and the cotangent v.
 */
export function gradgradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const rng = new Generator((opts.seed ?? 0) + 1);
  const outputShape = noGrad(() => f(...inputs).shape);
  const cotangent = fromStorage(Float64Array.from({ length: sizeOf(outputShape) }, () => 2 * rng.uniform() - 1), outputShape);
  // Recording stays on even inside the numeric pass (which runs under noGrad): g itself is a backward pass.
  const firstOrder = (...args: Tensor[]): Tensor =>
    enableGrad(() => {
      const xs = args.slice(0, -1);
      const v = args[args.length - 1]!;
      const grads = gradients(f(...xs), xs, v, { createGraph: true });
      return concat(grads.map((g) => g.reshape([-1])), 0);
    });
  return gradcheck(firstOrder, [...inputs, cotangent], opts);
}

/** A readable account of a failed report, for test messages. */
export function describeReport(report: GradcheckReport): string {
  const worst = [...report.failures]
    .sort((p, q) => Math.abs(q.analytic - q.numeric) - Math.abs(p.analytic - p.numeric))
    .slice(0, 5)
    .map((f) => `input ${f.input} at [${f.index.join(',')}]: analytic ${f.analytic}, numeric ${f.numeric}`);
  return [...report.problems, `${report.failures.length} entries differ; worst:`, ...worst].join('\n');
}
