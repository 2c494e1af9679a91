/**
 * The convolution layers, PyTorch's `nn.Conv1d`, `nn.Conv2d`, `nn.ConvTranspose1d` and
 * `nn.ConvTranspose2d`: a weight (and a bias) around the ops of @nn/autograd. The weight is stored
 * as PyTorch stores it ([out, in / groups, ...kernel] for a convolution, [in, out / groups, ...kernel]
 * for a transposed one), so a PyTorch state dict (keys `weight`, `bias`) loads as it is.
 */
import {
  checkGenerator, checkOptions, conv1d, conv2d, convTranspose1d, convTranspose2d, describeValue, getDefaultDtype, tensor,
  type DType, type Generator, type Tensor,
} from '@nn/autograd';
import { Module, parameter } from './module.js';
import { uniformValues } from './initializers.js';
import { expectBoolean, expectInteger, expectTensor, formatShape } from './util.js';

/** A size per spatial axis: one number for all, or one each ([h, w] for the 2-D layers). */
type PerAxis<Rank extends 1 | 2> = Rank extends 1 ? number : number | [number, number];

/** Options of Conv1d and Conv2d (PyTorch's, camelCased). */
export interface ConvLayerOptions<Rank extends 1 | 2 = 2> {
  /** Step between output positions (default 1). */
  stride?: PerAxis<Rank>;
  /** Zeros added on both sides (default 0), 'valid' (none) or 'same' (stride 1 only). */
  padding?: PerAxis<Rank> | 'valid' | 'same';
  /** Step between kernel taps (default 1). */
  dilation?: PerAxis<Rank>;
  /** Channel groups, each with its own filters (default 1; groups = inChannels is depthwise). */
  groups?: number;
  /** Whether to add a learnable bias (default true). */
  bias?: boolean;
  /** The dtype of the weight and bias (default: the default dtype). */
  dtype?: DType;
  /** The generator the initialization draws from (default: the global one that `manualSeed` seeds). */
  rng?: Generator;
}

/** Options of ConvTranspose1d and ConvTranspose2d. */
export interface ConvTransposeLayerOptions<Rank extends 1 | 2 = 2> {
  /** Step between input positions in the output (default 1). */
  stride?: PerAxis<Rank>;
  /** Rows and columns removed from both sides of the output (default 0). */
  padding?: PerAxis<Rank>;
  /** Rows and columns added after the output (default 0), smaller than the stride or the dilation. */
  outputPadding?: PerAxis<Rank>;
  /** Step between kernel taps (default 1). */
  dilation?: PerAxis<Rank>;
  /** Channel groups (default 1). */
  groups?: number;
  /** Whether to add a learnable bias (default true). */
  bias?: boolean;
  /** The dtype of the weight and bias (default: the default dtype). */
  dtype?: DType;
  /** The generator the initialization draws from (default: the global one). */
  rng?: Generator;
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'rng'];
const TRANSPOSE_OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'dtype', 'rng'];

type AnyOptions = ConvLayerOptions<2> & ConvTransposeLayerOptions<2>;

/**
 * What the four layers share: the checks, the parameters and their initialization, the input
 * checks. `rank` is the number of spatial axes, `transposed` which of the two weight layouts.
 */
