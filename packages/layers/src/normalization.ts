/**
 * Normalization layers: LayerNorm (over each sample's last axes) and BatchNorm1d (over the batch, per
 * channel, with running statistics for evaluation). Both normalize with the biased variance, then
 * apply an optional learnable scale and shift, as PyTorch does.
 */
import { checkOptions, describeValue, getDefaultDtype, noGrad, type DType, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { ones as onesInit, zeros as zerosInit } from './initializers.js';
import { expectBoolean, expectInteger, expectNumber, expectTensor, formatShape } from './util.js';

/** (x - mean) / sqrt(variance + eps), with the mean and biased variance taken over `axes`. */
function normalize(x: Tensor, axes: number[], eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const mean = x.mean(axes, true);
  const centered = x.sub(mean);
  const variance = centered.square().mean(axes, true);
  return { y: centered.div(variance.add(eps).sqrt()), mean, variance };
}

/** y * weight + bias, the affine step (skipped when the layer has none). */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape: readonly number[]): Tensor {
  const scaled = weight === null ? y : y.mul(weight.reshape(shape));
  return bias === null ? scaled : scaled.add(bias.reshape(shape));
}

const positive = (v: number): boolean => v > 0;

/** Options of LayerNorm. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable per-element scale (ones) and shift (zeros) of shape `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** The dtype of the scale and shift (default: the default dtype). */
  dtype?: DType;
}

/**
 * Normalizes each sample over its last axes, `normalizedShape` (a number is one axis), to zero mean
 * and unit (biased) variance, then scales and shifts element-wise. PyTorch's `nn.LayerNorm`
 * (`weight`, `bias`); Keras's `LayerNormalization` (`gamma`, `beta`, eps 1e-3 there).
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  /** The scale, ones of `normalizedShape`, or null without `elementwiseAffine`. */
  readonly weight: Tensor | null;
  /** The shift, zeros of `normalizedShape`, or null without `elementwiseAffine`. */
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'dtype']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got ${describeValue(normalizedShape)}`);
    }
    this.normalizedShape = [...shape];
    this.eps = expectNumber(options.eps ?? 1e-5, 'LayerNorm: eps', positive, 'a positive number');
    const withAffine = expectBoolean(options.elementwiseAffine ?? true, 'LayerNorm: elementwiseAffine');
    const dtype = options.dtype ?? getDefaultDtype();
    this.weight = withAffine ? parameter(onesInit(this.normalizedShape, { dtype })) : null;
    this.bias = withAffine ? parameter(zerosInit(this.normalizedShape, { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const name = `LayerNorm(${formatShape(this.normalizedShape)})`;
    expectTensor(x, `${name}: input`);
    const k = this.normalizedShape.length;
    const trailing = x.shape.slice(x.ndim - k);
    if (x.ndim < k || trailing.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`${name}: expected input whose last axes are ${formatShape(this.normalizedShape)}, got shape ${formatShape(x.shape)}`);
    }
    const axes = this.normalizedShape.map((_, i) => x.ndim - k + i);
    return affine(normalize(x, axes, this.eps).y, this.weight, this.bias, this.normalizedShape);
  }

  override extraRepr(): string {
    return `${formatShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/** Options of BatchNorm1d. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * The weight of the new batch in the running averages: running = (1 - momentum) * running +
   * momentum * batch (default 0.1, PyTorch's convention; Keras's momentum is 1 minus this). `null`
   * gives the cumulative average over all batches seen, as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learnable per-channel scale (ones) and shift (zeros) (default true). */
  affine?: boolean;
  /**
   * Keep running mean and variance (the fields `runningMean`, `runningVar`, `numBatchesTracked`,
   * PyTorch's state-dict keys `running_mean`, `running_var`, `num_batches_tracked`) and use them in
   * evaluation mode (default true). Without, batch statistics are used in both modes.
   */
  trackRunningStats?: boolean;
  /** The dtype of the parameters and buffers (default: the default dtype). */
  dtype?: DType;
}

