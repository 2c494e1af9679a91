/**
 * Gradients as values: `gradients` computes d(output)/d(inputs) contracted with a cotangent and
 * returns them, leaving every `.grad` alone (as `torch.autograd.grad`). The functional transforms
 * build on it.
 */
import { runBackward } from './engine.js';
import { graphIdentity } from './tape.js';
import { Tensor } from './tensor.js';
import { formatShape, shapesEqual } from './shape.js';
import { onesLike, zeros, zerosLike } from './ops/creation.js';
import { enableGrad, isGradEnabled } from './mode.js';
import { alias } from './ops/view.js';
import { stack } from './ops/join.js';
import { checkOptions } from './options.js';
import { describeValue } from './describe-value.js';

export interface GradientsOptions {
  /** Record the backward pass so that the returned gradients are differentiable. Default false. */
  createGraph?: boolean;
  /** Keep the graph for another backward pass. Default: the value of `createGraph`. */
  retainGraph?: boolean;
}

/**
 * The vector-Jacobian product: for each of `inputs`, the gradient of sum(output * cotangent) with
 * respect to it. An input that `output` does not depend on gets zeros.
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], cotangent: Tensor, opts: GradientsOptions = {}): Tensor[] {
  checkOptions('gradients', opts, ['createGraph', 'retainGraph']);
  if (!shapesEqual(output.shape, cotangent.shape)) {
    throw new Error(`gradients: cotangent of shape ${formatShape(cotangent.shape)} does not match the output's shape ${formatShape(output.shape)}`);
  }
  const capture = new Map<Tensor, Tensor | null>(inputs.map((input) => [input, null]));
  if (output.requiresGrad) {
    const seed = cotangent.dtype === output.dtype ? cotangent : cotangent.cast(output.dtype);
    runBackward(output, seed, opts, capture);
  }
  return inputs.map((input) => capture.get(input) ?? zerosLike(input));
}

// ---------------------------------------------------------------------------------------------
// JAX-style transforms: grad, valueAndGrad, vjp, jvp, jacobian, hessian, hvp.
//
// How a transform differentiates f with respect to an argument x: it hands f a fresh
// differentiation target in x's place. When x does not require grad, the target is a new leaf that
// shares x's storage; when x already requires grad (the call is inside an outer transform, or x is
// part of a user's recorded graph), it is `alias(x)`, an identity op, so that the target stays
// connected to the outer graph. `gradients` stops its walk at the targets, so each transform sees
// only its own level, and an inner transform's target is never confused with an outer one's.
//
// f runs under `enableGrad`, so transforms work inside `noGrad`. The backward pass is recorded
// (`createGraph`) exactly when an outer level can differentiate the result: grad mode was on when
// the transform was called, and an argument (or tangent) requires grad or f's output depends on a
// tensor requiring grad other than the targets (a closure over an outer transform's argument or a
// user's parameter). Otherwise every result is a plain tensor that does not require grad.
// ---------------------------------------------------------------------------------------------

/**
 * Which positional arguments a transform differentiates with respect to: one index (the result is
 * one Tensor) or an array of indices (the result is an array in that order). Default 0.
 */
export type Argnums = number | readonly number[];

/** Options of `grad`, `valueAndGrad`, `jacobian` and `hessian`. */
export interface TransformOptions {
  /** The argument(s) to differentiate with respect to. Default 0. */
  argnums?: Argnums;
}

const TRANSFORM_OPTIONS = ['argnums'];

/** Checks `argnums` when the transform is made: integers, none repeated. */
function checkArgnums(name: string, argnums: unknown): Argnums {
  const list = Array.isArray(argnums) ? (argnums as unknown[]) : [argnums];
  if (!list.every((n) => Number.isInteger(n))) {
    throw new Error(`${name}: argnums must be an integer or an array of integers, got ${describeValue(argnums)}`);
  }
  const seen = new Set<number>();
  for (const n of list as number[]) {
    if (seen.has(n)) throw new Error(`${name}: argnums ${JSON.stringify(argnums)} repeats ${n}`);
    seen.add(n);
  }
  return Array.isArray(argnums) ? [...(argnums as number[])] : (argnums as number);
}

