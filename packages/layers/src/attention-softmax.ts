/**
 * Attention's weights, softmax(scores + mask) along the last axis, as one op with one more for its
 * gradient, as PyTorch's scaled_dot_product_attention fuses them on the CPU.
 *
 * Written as tensor ops, the weights are an add (of the causal mask) and a softmax forward, and
 * four ops backward (two products, a sum and a difference), each a pass over the [batch, heads, L, S]
 * scores with a tensor of its own; in float32 the softmax's exponentials ran one at a time in
 * JavaScript. Here each direction is one kernel (./kernels/attention-softmax.ts; in float32 on
 * WebAssembly SIMD by ./kernels/softmax-wasm.ts). The gradient op differentiates again through the
 * same gradient written with tensor ops (by `vjp`), so second and higher derivatives work as for any
 * op. A fully masked row is NaN, as in PyTorch.
 */
import { defineOp, vjp, type Tensor } from '@nn/autograd';
import { maskedSoftmaxRows, softmaxRowsGradient } from './kernels/attention-softmax.js';
import { maskedSoftmaxRowsWasm, softmaxRowsGradientWasm } from './kernels/softmax-wasm.js';
import { elements, rowwise, runKernel } from './util.js';

/** softmax(x + mask) along x's last axis; the mask's rows (maskRows of them) repeat over x's. */
function weightsOf(x: Tensor, mask: Tensor | null, maskRows: number): Tensor {
  return rowwise(x, 1, (out, rows, length) => {
    const [xs, masks] = [elements(x), mask === null ? null : elements(mask)];
    runKernel(x.size, () => maskedSoftmaxRowsWasm(out, xs, masks, rows, length, maskRows), () => maskedSoftmaxRows(out, xs, masks, rows, length, maskRows));
  });
}

/** The gradient as tensor ops, what the gradient op differentiates. */
const gradientOps = (g: Tensor, y: Tensor): Tensor => y.mul(g.sub(g.mul(y).sum(-1, true)));

/** y (g - sum(g y)) along the last axis, given the output's gradient g and the weights y. */
const gradientOp = defineOp({
  name: 'attentionSoftmaxBackward',
  forward: (g, y) => rowwise(y!, 1, (out, rows, length) => {
    const [gs, ys] = [elements(g!), elements(y!)];
    runKernel(y!.size, () => softmaxRowsGradientWasm(out, gs, ys, rows, length), () => softmaxRowsGradient(out, gs, ys, rows, length));
  }),
  backward: (u, { inputs: [g, y] }) => vjp(gradientOps, g!, y!)[1](u),
});

const plainWeights = defineOp({
  name: 'attentionSoftmax',
  forward: (x) => weightsOf(x!, null, 1),
  backward: (g, { output }) => [gradientOp(g, output)],
});

/** For a mask of the scores' last two axes [L, S] (a causal mask), or of their whole shape. */
const maskedWeights = defineOp({
  name: 'maskedAttentionSoftmax',
  forward: (x, mask) => weightsOf(x!, mask!, mask!.size / x!.shape[x!.ndim - 1]!),
  backward: (g, { output, needsInputGrad }) => {
    const dx = gradientOp(g, output);
    // The mask's gradient is the scores'; the engine sums it over the axes the mask repeats along.
    return [dx, needsInputGrad[1] ? dx : null];
  },
});

/** True when `mask`'s values, read in order, are the rows of x's last two axes or of all of x. */
function rowPeriodic(x: Tensor, mask: Tensor): boolean {
  const trailing = mask.shape.findIndex((d) => d !== 1);
  const shape = trailing === -1 ? [] : mask.shape.slice(trailing);
  const ends = (n: number): boolean => shape.length === n && shape.every((d, i) => d === x.shape[x.ndim - n + i]);
  return x.ndim >= 2 && mask.dtype === x.dtype && (ends(2) || ends(x.ndim)) && mask.ndim <= x.ndim;
}

/**
 * softmax(scores + mask) along the scores' last axis, `mask` additive (0 keeps, -Infinity removes) and
 * broadcastable to the scores, or null. One op when the mask is the scores' last two axes (a causal
 * mask) or their whole shape; other masks (a key-padding mask [B, 1, 1, S]) are added first.
 */
export function attentionSoftmax(scores: Tensor, mask: Tensor | null): Tensor {
  if (mask === null) return plainWeights(scores);
  if (rowPeriodic(scores, mask)) return maskedWeights(scores, mask);
  return plainWeights(scores.add(mask));
}
