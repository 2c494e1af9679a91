/**
 * One GRU layer direction over a whole sequence as one op, as ./lstm-sequence.ts is for the LSTM
 * (see there why: written as tensor ops, each time step's slice of the input projection got a
 * gradient padded to the whole projection, work that grew with the square of the sequence length).
 *
 * Forward: per step one h W_hh^T matmul and one pass of the gate loop (./kernels/gru.ts). Backward:
 * per step one pass of the gate loop and one dhp W_hh matmul, then dW_hh and db_hh for all steps at
 * once. With `createGraph` the rule differentiates through the same layer written with tensor ops
 * (`gruSequenceOps`, by `vjp`), so gradgradcheck and higher derivatives work as for any op.
 *
 * Output: [5, T, N, H], the planes h, r, z, n and hn = W_hn h + b_hn of every step (time in the
 * input's order, also for the reverse direction); the layer takes views of the h plane.
 */
import { chunk, stack, tensor, zeros, type Tensor } from '@nn/autograd';
import { formatShape } from './util.js';
import { contiguous, matrixView, multiplyInto, order, previousStates, sequenceOp } from './sequence-loop.js';
import { gruStepBackward, gruStepForward } from './kernels/gru.js';
import type { StepLayout, Storage } from './kernels/lstm.js';

/**
 * The layer as tensor ops: `xp` [T, N, 3H] (x W_ih^T + b_ih), `whh` [3H, H], `bhh` [3H], `h0`
 * [N, H]; the same [5, T, N, H] output as the op. PyTorch's equations (torch.nn.GRU).
 */