/** The argument indices of `spec` for a call with `count` arguments. */
function resolveArgnums(name: string, spec: Argnums, count: number): number[] {
  const list = typeof spec === 'number' ? [spec] : [...spec];
  if (!list.every((n) => n >= 0 && n < count)) {
    throw new Error(
      `${name}: argnums ${JSON.stringify(spec)} is out of range for a call with ${count} argument${count === 1 ? '' : 's'}`,
    );
  }
  return list;
}

function checkTensor(name: string, what: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) {
    throw new Error(`${name}: ${what} must be a Tensor, got ${describeValue(value)}`);
  }
  return value;
}

/** f evaluated at fresh differentiation targets, and how the backward passes must run. */
interface Traced {
  /** f's output, recorded as a function of the targets. */
  readonly output: Tensor;
  /** The differentiation targets, one per differentiated argument. */
  readonly targets: Tensor[];
  /** Where backward walks stop: the targets first, then every other argument that requires grad. */
  readonly stops: Tensor[];
  /** Whether an outer level can differentiate the results: record the backward passes. */
  readonly nested: boolean;
  /** Whether backward walks must keep the graph (it may reach into a graph not made here). */
  readonly retain: boolean;
}

/**
 * Whether `output` depends on a tensor that requires grad other than through `targets`: a walk
 * back from it that stops at the targets reaches a leaf requiring grad or one of `others`. Tensors
 * are compared by `graphIdentity`: the walk meets a tensor of the scalar tape as a new object for
 * its entry.
 */
function reachesOutside(output: Tensor, targetTensors: readonly Tensor[], otherTensors: readonly Tensor[]): boolean {
  const targets = new Set(targetTensors.map(graphIdentity));
  const others = new Set(otherTensors.map(graphIdentity));
  if (!output.requiresGrad || targets.has(graphIdentity(output))) return false;
  if (output.node === null || others.has(graphIdentity(output))) return true;
  const seen = new Set<object>([output.node]);
  const stack = [output.node];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let i = 0; i < node.inputCount; i++) {
      if (!node.needsInputGrad[i]) continue;
      const input = node.input(i);
      if (targets.has(graphIdentity(input))) continue;
      if (input.node === null || others.has(graphIdentity(input))) return true;
      if (!seen.has(input.node)) {
        seen.add(input.node);
        stack.push(input.node);
      }
    }
  }
  return false;
}

/** Runs f with fresh differentiation targets in place of the arguments at `argnums`. */
function trace(name: string, f: (...args: Tensor[]) => Tensor, args: readonly Tensor[], argnums: readonly number[], extra: readonly Tensor[] = []): Traced {
  if (typeof f !== 'function') throw new Error(`${name}: f must be a function, got ${describeValue(f)}`);
  const gradEnabled = isGradEnabled();
  return enableGrad(() => {
    const callArgs = [...args];
    const targets = argnums.map((index) => {
      const x = checkTensor(name, `argument ${index}`, args[index]);
      if (x.dtype === 'int32') {
        throw new Error(
          `${name}: argument ${index} is an int32 tensor of shape ${formatShape(x.shape)}; gradients are taken with respect to ` +
            `float tensors only (cast it with cast(x, 'float64'), or leave it out of argnums)`,
        );
      }
      let target: Tensor;
      if (x.requiresGrad) {
        target = alias(x);
      } else {
        target = new Tensor(x.storage, x.shape, x.strides, x.offset);
        target.requiresGrad = true;
      }
      callArgs[index] = target;
      return target;
    });
    const others = args.filter((x, index) => !argnums.includes(index) && x instanceof Tensor && x.requiresGrad);
    const stops = [...targets, ...others];
    const output = f(...callArgs);
    if (!(output instanceof Tensor)) {
      throw new Error(`${name}: f must return a Tensor, got ${describeValue(output)}`);
    }
    const inner = argnums.some((index) => args[index]!.requiresGrad) || extra.some((t) => t.requiresGrad);
    const outside = gradEnabled && inner ? false : reachesOutside(output, targets, others);
    const nested = gradEnabled && (inner || outside);
    return { output, targets, stops, nested, retain: nested || outside };
  });
}

/** At top level, a result that does not require grad. */
function plain(t: Tensor, nested: boolean): Tensor {
  return nested || !t.requiresGrad ? t : t.detach();
}