abstract class Convolution extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  /** The kernel's extent on each spatial axis. */
  readonly kernelSize: readonly number[];
  readonly stride: PerAxis<2>;
  readonly padding: PerAxis<2> | 'valid' | 'same';
  readonly dilation: PerAxis<2>;
  readonly outputPadding: PerAxis<2>;
  readonly groups: number;
  /** [out, in / groups, ...kernel] for a convolution, [in, out / groups, ...kernel] for a transposed one. */
  readonly weight: Tensor;
  /** The [outChannels] bias, or null with `{ bias: false }`. */
  readonly bias: Tensor | null;
  private readonly rank: 1 | 2;
  private readonly transposed: boolean;

  constructor(rank: 1 | 2, transposed: boolean, inChannels: number, outChannels: number, kernelSize: unknown, given: object) {
    super();
    // Each subclass's constructor types its options; here they are read as the widest of them.
    const options = given as AnyOptions;
    const name = new.target.name;
    this.rank = rank;
    this.transposed = transposed;
    checkOptions(name, options, transposed ? TRANSPOSE_OPTIONS : CONV_OPTIONS);
    this.inChannels = expectInteger(inChannels, `${name}: inChannels`, 1);
    this.outChannels = expectInteger(outChannels, `${name}: outChannels`, 1);
    this.kernelSize = sizes(name, 'kernelSize', kernelSize, rank);
    this.groups = expectInteger(options.groups ?? 1, `${name}: groups`, 1);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new Error(`${name}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${this.groups})`);
    }
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.outputPadding = options.outputPadding ?? 0;
    const hasBias = expectBoolean(options.bias ?? true, `${name}: option bias`);
    const dtype = options.dtype ?? getDefaultDtype();
    const rng = checkGenerator(name, options.rng);
    const shape = transposed
      ? [this.inChannels, this.outChannels / this.groups, ...this.kernelSize]
      : [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    // PyTorch's reset_parameters: kaiming_uniform_(a = sqrt(5)) on the weight, whose bound
    // sqrt(6 / ((1 + 5) fanIn)) is 1 / sqrt(fanIn), then the bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    // fanIn is the weight's second axis times the kernel (so out / groups times the kernel for a
    // transposed layer, as PyTorch computes it).
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = parameter(tensor(uniformValues(shape, bound, rng), { shape, dtype }));
    this.bias = hasBias ? parameter(tensor(uniformValues([this.outChannels], bound, rng), { shape: [this.outChannels], dtype })) : null;
    // The ops check the options: a dry run on a small input they fit reports a bad option when the
    // layer is made, not at its first call, under the layer's name.
    this.checkOptionsByOp(name);
  }

  /** `Conv2d(3 -> 8, kernel [3,3])`: how errors name this layer. */
  get label(): string {
    return `${this.constructor.name}(${this.inChannels} -> ${this.outChannels}, kernel ${formatShape(this.kernelSize)})`;
  }

  private opOptions(): Record<string, unknown> {
    const base = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    return this.transposed ? { ...base, outputPadding: this.outputPadding } : base;
  }

  private run(x: Tensor): Tensor {
    const opts = this.opOptions() as never;
    if (this.rank === 2) return this.transposed ? convTranspose2d(x, this.weight, this.bias, opts) : conv2d(x, this.weight, this.bias, opts);
    return this.transposed ? convTranspose1d(x, this.weight, this.bias, opts) : conv1d(x, this.weight, this.bias, opts);
  }

  private checkOptionsByOp(name: string): void {
    // An extent every valid option fits: the dilated kernel plus twice the padding, plus one.
    const at = (v: unknown, a: number): number => {
      const value = Array.isArray(v) ? v[a] : v;
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
    };
    const extent = this.kernelSize.map((k, a) => Math.max(1, at(this.dilation, a)) * (k - 1) + 2 * at(this.padding, a) + 2);
    const probe = tensor(new Float64Array(this.inChannels * extent.reduce((a, b) => a * b, 1)), { shape: [this.inChannels, ...extent], dtype: this.weight.dtype });
    try {
      this.run(probe);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${name}: ${message.replace(/^\w+: /, '')}`, { cause: error });
    }
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, `${this.label}: input`);
    const rank = this.rank;
    const layout = rank === 2 ? '[N, C, H, W] or unbatched [C, H, W]' : '[N, C, L] or unbatched [C, L]';
    if (x.ndim !== rank + 1 && x.ndim !== rank + 2) {
      throw new Error(`${this.label}: expected input ${layout}, got shape ${formatShape(x.shape)}`);
    }
    const channels = x.shape[x.ndim - rank - 1]!;
    if (channels !== this.inChannels) {
      throw new Error(`${this.label}: expected ${this.inChannels} input channels (axis ${x.ndim - rank - 1}), got shape ${formatShape(x.shape)}`);
    }
    try {
      return this.run(x);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${this.label}: ${message.replace(/^\w+: /, '')}`, { cause: error });
    }
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}`, `kernelSize=${formatShape(this.kernelSize)}`];
    const show = (v: unknown) => (Array.isArray(v) ? formatShape(v as number[]) : typeof v === 'string' ? `'${v}'` : String(v));
    if (this.stride !== 1) parts.push(`stride=${show(this.stride)}`);
    if (this.padding !== 0) parts.push(`padding=${show(this.padding)}`);
    if (this.transposed && this.outputPadding !== 0) parts.push(`outputPadding=${show(this.outputPadding)}`);
    if (this.dilation !== 1) parts.push(`dilation=${show(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}

/** A kernel size: one positive integer for every axis, or (2-D) an [h, w] pair. */
function sizes(layer: string, name: string, value: unknown, rank: 1 | 2): number[] {
  if (Array.isArray(value) && rank === 2 && value.length === 2) return value.map((v) => expectInteger(v, `${layer}: ${name}`, 1));
  if (typeof value === 'number') {
    const v = expectInteger(value, `${layer}: ${name}`, 1);
    return new Array<number>(rank).fill(v);
  }
  throw new Error(`${layer}: ${name} must be a positive integer${rank === 2 ? ' or a pair of them' : ''}, got ${describeValue(value)}`);
}

/**
 * A 2-D convolution layer, PyTorch's `nn.Conv2d`: [N, inChannels, H, W] (or unbatched
 * [inChannels, H, W]) to [N, outChannels, H', W'], by `conv2d`. Weight [out, in / groups, kH, kW],
 * initialized as PyTorch's (U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = in / groups * kH * kW, the
 * weight first, then the bias).
 */
export class Conv2d extends Convolution {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvLayerOptions<2> = {}) {
    super(2, false, inChannels, outChannels, kernelSize, options);
  }
}

/** A 1-D convolution layer, PyTorch's `nn.Conv1d`: [N, inChannels, L] (or [inChannels, L]) by `conv1d`; weight [out, in / groups, K]. */
export class Conv1d extends Convolution {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvLayerOptions<1> = {}) {
    super(1, false, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * A 2-D transposed convolution layer, PyTorch's `nn.ConvTranspose2d`, by `convTranspose2d`. Weight
 * [in, out / groups, kH, kW]; initialized as PyTorch's, with fanIn = out / groups * kH * kW (PyTorch
 * reads the fan from the weight's second axis).
 */
export class ConvTranspose2d extends Convolution {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvTransposeLayerOptions<2> = {}) {
    super(2, true, inChannels, outChannels, kernelSize, options);
  }
}

/** A 1-D transposed convolution layer, PyTorch's `nn.ConvTranspose1d`, by `convTranspose1d`; weight [in, out / groups, K]. */
export class ConvTranspose1d extends Convolution {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvTransposeLayerOptions<1> = {}) {
    super(1, true, inChannels, outChannels, kernelSize, options);
  }
}
