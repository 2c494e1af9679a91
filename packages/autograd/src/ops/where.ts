/**
 * where(cond, a, b): a where cond is nonzero, else b; all three broadcast together. The gradient
 * reaches only the selected branch, and it is built with `where` itself, so a NaN or Infinity in the
 * branch not taken never leaks into it (multiplying by a 0/1 mask would give 0 * Infinity = NaN).
 */
import type { OpDoc, OpRecord } from '../op.js';
import type { OpTestSpec } from '../check/spec.js';
import { apply } from '../op.js';
import { allocate, promoteDtypes } from '../dtype.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import { whereKernel } from '../kernels/elementwise.js';
import { selectWasm } from '../kernels/wasm/elementwise.js';
import { runsOnWasm } from '../backend.js';
import { drawBroadcastPair, drawBroadcastPartner, drawShape, drawTensor } from '../check/sampling.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { dtypeAmong, fromStorage, toTensor } from './creation.js';
import { viewAs, WASM_ELEMENTWISE_MIN } from './pointwise.js';
import { gt } from './compare.js';

export const whereOp: OpRecord = {
  name: 'where',
  forward([cond, a, b]) {
    const shape = broadcastShapes(broadcastShapes(cond!.shape, a!.shape, 'where'), b!.shape, 'where');
    const out = allocate(promoteDtypes(a!.dtype, b!.dtype), sizeOf(shape));
    const [condView, aView, bView] = [viewAs(cond!, shape), viewAs(a!, shape), viewAs(b!, shape)];
    if (!(runsOnWasm(out.length >= WASM_ELEMENTWISE_MIN) && selectWasm(out, condView, aView, bView))) whereKernel(out, condView, aView, bView);
    return fromStorage(out, shape);
  },
  backward(grad, { inputs: [cond], needsInputGrad }) {
    return [null, needsInputGrad[1] ? where(cond!, grad, 0) : null, needsInputGrad[2] ? where(cond!, 0, grad) : null];
  },
};

/** What docs/ops.md says of where (apart from the record, so that bundles leave it out). */
export const whereDoc: OpDoc = {
  torch: 'torch.where',
  notes: 'cond is any tensor, nonzero meaning true (no gradient flows into it); the gradient reaches only the selected branch, ' +
    'so a NaN or Infinity in the other never leaks into it.',
};

/** How the property suite draws the op's inputs (apart from the record, so that bundles leave it out; ops/registry.ts joins it). */
export const whereSpec: OpTestSpec<undefined> = {
  sample(draw) {
    const shape = drawShape(draw);
    const cond = gt(drawTensor(draw, drawBroadcastPartner(draw, shape)), 0);
    const [sa, sb] = drawBroadcastPair(draw, shape);
    return { inputs: [cond, drawTensor(draw, sa), drawTensor(draw, sb)], attrs: undefined };
  },
};

/** Elements of `a` where `cond` is nonzero, else of `b`, broadcasting all three. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  // The result's dtype comes from a and b; the condition is read as nonzero or not.
  const dtype = dtypeAmong([a, b]);
  return apply(whereOp, [toTensor(cond, 'where', dtype), toTensor(a, 'where', dtype), toTensor(b, 'where', dtype)], undefined);
}
