/** Sequential: a chain of modules, each fed the previous one's output. */
import { describeValue, type Tensor } from '@nn/autograd';
import { Module } from './module.js';

/**
 * Runs its layers in order. Its children are named by position (`0`, `1`, ...), so parameter names
 * are `0.weight`, `2.bias`, as in PyTorch's `nn.Sequential`; Keras's `Sequential` with `add` as `append`.
 *
 * ```ts
 * const model = new Sequential([new Dense(4, 8), new ReLU(), new Dense(8, 3)]);
 * ```
 */
export class Sequential extends Module {
  /** The layers, in order. */
  readonly layers: Module[];

  constructor(layers: readonly Module[] = []) {
    super();
    if (!Array.isArray(layers)) throw new Error(`Sequential: expected an array of modules, got ${describeValue(layers)}`);
    layers.forEach((layer, i) => Sequential.check(layer, i));
    this.layers = [...layers];
  }

  private static check(layer: unknown, index: number): void {
    if (!(layer instanceof Module)) throw new Error(`Sequential: layer ${index} is not a Module (got ${describeValue(layer)})`);
  }

  /** Adds a layer at the end; returns this. */
  append(layer: Module): this {
    Sequential.check(layer, this.layers.length);
    this.layers.push(layer);
    return this;
  }

  /** The number of layers. */
  get length(): number {
    return this.layers.length;
  }

  /** The layer at `index` (negative counts from the end), or undefined. */
  at(index: number): Module | undefined {
    return this.layers.at(index);
  }

  override forward(x: Tensor): Tensor {
    return this.layers.reduce((h, layer) => layer.call(h), x);
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((layer, i) => [String(i), layer]);
  }
}