/**
 * Batch normalization over the batch (and length) axes of inputs [N, C] or [N, C, L], per channel C,
 * as PyTorch's `nn.BatchNorm1d`:
 * - training mode: normalizes with the batch mean and biased batch variance, and updates the running
 *   mean and variance with the batch mean and the *unbiased* batch variance (n / (n - 1) times the
 *   biased one, n = N or N*L); a batch with one value per channel is rejected;
 * - evaluation mode: normalizes with the running statistics (and updates nothing).
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  /** The per-channel scale, or null without `affine`. */
  readonly weight: Tensor | null;
  /** The per-channel shift, or null without `affine`. */
  readonly bias: Tensor | null;
  /** The running mean (zeros at first), or null without `trackRunningStats`. */
  readonly runningMean: Tensor | null;
  /** The running unbiased variance (ones at first), or null without `trackRunningStats`. */
  readonly runningVar: Tensor | null;
  /** How many training batches updated the running statistics (a float64 scalar), or null. */
  readonly numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super();
    checkOptions('BatchNorm1d', options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    this.numFeatures = expectInteger(numFeatures, 'BatchNorm1d: numFeatures', 1);
    this.eps = expectNumber(options.eps ?? 1e-5, 'BatchNorm1d: eps', positive, 'a positive number');
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.momentum = momentum === null ? null : expectNumber(momentum, 'BatchNorm1d: momentum', (v) => v >= 0 && v <= 1, 'in [0, 1] or null');
    const withAffine = expectBoolean(options.affine ?? true, 'BatchNorm1d: affine');
    const track = expectBoolean(options.trackRunningStats ?? true, 'BatchNorm1d: trackRunningStats');
    const dtype = options.dtype ?? getDefaultDtype();
    const shape = [numFeatures];
    this.weight = withAffine ? parameter(onesInit(shape, { dtype })) : null;
    this.bias = withAffine ? parameter(zerosInit(shape, { dtype })) : null;
    // The state-dict keys are PyTorch's, so that a BatchNorm1d state dict loads either way.
    this.runningMean = this.registerBuffer('runningMean', track ? zerosInit(shape, { dtype }) : null, { key: 'running_mean' });
    this.runningVar = this.registerBuffer('runningVar', track ? onesInit(shape, { dtype }) : null, { key: 'running_var' });
    // A count, so float64 whatever the layer's dtype: float32 stops counting exactly at 2^24.
    const count = track ? zerosInit([], { dtype: 'float64' }) : null;
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', count, { key: 'num_batches_tracked' });
  }

  override forward(x: Tensor): Tensor {
    const name = `BatchNorm1d(${this.numFeatures})`;
    expectTensor(x, `${name}: input`);
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      const c = this.numFeatures;
      throw new Error(`${name}: expected input of shape [N, ${c}] or [N, ${c}, L], got ${formatShape(x.shape)}`);
    }
    const axes = x.ndim === 2 ? [0] : [0, 2];
    // The per-channel vectors broadcast against [N, C] as [C], against [N, C, L] as [C, 1].
    const channelShape = x.ndim === 2 ? [this.numFeatures] : [this.numFeatures, 1];
    const running = this.runningMean !== null && this.runningVar !== null ? { mean: this.runningMean, variance: this.runningVar } : null;
    if (!this.training && running !== null) {
      const y = x.sub(running.mean.reshape(channelShape)).div(running.variance.reshape(channelShape).add(this.eps).sqrt());
      return affine(y, this.weight, this.bias, channelShape);
    }
    const count = x.size / this.numFeatures;
    if (this.training && count <= 1) {
      throw new Error(`${name}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    }
    const { y, mean, variance } = normalize(x, axes, this.eps);
    if (this.training && running !== null) this.updateRunningStats(running, mean, variance, count);
    return affine(y, this.weight, this.bias, channelShape);
  }

  /** The running averages' update, outside the graph: running = (1 - f) running + f batch. */
  private updateRunningStats(running: { mean: Tensor; variance: Tensor }, mean: Tensor, variance: Tensor, count: number): void {
    noGrad(() => {
      const tracked = this.numBatchesTracked!;
      tracked.assign(tracked.add(1));
      const factor = this.momentum ?? 1 / tracked.item();
      const c = [this.numFeatures];
      running.mean.assign(running.mean.mul(1 - factor).add(mean.detach().reshape(c).mul(factor)));
      const unbiased = variance.detach().reshape(c).mul(count / (count - 1));
      running.variance.assign(running.variance.mul(1 - factor).add(unbiased.mul(factor)));
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}
