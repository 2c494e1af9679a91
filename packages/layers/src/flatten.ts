/** Flatten: merges axes into one, keeping the batch axis. */
import { Module } from './module.js';
import { checkOptions, type Tensor } from '@nn/autograd';
import { expectInteger, expectTensor, formatShape, sizeOf } from './util.js';

/** Options of Flatten. */
export interface FlattenOptions {
  /** The first axis merged (default 1: the batch axis 0 is kept). */
  startAxis?: number;
  /** The last axis merged, inclusive (default -1). */
  endAxis?: number;
}

/**
 * Merges axes startAxis..endAxis (default 1..-1) into one: [N, C, H, W] becomes [N, C*H*W]. As
 * PyTorch's `nn.Flatten` (start_dim, end_dim) and Keras's `Flatten`. A view when the input is contiguous.
 */
export class Flatten extends Module {
  readonly startAxis: number;
  readonly endAxis: number;

  constructor(options: FlattenOptions = {}) {
    super();
    checkOptions('Flatten', options, ['startAxis', 'endAxis']);
    this.startAxis = expectInteger(options.startAxis ?? 1, 'Flatten: startAxis');
    this.endAxis = expectInteger(options.endAxis ?? -1, 'Flatten: endAxis');
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'Flatten: input');
    const start = this.startAxis < 0 ? this.startAxis + x.ndim : this.startAxis;
    const end = this.endAxis < 0 ? this.endAxis + x.ndim : this.endAxis;
    if (start < 0 || start >= x.ndim || end < 0 || end >= x.ndim || start > end) {
      throw new Error(
        `Flatten(startAxis=${this.startAxis}, endAxis=${this.endAxis}): axes out of range for input of shape ${formatShape(x.shape)}`,
      );
    }
    // The merged size is computed, not left to a -1, which would be ambiguous for an empty batch.
    const shape = [...x.shape.slice(0, start), sizeOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
    return x.reshape(shape);
  }

  override extraRepr(): string {
    return `startAxis=${this.startAxis}, endAxis=${this.endAxis}`;
  }
}