/** The value of f and its gradients with respect to the arguments at `spec`. */
function valueAndGradAt(name: string, f: (...args: Tensor[]) => Tensor, spec: Argnums, args: readonly Tensor[]): [Tensor, Tensor[]] {
  const traced = trace(name, f, args, resolveArgnums(name, spec, args.length));
  const { output, targets, stops, nested, retain } = traced;
  if (output.size !== 1) {
    throw new Error(`${name}: f must return a one-element tensor, got shape ${formatShape(output.shape)}`);
  }
  const grads = gradients(output, stops, onesLike(output), { createGraph: nested, retainGraph: retain });
  return [plain(output, nested), grads.slice(0, targets.length).map((g) => plain(g, nested))];
}

/** Σ_i sum(grads_i * tangents_i), the contraction at the heart of jvp and hvp. */
function contract(grads: readonly Tensor[], tangents: readonly Tensor[], dtype: Tensor['dtype']): Tensor {
  let total = zeros([], { dtype });
  grads.forEach((g, i) => (total = total.add(g.mul(tangents[i]!).sum())));
  return total;
}

/** Checks that `tangents` pair up with `primals` in number and shape. */
function checkTangents(name: string, primals: readonly Tensor[], tangents: readonly Tensor[]): void {
  if (!Array.isArray(primals as unknown) || !Array.isArray(tangents as unknown)) {
    throw new Error(`${name}: primals and tangents must be arrays of tensors`);
  }
  if (primals.length !== tangents.length) {
    throw new Error(`${name}: got ${primals.length} primals but ${tangents.length} tangents; pass one tangent per primal`);
  }
  primals.forEach((p, i) => {
    checkTensor(name, `primal ${i}`, p);
    checkTensor(name, `tangent ${i}`, tangents[i]);
    if (!shapesEqual(p.shape, tangents[i]!.shape)) {
      throw new Error(`${name}: tangent ${i} has shape ${formatShape(tangents[i]!.shape)}, but primal ${i} has shape ${formatShape(p.shape)}`);
    }
  });
}

/** The Jacobians of f's output with respect to the arguments at `spec`, shaped [...out, ...in]. */
function jacobianAt(name: string, f: (...args: Tensor[]) => Tensor, spec: Argnums, args: readonly Tensor[]): Tensor[] {
  const { output, targets, stops, nested, retain } = trace(name, f, args, resolveArgnums(name, spec, args.length));
  const rows: Tensor[][] = targets.map(() => []);
  const count = output.size;
  for (let k = 0; k < count; k++) {
    const oneHot = zeros(output.shape, { dtype: output.dtype });
    oneHot.storage[k] = 1;
    const grads = gradients(output, stops, oneHot, { createGraph: nested, retainGraph: retain || k < count - 1 });
    targets.forEach((_, i) => rows[i]!.push(grads[i]!));
  }
  return targets.map((target, i) => {
    const shape = [...output.shape, ...target.shape];
    if (count === 0) return zeros(shape, { dtype: target.dtype });
    return plain(enableGrad(() => stack(rows[i]!, 0).reshape(shape)), nested);
  });
}

/**
 * Transforms a scalar function into the function that computes its gradient, as `jax.grad`.
 *
 * `grad(f)(...args)` is the gradient of `f(...args)` with respect to `args[0]`, a tensor of that
 * argument's shape and dtype; `argnums` picks other arguments: a number gives one Tensor, an array
 * gives an array of gradients in `argnums` order. The arguments are plain tensors (they need no
 * `requiresGrad`); a gradient with respect to an argument that f does not use is zeros. f must
 * return a one-element tensor (any shape).
 *
 * Calls are independent: nothing accumulates between them and no `.grad` is touched. The result
 * does not require grad, unless an outer level differentiates it: then it is recorded, so that
 * transforms compose (`grad(grad(f))`, `jacobian(grad(f))`, `grad` of a function that calls `hvp`).
 *
 * ```ts
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([1, 2]));                       // [3, 12]
 * grad(grad((x: Tensor) => x.sin()))(x);   // -sin(x), for a one-element x
 * ```
 * @throws when f does not return a one-element tensor, or argnums are not distinct integers naming
 * arguments of the call.
 */
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: { argnums?: number }): (...args: Args) => Tensor;
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: { argnums: readonly number[] }): (...args: Args) => Tensor[];
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: TransformOptions): (...args: Args) => Tensor | Tensor[];
export function grad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: TransformOptions = {}): (...args: Args) => Tensor | Tensor[] {
  checkOptions('grad', opts, TRANSFORM_OPTIONS);
  const spec = checkArgnums('grad', opts.argnums ?? 0);
  return (...args: Args) => {
    const [, grads] = valueAndGradAt('grad', f as (...args: Tensor[]) => Tensor, spec, args);
    return typeof spec === 'number' ? grads[0]! : grads;
  };
}

