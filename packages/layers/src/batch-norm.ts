/**
 * Batch normalization, per channel (axis 1) over every other axis, with running statistics for
 * evaluation: BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]), as PyTorch's. The two
 * differ only in the ranks they accept; everything else is the shared base class here.
 */
import { checkOptions, getDefaultDtype, noGrad, type DType, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { ones as onesInit, zeros as zerosInit } from './initializers.js';
import { affine, normalize, positive } from './normalize.js';
import { expectBoolean, expectInteger, expectNumber, expectTensor, formatShape } from './util.js';

/** Options of BatchNorm1d and BatchNorm2d. */
export interface BatchNormOptions {
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

/** Options of BatchNorm1d. */
export type BatchNorm1dOptions = BatchNormOptions;

/** Options of BatchNorm2d. */
export type BatchNorm2dOptions = BatchNormOptions;

/** What a subclass accepts: the input ranks, and how its error messages write the expected shape. */
interface InputForm {
  ranks: readonly number[];
  /** The expected shapes for `c` channels, e.g. `[N, 3, H, W]`. */
  describe: (c: number) => string;
}

/**
 * The shared batch normalization (see BatchNorm1d and BatchNorm2d):
 * - training mode: normalizes with the batch mean and biased batch variance over every axis but the
 *   channel axis 1, and updates the running mean and variance with the batch mean and the *unbiased*
 *   batch variance (n / (n - 1) times the biased one, n the number of values per channel); a batch
 *   with one value per channel is rejected;
 * - evaluation mode: normalizes with the running statistics (and updates nothing).
 */
abstract class BatchNorm extends Module {
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
  readonly #form: InputForm;

  protected constructor(layer: string, form: InputForm, numFeatures: number, options: BatchNormOptions) {
    super();
    checkOptions(layer, options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    this.#form = form;
    this.numFeatures = expectInteger(numFeatures, `${layer}: numFeatures`, 1);
    this.eps = expectNumber(options.eps ?? 1e-5, `${layer}: eps`, positive, 'a positive number');
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.momentum = momentum === null ? null : expectNumber(momentum, `${layer}: momentum`, (v) => v >= 0 && v <= 1, 'in [0, 1] or null');
    const withAffine = expectBoolean(options.affine ?? true, `${layer}: affine`);
    const track = expectBoolean(options.trackRunningStats ?? true, `${layer}: trackRunningStats`);
    const dtype = options.dtype ?? getDefaultDtype();
    const shape = [numFeatures];
    this.weight = withAffine ? parameter(onesInit(shape, { dtype })) : null;
    this.bias = withAffine ? parameter(zerosInit(shape, { dtype })) : null;
    // The state-dict keys are PyTorch's, so that a PyTorch state dict loads either way.
    this.runningMean = this.registerBuffer('runningMean', track ? zerosInit(shape, { dtype }) : null, { key: 'running_mean' });
    this.runningVar = this.registerBuffer('runningVar', track ? onesInit(shape, { dtype }) : null, { key: 'running_var' });
    // A count, so float64 whatever the layer's dtype: float32 stops counting exactly at 2^24.
    const count = track ? zerosInit([], { dtype: 'float64' }) : null;
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', count, { key: 'num_batches_tracked' });
  }

  override forward(x: Tensor): Tensor {
    const c = this.numFeatures;
    const name = `${this.constructor.name}(${c})`;
    expectTensor(x, `${name}: input`);
    if (!this.#form.ranks.includes(x.ndim) || x.shape[1] !== c) {
      throw new Error(`${name}: expected input of shape ${this.#form.describe(c)}, got ${formatShape(x.shape)}`);
    }
    // Statistics over every axis but the channels; the per-channel vectors broadcast as [C, 1, ...].
    const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
    const channelShape = [c, ...x.shape.slice(2).map(() => 1)];
    const running = this.runningMean !== null && this.runningVar !== null ? { mean: this.runningMean, variance: this.runningVar } : null;
    if (!this.training && running !== null) {
      const y = x.sub(running.mean.reshape(channelShape)).div(running.variance.reshape(channelShape).add(this.eps).sqrt());
      return affine(y, this.weight, this.bias, channelShape);
    }
    const count = x.size / c;
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

/**
 * Batch normalization over the batch (and length) axes of inputs [N, C] or [N, C, L], per channel C,
 * as PyTorch's `nn.BatchNorm1d`:
 * - training mode: normalizes with the batch mean and biased batch variance, and updates the running
 *   mean and variance with the batch mean and the *unbiased* batch variance (n / (n - 1) times the
 *   biased one, n = N or N*L); a batch with one value per channel is rejected;
 * - evaluation mode: normalizes with the running statistics (and updates nothing).
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super('BatchNorm1d', { ranks: [2, 3], describe: (c) => `[N, ${c}] or [N, ${c}, L]` }, numFeatures, options);
  }
}

/**
 * Batch normalization of images [N, C, H, W] over the batch and both spatial axes, per channel C, as
 * PyTorch's `nn.BatchNorm2d` (Keras's `BatchNormalization(axis=1)`, whose momentum is 1 minus
 * ours): in training mode with the batch mean and biased variance over N*H*W values per channel
 * (the running variance gets the unbiased one, N*H*W / (N*H*W - 1) times it); in evaluation mode
 * with the running statistics. The options, buffers and state-dict keys are BatchNorm1d's.
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super('BatchNorm2d', { ranks: [4], describe: (c) => `[N, ${c}, H, W]` }, numFeatures, options);
  }
}
