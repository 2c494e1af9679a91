/**
 * LayerNorm's normalization as one op, PyTorch's `native_layer_norm` without the scale and shift:
 * each row of the last `length` values becomes (x - mean) / sqrt(variance + eps).
 *
 * Written as tensor ops (./normalize.ts), it is nine nodes forward (two means, a subtraction, a
 * square, an add, rsqrt, the products) and about twenty backward, each a pass over the activations
 * with a tensor of its own; in a small Transformer's training step LayerNorm took a tenth of the
 * time. Here the forward is one kernel and its gradient one more (./kernels/layer-norm.ts, on
 * WebAssembly by ./kernels/layer-norm-wasm.ts). The gradient is an op of its own whose derivative is that
 * of the same gradient written with tensor ops (by `vjp`), so second and higher derivatives work as
 * for any op.
 */
import { defineOp, vjp, type Tensor } from '@nn/autograd';
import { layerNormRows, layerNormRowsGradient } from './kernels/layer-norm.js';
import { layerNormRowsGradientWasm, layerNormRowsWasm } from './kernels/layer-norm-wasm.js';
import { normalize } from './normalize.js';
import { elements, rowwise, runKernel } from './util.js';

/** The op over the last `axes` axes for one `eps`, made on first use. */
function normalizeOp(axes: number, eps: number): (x: Tensor) => Tensor {
  const composite = (x: Tensor): Tensor => normalize(x, Array.from({ length: axes }, (_, i) => x.ndim - axes + i), eps).y;
  const gradientOps = (g: Tensor, x: Tensor): Tensor => vjp(composite, x)[1](g)[0]!;
  const gradientOp = defineOp({
    name: 'layerNormBackward',
    forward: (g, x) => rowwise(x!, axes, (out, rows, length) => {
      const [gs, xs] = [elements(g!), elements(x!)];
      runKernel(x!.size, () => layerNormRowsGradientWasm(out, gs, xs, rows, length, eps), () => layerNormRowsGradient(out, gs, xs, rows, length, eps));
    }),
    backward: (u, { inputs: [g, x] }) => vjp(gradientOps, g!, x!)[1](u),
  });
  return defineOp({
    name: 'layerNorm',
    forward: (x) => rowwise(x!, axes, (out, rows, length) => {
      const xs = elements(x!);
      runKernel(x!.size, () => layerNormRowsWasm(out, xs, rows, length, eps), () => layerNormRows(out, xs, rows, length, eps));
    }),
    backward: (g, { inputs: [x] }) => [gradientOp(g, x!)],
  });
}

const ops = new Map<string, (x: Tensor) => Tensor>();

/**
 * (x - mean) / sqrt(variance + eps) over x's last `axes` axes, with the biased variance, as
 * PyTorch's LayerNorm. x is a float tensor of at least `axes` axes; the caller checks it.
 */
export function layerNormalize(x: Tensor, axes: number, eps: number): Tensor {
  const key = `${axes} ${eps}`;
  let op = ops.get(key);
  if (op === undefined) {
    op = normalizeOp(axes, eps);
    ops.set(key, op);
  }
  return op(x);
}
