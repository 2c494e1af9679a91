/**
 * gradcheck and gradgradcheck: a function's analytic gradients against central finite differences
 * (TESTING.md, after PyTorch's torch.autograd.gradcheck and JAX's check_grads).
 *
 * Full mode (small problems): the whole Jacobian, numeric column by column (one input element
 * perturbed per pair of evaluations, divided by the step actually stored), analytic row by row (one
 * backward per one-hot cotangent, run twice and required to match bitwise).
 * Fast mode (large problems): for seeded random unit directions u (per input) and v (output),
 * v . (J u) from one directional difference against (v^T J) . u from one backward; a failing input
 * is then checked element by element so that the report can name elements.
 * Both modes also check that gradients have their input's shape and dtype, that a zero cotangent
 * gives exact zeros, and that backward is linear in the cotangent.
 */
import { Generator } from '../random.js';
import { enableGrad, noGrad } from '../mode.js';
import { Tensor } from '../tensor.js';
import { formatShape, shapesEqual } from '../shape.js';
import { fromStorage } from '../ops/creation.js';
import { concat } from '../ops/join.js';
import { gradients } from '../functional.js';
import { checkOptions } from '../options.js';
import { describeValue } from '../describe-value.js';
import { buildReport, type GradcheckFailure, type GradcheckReport, type ReportContext } from './report.js';

export type { GradcheckFailure, GradcheckReport } from './report.js';

export interface GradcheckOptions {
  /** The finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance: an entry fails when |analytic - numeric| > atol + rtol * |numeric|. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Seed of the random cotangents and directions. Default 0. */
  seed?: number;
  /** 'full', 'fast', or 'auto' (default): full when sum of numel(input) * numel(output) <= 4096. */
  mode?: 'auto' | 'full' | 'fast';
  /** Accept float32 inputs (finite differences are then accurate to about 5e-2: loosen eps and the tolerances). */
  allowFloat32?: boolean;
}

/** The keys of `GradcheckOptions`. */
export const GRADCHECK_OPTIONS = ['eps', 'atol', 'rtol', 'seed', 'mode', 'allowFloat32'] as const;

/** A function of tensors to check. */
export type CheckedFunction = (...inputs: Tensor[]) => Tensor;

const FULL_MODE_LIMIT = 4096;

interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
}

function settingsOf(opts: GradcheckOptions): Settings {
  return { eps: opts.eps ?? 1e-6, atol: opts.atol ?? 1e-5, rtol: opts.rtol ?? 1e-3, seed: opts.seed ?? 0 };
}

/**
 * Which inputs are checked: those with requiresGrad when any has it, else all float ones. An int32
 * input (class labels, indices) has no gradient: it is passed through unchanged.
 */
function checkedInputs(inputs: readonly Tensor[]): number[] {
  const marked = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  return marked.length > 0 ? marked : inputs.flatMap((t, i) => (t.dtype === 'int32' ? [] : [i]));
}

