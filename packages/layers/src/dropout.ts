/** Dropout: zeroes random elements during training, the identity in evaluation mode. */
import { rand, type Generator, type Tensor, checkGenerator, checkOptions } from '@nn/autograd';
import { Module } from './module.js';
import { expectNumber, expectTensor } from './util.js';

/**
 * Inverted dropout of `x` with probability `p` (always applied: the caller decides when, e.g. in
 * training mode only): each element is zeroed with probability p, the others scaled by 1 / (1 - p).
 * Shared by Dropout, the recurrent layers and attention, so that they draw their masks alike.
 */
export function dropout(x: Tensor, p: number, rng: Generator | undefined): Tensor {
  if (p === 0) return x;
  // Uniforms in float64 (a float32 uniform can round up to 1), kept where u >= p: probability 1 - p.
  // The mask carries the 1 / (1 - p) scale, in the input's dtype so the output keeps it.
  const keep = rand(x.shape, { dtype: 'float64', rng }).ge(p);
  return x.mul(keep.mul(1 / (1 - p)).cast(x.dtype));
}

/** Options of Dropout. */
export interface DropoutOptions {
  /** The generator of the masks (default: the global one that `manualSeed` seeds). */
  rng?: Generator;
}

/**
 * In training mode, zeroes each element with probability `p` (default 0.5) and scales the others by
 * 1 / (1 - p), so the expected output equals the input ("inverted dropout", as PyTorch and Keras).
 * In evaluation mode, and for p = 0, it returns its input unchanged. The masks are drawn from
 * `rng` or the global generator, so a seeded run drops the same elements every time.
 */
export class Dropout extends Module {
  readonly p: number;
  /** The generator of the masks, or undefined for the global one. */
  readonly rng: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    this.p = expectNumber(p, 'Dropout: p', (v) => v >= 0 && v < 1, 'a probability in [0, 1)');
    checkOptions('Dropout', options, ['rng']);
    this.rng = options.rng === undefined ? undefined : checkGenerator('Dropout', options.rng);
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'Dropout: input');
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.rng);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
