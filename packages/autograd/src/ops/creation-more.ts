/**
 * More creation functions: evenly spaced values (linspace) and random integers (randint). Neither
 * has a gradient; linspace takes the common creation options, randint draws int32 from a generator.
 */
import type { DType } from '../dtype.js';
import { allocate, checkDtype, getDefaultDtype, int32Problem } from '../dtype.js';
import { describeValue } from '../describe-value.js';
import { checkShape, sizeOf } from '../shape.js';
import { checkGenerator, type Generator } from '../random.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import type { CreationOptions } from './creation.js';
import { fromStorage } from './creation.js';
import { linspaceKernel } from '../kernels/linspace.js';

/** Throws, naming the op and the argument, unless int32 can hold `value` exactly. */
function checkInt32Argument(op: string, name: string, value: number): void {
  const problem = int32Problem(value);
  if (problem !== null) throw new Error(`${op}: ${name} ${describeValue(value)} ${problem}; an int32 tensor holds integers only`);
}

/**
 * `steps` values from `start` to `stop`, both included, evenly spaced (as torch.linspace). The
 * values are PyTorch's (CPU) bit for bit: computed in the result's dtype, the first half counted up
 * from `start`, the second half down from `stop`, so that the ends are exact and the spacing
 * symmetric (kernels/linspace.ts). `steps` 1 gives [start]. In int32 (integer `start` and `stop`),
 * each value is truncated toward 0.
 */
export function linspace(start: number, stop: number, steps: number, opts: CreationOptions = {}): Tensor {
  checkOptions('linspace', opts, ['dtype', 'requiresGrad']);
  if (typeof start !== 'number' || typeof stop !== 'number') {
    throw new Error(`linspace: start and stop must be numbers, got ${describeValue(start)} and ${describeValue(stop)}`);
  }
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${describeValue(steps)}`);
  const dtype: DType = opts.dtype === undefined ? getDefaultDtype() : checkDtype(opts.dtype, 'linspace');
  if (dtype === 'int32') {
    if (opts.requiresGrad === true) throw new Error('linspace: an int32 tensor cannot require grad; only float tensors have gradients');
    checkInt32Argument('linspace', 'start', start);
    checkInt32Argument('linspace', 'stop', stop);
  }
  const storage = allocate(dtype, steps, 'linspace', [steps]);
  linspaceKernel(storage, dtype, start, stop);
  return fromStorage(storage, [steps], opts.requiresGrad ?? false);
}

export interface RandintOptions {
  /** The generator to draw from; defaults to the global one that `manualSeed` seeds. */
  rng?: Generator;
}

/**
 * An int32 tensor of `shape` with integers drawn uniformly from [low, high) (as torch.randint),
 * from `opts.rng` or the global generator, one draw per element in row-major order.
 */
export function randint(low: number, high: number, shape: readonly number[], opts: RandintOptions = {}): Tensor {
  checkOptions('randint', opts, ['rng']);
  checkInt32Argument('randint', 'low', low);
  checkInt32Argument('randint', 'high', high);
  if (low >= high) throw new Error(`randint: low (${low}) must be less than high (${high}); values are drawn from [low, high)`);
  const dims = checkShape(shape, 'randint');
  const rng = checkGenerator('randint', opts.rng);
  const storage = allocate('int32', sizeOf(dims), 'randint', dims);
  for (let i = 0; i < storage.length; i++) storage[i] = low + rng.integer(high - low);
  return fromStorage(storage, dims);
}
