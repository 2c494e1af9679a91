/**
 * GroupNorm: normalization of each sample over groups of channels, independent of the batch (so
 * the same in training and evaluation mode, and with no running statistics), as PyTorch's.
 */
import { checkOptions, getDefaultDtype, type DType, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { ones as onesInit, zeros as zerosInit } from './initializers.js';
import { affine, normalize, positive } from './normalize.js';
import { expectBoolean, expectInteger, expectNumber, expectTensor, formatShape, sizeOf } from './util.js';

/** Options of GroupNorm. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable per-channel scale (ones) and shift (zeros) of shape [numChannels] (default true). */
  affine?: boolean;
  /** The dtype of the scale and shift (default: the default dtype). */
  dtype?: DType;
}

/**
 * Splits the channels (axis 1) of an input [N, C, *] into `numGroups` groups of C / numGroups
 * consecutive channels and normalizes each sample's group, over its channels and every trailing
 * axis, to zero mean and unit (biased) variance; then scales and shifts per channel. PyTorch's
 * `nn.GroupNorm(num_groups, num_channels, eps, affine)`; one group is LayerNorm over [C, *] with
 * per-channel affine, C groups is InstanceNorm.
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  /** The per-channel scale, or null without `affine`. */
  readonly weight: Tensor | null;
  /** The per-channel shift, or null without `affine`. */
  readonly bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions('GroupNorm', options, ['eps', 'affine', 'dtype']);
    this.numGroups = expectInteger(numGroups, 'GroupNorm: numGroups', 1);
    this.numChannels = expectInteger(numChannels, 'GroupNorm: numChannels', 1);
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = expectNumber(options.eps ?? 1e-5, 'GroupNorm: eps', positive, 'a positive number');
    const withAffine = expectBoolean(options.affine ?? true, 'GroupNorm: affine');
    const dtype = options.dtype ?? getDefaultDtype();
    this.weight = withAffine ? parameter(onesInit([numChannels], { dtype })) : null;
    this.bias = withAffine ? parameter(zerosInit([numChannels], { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const c = this.numChannels;
    const name = `GroupNorm(${this.numGroups}, ${c})`;
    expectTensor(x, `${name}: input`);
    if (x.ndim < 2 || x.shape[1] !== c) {
      throw new Error(`${name}: expected input of shape [N, ${c}, *], got ${formatShape(x.shape)}`);
    }
    // [N, G, C/G * prod(*)]: a group's channels are consecutive, so its values are one row here.
    const perGroup = (c / this.numGroups) * sizeOf(x.shape.slice(2));
    const grouped = x.reshape([x.shape[0]!, this.numGroups, perGroup]);
    const y = normalize(grouped, [2], this.eps).y.reshape(x.shape);
    return affine(y, this.weight, this.bias, [c, ...x.shape.slice(2).map(() => 1)]);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
