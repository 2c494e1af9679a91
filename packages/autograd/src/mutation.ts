/**
 * In-place changes, and catching the ones that would corrupt a backward pass.
 *
 * Tensors are immutable through their ops; the one way to change one in place is `assign` (what
 * optimizers use to update parameters). A backward rule reads the tensors saved by its op, so a change
 * between the forward and the backward would silently give wrong gradients. Every `assign` bumps a
 * global counter and stamps the changed storage with it; each graph node remembers the counter at its
 * creation. Before a rule runs, the engine compares the two, and only when some change happened after
 * the node was made does it look at the node's tensors. Runs with no in-place changes pay one
 * comparison per node.
 */
import type { Storage } from './dtype.js';
import type { Tensor } from './tensor.js';
import type { Shape } from './shape.js';
import { formatShape } from './shape.js';

let mutationCount = 0;
const changedAt = new WeakMap<Storage, number>();

/** The counter now: nodes record it when created. */
export function currentMutation(): number {
  return mutationCount;
}

/** Records that `storage` was changed in place. */
export function markChanged(storage: Storage): void {
  changedAt.set(storage, ++mutationCount);
}

/**
 * Throws when one of the tensors an op saved, its `inputs` or its `output`, was changed in place
 * after `since` (the counter when the op ran). Tensors that share storage with a changed one count as
 * changed too (views share storage).
 */
export function checkUnchangedSince(since: number, saved: { readonly inputs: readonly Tensor[]; readonly output: Tensor }, opName: string): void {
  if (mutationCount === since) return;
  for (const t of [...saved.inputs, saved.output]) checkStorageUnchanged(since, t.storage, t.shape, opName);
}

/** Throws when `storage`, holding a tensor of `shape` that `opName` saved, was changed after `since`. */
export function checkStorageUnchanged(since: number, storage: Storage, shape: Shape, opName: string): void {
  const at = changedAt.get(storage);
  if (at !== undefined && at > since) {
    throw new Error(
      `backward: a tensor of shape ${formatShape(shape)} saved by '${opName}' was changed in place (assign) after '${opName}' ran, ` +
        'so its gradient would be wrong; run the forward again after changing it, or change a copy',
    );
  }
}
