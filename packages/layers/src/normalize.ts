/**
 * The two steps every normalization layer shares (batch-norm.ts, group-norm.ts, and LayerNorm's
 * second derivatives, ./layer-norm-op.ts): normalizing with the biased variance, then the optional
 * learnable scale and shift, as PyTorch does.
 */
import { rsqrt, type Tensor } from '@nn/autograd';

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
