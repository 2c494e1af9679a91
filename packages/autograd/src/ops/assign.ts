/** In-place assignment: the one way to change a tensor's elements (see mutation.ts). */
import { isGradEnabled } from '../mode.js';
import { markChanged } from '../mutation.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';
import { assignKernel } from '../kernels/elementwise.js';
import { Tensor } from '../tensor.js';
import { fromStorage, scalar } from './creation.js';
import { viewAs } from './pointwise.js';
import { describeValue } from '../describe-value.js';
import { int32Problem, type Storage } from '../dtype.js';

/** Float values written into an int32 tensor must be integers in its range: nothing is truncated. */
function checkInt32Values(values: Tensor): void {
  const data = values.data();
  for (let i = 0; i < data.length; i++) {
    const problem = int32Problem(data[i]!);
    if (problem !== null) throw new Error(`assign: ${describeValue(data[i])} (element ${i}) ${problem}; an int32 tensor holds integers only`);
  }
}

export function assignInPlace(target: Tensor, source: Tensor | number | Storage): void {
  if (target.requiresGrad && isGradEnabled()) {
    throw new Error(
      `assign: cannot change a tensor of shape ${formatShape(target.shape)} that requires grad while recording; ` +
        'wrap the update in noGrad(() => ...)',
    );
  }
  if (target.node !== null) {
    throw new Error(`assign: cannot change the result of '${target.node.op.name}' in place (shape ${formatShape(target.shape)}); only leaves can be assigned`);
  }
  target.shape.forEach((dim, axis) => {
    if (dim > 1 && target.strides[axis] === 0) {
      throw new Error(`assign: the tensor of shape ${formatShape(target.shape)} is a broadcast view (stride 0 on axis ${axis}); its elements share memory`);
    }
  });
  if (isOwnElements(target, source)) {
    // The caller changed the elements in place already: there is nothing to copy, only the change to record.
    markChanged(target.storage);
    return;
  }
  let values: Tensor;
  if (source instanceof Tensor) {
    values = source;
  } else if (typeof source === 'number') {
    values = target.dtype === 'int32' ? scalar(source, 'float64') : scalar(source, target.dtype);
  } else if (source instanceof Float32Array || source instanceof Float64Array || source instanceof Int32Array) {
    if (source.length !== target.size) {
      throw new Error(`assign: ${source.length} values do not fill shape ${formatShape(target.shape)} (${target.size} elements)`);
    }
    values = fromStorage(source, target.shape);
  } else {
    throw new Error(`assign: expected a Tensor, a number or a typed array, got ${describeValue(source)}`);
  }
  if (target.dtype === 'int32' && values.dtype !== 'int32') checkInt32Values(values);
  const shape = broadcastShapes(target.shape, values.shape, 'assign');
  if (!shapesEqual(shape, target.shape)) {
    throw new Error(`assign: a value of shape ${formatShape(values.shape)} does not fit a tensor of shape ${formatShape(target.shape)}`);
  }
  // A source sharing the target's memory (x.assign(x.transpose())) is copied first, so that no
  // element is read after it was overwritten.
  const safe = values.storage === target.storage ? fromStorage(values.data(), values.shape) : values;
  if (target.isContiguous && safe.isContiguous && shapesEqual(safe.shape, target.shape)) {
    // Dense onto dense, as an optimizer's update is: one native copy (converting dtype if need be).
    target.storage.set(safe.storage.subarray(safe.offset, safe.offset + safe.size), target.offset);
  } else {
    assignKernel(target, viewAs(safe, target.shape));
  }
  markChanged(target.storage);
}

/**
 * Whether `source` is a typed array over exactly `target`'s elements: the region of its storage that
 * a contiguous target occupies (what an optimizer updates in place before calling assign).
 */
function isOwnElements(target: Tensor, source: Tensor | number | Storage): boolean {
  if (!(source instanceof Float32Array || source instanceof Float64Array || source instanceof Int32Array) || !target.isContiguous) return false;
  const own = target.storage;
  return (
    source.buffer === own.buffer &&
    source.BYTES_PER_ELEMENT === own.BYTES_PER_ELEMENT &&
    source.length === target.size &&
    source.byteOffset === own.byteOffset + target.offset * own.BYTES_PER_ELEMENT
  );
}
