/**
 * Pooling layers: modules without parameters around @nn/autograd's pooling ops, with PyTorch's
 * constructor arguments and defaults (camelCased): MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d.
 * Their arguments are checked when the layer is made; an input the op rejects (a wrong rank, a
 * kernel larger than the padded input) is an error naming the layer, its settings and the op's reason.
 */
import {
  adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, checkOptions, describeValue, maxPool1d, maxPool2d,
  type AvgPool1dOptions, type AvgPool2dOptions, type MaxPool1dOptions, type MaxPool2dOptions, type PoolSize, type Tensor,
} from '@nn/autograd';
import { Module } from './module.js';
import { expectBoolean, expectTensor } from './util.js';

/** `value` checked as a size: one integer >= `min`, or (for a 2-D layer) a pair of them. */
function poolSize(layer: string, name: string, value: unknown, axes: 1 | 2, min: 0 | 1): PoolSize {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (ok(value) || (axes === 2 && Array.isArray(value) && value.length === 2 && value.every(ok))) {
    return (Array.isArray(value) ? [value[0], value[1]] : value) as PoolSize;
  }
  const what = `${min === 0 ? 'a non-negative' : 'a positive'} integer${axes === 2 ? ' or a pair [height, width] of them' : ''}`;
  throw new Error(`${layer}: ${name} must be ${what}, got ${describeValue(value)}`);
}

const along = (size: PoolSize, axis: 0 | 1): number => (typeof size === 'number' ? size : size[axis]);

/** PyTorch's limit, checked when the layer is made: padding at most half the kernel on every axis. */
function checkPadding(layer: string, kernelSize: PoolSize, padding: PoolSize): void {
  for (const axis of [0, 1] as const) {
    if (along(padding, axis) > Math.floor(along(kernelSize, axis) / 2)) {
      throw new Error(
        `${layer}: padding ${describeValue(padding)} is more than half the kernel size ${describeValue(kernelSize)} (PyTorch's limit: padding <= kernelSize / 2)`,
      );
    }
  }
}

const show = (size: PoolSize): string => (typeof size === 'number' ? String(size) : `[${size.join(', ')}]`);

/** Runs the layer's op; an error it throws is prefixed with the layer's description. */
function pooled(layer: Module, x: Tensor, op: (x: Tensor) => Tensor): Tensor {
  expectTensor(x, `${layer.constructor.name}: input`);
  try {
    return op(x);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new Error(`${layer.toString()}: ${error.message}`, { cause: error });
  }
}

/** The settings of a max pool layer, checked. */
abstract class MaxPool extends Module {
  readonly kernelSize: PoolSize;
  readonly stride: PoolSize;
  readonly padding: PoolSize;
  readonly dilation: PoolSize;
  readonly ceilMode: boolean;

  protected constructor(layer: string, axes: 1 | 2, kernelSize: unknown, options: MaxPool2dOptions) {
    super();
    checkOptions(layer, options, ['stride', 'padding', 'dilation', 'ceilMode']);
    this.kernelSize = poolSize(layer, 'kernelSize', kernelSize, axes, 1);
    this.stride = poolSize(layer, 'stride', options.stride ?? this.kernelSize, axes, 1);
    this.padding = poolSize(layer, 'padding', options.padding ?? 0, axes, 0);
    this.dilation = poolSize(layer, 'dilation', options.dilation ?? 1, axes, 1);
    this.ceilMode = expectBoolean(options.ceilMode ?? false, `${layer}: ceilMode`);
    checkPadding(layer, this.kernelSize, this.padding);
  }

  override extraRepr(): string {
    const { kernelSize, stride, padding, dilation, ceilMode } = this;
    return `kernelSize=${show(kernelSize)}, stride=${show(stride)}, padding=${show(padding)}, dilation=${show(dilation)}, ceilMode=${ceilMode}`;
  }
}

/**
 * The maximum over each window of an [N, C, H, W] (or [C, H, W]) input. PyTorch's `nn.MaxPool2d`
 * (stride defaults to the kernel size; padding is -Infinity, at most half the kernel); the gradient
 * goes to the first maximum of each window. See `maxPool2d`.
 */
