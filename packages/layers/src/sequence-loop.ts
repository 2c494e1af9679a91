/**
 * What the fused recurrent ops (./lstm-sequence.ts, ./gru-sequence.ts, ./rnn-sequence.ts) share: the
 * op itself (kernel loops forward and backward, the tensor-op form for higher derivatives), views
 * without a graph (their loops run under no-grad), the order of the time steps, and the states
 * before each step.
 */
import { concat, defineOp, isGradEnabled, Tensor, vjp } from '@nn/autograd';
import { matmulInto } from '@nn/autograd/wasm';
import type { Storage } from './kernels/lstm.js';

/**
 * out = a b for 2-D float tensors of any strides (a [m, k], b [k, n]), written into `out` (dense
 * [m, n]) and returned: the per-step products of the recurrences go into one buffer reused across
 * the steps instead of a new tensor a step (the same kernel and bits as `a.matmul(b)`).
 */
export function multiplyInto(out: Storage, a: Tensor, b: Tensor): Storage {
  const left = { data: a.storage as Storage, offset: a.offset, rowStride: a.strides[0]!, colStride: a.strides[1]! };
  const right = { data: b.storage as Storage, offset: b.offset, rowStride: b.strides[0]!, colStride: b.strides[1]! };
  matmulInto(out, left, right, a.shape[0]!, a.shape[1]!, b.shape[1]!);
  return out;
}

/** The elements of `t` in row-major order, without a copy when it is contiguous. */
export function contiguous(t: Tensor): { data: Storage; offset: number } {
  if (t.isContiguous) return { data: t.storage as Storage, offset: t.offset };
  return { data: t.data() as Storage, offset: 0 };
}

/** A row-major [rows, cols] view of `storage` from `offset` (no graph: used under no-grad). */
export function matrixView(storage: Storage, offset: number, rows: number, cols: number): Tensor {
  return new Tensor(storage, [rows, cols], [cols, 1], offset);
}

/** The time steps in the order the recurrence visits them. */
export function order(steps: number, reverse: boolean): number[] {
  return Array.from({ length: steps }, (_, k) => (reverse ? steps - 1 - k : k));
}

/**
 * The state before each step, in time order, as [T * N, H]: h_{t-1} (h0 at t = 0), or h_{t+1} (h0
 * at the last step) for the reverse direction. `y`'s plane 0 holds the states after each step.
 */
export function previousStates(y: Tensor, h0: Tensor, reverse: boolean): Tensor {
  const [, steps, batch, hidden] = y.shape as [number, number, number, number];
  const hs = y.slice([0, 0, 0, 0], [1, steps, batch, hidden]).reshape([steps, batch, hidden]);
  const h0Row = h0.reshape([1, batch, hidden]);
  const before = steps === 1 ? h0Row
    : reverse ? concat([hs.slice([1, 0, 0], [steps, batch, hidden]), h0Row], 0)
      : concat([h0Row, hs.slice([0, 0, 0], [steps - 1, batch, hidden])], 0);
  return before.reshape([steps * batch, hidden]);
}

/**
 * One layer direction over the whole sequence as one op. `loop` runs the forward kernels and
 * `loopBackward` backpropagates through time with them; when the backward itself is recorded (a
 * second derivative is wanted), the gradient is taken through `ops`, the same recurrence written in
 * tensor ops, so that it differentiates again.
 */
export function sequenceOp(
  name: string,
  loop: (inputs: readonly Tensor[]) => Tensor,
  loopBackward: (grad: Tensor, output: Tensor, inputs: readonly Tensor[]) => Tensor[],
  ops: (...inputs: Tensor[]) => Tensor,
): (...inputs: Tensor[]) => Tensor {
  const op = defineOp({
    name,
    forward: (...inputs) => loop(inputs),
    backward: (grad, { inputs, output, needsInputGrad }) => {
      const grads = isGradEnabled() ? vjp(ops, ...inputs)[1](grad) : loopBackward(grad, output, inputs);
      return grads.map((g, k) => (needsInputGrad[k] ? g : null));
    },
  });
  return (...inputs) => op(...inputs);
}