export function gruSequenceOps(reverse: boolean, xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor): Tensor {
  const [steps, batch, width] = xp.shape as [number, number, number];
  const planes: Tensor[][] = [[], [], [], [], []];
  let h = h0;
  const whhT = whh.transpose();
  for (const t of order(steps, reverse)) {
    const x = xp.slice([t, 0, 0], [t + 1, batch, width]).reshape([batch, width]);
    const [xr, xz, xn] = chunk(x, 3, -1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = chunk(h.matmul(whhT).add(bhh), 3, -1) as [Tensor, Tensor, Tensor];
    const r = xr.add(hr).sigmoid();
    const z = xz.add(hz).sigmoid();
    const n = xn.add(r.mul(hn)).tanh();
    h = n.add(z.mul(h.sub(n)));
    [h, r, z, n, hn].forEach((v, p) => { planes[p]![t] = v; });
  }
  return stack(planes.map((p) => stack(p, 0)), 0);
}

/** The forward loop: y [5, T, N, H] from the inputs (all of one dtype). */
function forwardLoop(reverse: boolean, xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor): Tensor {
  const [steps, batch, width] = xp.shape as [number, number, number];
  const hidden = width / 3;
  const y = zeros([5, steps, batch, hidden], { dtype: xp.dtype });
  const storage = y.storage as Storage;
  const plane = steps * batch * hidden;
  const x = contiguous(xp);
  const b = contiguous(bhh);
  const bias = b.offset === 0 ? b.data : b.data.subarray(b.offset);
  const whhT = whh.transpose();
  const hp = zeros([batch, width], { dtype: xp.dtype }).storage as Storage;
  let h = h0;
  for (const t of order(steps, reverse)) {
    multiplyInto(hp, h, whhT);
    const hs = contiguous(h);
    const layout: StepLayout = { y: storage, plane, at: t * batch * hidden, batch, hidden };
    gruStepForward(layout, x.data, x.offset + t * batch * width, hp, 0, bias, hs.data, hs.offset);
    h = matrixView(storage, t * batch * hidden, batch, hidden);
  }
  return y;
}

/** The backward loop: the gradients of xp, whh, bhh and h0 given the output's gradient `gy`. */
function backwardLoop(reverse: boolean, gy: Tensor, y: Tensor, xp: Tensor, whh: Tensor, h0: Tensor): Tensor[] {
  const [steps, batch, width] = xp.shape as [number, number, number];
  const hidden = width / 3;
  const dtype = y.dtype;
  const storage = y.storage as Storage;
  const plane = steps * batch * hidden;
  const g = contiguous(gy.dtype === dtype ? gy : gy.cast(dtype));
  const gData = g.offset === 0 ? g.data : g.data.subarray(g.offset);
  const h0s = contiguous(h0);
  const dxp = zeros([steps, batch, width], { dtype });
  const dhp = zeros([steps, batch, width], { dtype });
  const direct = zeros([batch, hidden], { dtype });
  // dh of the step after, read by the gate loop, then overwritten by this step's product.
  const dh = zeros([batch, hidden], { dtype }).storage as Storage;
  let first = true;
  for (const t of order(steps, reverse).reverse()) {
    const layout: StepLayout = { y: storage, plane, at: t * batch * hidden, batch, hidden };
    const previous = reverse ? t + 1 : t - 1;
    const [h, hOffset] = previous < 0 || previous >= steps ? [h0s.data, h0s.offset] : [storage, previous * batch * hidden];
    gruStepBackward(layout, gData, first ? null : dh, 0, direct.storage as Storage, h, hOffset, dxp.storage as Storage, dhp.storage as Storage, t * batch * width);
    multiplyInto(dh, matrixView(dhp.storage as Storage, t * batch * width, batch, width), whh);
    first = false;
  }
  const rows = dhp.reshape([steps * batch, width]);
  const dwhh = rows.transpose().matmul(previousStates(y, h0, reverse));
  return [dxp, dwhh, rows.sum(0), direct.add(tensor(dh, { dtype, shape: [batch, hidden] }))];
}

function makeOp(reverse: boolean): (xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor) => Tensor {
  return sequenceOp(
    reverse ? 'gruSequenceReverse' : 'gruSequence',
    ([xp, whh, bhh, h0]) => forwardLoop(reverse, xp!, whh!, bhh!, h0!),
    (grad, output, [xp, whh, , h0]) => backwardLoop(reverse, grad, output, xp!, whh!, h0!),
    (xp, whh, bhh, h0) => gruSequenceOps(reverse, xp!, whh!, bhh!, h0!),
  );
}

const forwardOp = makeOp(false);
const reverseOp = makeOp(true);

/**
 * One GRU layer direction over the sequence: `xp` [T, N, 3H] the input projection with b_ih, `whh`
 * [3H, H], `bhh` [3H] (zeros for a layer without bias), `h0` [N, H], all of one float dtype;
 * `reverse` runs from the last step to the first. Returns [5, T, N, H]: h, r, z, n and
 * hn = W_hn h + b_hn of every step. Shapes that do not fit, or dtypes that differ, are an error
 * naming them.
 */
export function gruSequence(xp: Tensor, whh: Tensor, bhh: Tensor, h0: Tensor, reverse: boolean): Tensor {
  const [steps, batch, width] = xp.shape;
  const hidden = whh.shape[1]!;
  const fits = xp.ndim === 3 && steps! >= 1 && whh.ndim === 2 && whh.shape[0] === 3 * hidden && width === 3 * hidden
    && bhh.ndim === 1 && bhh.shape[0] === 3 * hidden && h0.ndim === 2 && h0.shape[0] === batch && h0.shape[1] === hidden;
  if (!fits) {
    throw new Error(`gruSequence: expected xp [T, N, 3H] (T >= 1), whh [3H, H], bhh [3H], h0 [N, H]; got xp ${formatShape(xp.shape)}, whh ${formatShape(whh.shape)}, bhh ${formatShape(bhh.shape)}, h0 ${formatShape(h0.shape)}`);
  }
  const dtypes = [xp, whh, bhh, h0].map((t) => t.dtype);
  if (dtypes.some((d) => d !== dtypes[0]) || dtypes[0] === 'int32') {
    throw new Error(`gruSequence: xp, whh, bhh and h0 must share one float dtype, got ${dtypes.join(', ')}`);
  }
  return (reverse ? reverseOp : forwardOp)(xp, whh, bhh, h0);
}