export class MaxPool2d extends MaxPool {
  constructor(kernelSize: PoolSize, options: MaxPool2dOptions = {}) {
    super('MaxPool2d', 2, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    const { kernelSize, stride, padding, dilation, ceilMode } = this;
    return pooled(this, x, (t) => maxPool2d(t, kernelSize, { stride, padding, dilation, ceilMode }));
  }
}

/** The maximum over each window of an [N, C, L] (or [C, L]) input. PyTorch's `nn.MaxPool1d`. See `maxPool1d`. */
export class MaxPool1d extends MaxPool {
  constructor(kernelSize: number, options: MaxPool1dOptions = {}) {
    super('MaxPool1d', 1, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    const [kernelSize, stride, padding, dilation] = [this.kernelSize, this.stride, this.padding, this.dilation].map((s) => along(s, 0));
    return pooled(this, x, (t) => maxPool1d(t, kernelSize!, { stride, padding, dilation, ceilMode: this.ceilMode }));
  }
}

/** The settings of an average pool layer, checked. */
abstract class AvgPool extends Module {
  readonly kernelSize: PoolSize;
  readonly stride: PoolSize;
  readonly padding: PoolSize;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  protected constructor(layer: string, axes: 1 | 2, kernelSize: unknown, options: AvgPool2dOptions) {
    super();
    checkOptions(layer, options, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
    this.kernelSize = poolSize(layer, 'kernelSize', kernelSize, axes, 1);
    this.stride = poolSize(layer, 'stride', options.stride ?? this.kernelSize, axes, 1);
    this.padding = poolSize(layer, 'padding', options.padding ?? 0, axes, 0);
    this.ceilMode = expectBoolean(options.ceilMode ?? false, `${layer}: ceilMode`);
    this.countIncludePad = expectBoolean(options.countIncludePad ?? true, `${layer}: countIncludePad`);
    checkPadding(layer, this.kernelSize, this.padding);
  }

  override extraRepr(): string {
    const { kernelSize, stride, padding, ceilMode, countIncludePad } = this;
    return `kernelSize=${show(kernelSize)}, stride=${show(stride)}, padding=${show(padding)}, ceilMode=${ceilMode}, countIncludePad=${countIncludePad}`;
  }
}

/**
 * The mean over each window of an [N, C, H, W] (or [C, H, W]) input. PyTorch's `nn.AvgPool2d`
 * (stride defaults to the kernel size; padding zeros, counted in the divisor unless
 * `countIncludePad` is false). See `avgPool2d`.
 */
export class AvgPool2d extends AvgPool {
  constructor(kernelSize: PoolSize, options: AvgPool2dOptions = {}) {
    super('AvgPool2d', 2, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    const { kernelSize, stride, padding, ceilMode, countIncludePad } = this;
    return pooled(this, x, (t) => avgPool2d(t, kernelSize, { stride, padding, ceilMode, countIncludePad }));
  }
}

/** The mean over each window of an [N, C, L] (or [C, L]) input. PyTorch's `nn.AvgPool1d`. See `avgPool1d`. */
export class AvgPool1d extends AvgPool {
  constructor(kernelSize: number, options: AvgPool1dOptions = {}) {
    super('AvgPool1d', 1, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    const [kernelSize, stride, padding] = [this.kernelSize, this.stride, this.padding].map((s) => along(s, 0));
    const { ceilMode, countIncludePad } = this;
    return pooled(this, x, (t) => avgPool1d(t, kernelSize!, { stride, padding, ceilMode, countIncludePad }));
  }
}

/**
 * Means over windows that tile an [N, C, H, W] (or [C, H, W]) input into `outputSize` (a number for
 * both axes, or [h, w]). PyTorch's `nn.AdaptiveAvgPool2d`; `new AdaptiveAvgPool2d(1)` is a global
 * average pool. See `adaptiveAvgPool2d`.
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: PoolSize;

  constructor(outputSize: PoolSize) {
    super();
    this.outputSize = poolSize('AdaptiveAvgPool2d', 'outputSize', outputSize, 2, 1);
  }

  override forward(x: Tensor): Tensor {
    return pooled(this, x, (t) => adaptiveAvgPool2d(t, this.outputSize));
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Means over windows that tile an [N, C, L] (or [C, L]) input into `outputSize`. PyTorch's `nn.AdaptiveAvgPool1d`. */
export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number;

  constructor(outputSize: number) {
    super();
    this.outputSize = poolSize('AdaptiveAvgPool1d', 'outputSize', outputSize, 1, 1) as number;
  }

  override forward(x: Tensor): Tensor {
    return pooled(this, x, (t) => adaptiveAvgPool1d(t, this.outputSize));
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}
