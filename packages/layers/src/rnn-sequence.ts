/**
 * One Elman RNN layer direction over a whole sequence as one op, as ./lstm-sequence.ts is for the
 * LSTM (see there why). Forward: per step one h W_hh^T matmul and one pass over the units
 * (./kernels/rnn.ts). Backward: per step one pass and one dpre W_hh matmul, then dW_hh and db_hh for
 * all steps at once. With `createGraph` the rule differentiates through the same layer written with
 * tensor ops (`rnnSequenceOps`, by `vjp`), so gradgradcheck and higher derivatives work as for any op.
 *
 * Output: [1, T, N, H], the states after each step (time in the input's order, also for the reverse
 * direction).
 */
import { stack, tensor, zeros, type Tensor } from '@nn/autograd';
import { formatShape } from './util.js';
import { contiguous, matrixView, multiplyInto, order, previousStates, sequenceOp } from './sequence-loop.js';
import { rnnStepBackward, rnnStepForward } from './kernels/rnn.js';
import type { StepLayout, Storage } from './kernels/lstm.js';

/**
 * The layer as tensor ops: `xp` [T, N, H] (x W_ih^T + b_ih), `whh` [H, H], `bhh` [H], `h0` [N, H];
 * the same [1, T, N, H] output as the op. PyTorch's equations (torch.nn.RNN).
 */
export function rnnSequenceOps(reverse: boolean, relu: boolean, xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor): Tensor {
  const [steps, batch, hidden] = xp.shape as [number, number, number];
  const hs: Tensor[] = [];
  let h = h0;
  const whhT = whh.transpose();
  for (const t of order(steps, reverse)) {
    const pre = xp.slice([t, 0, 0], [t + 1, batch, hidden]).reshape([batch, hidden]).add(h.matmul(whhT).add(bhh));
    h = relu ? pre.relu() : pre.tanh();
    hs[t] = h;
  }
  return stack([stack(hs, 0)], 0);
}

/** The forward loop: y [1, T, N, H] from the inputs (all of one dtype). */
function forwardLoop(reverse: boolean, relu: boolean, xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor): Tensor {
  const [steps, batch, hidden] = xp.shape as [number, number, number];
  const y = zeros([1, steps, batch, hidden], { dtype: xp.dtype });
  const storage = y.storage as Storage;
  const x = contiguous(xp);
  const b = contiguous(bhh);
  const bias = b.offset === 0 ? b.data : b.data.subarray(b.offset);
  const whhT = whh.transpose();
  const hp = zeros([batch, hidden], { dtype: xp.dtype }).storage as Storage;
  let h = h0;
  for (const t of order(steps, reverse)) {
    multiplyInto(hp, h, whhT);
    const layout: StepLayout = { y: storage, plane: steps * batch * hidden, at: t * batch * hidden, batch, hidden };
    rnnStepForward(layout, relu, x.data, x.offset + t * batch * hidden, hp, 0, bias);
    h = matrixView(storage, t * batch * hidden, batch, hidden);
  }
  return y;
}

/** The backward loop: the gradients of xp, whh, bhh and h0 given the output's gradient `gy`. */
function backwardLoop(reverse: boolean, relu: boolean, gy: Tensor, y: Tensor, whh: Tensor, h0: Tensor): Tensor[] {
  const [, steps, batch, hidden] = y.shape as [number, number, number, number];
  const dtype = y.dtype;
  const g = contiguous(gy.dtype === dtype ? gy : gy.cast(dtype));
  const gData = g.offset === 0 ? g.data : g.data.subarray(g.offset);
  const dpre = zeros([steps, batch, hidden], { dtype });
  // dh of the step after, read by the step's loop, then overwritten by this step's product.
  const dh = zeros([batch, hidden], { dtype }).storage as Storage;
  let first = true;
  for (const t of order(steps, reverse).reverse()) {
    const layout: StepLayout = { y: y.storage as Storage, plane: steps * batch * hidden, at: t * batch * hidden, batch, hidden };
    rnnStepBackward(layout, relu, gData, first ? null : dh, 0, dpre.storage as Storage, t * batch * hidden);
    multiplyInto(dh, matrixView(dpre.storage as Storage, t * batch * hidden, batch, hidden), whh);
    first = false;
  }
  const rows = dpre.reshape([steps * batch, hidden]);
  return [dpre, rows.transpose().matmul(previousStates(y, h0, reverse)), rows.sum(0), tensor(dh, { dtype, shape: [batch, hidden] })];
}

function makeOp(reverse: boolean, relu: boolean): (xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor) => Tensor {
  return sequenceOp(
    `rnnSequence${relu ? 'Relu' : 'Tanh'}${reverse ? 'Reverse' : ''}`,
    ([xp, whh, bhh, h0]) => forwardLoop(reverse, relu, xp!, whh!, bhh!, h0!),
    (grad, output, [, whh, , h0]) => backwardLoop(reverse, relu, grad, output, whh!, h0!),
    (xp, whh, bhh, h0) => rnnSequenceOps(reverse, relu, xp!, whh!, bhh!, h0!),
  );
}

const ops = [makeOp(false, false), makeOp(true, false), makeOp(false, true), makeOp(true, true)];

/**
 * One RNN layer direction over the sequence: `xp` [T, N, H] the input projection with b_ih, `whh`
 * [H, H], `bhh` [H] (zeros for a layer without bias), `h0` [N, H], all of one float dtype; `relu`
 * for the relu nonlinearity (else tanh); `reverse` runs from the last step to the first. Returns
 * [1, T, N, H]: h of every step. Shapes that do not fit, or dtypes that differ, are an error naming them.
 */
export function rnnSequence(xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor, reverse: boolean, relu: boolean): Tensor {
  const [steps, batch, hidden] = xp.shape;
  const fits = xp.ndim === 3 && steps! >= 1 && whh.ndim === 2 && whh.shape[0] === hidden && whh.shape[1] === hidden
    && bhh.ndim === 1 && bhh.shape[0] === hidden && h0.ndim === 2 && h0.shape[0] === batch && h0.shape[1] === hidden;
  if (!fits) {
    throw new Error(`rnnSequence: expected xp [T, N, H] (T >= 1), whh [H, H], bhh [H], h0 [N, H]; got xp ${formatShape(xp.shape)}, whh ${formatShape(whh.shape)}, bhh ${formatShape(bhh.shape)}, h0 ${formatShape(h0.shape)}`);
  }
  const dtypes = [xp, whh, bhh, h0].map((t) => t.dtype);
  if (dtypes.some((d) => d !== dtypes[0]) || dtypes[0] === 'int32') {
    throw new Error(`rnnSequence: xp, whh, bhh and h0 must share one float dtype, got ${dtypes.join(', ')}`);
  }
  return ops[(relu ? 2 : 0) + (reverse ? 1 : 0)]!(xp, whh, bhh, h0);
}
