/**
 * LayerNorm: each sample normalized over its last axes, by one fused op (./layer-norm-op.ts), then
 * the optional learnable scale and shift, as PyTorch's `nn.LayerNorm`.
 */
import { checkOptions, describeValue, getDefaultDtype, type DType, type Tensor } from '@nn/autograd';
import { affine, positive } from './normalize.js';
import { layerNormalize } from './layer-norm-op.js';
import { Module, parameter } from './module.js';
import { ones as onesInit, zeros as zerosInit } from './initializers.js';
import { expectBoolean, expectNumber, expectTensor, formatShape } from './util.js';

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
    if (x.dtype === 'int32') throw new Error(`${name}: expected a float input, got int32 of shape ${formatShape(x.shape)}; cast it first`);
    return affine(layerNormalize(x, k, this.eps), this.weight, this.bias, this.normalizedShape);
  }

  override extraRepr(): string {
    return `${formatShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