/** Validates the inputs and makes private copies: leaves that own their storage, with the same layout. */
function prepare(title: string, inputs: readonly Tensor[], opts: GradcheckOptions): { leaves: Tensor[]; checked: number[] } {
  checkOptions(title, opts, GRADCHECK_OPTIONS);
  if (!Array.isArray(inputs as unknown) || inputs.length === 0) throw new Error(`${title}: expected a non-empty array of input tensors`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${title}: input ${i} is ${describeValue(t)}, not a Tensor`);
  });
  const checked = checkedInputs(inputs);
  const leaves = inputs.map((t, i) => {
    const isChecked = checked.includes(i);
    if (isChecked && t.dtype !== 'float64' && opts.allowFloat32 !== true) {
      throw new Error(
        `${title}: input ${i} (shape ${formatShape(t.shape)}) is ${t.dtype}; finite differences need float64 ` +
          '(pass { allowFloat32: true } with a larger eps and looser tolerances to check float32 anyway)',
      );
    }
    t.shape.forEach((dim, axis) => {
      if (isChecked && dim > 1 && t.strides[axis] === 0) {
        throw new Error(`${title}: input ${i} (shape ${formatShape(t.shape)}) is a broadcast view (stride 0 on axis ${axis}); pass a tensor that owns its elements`);
      }
    });
    const copy = new Tensor(t.storage.slice(), t.shape, t.strides, t.offset);
    copy.requiresGrad = isChecked;
    return copy;
  });
  return { leaves, checked };
}

function evaluate(title: string, f: CheckedFunction, leaves: Tensor[]): Tensor {
  const output = f(...leaves);
  if (!(output instanceof Tensor)) throw new Error(`${title}: f returned ${describeValue(output)}; expected a Tensor`);
  return output;
}

/** The storage position of each element of `t`, in row-major order of its shape. */
function elementPositions(t: Tensor): number[] {
  const positions: number[] = [];
  const index = new Array<number>(t.ndim).fill(0);
  for (let n = 0; n < t.size; n++) {
    let position = t.offset;
    for (let axis = 0; axis < t.ndim; axis++) position += index[axis]! * t.strides[axis]!;
    positions.push(position);
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

function ravel(index: readonly number[], shape: readonly number[]): number {
  return index.reduce((flat, i, axis) => flat * shape[axis]! + i, 0);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i]! * b[i]!;
  return total;
}

/** Uniform values in [-1, 1). */
function randomValues(rng: Generator, count: number): Float64Array {
  return Float64Array.from({ length: count }, () => 2 * rng.uniform() - 1);
}

function unitVector(rng: Generator, count: number): Float64Array {
  const values = randomValues(rng, count);
  const norm = Math.sqrt(dot(values, values)) || 1;
  return values.map((v) => v / norm);
}

/**
 * Tracks the largest errors and collects failures. The largest errors are NaN (or Infinity) once any
 * entry's is, as `Math.max` makes them: a report never shows a finite worst error beside a NaN.
 */
class Tally {
  failures: GradcheckFailure[] = [];
  maxAbsError = 0;
  maxRelError = 0;
  constructor(private readonly settings: Settings) {}
  compare(entry: Omit<GradcheckFailure, 'allowed'>): void {
    const error = Math.abs(entry.analytic - entry.numeric);
    const allowed = this.settings.atol + this.settings.rtol * Math.abs(entry.numeric);
    this.maxAbsError = Math.max(this.maxAbsError, error);
    this.maxRelError = Math.max(this.maxRelError, error / Math.max(Math.abs(entry.numeric), 1e-12));
    if (!(error <= allowed)) this.failures.push({ ...entry, allowed });
  }
}

/** The checks every mode makes: shapes and dtypes, repeatability, zero and linear cotangents. */
function structuralProblems(output: Tensor, targets: Tensor[], checked: number[], rng: Generator, settings: Settings): string[] {
  const problems: string[] = [];
  const cotangent = (values: Float64Array): Tensor => fromStorage(values, output.shape).cast(output.dtype);
  const vjp = (values: Float64Array): Float64Array[] =>
    gradients(output, targets, cotangent(values), { retainGraph: true }).map((g, k) => {
      const target = targets[k]!;
      if (!shapesEqual(g.shape, target.shape) || g.dtype !== target.dtype) {
        problems.push(`input ${checked[k]}: the gradient is ${g.dtype} ${formatShape(g.shape)}, the input ${target.dtype} ${formatShape(target.shape)}`);
      }
      return Float64Array.from(g.data());
    });
  const v1 = randomValues(rng, output.size);
  const v2 = randomValues(rng, output.size);
  const g1 = vjp(v1);
  const again = vjp(v1);
  g1.forEach((g, k) => {
    if (!g.every((value, i) => Object.is(value, again[k]![i]))) problems.push(`input ${checked[k]}: two backward passes with the same cotangent gave different gradients`);
  });
  vjp(new Float64Array(output.size)).forEach((g, k) => {
    if (g.some((value) => value !== 0)) problems.push(`input ${checked[k]}: a zero cotangent gave a nonzero gradient`);
  });
  const g2 = vjp(v2);
  const mixed = vjp(v1.map((value, i) => 2 * value - 3 * v2[i]!));
  mixed.forEach((g, k) => {
    const linear = g.every((value, i) => {
      const expected = 2 * g1[k]![i]! - 3 * g2[k]![i]!;
      return Math.abs(value - expected) <= settings.atol + settings.rtol * Math.abs(expected);
    });
    if (!linear) problems.push(`input ${checked[k]}: backward is not linear in the cotangent (vjp(2 v1 - 3 v2) != 2 vjp(v1) - 3 vjp(v2))`);
  });
  return [...new Set(problems)];
}

function check(title: string, f: CheckedFunction, inputs: readonly Tensor[], opts: GradcheckOptions): GradcheckReport {
  const settings = settingsOf(opts);
  const { leaves, checked } = prepare(title, inputs, opts);
  const targets = checked.map((i) => leaves[i]!);
  const output = enableGrad(() => evaluate(title, f, leaves));
  const entries = targets.reduce((total, t) => total + t.size, 0) * output.size;
  const mode = opts.mode === 'full' || opts.mode === 'fast' ? opts.mode : entries <= FULL_MODE_LIMIT ? 'full' : 'fast';
  const rng = new Generator(settings.seed);
  const problems = structuralProblems(output, targets, checked, rng, settings);
  const tally = new Tally(settings);
  const evaluateData = (): Float64Array => Float64Array.from(noGrad(() => evaluate(title, f, leaves)).data());

  /** (y(x + eps e_j) - y(x - eps e_j)) / step for element `position` of `leaf`: a Jacobian column. */
  const numericColumn = (leaf: Tensor, position: number): Float64Array => {
    const storage = leaf.storage;
    const original = storage[position]!;
    storage[position] = original + settings.eps;
    const upper = storage[position]!;
    const plus = evaluateData();
    storage[position] = original - settings.eps;
    const lower = storage[position]!;
    const minus = evaluateData();
    storage[position] = original;
    return plus.map((value, o) => (value - minus[o]!) / (upper - lower));
  };

  let analyticAt: ReportContext['analyticAt'];
  if (mode === 'full') {
    // Analytic Jacobian rows: rows[k][o] is the gradient of output element o w.r.t. target k.
    const analyticRows = (): Float64Array[][] => {
      const rows: Float64Array[][] = targets.map(() => []);
      for (let o = 0; o < output.size; o++) {
        const oneHot = new Float64Array(output.size);
        oneHot[o] = 1;
        const grads = gradients(output, targets, fromStorage(oneHot, output.shape).cast(output.dtype), { retainGraph: true });
        grads.forEach((g, k) => rows[k]!.push(Float64Array.from(g.data())));
      }
      return rows;
    };
    const rows = analyticRows();
    const repeat = analyticRows();
    if (!rows.every((perTarget, k) => perTarget.every((row, o) => row.every((v, j) => Object.is(v, repeat[k]![o]![j]))))) {
      problems.push('the analytic Jacobian differed between two passes (state leaking between backward calls?)');
    }
    targets.forEach((leaf, k) => {
      elementPositions(leaf).forEach((position, j) => {
        const column = numericColumn(leaf, position);
        column.forEach((numeric, o) => {
          tally.compare({ input: checked[k]!, index: unravel(j, leaf.shape), output: unravel(o, output.shape), analytic: rows[k]![o]![j]!, numeric });
        });
      });
    });
    analyticAt = (input, index, outputIndex) => {
      const k = checked.indexOf(input);
      if (k < 0 || outputIndex === undefined || index.some((i, axis) => i >= targets[k]!.shape[axis]!)) return undefined;
      return rows[k]![ravel(outputIndex, output.shape)]?.[ravel(index, targets[k]!.shape)];
    };
  } else {
    const v = unitVector(rng, output.size);
    const analytic = gradients(output, targets, fromStorage(v, output.shape).cast(output.dtype), { retainGraph: true }).map((g) => Float64Array.from(g.data()));
    targets.forEach((leaf, k) => {
      const u = unitVector(rng, leaf.size);
      const positions = elementPositions(leaf);
      const storage = leaf.storage;
      const original = positions.map((p) => storage[p]!);
      const shifted = (sign: number): number => {
        positions.forEach((p, j) => (storage[p] = original[j]! + sign * settings.eps * u[j]!));
        return dot(v, evaluateData());
      };
      const numeric = (shifted(1) - shifted(-1)) / (2 * settings.eps);
      positions.forEach((p, j) => (storage[p] = original[j]!));
      const projected = dot(analytic[k]!, u);
      const allowed = settings.atol + settings.rtol * Math.abs(numeric);
      if (Math.abs(projected - numeric) <= allowed) {
        tally.compare({ input: checked[k]!, index: [], analytic: projected, numeric });
        return;
      }
      // Fall back to element by element (v^T J against its finite differences) to name elements.
      positions.forEach((position, j) => {
        tally.compare({ input: checked[k]!, index: unravel(j, leaf.shape), analytic: analytic[k]![j]!, numeric: dot(v, numericColumn(leaf, position)) });
      });
    });
  }
  return buildReport(tally.failures, problems, tally.maxAbsError, tally.maxRelError, {
    title,
    inputShapes: inputs.map((t) => t.shape),
    checked,
    outputShape: output.shape,
    settings: { ...settings, mode },
    analyticAt,
  });
}

/**
 * Checks the gradients of `f` at `inputs` against central finite differences. The inputs checked are
 * those with `requiresGrad` when any has it, else all float ones (int32 inputs, such as labels, are
 * passed through unchecked); they must be float64 unless
 * `allowFloat32` is set. Returns a report; `assertGradcheck` throws it instead.
 */
export function gradcheck(f: CheckedFunction, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  return check('gradcheck', f, inputs, opts);
}

/**
 * Checks second derivatives: gradcheck of g(inputs, v) = the vector-Jacobian product of f with a
 * random cotangent v, taken with `createGraph`, with respect to both the inputs and v.
 */
export function gradgradcheck(f: CheckedFunction, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const { leaves, checked } = prepare('gradgradcheck', inputs, opts);
  const outputShape = noGrad(() => evaluate('gradgradcheck', f, leaves)).shape;
  const rng = new Generator((opts.seed ?? 0) + 1);
  const cotangent = fromStorage(randomValues(rng, outputShape.reduce((a, b) => a * b, 1)), outputShape);
  cotangent.requiresGrad = true;
  // Recording stays on even inside the numeric pass (which runs under noGrad): g itself is a backward pass.
  const vjpOfF = (...args: Tensor[]): Tensor =>
    enableGrad(() => {
      const xs = args.slice(0, -1);
      const grads = gradients(f(...xs), checked.map((i) => xs[i]!), args[args.length - 1]!, { createGraph: true });
      return concat(grads.map((g) => g.reshape([-1])), 0);
    });
  return check('gradgradcheck', vjpOfF, [...leaves, cotangent], opts);
}

/** Like `gradcheck`, but throws an Error with the report's message when the check fails. */
export function assertGradcheck(f: CheckedFunction, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const report = gradcheck(f, inputs, opts);
  if (!report.ok) throw new Error(report.message);
  return report;
}

/** Like `gradgradcheck`, but throws an Error with the report's message when the check fails. */
export function assertGradgradcheck(f: CheckedFunction, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const report = gradgradcheck(f, inputs, opts);
  if (!report.ok) throw new Error(report.message);
  return report;
}
