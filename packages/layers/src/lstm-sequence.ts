/**
 * One LSTM layer direction over a whole sequence as one op (what cuDNN and PyTorch's fused cell do):
 * the time loop runs inside the op, so backpropagation through time is one backward rule instead of
 * a graph of about fifteen nodes per step. Written as tensor ops, a step's gate arithmetic on chunks
 * of the [N, 4H] pre-activations cost a pad and an add per chunk in the backward (a slice's gradient
 * is zero-padded to the whole tensor), and every time step's slice of the input projection a pad to
 * the whole [T, N, 4H] projection: work that grew with the square of the sequence length.
 *
 * Forward: per step one h W_hh^T matmul and one pass of the gate loop (./kernels/lstm.ts). Backward:
 * per step one pass of the gate loop and one dpre W_hh matmul, then dW_hh for all steps as one
 * matmul. The backward rule differentiates again through the same layer written with tensor ops
 * (`lstmSequenceOps`, by `vjp`), so gradgradcheck and higher derivatives work as for any op.
 *
 * Output: [6, T, N, H], the planes h, c, i, f, g, o of every step (time in the input's order, also
 * for the reverse direction); the layer takes views of the h and c planes.
 */
import { chunk, stack, tensor, zeros, type Tensor } from '@nn/autograd';
import { contiguous, matrixView, multiplyInto, order, previousStates, sequenceOp } from './sequence-loop.js';
import { formatShape } from './util.js';
import { lstmStepBackward, lstmStepForward, type StepLayout, type Storage } from './kernels/lstm.js';

/**
 * The layer as tensor ops: `xp` [T, N, 4H] (x W_ih^T + b_ih + b_hh), `whh` [4H, H], `h0`, `c0`
 * [N, H]; the same [6, T, N, H] output as the op. PyTorch's equations (torch.nn.LSTM).
 */
