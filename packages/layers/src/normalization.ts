/**
 * LayerNorm (over each sample's last axes), and the two steps every normalization layer shares
 * (batch-norm.ts, group-norm.ts): normalizing with the biased variance, then the optional learnable
 * scale and shift, as PyTorch does.
 */
import { checkOptions, describeValue, getDefaultDtype, rsqrt, type DType, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { ones as onesInit, zeros as zerosInit } from './initializers.js';
import { expectBoolean, expectNumber, expectTensor, formatShape } from './util.js';

/** (x - mean) / sqrt(variance + eps) (as a product with rsqrt), with the mean and biased variance taken over `axes`. */
export function normalize(x: Tensor, axes: number[], eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const mean = x.mean(axes, true);
  const centered = x.sub(mean);
  const variance = centered.square().mean(axes, true);
  // Times 1 / sqrt(variance + eps), not divided by the root: the same value to a rounding, and the
  // product's gradient is one full-size op where the quotient's is three (g a / b^2, negated).
  return { y: centered.mul(rsqrt(variance.add(eps))), mean, variance };
}

/** y * weight + bias, the affine step (skipped when the layer has none). */
export function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape: readonly number[]): Tensor {
  const scaled = weight === null ? y : y.mul(weight.reshape(shape));
  return bias === null ? scaled : scaled.add(bias.reshape(shape));
}

/** The check of an `eps` option. */
export const positive = (v: number): boolean => v > 0;

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
