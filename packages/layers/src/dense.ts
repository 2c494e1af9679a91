/**
 * Dense: the fully connected layer y = x W^T + b, PyTorch's `nn.Linear` (Keras's `Dense` without an
 * activation). The weight is stored [outFeatures, inFeatures] as in PyTorch, so a PyTorch state dict
 * loads as it is; Keras stores its kernel transposed, [in, out].
 */
import { AllocationError, getDefaultDtype, tensor, type DType, type Generator, type Tensor, checkGenerator, checkOptions, describeValue } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { uniformValues, type Initializer } from './initializers.js';
import { expectBoolean, expectInteger, expectTensor, formatShape } from './util.js';

/** Options of Dense. */
export interface DenseOptions {
  /** Whether to add a learnable bias (default true). */
  bias?: boolean;
  /** The dtype of the weight and bias (default: the default dtype). */
  dtype?: DType;
  /** The generator the initializers draw from (default: the global one that `manualSeed` seeds). */
  rng?: Generator;
  /** Makes the [outFeatures, inFeatures] weight (default: PyTorch's, see `Dense`). */
  kernelInitializer?: Initializer;
  /** Makes the [outFeatures] bias (default: PyTorch's, see `Dense`). */
  biasInitializer?: Initializer;
}

/**
 * A fully connected layer: `y = x W^T + b` on the last axis of `x` ([..., inFeatures] to
 * [..., outFeatures]).
 *
 * Default initialization, as PyTorch's `nn.Linear`: weight and bias are drawn from
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)) (PyTorch's kaiming_uniform with a = sqrt(5) for the weight,
 * which works out to that bound), the weight first, then the bias. Keras's defaults differ
 * (glorotUniform kernel, zero bias): pass `{ kernelInitializer: glorotUniform, biasInitializer: zeros }`
 * to get them.
 */
export class Dense extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The [outFeatures, inFeatures] weight. */
  readonly weight: Tensor;
  /** The [outFeatures] bias, or null with `{ bias: false }`. */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    checkOptions('Dense', options, ['bias', 'dtype', 'rng', 'kernelInitializer', 'biasInitializer']);
    this.inFeatures = expectInteger(inFeatures, 'Dense: inFeatures', 1);
    this.outFeatures = expectInteger(outFeatures, 'Dense: outFeatures', 1);
    const hasBias = expectBoolean(options.bias ?? true, `${this.label}: option bias`);
    const dtype = options.dtype ?? getDefaultDtype();
    const rng = checkGenerator('Dense', options.rng);
    const bound = 1 / Math.sqrt(inFeatures);
    const pytorchDefault: Initializer = (shape) => tensor(uniformValues(shape, bound, rng), { shape, dtype });
    this.weight = this.create('kernelInitializer', options.kernelInitializer ?? pytorchDefault, [outFeatures, inFeatures], dtype, rng);
    this.bias = hasBias ? this.create('biasInitializer', options.biasInitializer ?? pytorchDefault, [outFeatures], dtype, rng) : null;
  }

  /** `Dense(4 -> 3)`: how errors name this layer. */
  get label(): string {
    return `Dense(${this.inFeatures} -> ${this.outFeatures})`;
  }

  /**
   * Runs an initializer and makes its result a parameter: a private copy (an initializer could
   * return a tensor it also hands to others) of the right shape, in the layer's dtype.
   */
  private create(option: string, init: Initializer, shape: number[], dtype: DType, rng: Generator | undefined): Tensor {
    if (typeof init !== 'function') throw new Error(`${this.label}: ${option} must be a function (shape, options) => Tensor, got ${describeValue(init)}`);
    let made: Tensor;
    try {
      made = expectTensor(init(shape, { dtype, rng }), `${this.label}: the result of ${option}`);
    } catch (error) {
      // The initializer's own op (rand, full, ...) is not what the user called: name the layer.
      if (error instanceof AllocationError) {
        const name = option === 'kernelInitializer' ? 'weight' : 'bias';
        throw new Error(`${this.label}: cannot make its ${name} of shape ${formatShape(shape)} (initializing it failed with: ${error.message})`, { cause: error });
      }
      throw error;
    }
    if (made.shape.length !== shape.length || made.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${this.label}: ${option} returned shape ${formatShape(made.shape)}, expected ${formatShape(shape)}`);
    }
    return parameter(tensor(made.data(), { shape, dtype }));
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, `${this.label}: input`);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`${this.label}: expected input with ${this.inFeatures} features (last axis), got shape ${formatShape(x.shape)}`);
    }
    const y = x.matmul(this.weight.transpose());
    return this.bias === null ? y : y.add(this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