export function lstmSequenceOps(reverse: boolean, xp: Tensor, whh: Tensor, h0: Tensor, c0: Tensor): Tensor {
  const steps = xp.shape[0]!;
  const planes: Tensor[][] = [[], [], [], [], [], []];
  let h = h0;
  let c = c0;
  const whhT = whh.transpose();
  for (const t of order(steps, reverse)) {
    const pre = xp.slice([t, 0, 0], [t + 1, xp.shape[1]!, xp.shape[2]!]).reshape([xp.shape[1]!, xp.shape[2]!]).add(h.matmul(whhT));
    const [pi, pf, pg, po] = chunk(pre, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
    const [i, f, g, o] = [pi.sigmoid(), pf.sigmoid(), pg.tanh(), po.sigmoid()];
    c = f.mul(c).add(i.mul(g));
    h = o.mul(c.tanh());
    [h, c, i, f, g, o].forEach((v, p) => { planes[p]![t] = v; });
  }
  return stack(planes.map((p) => stack(p, 0)), 0);
}

/** The forward loop: y [6, T, N, H] from the inputs (all of one dtype). */
function forwardLoop(reverse: boolean, xp: Tensor, whh: Tensor, h0: Tensor, c0: Tensor): Tensor {
  const [steps, batch, width] = xp.shape as [number, number, number];
  const hidden = width / 4;
  const y = zeros([6, steps, batch, hidden], { dtype: xp.dtype });
  const storage = y.storage as Storage;
  const plane = steps * batch * hidden;
  const x = contiguous(xp);
  const c0s = contiguous(c0);
  const whhT = whh.transpose();
  const hp = zeros([batch, width], { dtype: xp.dtype }).storage as Storage;
  let h = h0;
  let previous = -1;
  for (const t of order(steps, reverse)) {
    multiplyInto(hp, h, whhT);
    const layout: StepLayout = { y: storage, plane, at: t * batch * hidden, batch, hidden };
    const [c, cOffset] = previous < 0 ? [c0s.data, c0s.offset] : [storage, plane + previous * batch * hidden];
    lstmStepForward(layout, x.data, x.offset + t * batch * width, hp, 0, c, cOffset);
    h = matrixView(storage, t * batch * hidden, batch, hidden);
    previous = t;
  }
  return y;
}

/** The backward loop: the gradients of xp, whh, h0 and c0 given the output's gradient `gy`. */
function backwardLoop(reverse: boolean, gy: Tensor, y: Tensor, xp: Tensor, whh: Tensor, h0: Tensor, c0: Tensor): Tensor[] {
  const [steps, batch, width] = xp.shape as [number, number, number];
  const hidden = width / 4;
  const dtype = y.dtype;
  const storage = y.storage as Storage;
  const plane = steps * batch * hidden;
  const g = contiguous(gy.dtype === dtype ? gy : gy.cast(dtype));
  // gy is read from its offset: shift the planes' origin by it.
  const gData = g.offset === 0 ? g.data : g.data.subarray(g.offset);
  const c0s = contiguous(c0);
  const dpre = zeros([steps, batch, width], { dtype });
  const dpreData = dpre.storage as Storage;
  const dc0 = zeros([batch, hidden], { dtype });
  const dc = dc0.storage as Storage;
  // dh of the step after (in the recurrence's order), read by the gate loop, then overwritten by this step's product.
  const dh = zeros([batch, hidden], { dtype }).storage as Storage;
  let first = true;
  const visited = order(steps, reverse).reverse();
  for (const t of visited) {
    const layout: StepLayout = { y: storage, plane, at: t * batch * hidden, batch, hidden };
    const previous = reverse ? t + 1 : t - 1;
    const [c, cOffset] = previous < 0 || previous >= steps ? [c0s.data, c0s.offset] : [storage, plane + previous * batch * hidden];
    lstmStepBackward(layout, gData, first ? null : dh, 0, dc, c, cOffset, dpreData, t * batch * width);
    multiplyInto(dh, matrixView(dpreData, t * batch * width, batch, width), whh);
    first = false;
  }
  // dW_hh = sum over steps of dpre_t^T h_prev(t): one matmul over all steps.
  const dwhh = dpre.reshape([steps * batch, width]).transpose().matmul(previousStates(y, h0, reverse));
  return [dpre, dwhh, tensor(dh, { dtype, shape: [batch, hidden] }), dc0];
}

function makeOp(reverse: boolean): (xp: Tensor, whh: Tensor, h0: Tensor, c0: Tensor) => Tensor {
  return sequenceOp(
    reverse ? 'lstmSequenceReverse' : 'lstmSequence',
    ([xp, whh, h0, c0]) => forwardLoop(reverse, xp!, whh!, h0!, c0!),
    (grad, output, [xp, whh, h0, c0]) => backwardLoop(reverse, grad, output, xp!, whh!, h0!, c0!),
    (xp, whh, h0, c0) => lstmSequenceOps(reverse, xp!, whh!, h0!, c0!),
  );
}

const forwardOp = makeOp(false);
const reverseOp = makeOp(true);

/**
 * One LSTM layer direction over the sequence: `xp` [T, N, 4H] the input projection with both biases,
 * `whh` [4H, H], `h0` and `c0` [N, H], all of one float dtype; `reverse` runs from the last step to
 * the first. Returns [6, T, N, H]: h, c, i, f, g, o of every step. Shapes that do not fit, or
 * dtypes that differ, are an error naming them.
 */
export function lstmSequence(xp: Tensor, whh: Tensor, h0: Tensor, c0: Tensor, reverse: boolean): Tensor {
  const [steps, batch, width] = xp.shape;
  const hidden = whh.shape[1]!;
  const fits = xp.ndim === 3 && steps! >= 1 && whh.ndim === 2 && whh.shape[0] === 4 * hidden && width === 4 * hidden
    && [h0, c0].every((s) => s.ndim === 2 && s.shape[0] === batch && s.shape[1] === hidden);
  if (!fits) {
    throw new Error(`lstmSequence: expected xp [T, N, 4H] (T >= 1), whh [4H, H], h0 and c0 [N, H]; got xp ${formatShape(xp.shape)}, whh ${formatShape(whh.shape)}, h0 ${formatShape(h0.shape)}, c0 ${formatShape(c0.shape)}`);
  }
  const dtypes = [xp, whh, h0, c0].map((t) => t.dtype);
  if (dtypes.some((d) => d !== dtypes[0]) || dtypes[0] === 'int32') {
    throw new Error(`lstmSequence: xp, whh, h0 and c0 must share one float dtype, got ${dtypes.join(', ')}`);
  }
  return (reverse ? reverseOp : forwardOp)(xp, whh, h0, c0);
}