/**
 * Like `grad`, but the transformed function returns `[value, gradient(s)]`: f's output and its
 * gradient(s), from one forward and one backward pass. At top level the value does not require grad.
 *
 * ```ts
 * const [loss, [dw, db]] = valueAndGrad(lossFn, { argnums: [0, 1] })(w, b, x, y);
 * ```
 */
export function valueAndGrad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: { argnums?: number }): (...args: Args) => [Tensor, Tensor];
export function valueAndGrad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: { argnums: readonly number[] }): (...args: Args) => [Tensor, Tensor[]];
export function valueAndGrad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: TransformOptions): (...args: Args) => [Tensor, Tensor | Tensor[]];
export function valueAndGrad<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: TransformOptions = {}): (...args: Args) => [Tensor, Tensor | Tensor[]] {
  checkOptions('valueAndGrad', opts, TRANSFORM_OPTIONS);
  const spec = checkArgnums('valueAndGrad', opts.argnums ?? 0);
  return (...args: Args) => {
    const [value, grads] = valueAndGradAt('valueAndGrad', f as (...args: Tensor[]) => Tensor, spec, args);
    return [value, typeof spec === 'number' ? grads[0]! : grads];
  };
}

/**
 * The vector-Jacobian product (reverse mode), as `jax.vjp`: evaluates `f(...primals)` once and
 * returns `[output, vjpFn]`, where `vjpFn(cotangent)` (cotangent of the output's shape) gives, for
 * each primal, the gradient of sum(output * cotangent) with respect to it: vᵀJ. `vjpFn` can be
 * called any number of times; calls are independent.
 *
 * ```ts
 * const [y, vjpFn] = vjp((x: Tensor) => w.matmul(x), x);
 * const [dx] = vjpFn(v);                    // v @ w
 * ```
 */
export function vjp(f: (...args: Tensor[]) => Tensor, ...primals: Tensor[]): [Tensor, (cotangent: Tensor) => Tensor[]] {
  const traced = trace('vjp', f, primals, primals.map((_, i) => i));
  const { output, targets, stops, nested } = traced;
  const vjpFn = (cotangent: Tensor): Tensor[] => {
    checkTensor('vjp', 'the cotangent', cotangent);
    if (!shapesEqual(cotangent.shape, output.shape)) {
      throw new Error(`vjp: cotangent of shape ${formatShape(cotangent.shape)} does not match the output's shape ${formatShape(output.shape)}`);
    }
    const createGraph = nested || (isGradEnabled() && cotangent.requiresGrad);
    const grads = gradients(output, stops, cotangent, { createGraph, retainGraph: true });
    return grads.slice(0, targets.length).map((g) => plain(g, createGraph));
  };
  return [plain(output, nested), vjpFn];
}

/**
 * The Jacobian-vector product (forward mode), as `jax.jvp`: returns `[f(...primals), J · tangents]`,
 * the directional derivative of f at `primals` along `tangents` (one tangent per primal, of its
 * shape), a tensor of the output's shape.
 *
 * It is computed with two reverse passes (the "double-vjp trick"): g(u) = uᵀJ is linear in a
 * dummy cotangent u, so the gradient of g(u) · t with respect to u is J t.
 *
 * ```ts
 * const [y, dy] = jvp((x: Tensor) => x.sin(), [x], [ones([3])]);   // dy = cos(x)
 * ```
 */
export function jvp(f: (...args: Tensor[]) => Tensor, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  checkTangents('jvp', primals, tangents);
  const { output, targets, stops, nested, retain } = trace('jvp', f, primals, primals.map((_, i) => i), tangents);
  const tangentOut = enableGrad(() => {
    const u = zeros(output.shape, { dtype: output.dtype, requiresGrad: true });
    const grads = gradients(output, stops, u, { createGraph: true }).slice(0, targets.length);
    const s = contract(grads, tangents, output.dtype);
    // u among the stops keeps the walk from going past the targets into an outer graph.
    return gradients(s, [u, ...stops], onesLike(s), { createGraph: nested, retainGraph: retain })[0]!;
  });
  return [plain(output, nested), plain(tangentOut, nested)];
}

