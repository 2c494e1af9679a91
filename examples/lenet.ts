/**
 * LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, as it is usually written in PyTorch: on
 * [N, 1, 28, 28] images, conv 1->6 5x5, ReLU, max pool 2, conv 6->16 5x5, ReLU, max pool 2,
 * flatten, Dense -> 120, ReLU, Dense 120 -> 84, ReLU, Dense 84 -> 10 (logits). With `padding: 2`
 * (the default, the classic form on MNIST's 28x28: the paper's 32x32 input) the first convolution
 * keeps 28x28 and the flattened features are 16 x 5 x 5 = 400; with `padding: 0` they are
 * 16 x 4 x 4 = 256 (the benchmark's form). Used by keras-mnist.ts, the `lenet-step` benchmark and a test.
 */
import type { DType, Generator } from '@nn/autograd';
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Sequential } from '@nn/layers';

/** Options of lenet5. */
export interface LeNetOptions {
  /** Zeros around the input of the first convolution: 2 (default) or 0. */
  padding?: 0 | 2;
  /** The generator the initialization draws from (default: the global one). */
  rng?: Generator;
  /** The parameters' dtype (default: the default dtype). */
  dtype?: DType;
}

/** LeNet-5 for [N, 1, 28, 28] inputs, returning [N, 10] logits; PyTorch's initialization in every layer. */
export function lenet5({ padding = 2, rng, dtype }: LeNetOptions = {}): Sequential {
  if (padding !== 0 && padding !== 2) throw new Error(`lenet5: padding must be 0 or 2, got ${String(padding)}`);
  const opts = { ...(rng === undefined ? {} : { rng }), ...(dtype === undefined ? {} : { dtype }) };
  // 28 + 2 padding - 4 = 28 (or 24), halved to 14 (12); 14 - 4 = 10 (8), halved to 5 (4).
  const side = padding === 2 ? 5 : 4;
  return new Sequential([
    new Conv2d(1, 6, 5, { padding, ...opts }), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5, opts), new ReLU(), new MaxPool2d(2),
    new Flatten(),
    new Dense(16 * side * side, 120, opts), new ReLU(),
    new Dense(120, 84, opts), new ReLU(),
    new Dense(84, 10, opts),
  ]);
}
