/**
 * Weight initializers, with Keras's names. Each takes a shape and returns a new tensor, or takes a
 * tensor and fills it in place (under `noGrad`, so it works on parameters) and returns it:
 *
 * ```ts
 * const w = glorotUniform([64, 32], { rng: new Generator(0) });  // a new [64, 32] tensor
 * heNormal(dense.weight);                                          // refills the layer's weight
 * ```
 *
 * Random ones draw from `rng`, or from the global generator that `manualSeed` seeds, so the same
 * seed gives the same weights.
 *
 * Fans, for a weight of shape [out, in, ...kernel] (the layout of Dense and of PyTorch, NOT Keras's
 * [in, out]): fanIn = in * prod(kernel), fanOut = out * prod(kernel), as PyTorch computes them.
 * A rank-1 shape [n] has fanIn = fanOut = n (Keras's rule; PyTorch rejects it) and a scalar 1.
 */
import { getDefaultDtype, noGrad, rand, randn, tensor, Tensor, type DType, type Generator, checkGenerator, checkOptions } from '@nn/autograd';
import { expectShape, sizeOf } from './util.js';

/** Options of every initializer. */
export interface InitializerOptions {
  /** The dtype of a new tensor (default: the default dtype). Ignored when filling a tensor. */
  dtype?: DType;
  /** The generator to draw from; defaults to the global one that `manualSeed` seeds. */
  rng?: Generator;
}

/**
 * What layers accept as `kernelInitializer` / `biasInitializer`: a function from a shape to a new
 * tensor. Every initializer here is one; so is any `(shape, opts) => Tensor` of your own.
 */
export type Initializer = (shape: readonly number[], options?: InitializerOptions) => Tensor;

/** A shape to create, or a tensor to fill in place. */
export type InitializerTarget = readonly number[] | Tensor;

/** fanIn and fanOut of a weight of `shape` laid out [out, in, ...kernel] (see the module comment). */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * The machinery shared by every initializer: validate, draw values (in float64, then converted, so
 * that a float32 weight gets the same distribution), and either return them or copy them into the
 * target tensor.
 */
function initialize(
  name: string,
  target: InitializerTarget,
  options: InitializerOptions,
  draw: (shape: readonly number[], rng: Generator | undefined) => Float64Array,
): Tensor {
  checkOptions(name, options, ['dtype', 'rng']);
  const rng = checkGenerator(name, options.rng);
  if (target instanceof Tensor) {
    const values = draw(target.shape, rng);
    noGrad(() => target.assign(values));
    return target;
  }
  const shape = expectShape(target, `${name}: the shape`);
  return tensor(draw(shape, rng), { shape, dtype: options.dtype ?? getDefaultDtype() });
}

/** Uniform samples in [-bound, bound). */
export function uniformValues(shape: readonly number[], bound: number, rng: Generator | undefined): Float64Array {
  const u = rand(shape, { dtype: 'float64', rng }).data() as Float64Array;
  return u.map((v) => (2 * v - 1) * bound);
}

/** The standard deviation of a standard normal truncated to [-2, 2] (Keras's constant). */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/**
 * Normal samples with standard deviation `std`, truncated at two standard deviations and rescaled so
 * that the standard deviation is still `std`, as Keras's variance-scaling initializers do. Samples
 * outside [-2, 2] are redrawn.
 */
function truncatedNormalValues(shape: readonly number[], std: number, rng: Generator | undefined): Float64Array {
  const values = randn(shape, { dtype: 'float64', rng }).data() as Float64Array;
  let outside: number[] = [];
  values.forEach((v, i) => {
    if (Math.abs(v) > 2) outside.push(i);
  });
  while (outside.length > 0) {
    const redrawn = randn([outside.length], { dtype: 'float64', rng }).data();
    outside = outside.filter((index, k) => {
      values[index] = redrawn[k]!;
      return Math.abs(redrawn[k]!) > 2;
    });
  }
  const scale = std / TRUNCATED_NORMAL_STD;
  return values.map((v) => v * scale);
}

/**
 * Glorot (Xavier) uniform: U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)), so the variance is
 * 2 / (fanIn + fanOut). Keras's `glorot_uniform`, PyTorch's `xavier_uniform_`.
 */
export function glorotUniform(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('glorotUniform', target, options, (shape, rng) => {
    const { fanIn, fanOut } = computeFans(shape);
    return uniformValues(shape, Math.sqrt(6 / (fanIn + fanOut)), rng);
  });
}

/**
 * Glorot (Xavier) normal: a normal with standard deviation sqrt(2 / (fanIn + fanOut)), truncated at two
 * standard deviations (and rescaled to keep that deviation) as Keras's `glorot_normal`; PyTorch's
 * `xavier_normal_` has the same variance without the truncation.
 */
export function glorotNormal(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('glorotNormal', target, options, (shape, rng) => {
    const { fanIn, fanOut } = computeFans(shape);
    return truncatedNormalValues(shape, Math.sqrt(2 / (fanIn + fanOut)), rng);
  });
}

/**
 * He (Kaiming) uniform: U(-limit, limit) with limit = sqrt(6 / fanIn), variance 2 / fanIn, for ReLU
 * networks. Keras's `he_uniform`, PyTorch's `kaiming_uniform_` with its defaults for ReLU.
 */
export function heUniform(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('heUniform', target, options, (shape, rng) => uniformValues(shape, Math.sqrt(6 / computeFans(shape).fanIn), rng));
}

/**
 * He (Kaiming) normal: standard deviation sqrt(2 / fanIn), truncated at two standard deviations and
 * rescaled, as Keras's `he_normal`; PyTorch's `kaiming_normal_` has the same variance, untruncated.
 */
export function heNormal(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('heNormal', target, options, (shape, rng) => truncatedNormalValues(shape, Math.sqrt(2 / computeFans(shape).fanIn), rng));
}

/** All zeros (Keras's `zeros`): the usual bias initializer. Draws nothing from the generator. */
export function zeros(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('zeros', target, options, (shape) => new Float64Array(sizeOf(shape)));
}

/** All ones (Keras's `ones`): the usual scale (gamma) initializer of normalization layers. */
export function ones(target: InitializerTarget, options: InitializerOptions = {}): Tensor {
  return initialize('ones', target, options, (shape) => new Float64Array(sizeOf(shape)).fill(1));
}