/**
 * The Jacobian of f's output with respect to the argument at `argnums` (default 0), as
 * `jax.jacrev`: a tensor of shape `[...output.shape, ...input.shape]`, whose entry [i..., j...] is
 * d output[i...] / d input[j...]. An `argnums` array gives an array of Jacobians. It takes one
 * reverse pass per output element.
 *
 * ```ts
 * jacobian((x: Tensor) => w.matmul(x))(x);                 // w, of shape [m, n]
 * jacobian((a: Tensor, b: Tensor) => a.mul(b), { argnums: [0, 1] })(a, b);   // [diag(b), diag(a)]
 * ```
 */
export function jacobian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: { argnums?: number }): (...args: Args) => Tensor;
export function jacobian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: { argnums: readonly number[] }): (...args: Args) => Tensor[];
export function jacobian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: TransformOptions): (...args: Args) => Tensor | Tensor[];
export function jacobian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: TransformOptions = {}): (...args: Args) => Tensor | Tensor[] {
  checkOptions('jacobian', opts, TRANSFORM_OPTIONS);
  const spec = checkArgnums('jacobian', opts.argnums ?? 0);
  return (...args: Args) => {
    const jacobians = jacobianAt('jacobian', f as (...args: Tensor[]) => Tensor, spec, args);
    return typeof spec === 'number' ? jacobians[0]! : jacobians;
  };
}

/**
 * The Hessian of a scalar function, `jacobian(grad(f))`: for the argument at `argnums` (default 0)
 * a tensor of shape `[...input.shape, ...input.shape]`. With an `argnums` array the result is the
 * block matrix as nested arrays: `H[i][j]` is d²f / d args[argnums[i]] d args[argnums[j]], of shape
 * `[...shape_i, ...shape_j]`.
 *
 * ```ts
 * hessian((x: Tensor) => x.matmul(a.matmul(x)))(x);   // a + aᵀ
 * ```
 */
export function hessian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: { argnums?: number }): (...args: Args) => Tensor;
export function hessian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: { argnums: readonly number[] }): (...args: Args) => Tensor[][];
export function hessian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts?: TransformOptions): (...args: Args) => Tensor | Tensor[][];
export function hessian<Args extends Tensor[]>(f: (...args: Args) => Tensor, opts: TransformOptions = {}): (...args: Args) => Tensor | Tensor[][] {
  checkOptions('hessian', opts, TRANSFORM_OPTIONS);
  const spec = checkArgnums('hessian', opts.argnums ?? 0);
  const g = f as (...args: Tensor[]) => Tensor;
  const gradientAt = (index: number) => (...args: Tensor[]): Tensor => valueAndGradAt('hessian', g, index, args)[1][0]!;
  return (...args: Args) => {
    if (typeof spec === 'number') return jacobianAt('hessian', gradientAt(spec), spec, args)[0]!;
    resolveArgnums('hessian', spec, args.length);
    return spec.map((index) => jacobianAt('hessian', gradientAt(index), spec, args));
  };
}

/**
 * Hessian-vector products of a scalar function: for each primal x_j, Σ_i (d²f / dx_j dx_i) · t_i,
 * that is H t for the Hessian H over all primals together, split per primal (each result has its
 * primal's shape). Computed by reverse over reverse, without forming H.
 *
 * ```ts
 * const [hv] = hvp((x: Tensor) => x.pow(3).sum(), [x], [v]);   // 6 x v
 * ```
 */
export function hvp(f: (...args: Tensor[]) => Tensor, primals: readonly Tensor[], tangents: readonly Tensor[]): Tensor[] {
  checkTangents('hvp', primals, tangents);
  const { output, targets, stops, nested, retain } = trace('hvp', f, primals, primals.map((_, i) => i), tangents);
  if (output.size !== 1) {
    throw new Error(`hvp: f must return a one-element tensor, got shape ${formatShape(output.shape)}`);
  }
  return enableGrad(() => {
    const grads = gradients(output, stops, onesLike(output), { createGraph: true }).slice(0, targets.length);
    const s = contract(grads, tangents, output.dtype);
    return gradients(s, stops, onesLike(s), { createGraph: nested, retainGraph: retain })
      .slice(0, targets.length)
      .map((h) => plain(h, nested));
  });
}
