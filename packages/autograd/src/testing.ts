/**
 * @nn/autograd/testing: property-test your own ops the way @nn tests its built-in ones.
 *
 * fast-check arbitraries for shapes, broadcast-compatible shape pairs and float64 tensors whose
 * values keep clear of kinks and domain edges, and `gradcheckProperty`, which turns a function and
 * arbitraries for its inputs into a fast-check property running gradcheck and gradgradcheck.
 *
 * This entry imports fast-check (an optional peer dependency of @nn/autograd); the main entry never does.
 *
 * ```ts
 * import fc from 'fast-check';
 * import { gradcheckProperty, tensorArb, shapeArb } from '@nn/autograd/testing';
 * fc.assert(gradcheckProperty(myOp, [tensorArb(shapeArb(), { domain: 'positive' })]));
 * ```
 */
import fc from 'fast-check';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';
import { tensor } from './ops/creation.js';
import type { Draw } from './check/spec.js';
import type { Domain } from './check/sampling.js';
import { drawBroadcastPair, drawValues } from './check/sampling.js';
import { assertGradcheck, assertGradgradcheck, GRADCHECK_OPTIONS, type CheckedFunction, type GradcheckOptions } from './check/gradcheck.js';
import { checkOptions } from './options.js';

export type { Draw } from './check/spec.js';
export type { Domain } from './check/sampling.js';

/** A uniform integer in [min, max]: fast-check's own integers crowd the bounds and 0 (its bias). */
const uniformInteger = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

/**
 * fast-check's generator seen as a `Draw`, the source the built-in op specs draw from. Its integers
 * are uniform, as `Draw` promises (values built from them spread evenly); they shrink and replay
 * by seed as fast-check's do.
 */
export function drawFrom(g: fc.GeneratorValue): Draw {
  return {
    integer: (min, max) => g(uniformInteger, min, max),
    integers: (count, min, max) => g(fc.array, uniformInteger(min, max), { minLength: count, maxLength: count }),
  };
}

/** Any value built from a `Draw`, as an arbitrary (it shrinks and replays by seed like any other). */
export function drawnArb<T>(build: (draw: Draw) => T): fc.Arbitrary<T> {
  return fc.gen().map((g) => build(drawFrom(g)));
}

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  minDim?: number;
  maxDim?: number;
}

/** Shapes of rank minRank..maxRank (default 0..4) with dimensions minDim..maxDim (default 1..4). */
export function shapeArb({ minRank = 0, maxRank = 4, minDim = 1, maxDim = 4 }: ShapeOptions = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Pairs of shapes that broadcast together, made from one drawn shape by setting some axes to 1 in
 * one of the two and dropping leading axes of one: one of them broadcast ([3, 4] with [4]), both
 * ([3, 1] with [1, 4]), or neither.
 */
export function broadcastPairArb(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return fc.tuple(shapeArb(options), fc.gen()).map(([shape, g]) => drawBroadcastPair(drawFrom(g), shape));
}

export interface TensorArbOptions {
  /**
   * Where values come from: 'uniform' [-3, 3]; 'positive' [0.1, 3]; 'awayFromZero' sign * [0.05, 3];
   * 'distinct' no two values within 0.05 of each other (for max, min, sorting). Values are spread
   * evenly, not crowded at 0 and the bounds as raw floating-point arbitraries are.
   */
  domain?: Domain;
  /** Default 'float64', the dtype gradcheck needs. */
  dtype?: DType;
}

/** Tensors of a given shape, or of shapes drawn from a shape arbitrary. */
export function tensorArb(shape: readonly number[] | fc.Arbitrary<number[]> = shapeArb(), options: TensorArbOptions = {}): fc.Arbitrary<Tensor> {
  const shapes = Array.isArray(shape) ? fc.constant([...shape]) : (shape as fc.Arbitrary<number[]>);
  return fc.tuple(shapes, fc.gen()).map(([s, g]) => makeTensor(drawFrom(g), s, options));
}

/** Pairs of tensors whose shapes broadcast together. */
export function tensorPairArb(options: TensorArbOptions & ShapeOptions = {}): fc.Arbitrary<[Tensor, Tensor]> {
  return fc.tuple(broadcastPairArb(options), fc.gen()).map(([[sa, sb], g]) => {
    const draw = drawFrom(g);
    if (options.domain !== 'distinct') return [makeTensor(draw, sa, options), makeTensor(draw, sb, options)];
    // Distinct across both tensors, so no element of one ties with an element of the other.
    const sizeA = sa.reduce((p, d) => p * d, 1);
    const values = drawValues(draw, sizeA + sb.reduce((p, d) => p * d, 1), 'distinct');
    const dtype = options.dtype ?? 'float64';
    return [
      tensor(Float64Array.from(values.slice(0, sizeA)), { shape: sa, dtype }),
      tensor(Float64Array.from(values.slice(sizeA)), { shape: sb, dtype }),
    ];
  });
}

function makeTensor(draw: Draw, shape: readonly number[], { domain = 'uniform', dtype = 'float64' }: TensorArbOptions): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return tensor(Float64Array.from(drawValues(draw, size, domain)), { shape, dtype });
}

/** One gradient-check case: a function and the inputs to check it at. */
export interface GradcheckCase {
  f: CheckedFunction;
  inputs: Tensor[];
}

export interface GradcheckPropertyOptions extends GradcheckOptions {
  /** Also run gradgradcheck (default true). */
  secondOrder?: boolean;
}

/**
 * A fast-check property that gradchecks (and gradgradchecks) `f` on inputs drawn from `inputs`, one
 * arbitrary per argument. A failure throws the gradcheck report, so fast-check prints it with the
 * seed and path that replay it. Also takes an arbitrary of whole cases, for functions whose
 * non-tensor arguments are drawn too.
 */
export function gradcheckProperty(f: CheckedFunction, inputs: fc.Arbitrary<Tensor>[], options?: GradcheckPropertyOptions): fc.IPropertyWithHooks<[GradcheckCase]>;
export function gradcheckProperty(cases: fc.Arbitrary<GradcheckCase>, options?: GradcheckPropertyOptions): fc.IPropertyWithHooks<[GradcheckCase]>;
export function gradcheckProperty(
  first: CheckedFunction | fc.Arbitrary<GradcheckCase>,
  second?: fc.Arbitrary<Tensor>[] | GradcheckPropertyOptions,
  third?: GradcheckPropertyOptions,
): fc.IPropertyWithHooks<[GradcheckCase]> {
  const [cases, options] =
    typeof first === 'function'
      ? [fc.tuple(...(second as fc.Arbitrary<Tensor>[])).map((inputs): GradcheckCase => ({ f: first, inputs })), third ?? {}]
      : [first, (second as GradcheckPropertyOptions | undefined) ?? {}];
  checkOptions('gradcheckProperty', options, [...GRADCHECK_OPTIONS, 'secondOrder']);
  const { secondOrder = true, ...gradcheckOptions } = options;
  return fc.property(cases, ({ f, inputs }) => {
    assertGradcheck(f, inputs, gradcheckOptions);
    if (secondOrder) assertGradgradcheck(f, inputs, gradcheckOptions);
  });
}
