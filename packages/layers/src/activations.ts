/**
 * Activation layers: modules without parameters that apply a function element-wise (or along an
 * axis, for the softmaxes). Conventions at kinks follow PyTorch: relu'(0) = 0, leakyRelu'(0) = slope.
 */
import { checkOptions, describeValue, where, type Tensor } from '@nn/autograd';
import { Module } from './module.js';
import { normalCdf } from './special.js';
import { elu, eluOptions, mish, silu, softplus, softplusOptions, type ELUOptions, type SoftplusOptions } from './activation-functions.js';
import { expectInteger, expectNumber, expectTensor, formatShape } from './util.js';

/** Returns its input unchanged (the input itself): a placeholder layer, PyTorch's `nn.Identity`. */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return expectTensor(x, 'Identity: input');
  }
}

/** max(x, 0), element-wise. PyTorch's `nn.ReLU`, Keras's `ReLU`. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return expectTensor(x, 'ReLU: input').relu();
  }
}

/**
 * x where x > 0, else negativeSlope * x (default 0.01). PyTorch's `nn.LeakyReLU`; Keras's `LeakyReLU`
 * (whose default slope is 0.3, not 0.01).
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = expectNumber(negativeSlope, 'LeakyReLU: negativeSlope', () => true, 'a finite number');
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'LeakyReLU: input');
    // `where`, not max(x, slope * x): that would be wrong for slopes > 1, and `where` gives
    // PyTorch's derivative at 0 (the slope).
    return where(x.gt(0), x, x.mul(this.negativeSlope));
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Options of GELU. */
export interface GELUOptions {
  /** 'none' (default): the exact x * Phi(x) with the normal CDF Phi; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit x * Phi(x), Phi the standard normal CDF, exactly (erf form) as
 * PyTorch's default `nn.GELU()`; with `{ approximate: 'tanh' }`,
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) as `nn.GELU(approximate='tanh')`.
 * Keras's `gelu` defaults to the tanh form (`approximate=False` there gives the exact one).
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new Error(`GELU: approximate must be 'none' or 'tanh', got ${describeValue(approximate)}`);
    }
    this.approximate = approximate;
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'GELU: input');
    if (this.approximate === 'none') return x.mul(normalCdf(x));
    const inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_TWO_OVER_PI);
    return x.mul(inner.tanh().add(1)).mul(0.5);
  }

  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='tanh'`;
  }
}

/** 1 / (1 + e^-x), element-wise (saturates without NaN). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return expectTensor(x, 'Sigmoid: input').sigmoid();
  }
}

/** The hyperbolic tangent, element-wise. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return expectTensor(x, 'Tanh: input').tanh();
  }
}

/** The shared part of Softmax and LogSoftmax: an axis, checked against the input's rank. */
abstract class AlongAxis extends Module {
  readonly axis: number;

  constructor(axis: number) {
    super();
    this.axis = expectInteger(axis, `${new.target.name}: axis`);
  }

  /** The input, checked: a tensor that has the axis. */
  protected checked(x: Tensor): Tensor {
    const name = this.constructor.name;
    expectTensor(x, `${name}: input`);
    if (this.axis < -x.ndim || this.axis >= x.ndim) {
      throw new Error(`${name}(axis=${this.axis}): axis out of range for input of shape ${formatShape(x.shape)} (rank ${x.ndim})`);
    }
    return x;
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}

/** exp(x) / sum(exp(x)) along `axis` (default the last), stable at logits of +-1e4. */
export class Softmax extends AlongAxis {
  constructor(axis = -1) {
    super(axis);
  }

  override forward(x: Tensor): Tensor {
    return this.checked(x).softmax(this.axis);
  }
}

/** log(softmax(x)) along `axis` (default the last), computed without forming softmax. */
export class LogSoftmax extends AlongAxis {
  constructor(axis = -1) {
    super(axis);
  }

  override forward(x: Tensor): Tensor {
    return this.checked(x).logSoftmax(this.axis);
  }
}

/** x * sigmoid(x), element-wise (`silu`). PyTorch's `nn.SiLU`, Keras's `swish` / `silu`. */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    expectTensor(x, 'SiLU: input');
    return silu(x);
  }
}

/**
 * log(1 + e^(beta x)) / beta, and x where beta * x > threshold (`softplus`; defaults beta 1,
 * threshold 20). PyTorch's `nn.Softplus(beta, threshold)`; Keras's `softplus` has neither option.
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: SoftplusOptions = {}) {
    super();
    const { beta, threshold } = softplusOptions(options, 'Softplus');
    this.beta = beta;
    this.threshold = threshold;
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'Softplus: input');
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * x for x > 0, alpha * (e^x - 1) for x <= 0 (`elu`; default alpha 1); the derivative at 0 is alpha,
 * as PyTorch's. PyTorch's `nn.ELU(alpha)`, Keras's `ELU`.
 */
export class ELU extends Module {
  readonly alpha: number;

  constructor(options: ELUOptions = {}) {
    super();
    this.alpha = eluOptions(options, 'ELU').alpha;
  }

  override forward(x: Tensor): Tensor {
    expectTensor(x, 'ELU: input');
    return elu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x * tanh(softplus(x)), element-wise (`mish`). PyTorch's `nn.Mish`, Keras's `mish`. */
export class Mish extends Module {
  override forward(x: Tensor): Tensor {
    expectTensor(x, 'Mish: input');
    return mish(x);
  }
}
